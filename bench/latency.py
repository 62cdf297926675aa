"""Matcher latency on the shipped faq.yaml, and cold start of `faqbot ask`, against baselines.

Per-question latency (p50/p99) of the lexical stage alone and of a whole answer (semantic stage
included where it runs), over every phrasing of the dev set's questions; the baseline is rapidfuzz
WRatio over all phrasings, timed in the same run. Cold start is the wall time of a fresh
`faqbot ask` process, against a bare `python -c pass` in the same run.

    .venv/bin/python bench/latency.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT, SHARED, percentile, table
from bot.config import load_settings
from bot.engine import Engine, engine_from_settings
from bot.evaluation import read_labelled


def timed(fn, items: list[str]) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def cold_start(args: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, cwd=ROOT, capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = engine_from_settings(load_settings(None), str(ROOT / "faq.yaml"))
    lexical = Engine.build(engine.kb, None)
    questions = [item.question for item in read_labelled(SHARED / "eval" / "dev.tsv")] * 3
    choices = [p for e in engine.kb.entries for p in e.phrasings()]
    engine.matcher.warm(pause=0.0)  # every phrasing's embedding cached, as a running bot has it
    for q in questions[:20]:
        engine.ask(q)  # warm the other caches before timing
    rows = []
    for name, fn in [
        ("lexical stage (no embedder)", lexical.matcher.decide),
        ("whole answer (cascade + reply)", engine.ask),
        (
            "baseline: WRatio over all phrasings",
            lambda q: process.extract(q, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=5),
        ),
    ]:
        ms = timed(fn, questions)
        rows.append([name, len(ms), percentile(ms, 50), percentile(ms, 99)])
    print(table(["per question", "n", "p50 ms", "p99 ms"], rows))
    base = cold_start([sys.executable, "-c", "pass"], args.repeat)
    ask = cold_start([sys.executable, "-m", "bot", "ask", "지원 방법"], args.repeat)
    ask_sem = cold_start([sys.executable, "-m", "bot", "ask", "이미지랑 파일 저장하는 곳은 어디예요"], args.repeat)
    print()
    print(
        table(
            [f"cold start (median of {args.repeat})", "seconds", "minus bare python"],
            [
                ["python -c pass", base, 0.0],
                ["faqbot ask (lexical answer)", ask, ask - base],
                ["faqbot ask (semantic stage runs)", ask_sem, ask_sem - base],
            ],
        )
    )
    if engine.matcher.embedder is not None:
        engine.matcher.embedder.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())

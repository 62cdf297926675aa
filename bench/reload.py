"""Reload of a 1,000-entry faq.yaml: time to validate and index it, and what it does to answering meanwhile.

Run: python bench/reload.py [--entries 1000] [--rounds 5] [--warm 300]

The file is the shipped faq.yaml plus synthetic entries with 12 phrasings each in two languages. Each
round rewrites the file and reloads it on a worker thread (as the running bot does) while the main
thread keeps answering; answering latency during reloads is compared with answering alone. Two kinds
of edit: one entry changed (what recruiters do) and every phrasing new (nothing re-usable).

The reload rounds use the lexical engine: after a reload the semantic layer embeds new phrasings on a
background thread, which is measured on its own last (``--warm`` new phrasings, answering meanwhile).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, percentile, table
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.reload import LiveEngine
from bot.semantic import load_embedder

QUESTIONS = ["지원은 어떻게 해요?", "회사 분위기 어때요", "하둡 팀은 뭐 해요?", "연봉은요?", "wldnjs qkdqjq"]


def synthetic(n: int, round_no: int) -> str:
    parts = []
    for i in range(n):
        ko = [f"{i}번 주제 질문 {k} 변형 {round_no}" for k in range(6)]
        en = [f"question {k} about synthetic topic {i} v{round_no}" for k in range(6)]
        parts.append(
            f"""
  - id: synthetic-{i}
    title: {{ko: 주제 {i}, en: Topic {i}}}
    questions:
      ko: [{", ".join(ko)}]
      en: [{", ".join(en)}]
    answer: {{ko: 주제 {i}에 대한 답입니다., en: The answer about topic {i}.}}
"""
        )
    return "".join(parts)


def answer_latencies(live: LiveEngine, seconds: float) -> list[float]:
    out = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        live().ask(QUESTIONS[i % len(QUESTIONS)])
        out.append((time.perf_counter() - t) * 1000)
        i += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", type=int, default=300, help="new phrasings for the warm-up measurement")
    args = parser.parse_args()

    def build(kb: KnowledgeBase) -> Engine:
        return Engine.build(kb, None)

    shipped = (ROOT / "faq.yaml").read_text(encoding="utf-8")
    extra = args.entries - 15
    base = synthetic(extra, 0)

    def one_edit(r: int) -> str:  # a recruiter adds a phrasing to one entry
        return shipped + base.replace("0번 주제 질문 0 변형 0", f"0번 주제 질문 0 변형 0, 새 표현 {r}", 1)

    def all_new(r: int) -> str:  # every phrasing differs from anything seen: nothing can be re-used
        return shipped + synthetic(extra, 1000 + r)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "faq.yaml"
        path.write_text(shipped + base, encoding="utf-8")
        live = LiveEngine.load(path, build)
        for q in QUESTIONS:
            live().ask(q)  # warm the embedding cache for the questions themselves
        alone = answer_latencies(live, 2.0)
        quiet = []
        for r in range(1, args.rounds + 1):  # no questions meanwhile: the reload has both cores
            path.write_text(all_new(500 + r), encoding="utf-8")
            quiet.append(live.reload().seconds)
        rows = [["every phrasing new, no questions meanwhile: reload median / max, s",
                 f"{statistics.median(quiet):.3f} / {max(quiet):.3f}"]]  # fmt: skip
        ratios = []
        for label, make in (("one entry edited", one_edit), ("every phrasing new", all_new)):
            times, during = rounds(live, path, make, args.rounds)
            rows.append([f"{label}: reload median / max, s", f"{statistics.median(times):.3f} / {max(times):.3f}"])
            rows.append(
                [
                    f"{label}: answer p50 / p99 meanwhile, ms",
                    f"{percentile(during, 50):.2f} / {percentile(during, 99):.2f}",
                ]
            )
            ratios.append((label, percentile(during, 99) / percentile(alone, 99)))
        entries = len(live().kb.entries)
        phrasings = sum(len(e.phrasings()) for e in live().kb.entries)

    print(f"reload of {entries} entries ({phrasings} phrasings), {args.rounds} rounds each, on a worker thread\n")
    print(
        table(
            ["measure", "value"],
            [["answer p50 / p99 alone, ms", f"{percentile(alone, 50):.2f} / {percentile(alone, 99):.2f}"], *rows],
        )
    )
    for label, ratio in ratios:
        print(f"{label}: answer p99 during reloads / alone = {ratio:.1f}x")
    warm_up(args.warm)


def warm_up(n: int) -> None:
    """Background embedding of ``n`` new phrasings after a reload, and answering meanwhile."""
    if n <= 0:
        return
    embedder = load_embedder(True, Settings().cache_dir())
    if embedder is None:
        print("\nsemantic layer unavailable on this CPU: no warm-up to measure")
        return
    shipped = (ROOT / "faq.yaml").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "faq.yaml"
        path.write_text(shipped, encoding="utf-8")
        live = LiveEngine.load(path, lambda kb: Engine.build(kb, embedder))
        while any(t.name == "faqbot-warm" for t in threading.enumerate()):
            time.sleep(0.05)
        alone = answer_latencies(live, 2.0)
        tag = f"{time.time_ns()}"  # phrasings no cache has seen
        path.write_text(shipped + synthetic(n // 12 + 1, int(tag[-9:])), encoding="utf-8")
        started = time.perf_counter()
        live.reload()
        during: list[float] = []
        while any(t.name == "faqbot-warm" for t in threading.enumerate()):
            during.extend(answer_latencies(live, 0.05))
        took = time.perf_counter() - started
    print(
        f"\nwarm-up of ~{n} new phrasings in the background: {took:.1f} s; answers meanwhile p50 "
        f"{percentile(during, 50):.2f} ms, p99 {percentile(during, 99):.2f} ms (alone: p50 "
        f"{percentile(alone, 50):.2f}, p99 {percentile(alone, 99):.2f})"
    )


def reload_into(live: LiveEngine, out: list) -> None:
    out.append(live.reload())


def rounds(live: LiveEngine, path: Path, make, n: int) -> tuple[list[float], list[float]]:
    """Rewrite and reload ``n`` times while answering; reload seconds and answer latencies meanwhile."""
    times: list[float] = []
    during: list[float] = []
    for r in range(1, n + 1):
        path.write_text(make(r), encoding="utf-8")
        result: list = []
        worker = threading.Thread(target=reload_into, args=(live, result))
        worker.start()
        while worker.is_alive():
            during.extend(answer_latencies(live, 0.02))
        worker.join()
        assert result[0].ok and result[0].changed, result[0].message()
        times.append(result[0].seconds)
    return times, during


if __name__ == "__main__":
    main()

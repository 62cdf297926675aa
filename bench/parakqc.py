"""paraKQC protocol (shared/eval/README.md) through `faqbot ask --jsonl`, against the naive baseline.

Builds a knowledge base from the first phrasing of each set (and, second run, the first three), asks
the other paraphrases through the real command in one process, and reports top-1 (overall and on
each half of the sets: 0-249, 250-499), top-5, questions/s (the median of ``--runs``) and the share of
questions that reached the cascade's embedding stage. The same command with the embedder off (the
lexical stage and the static table alone) and the baseline — rapidfuzz WRatio with default_process
over all phrasings — run in the same session on the same machine, so the ratios hold even when the
machine is busy.

    .venv/bin/python bench/parakqc.py [--phrasings 1 3] [--limit N] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT, parakqc_sets, table
from bot.normalize import clean


def build_faq(sets: dict[int, list[str]], per_set: int) -> tuple[dict, list[tuple[str, str]]]:
    """A knowledge base with ``per_set`` phrasings per set, and the (set id, question) queries."""
    seen: set[str] = set()
    entries, queries = [], []
    for number, questions in sets.items():
        phrasings = []
        for q in questions[:per_set]:
            if clean(q) and clean(q) not in seen:  # validation rejects one phrasing under two entries
                seen.add(clean(q))
                phrasings.append(q)
        entry_id = f"set-{number}"
        if phrasings:
            entries.append({"id": entry_id, "questions": {"ko": phrasings}, "answer": {"ko": entry_id}})
        queries += [(entry_id, q) for q in questions[per_set:]]
    return {"languages": ["ko"], "apply_url": "http://kko.to/VS1FS4x00", "entries": entries}, queries


def run_faqbot(
    faq_path: Path, questions: list[str], cache_dir: str, config: Path | None = None
) -> tuple[list[dict], float]:
    env = {**os.environ, "XDG_CACHE_HOME": cache_dir}
    settings = ["--config", str(config)] if config else []
    asked = Path(cache_dir) / "questions.txt"  # a file, as a bulk job gives it (a pipe is answered line by line)
    asked.write_text("\n".join(questions) + "\n", encoding="utf-8")
    start = time.perf_counter()
    with asked.open("rb") as stdin:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--jsonl", "--faq", str(faq_path), *settings],
            stdin=stdin,
            capture_output=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
    elapsed = time.perf_counter() - start
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()], elapsed


def baseline(faq: dict, questions: list[str]) -> tuple[list[list[str]], float]:
    choices, owners = [], []
    for entry in faq["entries"]:
        for q in entry["questions"]["ko"]:
            choices.append(q)
            owners.append(entry["id"])
    start = time.perf_counter()
    ranked = []
    for q in questions:
        hits = process.extract(q, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=50)
        ids: list[str] = []
        for _, _, index in hits:
            if owners[index] not in ids:
                ids.append(owners[index])
        ranked.append(ids[:5])
    return ranked, time.perf_counter() - start


def share(flags: list[bool]) -> float | str:
    """The share of true flags, or '-' when there are none (a --limit that leaves a half empty)."""
    return sum(flags) / len(flags) if flags else "-"


def scores(
    out: list[dict], expected: list[str], half: list[bool]
) -> tuple[float, float | str, float | str, float, float]:
    """top-1, top-1 on sets 0-249, on sets 250-499, top-5, and the share that reached the embedding stage."""
    top1 = [bool(r["candidates"][:1]) and r["candidates"][0]["id"] == e for r, e in zip(out, expected, strict=True)]
    top5 = [e in [c["id"] for c in r["candidates"][:5]] for r, e in zip(out, expected, strict=True)]
    first = [t for t, h in zip(top1, half, strict=True) if h]
    second = [t for t, h in zip(top1, half, strict=True) if not h]
    embedded = sum(r.get("stage") == "embedding" for r in out)
    n = len(out)
    return (
        sum(top1) / n,
        share(first),
        share(second),
        sum(top5) / n,
        embedded / n,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrasings", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N questions (0 = all)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command; the median is reported")
    args = parser.parse_args()
    sets = parakqc_sets()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        lexical_only = Path(tmp) / "lexical.toml"
        lexical_only.write_text("[matching]\nsemantic = false\n", encoding="utf-8")
        for per_set in args.phrasings:
            faq, queries = build_faq(sets, per_set)
            if args.limit:
                queries = queries[: args.limit]
            path = Path(tmp) / f"parakqc-{per_set}.yaml"
            path.write_text(yaml.safe_dump(faq, allow_unicode=True), encoding="utf-8")
            questions = [q for _, q in queries]
            expected = [e for e, _ in queries]
            half = [int(e.split("-")[1]) < 250 for e in expected]
            run_faqbot(path, questions[:50], tmp)  # warm the phrasing-embedding cache once
            run_faqbot(path, [q for e in faq["entries"] for q in e["questions"]["ko"]], tmp)
            n = len(questions)
            for name, config in (("faqbot ask --jsonl", None), ("  the same, embedder off", lexical_only)):
                timed = [run_faqbot(path, questions, tmp, config) for _ in range(max(1, args.runs))]
                out = timed[0][0]
                if any(o != out for o, _ in timed[1:]):
                    raise SystemExit("the runs did not give the same decisions")
                elapsed = statistics.median(t for _, t in timed)
                top1, first, second, top5, embedded = scores(out, expected, half)
                label = f"{name}, {per_set} phrasing(s)" if config is None else name
                rows.append([label, n, top1, first, second, top5, f"{embedded:.1%}", n / elapsed])
            ranked, b_elapsed = baseline(faq, questions)
            b1 = [r[:1] == [e] for r, e in zip(ranked, expected, strict=True)]
            b5 = sum(e in r for r, e in zip(ranked, expected, strict=True))
            first = [t for t, h in zip(b1, half, strict=True) if h]
            second = [t for t, h in zip(b1, half, strict=True) if not h]
            rows.append(
                [
                    f"WRatio baseline, {per_set} phrasing(s)",
                    n,
                    sum(b1) / n,
                    share(first),
                    share(second),
                    b5 / n,
                    "",
                    n / b_elapsed,
                ]
            )
            full, lexical, base = rows[-3], rows[-2], rows[-1]
            rows.append(["  ratio faqbot / embedder off", "", "", "", "", "", "", full[-1] / lexical[-1]])
            rows.append(
                ["  ratio faqbot / baseline", "", full[2] / base[2], "", "", full[5] / base[5], "", full[-1] / base[-1]]
            )
    headers = ["matcher", "questions", "top-1", "sets 0-249", "sets 250-499", "top-5", "embedder ran", "questions/s"]
    print(table(headers, rows))
    print(
        f"\nquestions/s: median of {args.runs} runs; faqbot's include process start and loading, the baseline's do not."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

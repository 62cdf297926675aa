"""paraKQC protocol (shared/eval/README.md) through `faqbot ask --jsonl`, against the naive baseline.

Builds a knowledge base from the first phrasing of each set (and, second run, the first three), asks
the other paraphrases through the real command in one process, and reports top-1, top-5 and
questions/s. The baseline — rapidfuzz WRatio with default_process over all phrasings — runs in the
same session on the same machine, so the ratios hold even when the machine is busy.

    .venv/bin/python bench/parakqc.py [--phrasings 1 3] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
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


def run_faqbot(faq_path: Path, questions: list[str], cache_dir: str) -> tuple[list[dict], float]:
    env = {**os.environ, "XDG_CACHE_HOME": cache_dir}
    asked = Path(cache_dir) / "questions.txt"  # a file, as a bulk job gives it (a pipe is answered line by line)
    asked.write_text("\n".join(questions) + "\n", encoding="utf-8")
    start = time.perf_counter()
    with asked.open("rb") as stdin:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--jsonl", "--faq", str(faq_path)],
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrasings", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N questions (0 = all)")
    args = parser.parse_args()
    sets = parakqc_sets()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for per_set in args.phrasings:
            faq, queries = build_faq(sets, per_set)
            if args.limit:
                queries = queries[: args.limit]
            path = Path(tmp) / f"parakqc-{per_set}.yaml"
            path.write_text(yaml.safe_dump(faq, allow_unicode=True), encoding="utf-8")
            questions = [q for _, q in queries]
            expected = [e for e, _ in queries]
            run_faqbot(path, questions[:50], tmp)  # warm the phrasing-embedding cache once
            run_faqbot(path, [q for e in faq["entries"] for q in e["questions"]["ko"]], tmp)
            out, elapsed = run_faqbot(path, questions, tmp)
            top1 = sum(
                r["candidates"][:1] and r["candidates"][0]["id"] == e for r, e in zip(out, expected, strict=True)
            )
            top5 = sum(e in [c["id"] for c in r["candidates"][:5]] for r, e in zip(out, expected, strict=True))
            ranked, b_elapsed = baseline(faq, questions)
            b1 = sum(r[:1] == [e] for r, e in zip(ranked, expected, strict=True))
            b5 = sum(e in r for r, e in zip(ranked, expected, strict=True))
            n = len(questions)
            rows.append([f"faqbot ask --jsonl, {per_set} phrasing(s)", n, top1 / n, top5 / n, n / elapsed])
            rows.append([f"WRatio baseline, {per_set} phrasing(s)", n, b1 / n, b5 / n, n / b_elapsed])
            rows.append(
                [
                    "  ratio faqbot / baseline",
                    "",
                    (top1 / max(b1, 1)),
                    (top5 / max(b5, 1)),
                    (n / elapsed) / (n / b_elapsed),
                ]
            )
    print(table(["matcher", "questions", "top-1", "top-5", "questions/s"], rows))
    print("\nfaqbot questions/s include process start and loading; the baseline's exclude them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

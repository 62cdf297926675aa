"""Everyday Korean that has nothing to do with recruiting must not get an FAQ answer.

Asks every paraKQC question (5,000 everyday Korean questions and commands) against the shipped
faq.yaml and counts answers other than greeting/thanks; the naive baseline (WRatio, answering above
a score of 85.5) runs on the same questions in the same run.

    .venv/bin/python bench/chitchat.py
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT, parakqc_sets, table
from bot.config import load_settings
from bot.engine import Engine, engine_from_settings

SMALL_TALK = {"greeting", "thanks"}


def main() -> int:
    questions = [q for qs in parakqc_sets().values() for q in qs]
    engine = engine_from_settings(load_settings(None), str(ROOT / "faq.yaml"))
    rows = []
    for name, matcher in [
        ("faqbot (cascade)", engine.matcher),
        ("faqbot (lexical only)", Engine.build(engine.kb, None).matcher),
    ]:
        start = time.perf_counter()
        actions: Counter[str] = Counter()
        examples = []
        for q in questions:
            d = matcher.decide(q)
            actions[d.action] += 1
            if d.action == "answer" and d.id not in SMALL_TALK:
                actions["faq answer"] += 1
                examples.append((q, d.id, d.score))
        qps = len(questions) / (time.perf_counter() - start)
        rows.append(
            [name, len(questions), actions["faq answer"] / len(questions), actions["clarify"] / len(questions), qps]
        )
        for q, i, s in examples[:5]:
            print(f"  {name}: {q!r} -> {i} ({s})")
    choices = [p for e in engine.kb.entries for p in e.phrasings()]
    owners = [e.id for e in engine.kb.entries for _ in e.phrasings()]
    start = time.perf_counter()
    naive = 0
    for q in questions:
        hit = process.extractOne(q, choices, scorer=fuzz.WRatio, processor=utils.default_process)
        naive += bool(hit and hit[1] >= 85.5 and owners[hit[2]] not in SMALL_TALK)
    rows.append(
        [
            "baseline: WRatio >= 85.5",
            len(questions),
            naive / len(questions),
            0.0,
            len(questions) / (time.perf_counter() - start),
        ]
    )
    print(table(["matcher", "questions", "FAQ answers (want <= 0.01)", "clarify", "questions/s"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

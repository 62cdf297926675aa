"""Follow-up turns answered in context vs. each asked on its own (what the conversation state adds).

    python bench/conversations.py [bench/conversations.tsv ...]

For each labelled conversation file (conversation<TAB>expected<TAB>question), prints first-turn and
follow-up scores: a turn is right when it is answered with an expected id, falls back when out of
scope, or says "the interview doesn't say" when it asks for an uncovered fact. Deterministic; reads
only the files given (default: the project's three conversation sets).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.engine import engine_from_settings
from bot.evaluation import Report, evaluate_conversations, read_labelled

ROOT = Path(__file__).resolve().parent.parent


def summary(report: Report) -> str:
    n = sum(report.in_scope.values()) + sum(report.out_scope.values()) + sum(report.uncovered.values())
    right = report.in_scope["right"] + report.out_scope["right"] + report.uncovered["honest"]
    n_in = sum(report.in_scope.values()) or 1
    helpful = (report.in_scope["right"] + report.in_scope["helpful"]) / n_in
    return (
        f"{right:>3}/{n:<3} right {right / max(1, n):6.1%} | in scope: helpful {helpful:6.1%}, "
        f"wrong {report.in_scope['wrong']} | out of scope answered {report.out_scope['wrong']} | "
        f"uncovered answered {report.uncovered['wrong']}"
    )


DEFAULT = ("bench/conversations.tsv", "bench/conversations_blind.tsv", "bench/conversations_dev.tsv")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="conversation files (default: " + ", ".join(DEFAULT) + ")")
    parser.add_argument("--show-errors", action="store_true", help="list every follow-up turn not answered right")
    args = parser.parse_args(argv)
    paths = args.files
    engine = engine_from_settings(Settings(), str(ROOT / "faq.yaml"))
    for path in paths or [str(ROOT / name) for name in DEFAULT]:
        items = read_labelled(path)
        alone = Report()
        seen: set[str | None] = set()
        for item in items:
            if item.conversation in seen:
                alone.add(item, engine.matcher.decide(item.question))
            seen.add(item.conversation)
        first, follow = evaluate_conversations(engine, items)
        print(f"{path}: {len(seen)} conversations, {len(items)} turns")
        print(f"  first turns             {summary(first)}")
        print(f"  follow-ups, in context  {summary(follow)}")
        print(f"  follow-ups, each alone  {summary(alone)}")
        if args.show_errors:
            for item, decision, verdict in follow.errors:
                shown = decision.id or ",".join(o.id for o in decision.options) or "-"
                expected = "|".join(sorted(item.expected)) or ("!" if item.uncovered else "-")
                got = f"{decision.action} {shown}"
                print(f"    {verdict:9} line {item.line}: {item.question!r} expected {expected}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

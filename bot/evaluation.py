"""Scoring a labelled question set (as bench/holdout.tsv) against a matcher, or a labelled set of
conversations (as bench/conversations.tsv) against an engine.

Lines are ``expected<TAB>question``; ``#`` lines are comments. ``expected`` is an entry id or ids joined
by ``|`` (any is right), ``-`` for a question the FAQ cannot answer, or ``!id`` (``!`` alone) for a
question that asks for a fact the interview lacks, about topic ``id``: it must not be answered, and
the honest reply says the interview does not cover it. A conversation file has three columns,
``conversation<TAB>expected<TAB>question``: the lines of one conversation, in order, are asked as one
chat, and each turn's label is what it means in that chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.conversation import Conversations
from bot.errors import FaqbotError
from bot.matching import Decision, Matcher

if TYPE_CHECKING:
    from bot.engine import Engine


@dataclass(frozen=True)
class Labelled:
    """One question with the entry ids that answer it (empty: out of scope, or an uncovered fact)."""

    line: int
    expected: frozenset[str]
    question: str
    uncovered: bool = False  # asks for a fact the interview lacks
    topic: str | None = None  # ... about this entry
    conversation: str | None = None  # the chat it is a turn of (conversation files)

    @property
    def ids(self) -> frozenset[str]:
        """Every entry id the line names (expected ids, or the uncovered fact's topic)."""
        return self.expected | ({self.topic} if self.topic else frozenset())


def read_labelled(path: str | Path) -> list[Labelled]:
    """Read ``expected<TAB>question`` lines, or ``conversation<TAB>expected<TAB>question`` lines (the
    first line that is not a comment decides); '#' lines are comments, '-' means out of scope."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()  # a BOM (Windows editors) is not an id
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise FaqbotError(f"{path}: cannot read: {reason}") from None
    out = []
    columns = 0
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = columns or min(3, line.count("\t") + 1)
        if columns == 3:
            if line.count("\t") < 2:
                raise FaqbotError(f"{path}:{number}:1: expected 'conversation<TAB>ids<TAB>question'")
            conversation, expected, question = line.split("\t", 2)
        elif "\t" not in line:
            raise FaqbotError(f"{path}:{number}:1: expected 'ids<TAB>question'")
        else:
            conversation = None
            expected, question = line.split("\t", 1)
        expected = expected.strip()
        if expected.startswith("!"):
            topic = expected[1:] or None
            out.append(Labelled(number, frozenset(), question, uncovered=True, topic=topic, conversation=conversation))
            continue
        ids = frozenset() if expected == "-" else frozenset(expected.split("|"))
        out.append(Labelled(number, ids, question, conversation=conversation))
    return out


def verdict(item: Labelled, decision: Decision) -> str:
    """right | helpful | wrong | missed (in scope); right | tolerated | wrong (out of scope);
    honest | tolerated | wrong (uncovered facts: honest = says the interview does not cover it)."""
    if item.uncovered:
        if decision.action == "answer":
            return "wrong"
        return "honest" if decision.missing else "tolerated"
    if not item.expected:
        return {"fallback": "right", "clarify": "tolerated"}.get(decision.action, "wrong")
    if decision.action == "answer":
        return "right" if decision.id in item.expected else "wrong"
    if decision.action == "clarify" and any(o.id in item.expected for o in decision.options):
        return "helpful"
    return "missed"


@dataclass
class Report:
    """Counts per verdict for in-scope and out-of-scope questions."""

    in_scope: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("right", "helpful", "wrong", "missed"), 0))
    out_scope: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("right", "tolerated", "wrong"), 0))
    uncovered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("honest", "tolerated", "wrong"), 0))
    errors: list[tuple[Labelled, Decision, str]] = field(default_factory=list)

    def add(self, item: Labelled, decision: Decision) -> None:
        v = verdict(item, decision)
        (self.uncovered if item.uncovered else self.in_scope if item.expected else self.out_scope)[v] += 1
        if v not in ("right", "honest"):
            self.errors.append((item, decision, v))

    def rates(self) -> dict[str, float]:
        """The headline rates, as fractions."""
        n_in = sum(self.in_scope.values()) or 1
        n_out = sum(self.out_scope.values()) or 1
        n_unc = sum(self.uncovered.values()) or 1
        return {
            "uncovered_answered": self.uncovered["wrong"] / n_unc,
            "uncovered_honest": self.uncovered["honest"] / n_unc,
            "right": self.in_scope["right"] / n_in,
            "helpful": (self.in_scope["right"] + self.in_scope["helpful"]) / n_in,
            "wrong": self.in_scope["wrong"] / n_in,
            "oos_fallback": self.out_scope["right"] / n_out,
            "oos_answered": self.out_scope["wrong"] / n_out,
        }

    def table(self) -> str:
        """The metrics table as text."""
        n_in, n_out = sum(self.in_scope.values()), sum(self.out_scope.values())
        r = self.rates()
        rows = [
            ("in scope", n_in, ""),
            ("  right (answered with an expected id)", self.in_scope["right"], f"{r['right']:.1%}"),
            (
                "  helpful (right, or clarify offering it)",
                self.in_scope["right"] + self.in_scope["helpful"],
                f"{r['helpful']:.1%}",
            ),
            ("  wrong (answered with another id)", self.in_scope["wrong"], f"{r['wrong']:.1%}"),
            ("out of scope", n_out, ""),
            ("  fell back", self.out_scope["right"], f"{r['oos_fallback']:.1%}"),
            ("  clarified (tolerated)", self.out_scope["tolerated"], ""),
            ("  answered (wrong)", self.out_scope["wrong"], f"{r['oos_answered']:.1%}"),
        ]
        n_unc = sum(self.uncovered.values())
        if n_unc:
            rows += [
                ("asks for a fact the interview lacks", n_unc, ""),
                ("  said it is not covered", self.uncovered["honest"], f"{r['uncovered_honest']:.1%}"),
                ("  other fallback or clarify", self.uncovered["tolerated"], ""),
                ("  answered (wrong)", self.uncovered["wrong"], f"{r['uncovered_answered']:.1%}"),
            ]
        width = max(len(r[0]) for r in rows)
        return "\n".join(f"{name:<{width}}  {count:>5}  {rate:>6}".rstrip() for name, count, rate in rows)


def evaluate(
    matcher: Matcher, items: list[Labelled], workers: int = 1, decisions: Iterable[Decision] | None = None
) -> Report:
    """Ask every question and tally the verdicts (``workers`` threads: the embedding engine releases the
    GIL, so two cores score a set nearly twice as fast; the tally is the same). ``decisions``: the items'
    decisions made elsewhere, in order (a pool of processes, bot.bulk)."""
    report = Report()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        if decisions is None:
            decisions = pool.map(matcher.decide, [i.question for i in items])
        for item, decision in zip(items, decisions, strict=True):
            report.add(item, decision)
    return report


def evaluate_conversations(engine: Engine, items: list[Labelled]) -> tuple[Report, Report]:
    """Ask every conversation as one chat; the tallies of first turns and of follow-up turns."""
    first, follow = Report(), Report()
    conversations = Conversations(ttl=float("inf"), maxsize=max(1, len(items)))  # a file has no quiet periods
    seen: set[str] = set()
    for item in items:
        key = item.conversation or f"line {item.line}"
        decision, _ = engine.converse(conversations, key, item.question)
        (follow if key in seen else first).add(item, decision)
        seen.add(key)
    return first, follow

"""Test all: score a labelled set (the formats `faqbot eval` reads) and compare with the last run of the
same set, so a recruiter sees what an edit of faq.yaml changed: better, worse or the same, per question.

The last run of each set is kept in one JSON file in the cache folder (never beside faq.yaml or in the
store: the studio only reads those). Pure apart from that file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.conversation import Conversations
from bot.errors import FaqbotError
from bot.evaluation import Labelled, Report, read_labelled, verdict

if TYPE_CHECKING:
    from bot.engine import Engine

logger = logging.getLogger(__name__)

MAX_SET_BYTES = 2 * 1024 * 1024
MAX_QUESTIONS = 5_000
MAX_KEPT = 50  # sets whose last run is kept
# How good a verdict is, to call a change better or worse.
_RANK = {"right": 3, "honest": 3, "helpful": 2, "tolerated": 2, "missed": 1, "wrong": 0}


@dataclass(frozen=True)
class Result:
    """One labelled question, what the bot did with it, and how that compares with the last run."""

    line: int
    conversation: str | None
    question: str
    expected: str  # as the file says it: ids joined by |, "-" or "!topic"
    verdict: str
    action: str
    got: str  # the answered id, or the offered ids, or "-"
    change: str = ""  # better | worse | same | new (no earlier run holds it)
    before: str = ""  # the verdict of the last run

    @property
    def key(self) -> str:
        return f"{self.conversation or ''}\t{self.expected}\t{self.question}"

    @property
    def ok(self) -> bool:
        return self.verdict in ("right", "honest")


@dataclass(frozen=True)
class Run:
    """A scored set."""

    name: str
    at: float
    kb: str  # the knowledge base summary it ran against
    results: tuple[Result, ...]
    tables: tuple[tuple[str, str], ...]  # (title, `faqbot eval` table)
    previous_at: float | None = None
    version: str = ""  # which faq.yaml it ran against (the start of its sha256)

    def changes(self) -> dict[str, int]:
        counts = dict.fromkeys(("better", "worse", "same", "new"), 0)
        for r in self.results:
            counts[r.change or "new"] += 1
        return counts


def _expected(item: Labelled) -> str:
    if item.uncovered:
        return "!" + (item.topic or "")
    return "|".join(sorted(item.expected)) or "-"


def parse_set(name: str, data: bytes) -> list[Labelled]:
    """The labelled questions of an uploaded or chosen file; FaqbotError says what is wrong with it."""
    if len(data) > MAX_SET_BYTES:
        raise FaqbotError(f"{name}: larger than {MAX_SET_BYTES // (1024 * 1024)} MB")
    with tempfile.TemporaryDirectory() as folder:  # read_labelled reads files: one reader for both ways in
        path = Path(folder) / "set.tsv"
        path.write_bytes(data)
        try:
            items = read_labelled(path)
        except FaqbotError as exc:
            raise FaqbotError(str(exc).replace(str(path), name)) from None
    if not items:
        raise FaqbotError(f"{name}: no labelled questions (lines are 'ids<TAB>question')")
    if len(items) > MAX_QUESTIONS:
        raise FaqbotError(f"{name}: {len(items)} questions; at most {MAX_QUESTIONS} are run at once")
    return items


def score(engine: Engine, name: str, items: list[Labelled]) -> Run:
    """Ask every question (a conversation's lines in order, as one chat) and tally as `faqbot eval` does."""
    unknown = sorted({i for item in items for i in item.ids} - {e.id for e in engine.kb.entries})
    if unknown:
        raise FaqbotError(f"{name}: ids not in {engine.kb.source}: {', '.join(unknown)}")
    chats = any(item.conversation is not None for item in items)
    conversations = Conversations(ttl=float("inf"), maxsize=max(1, len(items)))
    first, follow = Report(), Report()
    seen: set[str] = set()
    results = []
    for item in items:
        if chats:
            key = item.conversation or f"line {item.line}"
            decision, _ = engine.converse(conversations, key, item.question)
            (follow if key in seen else first).add(item, decision)
            seen.add(key)
        else:
            decision = engine.matcher.decide(item.question)
            first.add(item, decision)
        got = decision.id or ",".join(o.id for o in decision.options) or "-"
        results.append(
            Result(
                item.line,
                item.conversation,
                item.question,
                _expected(item),
                verdict(item, decision),
                decision.action,
                got,
            )
        )
    tables = (("first turns", first.table()), ("follow-up turns", follow.table())) if chats else (("", first.table()),)
    return Run(name, time.time(), engine.kb.summary(), tuple(results), tables)


class Runs:
    """The last run of each set, kept in ``path`` (None: in memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()  # runs finish on worker threads
        self._runs: dict[str, dict] = {}
        if path is not None:
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self._runs = loaded
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                logger.warning("%s: the last test runs cannot be read (%s); starting afresh", path, exc)

    def last(self, name: str) -> Run | None:
        with self._lock:
            data = self._runs.get(name)
        if not isinstance(data, dict):
            return None
        try:
            results = tuple(Result(**r) for r in data["results"])
            tables = tuple((str(t), str(b)) for t, b in data["tables"])
            version = str(data.get("version", ""))
            return Run(name, float(data["at"]), str(data["kb"]), results, tables, data.get("previous_at"), version)
        except (KeyError, TypeError, ValueError):
            return None

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._runs)

    def compare_and_keep(self, run: Run) -> Run:
        """``run`` with each result marked better, worse, same or new against the last run; kept as the last."""
        before = self.last(run.name)
        old = {r.key: r.verdict for r in before.results} if before else {}
        marked = []
        for r in run.results:
            was = old.get(r.key)
            if was is None:
                change = "new"
            elif _RANK[r.verdict] > _RANK[was]:
                change = "better"
            elif _RANK[r.verdict] < _RANK[was]:
                change = "worse"
            else:
                change = "same"
            marked.append(Result(**{**asdict(r), "change": change, "before": was or ""}))
        kept = Run(run.name, run.at, run.kb, tuple(marked), run.tables, before.at if before else None, run.version)
        with self._lock:
            self._keep(kept)
        return kept

    def _keep(self, kept: Run) -> None:
        self._runs[kept.name] = {
            "at": kept.at,
            "kb": kept.kb,
            "previous_at": kept.previous_at,
            "version": kept.version,
            "tables": [list(t) for t in kept.tables],
            "results": [asdict(r) for r in kept.results],
        }
        while len(self._runs) > MAX_KEPT:
            oldest = min(self._runs, key=lambda n: self._runs[n].get("at", 0))
            del self._runs[oldest]
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            draft = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            draft.write_text(json.dumps(self._runs, ensure_ascii=False), encoding="utf-8")
            os.replace(draft, self.path)
        except OSError as exc:
            logger.warning("%s: the test run cannot be kept (%s); the next run will show no changes", self.path, exc)

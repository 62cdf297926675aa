"""What the studio's pages show, computed from the live engine, faq.yaml on disk and the store (read only).

Synchronous and free of HTTP: the web layer (bot.studio.web) calls these on a worker thread and renders
the results. Nothing here writes to faq.yaml or the store; the only file it writes is the record of the
last test runs, in the cache folder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot import report
from bot.engine import Engine
from bot.errors import FaqbotError, KnowledgeBaseError, Problem
from bot.evaluation import Labelled
from bot.explain import Turn, converse, title_of
from bot.knowledge import KnowledgeBase, parse_bytes, read_bytes
from bot.matching import Decision
from bot.reload import LiveEngine, file_identity
from bot.store import Row, Store
from bot.studio import charts
from bot.studio.runs import Run, Runs, parse_set, score

logger = logging.getLogger(__name__)

MAX_TURNS = 20  # messages of one tried conversation
MAX_TRY_CHARS = 5_000


@dataclass(frozen=True)
class QuoteView:
    by: str
    text: str
    translation: dict[str, str]
    verified: bool | None  # None: no interview to check against


@dataclass(frozen=True)
class EntryView:
    id: str
    title: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    quotes: tuple[QuoteView, ...]
    related: tuple[tuple[str, str], ...]  # (id, title)
    browse: bool


@dataclass(frozen=True)
class Knowledge:
    """The served knowledge base, and what `faqbot check` says of the file on disk now."""

    path: str
    summary: str
    interview: dict[str, str]  # the interview's header (title, publisher, date, url)
    entries: tuple[EntryView, ...]
    problems: tuple[Problem, ...]  # of the file on disk ((): it is valid)
    served_current: bool  # the file on disk is what is served
    version: str  # changes whenever faq.yaml or the interview changes on disk


@dataclass
class Unanswered:
    """`faqbot report` for a span of days, with its pictures."""

    days: int
    total: int
    actions: list[tuple[str, int, float]]
    groups: list[report.Group]
    more_groups: int
    per_day_svg: str
    days_table: list[charts.Day]
    votes_svg: str
    votes: list[tuple[str, str, int, int]]  # (id, title, up, down)
    store: str  # where the outcomes come from, or why there are none
    entries: list[tuple[str, int]] = field(default_factory=list)


class Studio:
    """The recruiter's workbench over one running engine."""

    def __init__(self, live: LiveEngine, store_path: str, runs: Runs, sets_dirs: list[Path]) -> None:
        self.live = live
        self.store_path = store_path
        self.runs = runs
        self.sets_dirs = sets_dirs
        self._lock = threading.Lock()
        self._knowledge: tuple[tuple, Knowledge] | None = None
        self._nearest: tuple[object, dict[str, Decision]] = (None, {})
        self.grouper = report.Grouper()  # kept: each question is grouped once, however often the page is shown

    # -- try it -------------------------------------------------------------------------------------

    def try_it(self, text: str) -> tuple[list[Turn], int]:
        """Each non-empty line is a message of one conversation, asked in order; and how many lines were left
        out (beyond MAX_TURNS)."""
        lines = [line.strip() for line in text[:MAX_TRY_CHARS].splitlines() if line.strip()]
        return converse(self.live(), lines[:MAX_TURNS]), max(0, len(lines) - MAX_TURNS)

    # -- knowledge base -----------------------------------------------------------------------------

    def knowledge(self) -> Knowledge:
        """The knowledge view; recomputed only when faq.yaml, the interview or the served engine change."""
        engine = self.live()
        kb = engine.kb
        key = (id(engine), file_identity(self.live.path), file_identity(kb.interview_path))
        with self._lock:
            if self._knowledge is not None and self._knowledge[0] == key:
                return self._knowledge[1]
        problems: tuple[Problem, ...] = ()
        data = b""
        try:
            data = read_bytes(self.live.path)
            served_current = parse_bytes(data, str(self.live.path)) == kb
        except KnowledgeBaseError as exc:
            problems = tuple(exc.problems)
            served_current = False
        view = Knowledge(
            path=str(self.live.path),
            summary=kb.summary(),
            interview=dict(kb.interview.header) if kb.interview else {},
            entries=tuple(self._entry(kb, e.id) for e in kb.entries),
            problems=problems,
            served_current=served_current,
            version=LiveEngine.digest(data, kb.interview_path)[:16] + f"-{id(engine):x}",
        )
        with self._lock:
            self._knowledge = (key, view)
        return view

    @staticmethod
    def _entry(kb: KnowledgeBase, entry_id: str) -> EntryView:
        entry = kb.entry(entry_id)
        quotes = []
        for q in entry.quotes:
            by = ", ".join(kb.people[p].name if p in kb.people else p for p in q.by)
            verified = kb.interview.contains(q.text) if kb.interview is not None else None
            quotes.append(QuoteView(by, q.text, dict(q.translation), verified))
        related = tuple((r, title_of(kb, r, kb.languages[0])) for r in entry.related)
        return EntryView(
            entry.id, dict(entry.title), dict(entry.questions), dict(entry.answer), tuple(quotes), related, entry.browse
        )

    # -- test all -----------------------------------------------------------------------------------

    def sets(self) -> list[str]:
        """Labelled sets beside faq.yaml (its folder and bench/), as names relative to faq.yaml's folder."""
        base = self.live.path.resolve().parent
        found = []
        for folder in self.sets_dirs:
            for path in sorted(folder.glob("*.tsv")):
                try:
                    found.append(str(path.resolve().relative_to(base)))
                except ValueError:
                    found.append(str(path))
        return found

    def read_set(self, name: str) -> list[Labelled]:
        """One of sets() by name (nothing else: the page cannot name an arbitrary file)."""
        if name not in self.sets():
            raise FaqbotError(f"{name}: not one of the labelled sets beside {self.live.path.name}")
        path = self.live.path.resolve().parent / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise FaqbotError(f"{name}: cannot read: {exc.strerror}") from None
        return parse_set(name, data)

    def test_all(self, name: str, items: list[Labelled]) -> Run:
        """Score a set against the served engine and compare with its last run (kept as the new last)."""
        run = score(self.live(), name, items)
        return self.runs.compare_and_keep(replace(run, version=self.version()))

    def version(self) -> str:
        """Which faq.yaml is served: the start of the sha256 of its bytes (and the interview's)."""
        return self.live.served_digest[:10]

    def warm(self) -> None:
        """Group what the store holds and decide the top groups' nearest entries now (the server calls this
        on a worker thread as it starts), so that the first "unanswered" page is as quick as the next."""
        try:
            self.unanswered(30)
        except Exception:  # only a warm-up: the page itself will say what is wrong
            logger.exception("studio: warming the unanswered view failed")

    # -- what went unanswered -------------------------------------------------------------------------

    def unanswered(self, days: int, limit: int = 20, now: float | None = None) -> Unanswered:
        """Outcomes and votes of the last ``days`` days from the store (opened read-only)."""
        now = time.time() if now is None else now
        day_rows = charts.per_day([], days, now)
        since = day_rows[0].start  # the first charted day's midnight: the counts and the chart agree
        rows: list[Row] = []
        votes: dict[str, tuple[int, int]] = {}
        where = self.store_path or "no store configured ([store] path is empty), so nothing is recorded"
        if self.store_path and self.store_path != ":memory:" and Path(self.store_path).exists():
            store = Store(f"file:{Path(self.store_path).resolve()}?mode=ro")
            try:
                rows = store.outcomes(since)
                votes = store.votes(since)
            finally:
                store.close()
        elif self.store_path:
            where = f"{self.store_path}: no store yet; it appears once the bot has answered a question"
        engine = self.live()
        built = report.build(rows, votes, self._decide_cached(engine), "", limit, self.grouper)
        total = built.total or 1
        kb = engine.kb
        day_rows = charts.per_day(rows, days, now)
        voted = sorted(votes.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))[:25]
        vote_rows = [(e, title_of(kb, e, kb.languages[0]), up, down) for e, (up, down) in voted]
        return Unanswered(
            days=days,
            total=built.total,
            actions=[(a, n, 100.0 * n / total) for a, n in built.actions.most_common()],
            groups=built.groups[:limit],
            more_groups=max(0, len(built.groups) - limit),
            per_day_svg=charts.per_day_svg(day_rows),
            days_table=day_rows,
            votes_svg=charts.votes_svg([(t, up, down) for _, t, up, down in vote_rows]),
            votes=vote_rows,
            store=where,
            entries=built.entries.most_common(10),
        )

    def _decide_cached(self, engine: Engine) -> Callable[[str], Decision]:
        """The engine's decide, remembering each question's decision until the engine changes."""
        with self._lock:
            if self._nearest[0] is not engine:
                self._nearest = (engine, {})
            cache = self._nearest[1]
        decide = engine.matcher.decide

        def cached(question: str) -> Decision:
            with self._lock:
                hit = cache.get(question)
            if hit is None:
                hit = decide(question)  # outside the lock: another page may decide meanwhile
                with self._lock:
                    cache[question] = hit
                    while len(cache) > 5_000:
                        cache.pop(next(iter(cache)))
            return hit

        return cached

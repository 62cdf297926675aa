"""What recruiters read: counts per action and entry, unanswered questions grouped by similarity with the
nearest existing entry, and the answers people disliked. Pure: rows in, text out.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching import Decision
from bot.normalize import clean, tokens
from bot.store import KEEP_TEXT, Row
from bot.vocabulary import is_filler

GROUP_SIMILARITY = 80  # token-set similarity (0-100) of normalised questions that count as "the same"


@dataclass
class Group:
    """Unanswered questions that ask the same thing."""

    key: str
    count: int = 0
    examples: Counter[str] = field(default_factory=Counter)
    nearest: str | None = None
    nearest_score: float = 0.0
    action_now: str | None = None  # what the current knowledge base does with the question

    def suggestion(self) -> str:
        """What a recruiter might do about it."""
        if self.action_now == "answer":
            return f"answered now (by '{self.nearest}')"
        if self.action_now == "clarify" and self.nearest:
            # The matcher sees a close entry: a phrasing there may settle it (if that is what was asked).
            return f"add as a phrasing of '{self.nearest}'?"
        return "a new entry? (only if the interview answers it)"


@dataclass(frozen=True)
class Report:
    """Everything `faqbot report` prints."""

    since_label: str
    total: int
    actions: Counter[str]
    entries: Counter[str]
    groups: list[Group]
    votes: dict[str, tuple[int, int]]

    def disliked(self) -> list[tuple[str, int, int]]:
        """(entry, 👎, 👍) for entries with any 👎, most disliked first."""
        rows = [(e, down, up) for e, (up, down) in self.votes.items() if down]
        return sorted(rows, key=lambda r: (-r[1], r[2], r[0]))


@functools.lru_cache(maxsize=65_536)  # pure, and the same questions come back page after page
def normalised(question: str) -> str:
    """The question's content words as the matcher sees them: cleaned, particles, endings and fillers gone."""
    return " ".join(t for t in tokens(clean(question)) if not is_filler(t))


def similarity(a: str, b: str) -> float:
    """0-100: how alike two normalised questions are, ignoring word order and spacing (재택 근무/재택근무)."""
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    best = max(fuzz.token_sort_ratio(a, b), fuzz.ratio(ca, cb))
    short, long_ = sorted((ca, cb), key=len)
    if len(short) >= 4 and len(short) >= 0.5 * len(long_):  # one contains most of the other
        best = max(best, fuzz.partial_ratio(short, long_))
    return best


def similar(a: str, b: str) -> bool:
    """similarity(a, b) >= GROUP_SIMILARITY, stopping at the first measure that reaches it."""
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    if fuzz.ratio(ca, cb, score_cutoff=GROUP_SIMILARITY) or fuzz.token_sort_ratio(a, b, score_cutoff=GROUP_SIMILARITY):
        return True
    short, long_ = sorted((ca, cb), key=len)
    partial = len(short) >= 4 and len(short) >= 0.5 * len(long_)
    return partial and bool(fuzz.partial_ratio(short, long_, score_cutoff=GROUP_SIMILARITY))


GROUP_CHARS = 200  # of a question, what grouping looks at (a pasted page must not make it slow)


def form_of(question: str) -> str:
    """What grouping compares: the normalised words, or for a question of nothing but fillers or symbols,
    the question itself with its whitespace made single spaces (of its first GROUP_CHARS characters)."""
    head = question[:GROUP_CHARS]
    return normalised(head) or " ".join(head.split()).lower()


class Grouper:
    """Puts questions into groups of ones that ask the same thing, remembering each question's group.

    A question joins the first group (in the order groups were made) whose key is similar enough, else it
    starts a new one with its form as the key. Questions are grouped once, in the order they are first
    seen (the store's order: oldest first), so a grouper kept between reports only groups what is new.
    Only keys sharing enough characters are compared (_Keys): a similarity of 80 needs that, so the
    groups are the same as comparing every pair. Thread-safe.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit  # questions remembered; past it, start afresh (a long-running studio)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._keys = _Keys()
        self._forms: dict[str, str] = {}  # question -> its form
        self._groups: dict[str, int] = {}  # form -> its group's index in _keys

    def _group_of(self, question: str) -> int:
        form = self._forms.get(question)
        if form is None:
            form = self._forms[question] = form_of(question)
        index = self._groups.get(form)
        if index is None:
            index = self._keys.first_similar(form)
            if index is None:
                index = self._keys.count
                self._keys.add(form)
            self._groups[form] = index
        return index

    def groups(self, questions: Sequence[str | None]) -> list[Group]:
        """The groups of these questions, most frequent first (counts and examples from these alone)."""
        out: dict[int, Group] = {}
        with self._lock:
            if len(self._forms) > self.limit:
                self._reset()
            for raw in questions:
                question = raw.strip() if raw else ""
                if not question:
                    continue
                index = self._group_of(question)
                group = out.get(index)
                if group is None:
                    group = out[index] = Group(self._keys.keys[index])
                group.count += 1
                group.examples[question] += 1
        return sorted(out.values(), key=lambda g: (-g.count, g.key))


def group_unanswered(questions: Sequence[str | None], grouper: Grouper | None = None) -> list[Group]:
    """Group similar questions, most frequent groups first (``grouper``: one kept between calls)."""
    return (grouper or Grouper()).groups(questions)


class _Keys:
    """Group keys, with how many times each holds each character (spaces aside).

    Two forms with a similarity of at least 80 (see similarity()) share many characters, counted with
    repeats: at least 0.6 of the shorter one's where partial_ratio applies, else at least 0.4 of the
    longer one's plus 0.2 of the shorter one's (from the Indel distance behind each ratio). near()
    returns, in the order added, every key that may share that many (90 % of it, for safety), so the
    others are never compared.
    """

    MARGIN = 0.9

    def __init__(self) -> None:
        self.count = 0
        self.keys: list[str] = []
        self.plains: list[str] = []  # the keys without spaces
        self.lengths = np.zeros(64)
        self.columns: dict[str, int] = {}  # character -> its column of ``held``
        self.held = np.zeros((256, 64), dtype=np.float32)  # character x key -> times held (both grow)

    def add(self, key: str) -> None:
        chars = key.replace(" ", "")
        self.keys.append(key)
        self.plains.append(chars)
        if self.count == len(self.lengths):
            self.lengths = np.concatenate([self.lengths, np.zeros(len(self.lengths))])
            self.held = np.concatenate([self.held, np.zeros_like(self.held)], axis=1)
        self.lengths[self.count] = len(chars)
        for ch, n in Counter(chars).items():
            column = self.columns.setdefault(ch, len(self.columns))
            if column == self.held.shape[0]:
                self.held = np.concatenate([self.held, np.zeros_like(self.held)])
            self.held[column, self.count] = n
        self.count += 1

    def first_similar(self, form: str) -> int | None:
        """The first key added that is similar(form, key), or None (the three measures of similar(), each
        over all the near keys at once)."""
        near = self.near(form)
        if len(near) <= 10:  # a few: one call each costs less than setting up the batches
            return next((i for i in near if similar(form, self.keys[i])), None)
        plain = form.replace(" ", "")
        keys = [self.keys[i] for i in near]
        plains = [self.plains[i] for i in near]
        hit = (process.cdist([plain], plains, scorer=fuzz.ratio, score_cutoff=GROUP_SIMILARITY)[0] > 0) | (
            process.cdist([form], keys, scorer=fuzz.token_sort_ratio, score_cutoff=GROUP_SIMILARITY)[0] > 0
        )
        short = np.minimum(self.lengths[near], len(plain))
        long_ = np.maximum(self.lengths[near], len(plain))
        partial = ~hit & (short >= 4) & (short >= 0.5 * long_)
        if partial.any():
            which = np.flatnonzero(partial)
            scores = process.cdist(
                [plain], [plains[i] for i in which], scorer=fuzz.partial_ratio, score_cutoff=GROUP_SIMILARITY
            )
            hit[which] = scores[0] > 0
        found = np.flatnonzero(hit)
        return near[int(found[0])] if len(found) else None

    def near(self, form: str) -> list[int]:
        """Keys that may be similar to ``form``, oldest first."""
        chars = Counter(form.replace(" ", ""))
        shared = [ch for ch in chars if ch in self.columns]
        if not shared or not self.count:
            return []
        columns = [self.columns[ch] for ch in shared]
        # Characters shared, counted with repeats (min of the two counts), for every key at once.
        mine = np.asarray([chars[ch] for ch in shared], dtype=np.float32)
        upper = np.minimum(self.held[columns, : self.count], mine[:, None]).sum(axis=0)
        size, theirs = float(sum(chars.values())), self.lengths[: self.count]
        short, long_ = np.minimum(theirs, size), np.maximum(theirs, size)
        partial = (short >= 4) & (short >= 0.5 * long_)
        needed = np.where(partial, 0.6 * short, 0.4 * long_ + 0.2 * short) * self.MARGIN
        return [int(i) for i in np.flatnonzero(upper >= needed)]


def build(
    rows: Sequence[Row],
    votes: dict[str, tuple[int, int]],
    decide: Callable[[str], Decision] | None,
    since_label: str,
    decide_limit: int | None = None,
    grouper: Grouper | None = None,
) -> Report:
    """Summarise outcomes; ``decide`` (the matcher) names each group's nearest entry (of the first
    ``decide_limit`` groups only, when given: a page shows the most frequent ones)."""
    actions = Counter(r.action for r in rows)
    entries = Counter(r.entry_id for r in rows if r.entry_id and r.action in ("answer", "browse"))
    groups = group_unanswered([r.question for r in rows if r.action in KEEP_TEXT and r.question], grouper)
    if decide is not None:
        for g in groups[:decide_limit]:
            example = g.examples.most_common(1)[0][0]
            decision = decide(example)
            g.action_now = decision.action
            if decision.candidates:
                g.nearest, g.nearest_score = decision.candidates[0].id, decision.candidates[0].score
    return Report(since_label, len(rows), actions, entries, groups, votes)


# -- rendering -----------------------------------------------------------------------------------------


def _tables(report: Report, limit: int) -> list[tuple[str, list[str], list[list[str]]]]:
    total = report.total or 1
    actions = [[a, str(n), f"{100 * n / total:.1f}%"] for a, n in report.actions.most_common()]
    entries = [[e, str(n)] for e, n in report.entries.most_common()]
    groups = [
        [
            str(g.count),
            " | ".join(q for q, _ in g.examples.most_common(3)),
            f"{g.nearest or '-'} ({g.nearest_score:.0f})" if g.nearest else "-",
            g.suggestion(),
        ]
        for g in report.groups[:limit]
    ]
    disliked = [[e, str(down), str(up)] for e, down, up in report.disliked()[:limit]]
    return [
        ("Questions by outcome", ["action", "count", "share"], actions),
        ("Answers by entry", ["entry", "count"], entries),
        ("Unanswered questions, grouped", ["count", "examples", "nearest entry (score)", "suggestion"], groups),
        ("Most disliked answers", ["entry", "👎", "👍"], disliked),
    ]


def _width(text: str) -> int:
    """Columns a terminal gives the text: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain(headers: list[str], rows: list[list[str]]) -> str:
    cells = [headers, *rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# Questions are what strangers typed: each format gets them escaped in one place, so that no terminal
# control sequence, spreadsheet formula or HTML reaches a recruiter's screen.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    """Control and bidi characters shown as escapes (\\x1b), never acted on by a terminal."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


def _csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: no formula (=, +, -, @ first), no control characters."""
    if not isinstance(value, str):
        return value
    text = _visible(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _md_cell(text: str) -> str:
    escaped = html.escape(_visible(text), quote=False)
    return re.sub(r"([|\\`*_\[\]])", r"\\\1", escaped)


def render(report: Report, fmt: str = "table", limit: int = 20) -> str:
    """The report as a plain table, CSV (one row per line, with a section column) or Markdown."""
    tables = _tables(report, limit)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        csv_rows: list[list[object]] = [["section", "key", "count", "detail", "suggestion"]]
        csv_rows += [["action", a, n, share, ""] for a, n, share in tables[0][2]]
        csv_rows += [["entry", e, n, "", ""] for e, n in tables[1][2]]
        for g in report.groups:
            examples = " | ".join(q for q, _ in g.examples.most_common(3))
            csv_rows.append(["unanswered", examples, g.count, g.nearest or "", g.suggestion()])
        csv_rows += [["disliked", e, down, f"up {up}", ""] for e, down, up in report.disliked()]
        writer.writerows([[_csv_cell(c) for c in row] for row in csv_rows])
        return out.getvalue()
    head = f"{report.total} questions {report.since_label}"
    if fmt == "markdown":
        parts = [f"# faqbot report\n\n{head}."]
        for title, headers, rows in tables:
            lines = [f"## {title}", "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows] or ["| (none) |"]
            parts.append("\n".join(lines))
        return "\n\n".join(parts) + "\n"
    parts = [head]
    for title, headers, rows in tables:
        shown = [[_visible(c) for c in r] for r in rows]
        parts.append(f"{title}\n" + (_plain(headers, shown) if rows else "(none)"))
    return "\n\n".join(parts) + "\n"

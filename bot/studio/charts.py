"""Pictures for recruiters, drawn as inline SVG by our own small code: questions per day by outcome, and
👍/👎 per entry. Pure: counts in, markup out. Browsers draw inline SVG without JavaScript; every shape
carries a <title> (a tooltip, and what a screen reader says), and the page shows the numbers as a table too.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

from bot.store import Row

# What happened to a question, in the order the bars stack (bottom first); notices (too long) are "other".
OUTCOMES = ("answer", "clarify", "fallback", "other")
COLOURS = {"answer": "#2e7d32", "clarify": "#f2a900", "fallback": "#c62828", "other": "#78909c"}
LABELS = {"answer": "answered", "clarify": "did you mean", "fallback": "fell back", "other": "other"}


@dataclass(frozen=True)
class Day:
    """One day's questions by outcome."""

    date: dt.date
    start: float = 0.0  # its first second, as a timestamp
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _kind(action: str) -> str:
    return action if action in ("answer", "clarify", "fallback") else "other"


def per_day(rows: Iterable[Row], days: int, now: float, tz: dt.tzinfo | None = None) -> list[Day]:
    """The last ``days`` days (in ``tz``, default the machine's zone), oldest first, empty days included."""
    zone = tz or dt.datetime.now().astimezone().tzinfo
    today = dt.datetime.fromtimestamp(now, zone).date()
    # Each day's first second, as a timestamp (so a summer-time change is where the zone puts it): a row
    # belongs to the last day starting at or before it.
    dates = [today - dt.timedelta(days=i) for i in range(days - 1, -1, -1)]
    out = [Day(d, dt.datetime.combine(d, dt.time(), zone).timestamp()) for d in dates]
    starts = [d.start for d in out]
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), zone).timestamp()
    for row in rows:
        if starts[0] <= row.at < end:
            out[bisect.bisect_right(starts, row.at) - 1].counts[_kind(row.action)] += 1
    return out


def _nice(top: int) -> int:
    """A round axis maximum at or above ``top`` (1, 2, 5, 10, 20, 50, ...)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= top:
                return step * m
        step *= 10


def per_day_svg(days: Sequence[Day]) -> str:
    """Stacked bars: questions per day, coloured by outcome, with a legend."""
    width, height, left, bottom, top = 640, 220, 40, 28, 26
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice(max((d.total for d in days), default=0) or 1)
    slot = plot_w / max(1, len(days))
    bar = max(1.0, slot * 0.78)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="questions per day by outcome" xmlns="http://www.w3.org/2000/svg">',
        "<title>Questions per day, by outcome</title>",
    ]
    for i, kind in enumerate(OUTCOMES):  # legend
        lx = left + i * 120
        parts.append(f'<rect x="{lx}" y="4" width="12" height="12" fill="{COLOURS[kind]}"/>')
        parts.append(f'<text x="{lx + 16}" y="14" class="legend">{LABELS[kind]}</text>')
    base = top + plot_h
    for frac in (0.0, 0.5, 1.0):  # grid and axis labels
        y = base - frac * plot_h
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">{peak * frac:g}</text>')
    every = max(1, round(len(days) / 8))
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        y = float(base)
        for kind in OUTCOMES:
            n = day.counts.get(kind, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            tip = f"{day.date.isoformat()}: {n} {LABELS[kind]}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{COLOURS[kind]}">'
                f"<title>{escape(tip)}</title></rect>"
            )
        if i % every == 0 or i == len(days) - 1:
            label = day.date.strftime("%m-%d")
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 8}" text-anchor="middle" class="axis">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def votes_svg(votes: Sequence[tuple[str, int, int]]) -> str:
    """One row per entry: 👎 to the left of the middle line, 👍 to the right; ``votes`` are (label, up, down)."""
    rows = list(votes)
    width, row_h, label_w, top = 640, 22, 200, 22
    height = top + row_h * max(1, len(rows)) + 6
    half = (width - label_w - 16) / 2
    middle = label_w + 8 + half
    peak = max((max(up, down) for _, up, down in rows), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="votes per entry" xmlns="http://www.w3.org/2000/svg">',
        "<title>👍 and 👎 per entry</title>",
        f'<text x="{middle - 6:.1f}" y="14" text-anchor="end" class="legend">👎 disliked</text>',
        f'<text x="{middle + 6:.1f}" y="14" class="legend">👍 liked</text>',
        f'<line x1="{middle:.1f}" x2="{middle:.1f}" y1="{top - 4}" y2="{height - 4}" class="grid"/>',
    ]
    if not rows:
        parts.append(f'<text x="{middle:.1f}" y="{top + 14}" text-anchor="middle" class="axis">no votes yet</text>')
    for i, (label, up, down) in enumerate(rows):
        y = top + i * row_h
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(f'<text x="{label_w}" y="{y + 15}" text-anchor="end" class="axis">{escape(short)}</text>')
        for n, sign, colour, word in ((down, -1, COLOURS["fallback"], "👎"), (up, 1, COLOURS["answer"], "👍")):
            if not n:
                continue
            w = half * n / peak
            x = middle if sign > 0 else middle - w
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                f"<title>{escape(label)}: {n} {word}</title></rect>"
            )
            tx = middle + sign * (w + 4)
            anchor = "start" if sign > 0 else "end"
            parts.append(f'<text x="{tx:.1f}" y="{y + 15}" text-anchor="{anchor}" class="axis">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)

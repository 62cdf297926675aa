"""What channels report about each question and each 👍/👎, and the interface that keeps it.

Channels call a Recorder; the SQLite store implements it. Recording must never slow or break answering,
so implementations queue the work and swallow (and log) their own failures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Outcome:
    """One question and what the bot did with it."""

    channel: str  # telegram | kakao | console
    user: str  # the channel's user id; stores keep only a salted hash
    language: str
    action: str  # answer | clarify | fallback (or the notice kind: too_long, ...)
    entry_id: str | None
    score: float
    question: str
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Feedback:
    """A 👍 (vote 1) or 👎 (vote -1) on an answer."""

    channel: str
    user: str
    entry_id: str
    vote: int
    at: float = field(default_factory=time.time)


class Recorder(Protocol):
    """Keeps outcomes and feedback; both calls return at once and never raise."""

    def record(self, outcome: Outcome) -> None:
        """Keep one question's outcome."""

    def feedback(self, feedback: Feedback) -> None:
        """Keep one vote."""

    def mark_seen(self, channel: str, update_id: int) -> None:
        """Remember that an update was answered (so a restart never answers it again)."""

    def seen(self, channel: str) -> list[int]:
        """Update ids already answered, most recent first."""


class MemoryRecorder:
    """A Recorder that keeps everything in lists (used when no store is configured, and by tests)."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.votes: list[Feedback] = []
        self.updates: dict[str, list[int]] = {}

    def record(self, outcome: Outcome) -> None:
        """Keep one question's outcome."""
        self.outcomes.append(outcome)
        del self.outcomes[:-10_000]  # bounded: this recorder is not a database

    def feedback(self, feedback: Feedback) -> None:
        """Keep one vote."""
        self.votes.append(feedback)
        del self.votes[:-10_000]

    def mark_seen(self, channel: str, update_id: int) -> None:
        """Remember an answered update."""
        seen = self.updates.setdefault(channel, [])
        seen.append(update_id)
        del seen[:-10_000]

    def seen(self, channel: str) -> list[int]:
        """Answered update ids, most recent first."""
        return list(reversed(self.updates.get(channel, [])))

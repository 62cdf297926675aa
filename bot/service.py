"""The parts a running bot shares across channels: the live engine (hot reload), the store, the admin
commands' texts, and the background jobs (watch faq.yaml, purge old question text daily).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot import report
from bot.config import Settings
from bot.conversation import Conversations
from bot.engine import Engine, engine_builder
from bot.outcomes import MemoryRecorder, Recorder
from bot.reload import LiveEngine, ReloadResult, watch
from bot.store import Store

logger = logging.getLogger(__name__)

PURGE_EVERY = 24 * 3600.0


def open_store(settings: Settings) -> Store | None:
    """The configured store, or None (logged once) when it is off or cannot be opened: the bot still answers."""
    if not settings.store.path:
        return None
    try:
        return Store(settings.store.path, salt=os.environ.get("FAQBOT_SALT") or None)
    except Exception as exc:  # sqlite3.Error, OSError: a broken store must not stop the bot
        logger.error("store %s cannot be opened (%s); answering without recording outcomes", settings.store.path, exc)
        return None


@dataclass
class Service:
    """One running bot's shared state."""

    settings: Settings
    live: LiveEngine
    store: Store | None
    recorder: Recorder
    # What each chat talked about last; it survives reloads of faq.yaml.
    conversations: Conversations = field(default_factory=Conversations)

    @classmethod
    def open(cls, settings: Settings, faq_path: str | None = None) -> Service:
        """Load the knowledge base (KnowledgeBaseError if invalid) and open the store."""
        live = LiveEngine.load(Path(faq_path or settings.faq_path), engine_builder(settings, settings.workers()))
        store = open_store(settings)
        return cls(settings, live, store, store or MemoryRecorder(), settings.conversation.conversations())

    @property
    def user_ids(self) -> frozenset[int]:
        """Admins (Telegram user ids)."""
        return frozenset(self.settings.admin.user_ids)

    def engine(self) -> Engine:
        """The engine for the next question."""
        return self.live()

    # -- admin commands (blocking: channels run them on a worker thread) --------------------------

    def reload(self) -> str:
        """Reload faq.yaml now; the result or every problem."""
        return self.live.reload(tell_listeners=False).message()

    def stats(self, hours: float = 24) -> str:
        """Counts of the last ``hours``."""
        if self.store is None:
            return "no store configured ([store] path), so there are no statistics"
        rows = self.store.outcomes(time.time() - hours * 3600)
        built = report.build(rows, self.store.votes(time.time() - hours * 3600), None, f"in the last {hours:g} h")
        lines = [f"{built.total} questions in the last {hours:g} h"]
        lines += [f"  {action}: {n}" for action, n in built.actions.most_common()]
        up = sum(u for u, _ in built.votes.values())
        down = sum(d for _, d in built.votes.values())
        lines.append(f"feedback: {up} 👍, {down} 👎")
        if built.entries:
            lines.append("top answers: " + ", ".join(f"{e} ({n})" for e, n in built.entries.most_common(5)))
        return "\n".join(lines)

    def report(self, days: float = 7, limit: int = 10) -> str:
        """The top unanswered groups of the last ``days``."""
        if self.store is None:
            return "no store configured ([store] path), so there is no report"
        since = time.time() - days * 86400
        built = report.build(self.store.outcomes(since), self.store.votes(since), self.engine().matcher.decide, "")
        if not built.groups:
            return f"no unanswered questions in the last {days:g} days"
        lines = [f"top unanswered questions, last {days:g} days:"]
        for g in built.groups[:limit]:
            examples = " | ".join(q for q, _ in g.examples.most_common(2))
            lines.append(f"{g.count}× {examples}\n   → {g.suggestion()}")
        return "\n".join(lines)

    # -- background -------------------------------------------------------------------------------

    async def background(self, notify: Callable[[str], Awaitable[None]] | None = None) -> None:
        """Watch faq.yaml and purge old question text until cancelled; invalid edits go to ``notify``."""
        loop = asyncio.get_running_loop()

        async def tell(message: str) -> None:
            if notify is not None:
                await notify(message)

        def on_reload(result: ReloadResult) -> None:  # called on the worker thread that reloaded
            if notify is not None and not result.ok:
                # create_task needs a coroutine; `notify` is any awaitable-returning callable.
                loop.call_soon_threadsafe(lambda: loop.create_task(tell(result.message())))

        self.live.listeners.append(on_reload)
        tasks = [asyncio.create_task(self._purge_daily())]
        if self.settings.faq_watch_seconds > 0:
            tasks.append(asyncio.create_task(watch(self.live, self.settings.faq_watch_seconds)))
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            self.live.listeners.remove(on_reload)

    async def _purge_daily(self) -> None:
        while True:
            if self.store is not None:
                try:
                    n = await asyncio.to_thread(self.store.purge, self.settings.store.retention_days)
                    if n:
                        logger.info(
                            "purged the text of %d questions older than %d days", n, self.settings.store.retention_days
                        )
                except Exception as exc:  # the database may be locked or read-only: try again tomorrow
                    logger.error("purging old questions failed: %s", exc)
            await asyncio.sleep(PURGE_EVERY)

    def close(self) -> None:
        """Flush and close the store; save the embedding cache."""
        embedder = self.engine().matcher.embedder
        if embedder is not None:
            try:
                embedder.save()
            except OSError as exc:
                logger.warning("could not save the embedding cache: %s", exc)
        if self.store is not None:
            self.store.close()

"""Hot reload: watch faq.yaml, validate it like `faqbot check`, build the new engine, swap it in.

The served engine is one immutable object behind one reference: a question takes that reference when
it starts and finishes on it, whatever happens meanwhile. A new file is read once (so a half-written
file is never half-used), parsed, validated and indexed off the event loop; only a fully built engine
replaces the old one. An invalid file changes nothing candidates see: the last good engine keeps
serving and the problems are reported (file:line:col) to the log and to the listeners (admins).

Watching polls the path's stat — it follows symlinks, so an editor's write-and-rename and a deployment's
symlink swap both show up — then waits until the file stops changing before reading it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine import Engine
from bot.errors import KnowledgeBaseError
from bot.knowledge import KnowledgeBase, parse_bytes, read_bytes

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadResult:
    """What one reload attempt did."""

    ok: bool
    changed: bool  # a new engine is being served
    source: str
    problems: tuple[str, ...] = ()
    summary: str = ""
    seconds: float = 0.0

    def message(self) -> str:
        """One human-readable report, as admins get it."""
        if self.ok and self.changed:
            return f"reloaded in {self.seconds:.2f} s: {self.summary}"
        if self.ok:
            return f"{self.source}: unchanged; serving {self.summary}"
        head = f"{self.source}: not reloaded, still serving the last good version; {len(self.problems)} problem(s):"
        return "\n".join([head, *self.problems])


def file_identity(path: Path | None) -> tuple[int, ...] | None:
    """Device, inode, mtime, size and mode of a file (following symlinks), or None."""
    if path is None:
        return None
    try:
        st = os.stat(path)  # follows symlinks: a swapped link changes inode and device
    except OSError:
        return None
    # The mode too: an unreadable file fixed with chmod is looked at again.
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size, st.st_mode)


@dataclass
class LiveEngine:
    """The engine being served, and the file it comes from; reload() swaps in a new one if valid."""

    path: Path
    build: Callable[[KnowledgeBase], Engine]
    engine: Engine
    listeners: list[Callable[[ReloadResult], None]] = field(default_factory=list)
    served_digest: str = ""  # sha256 of the bytes behind ``engine`` ("" = unknown: the next change rebuilds)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._signature = self._stat()
        self._failed: tuple[str, ReloadResult] | None = None  # last invalid version and its report
        self._warming: threading.Event | None = None
        self.warm()

    def warm(self) -> None:
        """Embed the served engine's new phrasings on a background thread (stops when a newer one starts)."""
        if self.engine.matcher.embedder is None:
            return
        if self._warming is not None:
            self._warming.set()
        stop = self._warming = threading.Event()
        engine = self.engine

        def run() -> None:
            started = time.perf_counter()
            try:
                engine.matcher.warm(stop)
                if not stop.is_set() and engine.matcher.embedder is not None:
                    engine.matcher.embedder.save()
                    logger.info("phrasing embeddings ready in %.1f s", time.perf_counter() - started)
            except Exception:  # a warm-up failure only means the first questions embed on demand
                logger.exception("warming the embedding cache failed")

        threading.Thread(target=run, name="faqbot-warm", daemon=True).start()

    @classmethod
    def load(cls, path: str | Path, build: Callable[[KnowledgeBase], Engine]) -> LiveEngine:
        """Load the file (raising KnowledgeBaseError if it is invalid) and serve it."""
        path = Path(path)
        data = read_bytes(path)  # read once: what is parsed is what the digest describes
        kb = parse_bytes(data, str(path))
        return cls(path, build, build(kb), served_digest=cls.digest(data, kb.interview_path))

    def __call__(self) -> Engine:
        """The engine to answer the next question with."""
        return self.engine

    # -- checking -------------------------------------------------------------------------------

    def _stat(self) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
        """faq.yaml's identity, and that of the interview its quotes are checked against."""
        return file_identity(self.path), file_identity(self.engine.kb.interview_path)

    @staticmethod
    def digest(data: bytes, interview: Path | None) -> str:
        """What is served: faq.yaml's bytes and the interview's (an edit of either is a new version)."""
        digest = hashlib.sha256(data)
        if interview is not None:
            try:
                digest.update(interview.read_bytes())
            except OSError:
                digest.update(b"\0unreadable")
        return digest.hexdigest()

    def changed_on_disk(self) -> bool:
        """True when the file's identity or contents look different from the last look."""
        return self._stat() != self._signature

    def reload(self, force: bool = False, tell_listeners: bool = True) -> ReloadResult:
        """Read, validate and index the file; swap it in if valid. Unchanged bytes are not rebuilt.

        ``tell_listeners=False`` is for a reload someone asked for (/reload): they get the result itself.
        """
        with self._lock:
            result, news = self._attempt(force)
        if news:
            self._report(result, tell_listeners)
        return result

    def _attempt(self, force: bool) -> tuple[ReloadResult, bool]:
        """The result, and whether it is news (not "unchanged", not a failure already reported)."""
        started = time.perf_counter()
        self._signature = self._stat()
        source = str(self.path)
        try:
            data = read_bytes(self.path)
        except KnowledgeBaseError as exc:
            return ReloadResult(False, False, source, tuple(str(p) for p in exc.problems)), True
        digest = self.digest(data, self.engine.kb.interview_path)
        if digest == self.served_digest and not force:
            return ReloadResult(True, False, source, summary=self.engine.kb.summary()), False
        if self._failed and self._failed[0] == digest and not force:
            return self._failed[1], False
        problems: tuple[str, ...]
        try:
            kb = parse_bytes(data, source)
            engine = self.build(kb)
        except KnowledgeBaseError as exc:
            problems = tuple(str(p) for p in exc.problems)
        except Exception as exc:  # indexing failed: keep serving, say why
            logger.exception("indexing %s failed", source)
            problems = (f"{source}: cannot index: {exc}",)
        else:
            self.engine = engine  # the swap: one reference assignment, atomic for every reader
            self.served_digest, self._failed = digest, None
            self.warm()
            return ReloadResult(True, True, source, summary=kb.summary(), seconds=time.perf_counter() - started), True
        failed = ReloadResult(False, False, source, problems)
        self._failed = (digest, failed)
        return failed, True

    def _report(self, result: ReloadResult, tell_listeners: bool = True) -> ReloadResult:
        if result.ok:
            logger.info("%s", result.message())
        else:
            for problem in result.problems:
                logger.error("%s", problem)
            logger.error("%s: not reloaded; still serving the last good version", result.source)
        for listener in list(self.listeners) if tell_listeners else ():
            try:
                listener(result)
            except Exception:  # a listener's bug must not stop reloading
                logger.exception("reload listener failed")
        return result

    def check(self, settle: float = 0.2, patience: float = 5.0) -> ReloadResult | None:
        """If the file changed, wait until it stops changing, then reload it; None when nothing changed.

        A file that is missing for ``patience`` seconds (not just between an editor's delete and rename)
        is reported once; the last good version keeps serving.
        """
        if not self.changed_on_disk():
            return None
        deadline = time.monotonic() + patience
        seen = self._stat()
        while time.monotonic() < deadline:  # an editor may still be writing
            time.sleep(settle)
            now = self._stat()
            if now == seen and now[0] is not None:
                break
            seen = now
        if seen[0] is None:
            # Deleted (or mid-rename for longer than 5 s): keep serving; report once per disappearance.
            if self._signature[0] is not None:
                self._signature = seen
                return self._report(ReloadResult(False, False, str(self.path), (f"{self.path}: file is missing",)))
            return None
        return self.reload()


async def watch(live: LiveEngine, interval: float = 1.0) -> None:
    """Check the file every ``interval`` seconds until cancelled; building runs on a worker thread."""
    while True:
        await asyncio.sleep(interval)
        if live.changed_on_disk():
            try:
                await asyncio.to_thread(live.check)
            except Exception:  # never let the watcher die: the next change is tried again
                logger.exception("reloading %s failed", live.path)

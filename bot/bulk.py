"""Bulk matching on every core, for `faqbot ask --jsonl` and `faqbot eval`: questions go to a pool of worker
processes, each with its own engine, and the decisions come back in input order, as a stream.

Processes, not threads: the lexical stage is Python and holds the GIL, so threads share one core. The
workers are started fresh (spawn: the parent's embedding engine may have OpenMP threads running, which
a fork would copy in a broken state) and build their engine from the same settings; faq.yaml is read
once by each. At most ``inflight`` chunks of ``chunk`` questions are out at once, so memory stays flat
however long the input is.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from bot.errors import FaqbotError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.engine import Engine
    from bot.matching import Decision

CHUNK = 32  # questions per task: large enough that sending them costs little, small enough to keep order cheap
WORTH_IT = 256  # fewer questions than this are answered in-process: starting workers would cost more

_engine: Engine | None = None  # each worker's own


def _start(settings: Settings, data: bytes, source: str) -> None:
    """Build the worker's engine from the bytes of faq.yaml the parent read (one embedding thread: the
    workers are the parallelism)."""
    global _engine
    os.environ["OMP_NUM_THREADS"] = "1"
    from bot.engine import engine_builder
    from bot.knowledge import parse_bytes

    try:
        _engine = engine_builder(settings)(parse_bytes(data, source))
    except Exception as exc:  # said here (stderr is shared); the parent then sees a broken pool
        print(f"faqbot: a worker process could not load the knowledge base: {exc}", file=sys.stderr, flush=True)
        raise


def _decide(questions: list[str]) -> list[Decision]:
    assert _engine is not None
    return [_engine.matcher.decide(q) for q in questions]


class Pool:
    """Worker processes that decide questions; use as a context manager."""

    def __init__(self, settings: Settings, engine: Engine, workers: int, inflight: int = 0) -> None:
        """Workers that answer exactly as ``engine`` does: they parse the bytes of its faq.yaml, read once
        here and checked against it (an edit saved meanwhile is refused, not half-used)."""
        from bot.knowledge import parse_bytes, read_bytes

        source = engine.kb.source
        data = read_bytes(source)
        if parse_bytes(data, source) != engine.kb:
            raise FaqbotError(f"{source} changed while starting; run again")
        context = multiprocessing.get_context("spawn")
        self.workers = max(1, workers)
        self.inflight = inflight or 4 * self.workers
        self._pool = ProcessPoolExecutor(self.workers, context, initializer=_start, initargs=(settings, data, source))

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self._pool.shutdown(wait=kind is None, cancel_futures=True)
        if isinstance(exc, BrokenProcessPool):  # a worker died (killed, out of memory) or could not start
            raise FaqbotError(
                "a worker process stopped; nothing after the last line written was answered "
                "(with [matching] workers = 1 everything runs in this process)"
            ) from None

    def submit(self, questions: list[str]) -> Future[list[Decision]]:
        """Decide a chunk of questions on some worker."""
        return self._pool.submit(_decide, questions)

    def decide(self, questions: Iterable[str]) -> Iterator[Decision]:
        """Each question's decision, in input order, as the workers finish them."""
        return ordered(chunks(questions), self.submit, self.inflight)


def chunks(items: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ordered(work: Iterable[Any], submit: Callable[[Any], Future[list[Any]]], inflight: int) -> Iterator[Any]:
    """Submit each piece of work and yield the items of its result in the order of the work, keeping at
    most ``inflight`` pieces out at once."""
    pending: deque[Future[list[Any]]] = deque()
    for piece in work:
        pending.append(submit(piece))
        while len(pending) >= inflight:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()

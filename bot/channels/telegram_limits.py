"""Sending within Telegram's limits and through network faults.

AIORateLimiter already keeps the bot under 30 requests/s overall and 20/min per group and retries on
429 (RetryAfter); here it retries until a deadline (``patience``, 5 minutes) rather than a count, so a
storm of short "retry after" replies delays an answer instead of losing it. Telegram also asks for
about one message per second in a single chat, which PTB does
not enforce: ChatPacedRateLimiter adds that, and retries requests that certainly never took effect
(connection refused, connect timeout, 5xx) so that a server outage delays an answer instead of losing
it. A request that may have reached the server (read timeout, connection dropped mid-reply) is not
repeated: a duplicate answer is as wrong as a lost one, and Bot API calls carry no idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

# Requests that put or change a message in a chat; these are paced per chat.
PACED_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "sendPhoto",
        "sendDocument",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
    }
)
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)
_UNBOUNDED = 1_000_000  # AIORateLimiter's retry count; the deadline (patience) is what ends the retries


class OutOfPatience(TimedOut):
    """Telegram kept answering 429 until the deadline; the request is given up (and logged)."""


def never_took_effect(exc: BaseException) -> bool:
    """True when a failed request surely did nothing on the server, so repeating it is safe."""
    if isinstance(exc, BadRequest) or not isinstance(exc, NetworkError):
        return False
    cause = exc.__cause__
    if isinstance(exc, TimedOut):
        return isinstance(cause, _NEVER_SENT) or "pool" in str(exc).lower()
    if isinstance(cause, httpx.HTTPError):
        return isinstance(cause, _NEVER_SENT)
    return True  # the server answered with an error status (5xx, perhaps an HTML page): nothing was done


class ChatLocks:
    """One asyncio lock per chat, existing only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[int | str, tuple[asyncio.Lock, int]] = {}

    def __contains__(self, chat_id: object) -> bool:
        return chat_id in self._locks

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int | str) -> AsyncIterator[None]:
        """Wait for the chat's lock and hold it for the block."""
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


class ChatPacedRateLimiter(AIORateLimiter):
    """AIORateLimiter without bursts, plus at most one message per ``interval`` seconds per chat, and retries."""

    def __init__(
        self,
        *,
        interval: float = 1.0,
        overall_per_second: float = 28.0,
        group_per_minute: float = 20.0,
        retry_for: float = 60.0,
        patience: float = 300.0,
    ) -> None:
        # aiolimiter's AsyncLimiter(30, 1) lets 30 requests through at once and then 30 more within the
        # same second; one token per 1/28 s keeps every one-second window under Telegram's 30, with room
        # for network jitter (measured by bench/telegram_load.py).
        super().__init__(
            overall_max_rate=1,
            overall_time_period=1 / overall_per_second,
            group_max_rate=1,
            group_time_period=60 / group_per_minute,
            # 429s are retried after the wait Telegram asks for until ``patience`` runs out (a deadline,
            # not a count: a storm of short waits must not lose an answer), see process_request.
            max_retries=_UNBOUNDED,
        )
        self._interval = interval
        self._retry_for = retry_for
        self._patience = patience
        self._last_sent: dict[int | str, float] = {}
        self._chat_locks = ChatLocks()

    def _paced(self, chat_id: int | str, callback: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
        """The callback, run only when the chat's previous message went out ``interval`` seconds ago."""

        async def paced(*args: Any, **kwargs: Any) -> Any:
            try:
                async with self._chat_locks.hold(chat_id):
                    loop = asyncio.get_running_loop()
                    wait = self._last_sent.get(chat_id, -1e9) + self._interval - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    try:
                        return await callback(*args, **kwargs)
                    finally:
                        # Measured from when the send finished, so the server sees the gap too.
                        self._last_sent[chat_id] = loop.time()
            finally:
                self._forget_idle_chats()

        return paced

    @staticmethod
    def _until(
        deadline: float, endpoint: str, callback: Callable[..., Coroutine[Any, Any, Any]]
    ) -> Callable[..., Coroutine[Any, Any, Any]]:
        """The callback, whose 429 ends the retries when the wait asked for goes past ``deadline``."""

        async def attempt(*args: Any, **kwargs: Any) -> Any:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
                if asyncio.get_running_loop().time() + wait > deadline:
                    logger.error("%s: Telegram still asks to wait (%g s) after the deadline; giving up", endpoint, wait)
                    raise OutOfPatience(f"{endpoint}: rate limited past the deadline") from exc
                raise

        return attempt

    def _forget_idle_chats(self) -> None:
        if len(self._last_sent) > 10_000:
            cutoff = asyncio.get_running_loop().time() - self._interval
            for key in [k for k, t in self._last_sent.items() if t < cutoff and k not in self._chat_locks]:
                del self._last_sent[key]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send through AIORateLimiter with per-chat pacing, retrying what surely did not arrive."""
        chat_id = data.get("chat_id")
        if endpoint in PACED_ENDPOINTS and chat_id is not None:
            callback = self._paced(chat_id, callback)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._retry_for
        callback = self._until(loop.time() + self._patience, endpoint, callback)
        delay = 0.5
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except NetworkError as exc:
                if not never_took_effect(exc) or loop.time() + delay > deadline:
                    raise
                logger.warning("%s failed (%s); retrying in %.1f s", endpoint, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8.0)

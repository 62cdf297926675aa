"""Sending within Telegram's limits and through network faults.

AIORateLimiter already keeps the bot under 30 requests/s overall and 20/min per group and retries on
429 (RetryAfter). Telegram also asks for about one message per second in a single chat, which PTB does
not enforce: ChatPacedRateLimiter adds that, and retries requests that certainly never took effect
(connection refused, connect timeout, 5xx) so that a server outage delays an answer instead of losing
it. A request that may have reached the server (read timeout, connection dropped mid-reply) is not
repeated: a duplicate answer is as wrong as a lost one, and Bot API calls carry no idempotency key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut
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


class ChatPacedRateLimiter(AIORateLimiter):
    """AIORateLimiter plus at most one message per ``interval`` seconds in any one chat and retries."""

    def __init__(
        self,
        *,
        interval: float = 1.0,
        retry_for: float = 60.0,
        clock: Callable[[], float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._interval = interval
        self._retry_for = retry_for
        self._next_slot: dict[int | str, float] = {}
        self._clock = clock

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def _pace(self, chat_id: int | str) -> None:
        # Reserve the chat's next slot before sleeping: no await between reading and writing it, so
        # concurrent sends to one chat line up one interval apart.
        now = self._now()
        slot = max(now, self._next_slot.get(chat_id, 0.0))
        self._next_slot[chat_id] = slot + self._interval
        if len(self._next_slot) > 10_000:
            for key in [k for k, t in self._next_slot.items() if t < now]:
                del self._next_slot[key]
        if slot > now:
            await asyncio.sleep(slot - now)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Pace per chat, then send through AIORateLimiter, retrying what surely did not arrive."""
        chat_id = data.get("chat_id")
        if endpoint in PACED_ENDPOINTS and chat_id is not None:
            await self._pace(chat_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._retry_for
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

"""What both HTTP servers (the Kakao skill and the studio) do about clients that connect and never finish
a request head: aiohttp has no timeout for it, so such connections could pile up until no socket is left.

A server made with listen() closes every connection that has not delivered a whole request head within
``header_seconds`` of connecting; its application marks the ones that did with started() (a middleware).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from aiohttp import web

logger = logging.getLogger(__name__)

HEADER_SECONDS = 10.0
# Transports that delivered a whole request head (the rest are dropped after HEADER_SECONDS).
STARTED = web.AppKey("started", weakref.WeakSet)


def started(request: web.Request) -> None:
    """Mark the request's connection as one that sent a whole head (call it first in a middleware)."""
    if request.transport is not None:
        request.app[STARTED].add(request.transport)


async def listen(
    runner: web.AppRunner, host: str, port: int, header_seconds: float = HEADER_SECONDS
) -> tuple[Any, int]:
    """Serve ``runner`` (set up, its app holding STARTED) on host:port; the server and the port it got
    (port 0 takes a free one)."""
    loop = asyncio.get_running_loop()
    assert runner.server is not None
    marked = runner.app[STARTED]

    def protocol() -> asyncio.Protocol:
        assert runner.server is not None
        handler = runner.server()
        loop.call_later(header_seconds, _drop_if_silent, handler, marked)
        return handler

    server = await loop.create_server(protocol, host, port)
    bound = server.sockets[0].getsockname()[1] if server.sockets else port
    return server, bound


def _drop_if_silent(handler: asyncio.Protocol, marked: weakref.WeakSet[Any]) -> None:
    transport = getattr(handler, "transport", None)
    if transport is not None and transport not in marked and not transport.is_closing():
        logger.info("closing a connection that sent no whole request in time")
        transport.close()

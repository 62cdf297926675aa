"""Runs the real PTB Application of the Telegram channel against the fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_app import Timeouts, build_application, serve
from bot.config import TelegramSettings
from bot.engine import Engine
from bot.outcomes import MemoryRecorder
from bot.service import Service
from tests.fakes.bot_api import Call, FakeBotAPI

# Short timeouts so a "slow server" costs a test seconds, not minutes.
FAST = Timeouts(read=1.0, poll=1, poll_grace=1.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _accepts(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


@dataclass
class Running:
    """A bot being served, its fake server and what it recorded."""

    api: FakeBotAPI
    channel: TelegramChannel
    recorder: Any
    settings: TelegramSettings
    errors: list[BaseException] = field(default_factory=list)

    async def ask(self, user_id: int, text: str, **kw: Any) -> list[Call]:
        """Send a message and wait for the bot's reply to that chat; returns every message sent there."""
        chat_id = kw.get("chat_id") or user_id
        before = len(self.api.sent(chat_id))
        self.api.message(user_id, text, **kw)
        await self.api.wait_for(lambda: len(self.api.sent(chat_id)) > before)
        await asyncio.sleep(0.05)  # let any (wrong) second message arrive
        return self.api.sent(chat_id)[before:]

    async def settle(self, seconds: float = 0.3) -> None:
        """Give the bot time to do something it should not do."""
        await asyncio.sleep(seconds)


@contextlib.asynccontextmanager
async def running_bot(
    api: FakeBotAPI,
    engine: Engine | None,
    *,
    pace: float = 0.0,
    timeouts: Timeouts = FAST,
    recorder: Any = None,
    service: Service | None = None,
    **settings: Any,
) -> AsyncIterator[Running]:
    """Serve the bot until the block ends; waits until it polls (or its webhook is set).

    With a service, the bot runs as `faqbot run` does: its live engine, store, admins and background jobs.
    """
    if service is not None:
        recorder = service.recorder
        channel = TelegramChannel(service.engine, recorder, admin=service)
    else:
        recorder = recorder or MemoryRecorder()
        channel = TelegramChannel(lambda: engine, recorder)
    tg = TelegramSettings(token=api.token, base_url=api.base_url, **settings)
    app = build_application(tg, channel, pace=pace, timeouts=timeouts)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, tg, stop, service, channel, timeouts.poll))
    run = Running(api, channel, recorder, tg)
    try:
        if tg.mode == "webhook":
            # PTB calls setWebhook before its server listens: wait until the port takes connections.
            await api.wait_for(lambda: bool(api.webhook) or task.done())
            while not task.done() and not await _accepts(tg.listen, tg.port):
                await asyncio.sleep(0.02)
        else:
            await api.wait_for(lambda: api.polls > 0 or task.done())
        if task.done():
            task.result()  # raise what stopped it
        yield run
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        channel.close()

"""Running the Telegram channel: the PTB Application (HTML defaults, pacing and retries, per-chat
ordering), its lifecycle in polling or webhook mode, and `faqbot run`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, Defaults, ExtBot
from telegram.request import HTTPXRequest

from bot.channels.telegram import ALLOWED_UPDATES, POLL_TIMEOUT, TelegramChannel
from bot.channels.telegram_limits import ChatLocks, ChatPacedRateLimiter
from bot.config import Settings, TelegramSettings
from bot.errors import FaqbotError

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from bot.service import Service

logger = logging.getLogger(__name__)

_BROKEN_REMEMBERED = 1_000  # ids of unparsable updates remembered (each is logged once)


class TolerantBot(ExtBot):
    """ExtBot whose polling skips an update it cannot parse (logged once) instead of asking for it again.

    PTB parses a getUpdates reply as a whole: one update it cannot read (a malformed or newer Bot API
    server) fails the batch, and the same offset is polled again and again, for everyone. Here each
    update is parsed on its own; one that fails is dropped and confirmed to the server (getUpdates with
    the offset past it), so polling moves on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._broken: dict[int, None] = {}

    async def _post(self, endpoint: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, *args, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        kept, broken = self._readable(result)
        while broken and (not kept or max(broken) > max(u["update_id"] for u in kept)):
            # Confirm the unreadable ones past the last good update, taking whatever follows them.
            after = {"offset": max(broken) + 1, "timeout": 0, "limit": 100}
            more = await super()._post("getUpdates", after, *args, **kwargs)
            kept_more, broken = self._readable(more if isinstance(more, list) else [])
            kept += kept_more
        return kept

    def _readable(self, raw: list[Any]) -> tuple[list[dict[str, Any]], list[int]]:
        kept, broken = [], []
        for item in raw:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            try:
                Update.de_json(item, self)
            except Exception as exc:  # whatever the data makes PTB raise: TypeError, KeyError, ...
                if isinstance(update_id, int) and not isinstance(update_id, bool):
                    broken.append(update_id)
                    if update_id not in self._broken:
                        logger.error(
                            "update %s cannot be read and is skipped: %s: %s", update_id, type(exc).__name__, exc
                        )
                        self._broken[update_id] = None
                        while len(self._broken) > _BROKEN_REMEMBERED:
                            del self._broken[next(iter(self._broken))]
                else:
                    logger.error("an update without a usable update_id is skipped: %r", item)
                continue
            kept.append(item)
        return kept, broken


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Runs updates concurrently across chats and one at a time within a chat."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._chats = ChatLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for earlier updates of the same chat, then process this one."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self._chats.hold(chat.id):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


@dataclass(frozen=True)
class Timeouts:
    """Network timeouts in seconds; tests shorten them to play slow servers quickly."""

    read: float = 15.0  # a send that gets no answer in this time is not repeated (it may have arrived)
    poll: int = POLL_TIMEOUT  # long-poll duration asked of getUpdates
    poll_grace: float = 10.0  # extra time a long poll may take before the client gives up and asks again
    patience: float = 300.0  # how long a send keeps waiting out 429 "retry after" replies before giving up


def build_application(
    settings: TelegramSettings,
    channel: TelegramChannel,
    *,
    pace: float = 1.0,
    timeouts: Timeouts = Timeouts(),
) -> Application:
    """A PTB Application for the channel: HTML defaults, pacing (``pace`` s per chat), retries, ordering."""
    request = HTTPXRequest(
        connection_pool_size=64, connect_timeout=5.0, read_timeout=timeouts.read, write_timeout=10.0, pool_timeout=10.0
    )
    poll_request = HTTPXRequest(
        connection_pool_size=2,
        connect_timeout=5.0,
        read_timeout=timeouts.poll + timeouts.poll_grace,
        write_timeout=10.0,
    )

    async def post_init(app: Application) -> None:
        await channel.set_commands(app)

    bot = TolerantBot(
        settings.token,
        base_url=settings.base_url,
        request=request,
        get_updates_request=poll_request,
        rate_limiter=ChatPacedRateLimiter(interval=pace, patience=timeouts.patience),
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
    )
    app = ApplicationBuilder().bot(bot).concurrent_updates(ChatOrderedProcessor(256)).post_init(post_init).build()
    channel.install(app)
    return app


async def serve(
    app: Application,
    settings: TelegramSettings,
    stop: asyncio.Event,
    service: Service | None = None,
    channel: TelegramChannel | None = None,
    poll_timeout: int = POLL_TIMEOUT,
) -> None:
    """Run until ``stop`` is set: initialise (checks the token), poll or listen for webhooks, shut down.

    With a service, its background jobs (faq.yaml watching, daily purge) run too, and a rejected edit
    of faq.yaml is sent to the admins.
    """
    async with app:  # initialize() calls getMe: a rejected token raises InvalidToken here
        if app.post_init:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        if settings.mode == "webhook":
            await app.updater.start_webhook(
                listen=settings.listen,
                port=settings.port,
                url_path=settings.url_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.secret_token or None,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=5,
            )
        else:
            await app.updater.start_polling(
                timeout=poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=5,
                drop_pending_updates=False,
            )
        logger.info("bot @%s is running (%s)", app.bot.username, settings.mode)
        jobs = None
        if service is not None:
            notify = (lambda text: channel.notify_admins(app.bot, text)) if channel is not None else None
            jobs = asyncio.create_task(service.background(notify))
        try:
            await stop.wait()
        finally:
            logger.info("stopping")
            if jobs is not None:
                jobs.cancel()
            if app.updater.running:
                await app.updater.stop()
            await app.stop()


def run(settings: Settings, service: Service) -> int:
    """`faqbot run`: serve until SIGINT or SIGTERM; startup failures become one-line FaqbotErrors."""
    channel = TelegramChannel(
        service.engine,
        service.recorder,
        settings.matching.default_language,
        admin=service,
        workers=settings.workers(),
        conversations=service.conversations,
    )
    app = build_application(settings.telegram, channel)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, settings.telegram, stop, service, channel)

    try:
        asyncio.run(main())
    except InvalidToken:
        raise FaqbotError("the Telegram Bot API rejected the bot token (check TELEGRAM_BOT_TOKEN)") from None
    except TelegramError as exc:
        raise FaqbotError(f"cannot start the bot: the Bot API at {settings.telegram.base_url} failed: {exc}") from None
    except OSError as exc:  # e.g. the webhook port is taken
        raise FaqbotError(f"cannot start the bot: {exc}") from None
    finally:
        channel.close()
        service.close()
    return 0

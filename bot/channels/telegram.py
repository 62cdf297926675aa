"""The Telegram channel: python-telegram-bot handlers that pass questions to the core and send its replies.

Nothing here decides an answer. A text becomes a question for the engine (run on a worker thread so a
slow semantic re-rank never stalls other chats), the Reply is rendered by telegram_render, and buttons
come back as callback data that telegram_render parses. Updates from different chats run concurrently;
updates from one chat run in order, so a user's answers arrive in the order they asked.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

# Opt in to PTB 23's timedelta durations now: otherwise every 429 (RetryAfter) emits a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from cachetools import TTLCache
from telegram import BotCommand, BotCommandScopeChat, Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram_render import parse_callback, preformatted, render
from bot.conversation import Conversations, command_of
from bot.engine import MAX_QUESTION, Engine
from bot.matching import Decision
from bot.outcomes import Feedback, Outcome, Recorder
from bot.replies import Reply, phrase

if TYPE_CHECKING:
    from bot.service import Service

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
VOTE_DAYS = 7  # how long an answer's 👍/👎 buttons count
POLL_TIMEOUT = 30  # seconds a getUpdates long poll may wait
COMMANDS = {
    "ko": [("start", "시작하기"), ("help", "도움말"), ("topics", "답할 수 있는 주제 보기"), ("apply", "지원 링크")],
    "en": [("start", "Start"), ("help", "Help"), ("topics", "Browse the topics"), ("apply", "Application link")],
}
ADMIN_COMMANDS = [("reload", "faq.yaml 다시 읽기"), ("stats", "최근 24시간 통계"), ("report", "답하지 못한 질문")]


def user_language(code: str | None, default: str, languages: tuple[str, ...]) -> str:
    """The reply language for a Telegram language_code: Korean for ko*, English for any other code."""
    if not code:
        return default if default in languages else languages[0]
    base = code.split("-")[0].lower()
    if base in languages:
        return base
    return "en" if "en" in languages else languages[0]


class TelegramChannel:
    """Handlers for one bot; the engine is fetched per update so a reload applies to the next question."""

    def __init__(
        self,
        engine_of: Callable[[], Engine],
        recorder: Recorder,
        default_language: str = "ko",
        feedback: bool = True,
        admin: Service | None = None,
        workers: int = 1,
        conversations: Conversations | None = None,
    ) -> None:
        self.engine_of = engine_of
        # Each chat's conversation (follow-ups such as "그 팀은요?"), per user in a group; kept by the engine's layer.
        self.conversations = conversations if conversations is not None else Conversations()
        self.recorder = recorder
        self.default_language = default_language
        self.feedback = feedback
        self.admin = admin  # /reload, /stats, /report for admin.user_ids; None = no admin commands
        # The core is CPU-bound: worker threads keep the event loop free; with more than one, questions
        # of different chats are matched in parallel (the embedding model runs outside the GIL).
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="faqbot-core")
        # Updates answered before a restart count as seen, so none is answered twice.
        self._seen: OrderedDict[int, None] = OrderedDict.fromkeys(reversed(recorder.seen("telegram")))
        self._answered: OrderedDict[tuple[int, int], str | None] = OrderedDict()  # (chat, message) -> entry
        # The answers sent with 👍/👎 buttons, (chat, message) -> entry, and who voted on which: a vote
        # counts only for the entry that message answered, once per person (a week, at most 100,000).
        self._voteable: TTLCache[tuple[int, int], str] = TTLCache(maxsize=100_000, ttl=VOTE_DAYS * 86400)
        self._voted: TTLCache[tuple[int, int, int], None] = TTLCache(maxsize=100_000, ttl=VOTE_DAYS * 86400)
        # Seconds from taking up a question to its reply being ready to send, and the part of that spent
        # waiting for the core's worker thread (behind other chats' questions). For bench/telegram_load.py.
        self.timings: deque[tuple[float, float]] = deque(maxlen=100_000)

    # -- wiring ---------------------------------------------------------------------------------

    def install(self, app: Application) -> None:
        """Register every handler; order matters: commands before the catch-all text handler."""
        app.add_handler(TypeHandler(Update, self._drop_duplicates), group=-1)
        messages = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
        app.add_handler(CommandHandler("start", self.on_start, filters=messages))
        app.add_handler(CommandHandler("help", self.on_help, filters=messages))
        app.add_handler(CommandHandler("topics", self.on_topics, filters=messages))
        app.add_handler(CommandHandler("apply", self.on_apply, filters=messages))
        app.add_handler(CommandHandler(["reload", "stats", "report"], self.on_admin, filters=messages))
        app.add_handler(MessageHandler(filters.COMMAND & messages, self.on_unknown_command))
        app.add_handler(MessageHandler(filters.TEXT & messages, self.on_text))
        app.add_handler(MessageHandler(messages & ~filters.StatusUpdate.ALL, self.on_other))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(TypeHandler(Update, self._remember_answered), group=1)
        app.add_error_handler(self.on_error)

    async def set_commands(self, app: Application) -> None:
        """Register the command menu in Korean and English (English is also the default)."""
        for lang, commands in COMMANDS.items():
            menu = [BotCommand(c, d) for c, d in commands]
            try:
                await app.bot.set_my_commands(menu, language_code=lang)
                if lang == "en":
                    await app.bot.set_my_commands(menu)
            except TelegramError as exc:
                logger.warning("could not register the %s command menu: %s", lang, exc)
        # Admins see their commands in their own chat's menu; nobody else's menu shows them.
        admin_menu = [BotCommand(c, d) for c, d in COMMANDS["ko"] + ADMIN_COMMANDS]
        for user_id in sorted(self.admin.user_ids if self.admin else ()):
            try:
                await app.bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(user_id))
            except TelegramError as exc:  # e.g. the admin has not started a chat with the bot yet
                logger.warning("could not register the admin menu for %s: %s", user_id, exc)

    def close(self) -> None:
        """Stop the worker thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- helpers --------------------------------------------------------------------------------

    async def _drop_duplicates(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A server may hand out an update twice (e.g. after a lost getUpdates reply); answer it once.
        if update.update_id in self._seen:
            logger.info("update %s seen before; ignored", update.update_id)
            raise ApplicationHandlerStop
        self._seen[update.update_id] = None
        if len(self._seen) > 10_000:
            self._seen.popitem(last=False)

    async def _remember_answered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Persisted after the handlers ran (even if one failed), so a restart skips what was answered;
        # a crash in between may answer an update twice, but never loses one.
        self.recorder.mark_seen("telegram", update.update_id)

    @staticmethod
    def _key(update: Update) -> str:
        """The conversation a message belongs to: the chat, and in a group also the person."""
        chat = update.effective_chat
        user = update.effective_user
        return f"telegram:{chat.id if chat else ''}:{user.id if user else ''}"

    def _language(self, update: Update) -> str:
        user = update.effective_user
        return user_language(user.language_code if user else None, self.default_language, self.engine_of().kb.languages)

    @staticmethod
    def _in_group(update: Update) -> bool:
        chat = update.effective_chat
        return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)

    @staticmethod
    def _addressed(message: Message, context: ContextTypes.DEFAULT_TYPE) -> tuple[bool, str]:
        """In a group: is the bot mentioned or replied to, and the text with the mention removed."""
        text = message.text or ""
        bot = context.bot
        reply_to = message.reply_to_message
        addressed = bool(reply_to and reply_to.from_user and reply_to.from_user.id == bot.id)
        username = (bot.username or "").lower()
        cuts = []
        for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
            if (entity.type == MessageEntity.MENTION and value[1:].lower() == username) or (
                entity.user is not None and entity.user.id == bot.id
            ):
                addressed = True
                cuts.append(value)
        for value in cuts:
            text = text.replace(value, " ")
        return addressed, " ".join(text.split())

    async def _send(
        self, update: Update, reply: Reply, quote: bool = False, started: float | None = None, waited: float = 0.0
    ) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if chat is None:
            return
        feedback = self.feedback and reply.kind == "answer"
        for i, out in enumerate(render(reply, feedback=feedback)):
            if i == 0 and started is not None:
                self.timings.append((time.perf_counter() - started, waited))
            kwargs: dict[str, Any] = {"reply_markup": out.keyboard}
            if quote and i == 0 and message is not None:
                # If the question was deleted meanwhile, answer anyway rather than fail.
                kwargs["reply_parameters"] = ReplyParameters(message.message_id, allow_sending_without_reply=True)
            sent = await update.get_bot().send_message(chat.id, out.html, **kwargs)
            if feedback and reply.entry_id is not None and out.keyboard is not None and isinstance(sent, Message):
                self._voteable[(chat.id, sent.message_id)] = reply.entry_id

    def _record(self, update: Update, language: str, action: str, entry_id: str | None, score: float, text: str):
        user = update.effective_user
        self.recorder.record(Outcome("telegram", str(user.id) if user else "", language, action, entry_id, score, text))

    # -- commands -------------------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: greeting and topics; `/start <entry-id>` (a deep link) opens that entry."""
        engine = self.engine_of()
        lang = self._language(update)
        entry = engine.kb.get(context.args[0]) if context.args else None
        reply = engine.composer.entry(entry, lang) if entry else engine.composer.welcome(lang)
        self.conversations.forget(self._key(update))  # a new start: what was said before no longer counts
        engine.opened(self.conversations, self._key(update), reply)
        await self._send(update, reply, quote=self._in_group(update))

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: what the bot answers and its commands."""
        lang = self._language(update)
        await self._send(update, self.engine_of().composer.notice(lang, "help"), quote=self._in_group(update))

    async def on_topics(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/topics: every browsable entry as a button."""
        lang = self._language(update)
        engine = self.engine_of()
        reply = engine.composer.topics(lang)
        engine.opened(self.conversations, self._key(update), reply)
        await self._send(update, reply, quote=self._in_group(update))

    async def on_apply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/apply: the application link as a button."""
        engine = self.engine_of()
        lang = self._language(update)
        entry = engine.kb.get("apply")
        reply = engine.composer.entry(entry, lang) if entry else engine.composer.notice(lang, "apply_text")
        engine.opened(self.conversations, self._key(update), reply)
        await self._send(update, reply, quote=self._in_group(update))

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command this bot does not have: say so in private chats; in groups only if addressed to us."""
        message = update.effective_message
        if message is None or not message.text:
            return
        if self._in_group(update):
            command = message.text.split()[0]
            if "@" not in command or command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
                return
        lang = self._language(update)
        await self._send(update, self.engine_of().composer.notice(lang, "unknown_command"), quote=True)

    # -- admin ----------------------------------------------------------------------------------

    def is_admin(self, update: Update) -> bool:
        """Whether the sender is one of the configured admins."""
        user = update.effective_user
        return self.admin is not None and user is not None and user.id in self.admin.user_ids

    async def on_admin(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reload, /stats, /report for admins in private; anything else gets the unknown-command reply."""
        message = update.effective_message
        # Only in a private chat: statistics and questions people asked are not for a group to read.
        private = not self._in_group(update)
        if not (private and self.is_admin(update)) or self.admin is None or message is None or not message.text:
            await self.on_unknown_command(update, context)
            return
        command = message.text.split()[0][1:].split("@")[0].lower()
        job = {"reload": self.admin.reload, "stats": self.admin.stats, "report": self.admin.report}[command]
        text = await asyncio.get_running_loop().run_in_executor(None, job)  # reload builds an index: off the loop
        await self.send_plain(context.bot, message.chat_id, text)

    async def send_plain(self, bot: Any, chat_id: int, text: str) -> None:
        """Preformatted text (reports, errors) in as many messages as it takes."""
        for chunk in preformatted(text):
            await bot.send_message(chat_id, chunk)

    async def notify_admins(self, bot: Any, text: str) -> None:
        """Tell every admin (in their private chat with the bot); failures are logged, not raised."""
        for user_id in sorted(self.admin.user_ids if self.admin else ()):
            try:
                await self.send_plain(bot, user_id, text)
            except TelegramError as exc:
                logger.warning("could not notify admin %s: %s", user_id, exc)

    # -- questions ------------------------------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A question: ask the core and send its reply.

        An edited question is answered again, as a reply to it, unless the edit leads to the answer the
        original already got.
        """
        started = time.perf_counter()
        message = update.effective_message
        if message is None or message.text is None:
            return
        text = message.text
        group = self._in_group(update)
        if group:
            addressed, text = self._addressed(message, context)
            if not addressed:
                return
        edited = update.edited_message is not None
        quote = group or edited
        text = text.strip()
        engine = self.engine_of()
        if not text:
            await self._send(update, engine.composer.notice(self._language(update), "help"), quote, started)
            return
        hint = engine.too_long(text)
        if hint is not None:
            self._record(update, hint.language, "too_long", None, 0.0, text[:MAX_QUESTION])
            await self._send(update, hint, quote, started)
            return
        command = command_of(text)
        if command == "help":
            await self._send(update, engine.composer.notice(self._language(update), "help"), quote, started)
            return
        if command == "topics":
            await self.on_topics(update, context)
            return
        submitted = time.perf_counter()
        conversation, language = self._key(update), self._language(update)

        def answer() -> tuple[Decision, Reply, float]:
            waited = time.perf_counter() - submitted
            return (*engine.converse(self.conversations, conversation, text, language), waited)

        decision, reply, waited = await asyncio.get_running_loop().run_in_executor(self._executor, answer)
        key = (message.chat_id, message.message_id)
        if edited and decision.action == "answer" and self._answered.get(key) == decision.id:
            return  # a fixed typo that leads to the answer already given: nothing new to say
        self._answered[key] = decision.id if decision.action == "answer" else None
        if len(self._answered) > 10_000:
            self._answered.popitem(last=False)
        self._record(update, reply.language, decision.action, decision.id, decision.score, text)
        await self._send(update, reply, quote, started, waited)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, files, locations: a hint to type the question."""
        message = update.effective_message
        if message is None:
            return
        if self._in_group(update):
            reply_to = message.reply_to_message
            if not (reply_to and reply_to.from_user and reply_to.from_user.id == context.bot.id):
                return
        lang = self._language(update)
        await self._send(update, self.engine_of().composer.notice(lang, "non_text"), quote=self._in_group(update))

    # -- buttons --------------------------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: open an entry, list topics, or take a vote. Always answers the callback query."""
        query = update.callback_query
        if query is None:
            return
        engine = self.engine_of()
        data = parse_callback(query.data)
        lang = data.language if data and data.language in engine.kb.languages else self._language(update)
        notice: str | None = None
        reply: Reply | None = None
        try:
            if data is None:
                notice = phrase(lang, "unknown_option")
            elif data.kind == "topics":
                reply = engine.composer.topics(lang)
                engine.opened(self.conversations, self._key(update), reply)
            elif data.kind == "entry":
                entry = engine.kb.get(data.entry_id or "")
                if entry is None:  # removed by a reload since the button was sent
                    notice = phrase(lang, "unknown_option")
                else:
                    reply = engine.composer.entry(entry, lang)
                    engine.opened(self.conversations, self._key(update), reply)
                    self._record(update, lang, "browse", entry.id, 100.0, "")
            else:
                notice = await self._vote(update, context, data.entry_id or "", data.vote, lang)
        finally:
            try:
                await query.answer(notice)
            except TelegramError as exc:  # a stale query (older than Telegram keeps them) cannot be answered
                logger.info("could not answer callback query: %s", exc)
        if reply is not None:
            await self._send(update, reply)

    async def _vote(self, update: Update, context: ContextTypes.DEFAULT_TYPE, entry_id: str, vote: int, lang: str):
        query = update.callback_query
        user = update.effective_user
        message = query.message if query else None
        chat = update.effective_chat
        key = (chat.id, message.message_id) if chat is not None and message is not None else None
        if key is None or user is None or self._voteable.get(key) != entry_id:
            # Not a vote on an answer this bot gave (forged, or older than it remembers): not counted.
            logger.info("vote on %s not bound to an answer given; ignored", entry_id)
            return phrase(lang, "feedback_none")
        if (*key, user.id) in self._voted:
            return phrase(lang, "feedback_again")
        self._voted[(*key, user.id)] = None
        self.recorder.feedback(Feedback("telegram", str(user.id), entry_id, vote))
        if isinstance(message, Message) and message.reply_markup is not None:
            # Take the 👍/👎 row away so one answer gets one vote; keep the other buttons.
            rows = [
                row
                for row in message.reply_markup.inline_keyboard
                if not any(str(b.callback_data or "").startswith("f:") for b in row)
            ]
            try:
                await message.edit_reply_markup(reply_markup=type(message.reply_markup)(rows))
            except TelegramError as exc:
                logger.info("could not remove the feedback buttons: %s", exc)
        return phrase(lang, "feedback_up" if vote > 0 else "feedback_down")

    # -- errors ---------------------------------------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure, then apologise once to the chat it happened in."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("update %s failed", update_id, exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None or update.callback_query is not None:
            return
        if isinstance(context.error, NetworkError) and not isinstance(context.error, BadRequest):
            return  # the answer may well have arrived (timeout), or the server is unreachable: nothing to add
        lang = self._language(update)
        try:
            await context.bot.send_message(update.effective_chat.id, html.escape(phrase(lang, "error")))
        except TelegramError as exc:
            logger.warning("could not apologise for update %s: %s", update_id, exc)

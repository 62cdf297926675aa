"""A fake Telegram Bot API server on 127.0.0.1 that speaks the wire format and records every call.

The real telegram.ext.Application is pointed at it with base_url. It checks what Telegram checks
(token, HTML entities, message length, callback data size, button URLs), long-polls getUpdates with
offsets, and can inject faults per method: an error status, 429 with retry_after, or a slow reply.
A slow reply still takes effect, as on the real server: the client just never hears about it.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_JSON_PARAMS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "entities",
    "link_preview_options",
    "reply_parameters",
    "scope",
}
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote", "tg-spoiler"}
_TOKEN_RE = re.compile(r"<(/?)([a-zA-Z-]+)((?:\s[^<>]*)?)>|([^<]+)|(<)")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class EntityError(ValueError):
    """The text is not the HTML Telegram accepts."""


def parse_html(text: str) -> str:
    """The visible text of Telegram-HTML, or EntityError as Telegram would answer."""
    stack: list[str] = []
    out = []
    for m in _TOKEN_RE.finditer(text):
        closing, tag, _attrs, plain, stray = m.groups()
        if stray:
            raise EntityError("Can't parse entities: unexpected '<'")
        if plain is not None:
            if ">" in plain:
                raise EntityError("Can't parse entities: unexpected '>'")
            rest = _ENTITY_RE.sub("", plain)
            if "&" in rest:
                raise EntityError("Can't parse entities: unsupported '&' (use &amp;)")
            out.append(html.unescape(plain))
            continue
        tag = tag.lower()
        if tag not in _TAGS:
            raise EntityError(f'Can\'t parse entities: unsupported start tag "{tag}"')
        if closing:
            if not stack or stack.pop() != tag:
                raise EntityError(f"Can't parse entities: can't find end tag corresponding to \"{tag}\"")
        else:
            stack.append(tag)
    if stack:
        raise EntityError(f"Can't parse entities: can't find end tag corresponding to \"{stack[-1]}\"")
    return "".join(out)


@dataclass
class Fault:
    """What to do to the next call of a method instead of (or before) answering it normally."""

    status: int | None = None  # answer with this error status
    retry_after: float | None = None  # 429 Too Many Requests (tests use fractions to stay fast)
    delay: float = 0.0  # answer (and take effect) only after this many seconds
    html_body: bool = False  # an HTML error page instead of JSON, as a proxy sends


@dataclass
class Call:
    """One request the server received."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    result: Any = None


@dataclass
class FakeBotAPI:
    """The server; start() it, then give the bot ``base_url`` and ``token``."""

    token: str = "123456:TEST-token-abcdefghijklmnopqrstuv"
    username: str = "kakao_faq_test_bot"
    calls: list[Call] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self.bot_user = {"id": 777000111, "is_bot": True, "first_name": "Kakao FAQ", "username": self.username}
        self.pending: list[dict[str, Any]] = []
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.chats: dict[int, dict[str, Any]] = {}
        self._update_id = 1000
        self._message_id = 5000
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.polls = 0

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        """Listen on 127.0.0.1 (the same port as before after a stop(), to play an outage)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # A long poll still open at the end of a test is cut at once: waiting for it only costs time.
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.01)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Stop listening; connections are refused until start() again."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what the test drives ---------------------------------------------------------------

    def fail(self, method: str, times: int = 1, **fault: Any) -> None:
        """Make the next ``times`` calls of ``method`` misbehave (see Fault)."""
        for _ in range(times):
            self.faults[method].append(Fault(**fault))

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update (update_id is assigned) and wake the long poll."""
        self._update_id += 1
        update = {"update_id": self._update_id, **update}
        self.pending.append(update)
        self._arrived.set()
        return self._update_id

    def _chat(self, chat_id: int, chat_type: str, user: dict[str, Any]) -> dict[str, Any]:
        if chat_type == "private":
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": "Candidates"}
        self.chats[chat_id] = chat
        return chat

    @staticmethod
    def user(user_id: int, language_code: str | None = "ko") -> dict[str, Any]:
        u: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            u["language_code"] = language_code
        return u

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "ko",
        entities: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
        edited: bool = False,
        message_id: int | None = None,
        **extra: Any,
    ) -> int:
        """Push a message (or an edit of one) from a user; non-text content goes in ``extra``."""
        user = self.user(user_id, language_code)
        self._message_id += 1
        msg: dict[str, Any] = {
            "message_id": message_id or self._message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id or user_id, chat_type, user),
            "from": user,
            **extra,
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/") and entities is None:
                entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if entities:
            msg["entities"] = entities
        if reply_to:
            msg["reply_to_message"] = reply_to
        if edited:
            msg["edit_date"] = int(time.time())
        return self.push({"edited_message" if edited else "message": msg})

    def press(self, user_id: int, data: str, message: dict[str, Any], language_code: str | None = "ko") -> int:
        """Push a callback query: the user pressed a button with ``data`` under ``message``."""
        self._message_id += 1
        return self.push(
            {
                "callback_query": {
                    "id": str(self._message_id),
                    "from": self.user(user_id, language_code),
                    "chat_instance": str(message["chat"]["id"]),
                    "message": message,
                    "data": data,
                }
            }
        )

    def of(self, method: str, chat_id: int | None = None, ok: bool = True) -> list[Call]:
        """Calls of a method (successful only, by default), optionally in one chat."""
        return [
            c
            for c in self.calls
            if c.method == method
            and (not ok or c.status == 200)
            and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages that took effect (200), in order."""
        return self.of("sendMessage", chat_id)

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        """Wait until predicate() is true; fail the test with the last calls if it never is."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                tail = [(c.method, c.status, c.params.get("text", "")[:40]) for c in self.calls[-8:]]
                raise AssertionError(f"condition not met in {timeout}s; last calls: {tail}")
            await asyncio.sleep(0.02)

    # -- the API ----------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw = await request.json()
        elif request.method == "POST":
            raw = dict(await request.post())
        else:
            raw = dict(request.query)
        params = {}
        for key, value in raw.items():
            if key in _JSON_PARAMS and isinstance(value, str):
                value = json.loads(value)
            params[key] = value
        return params

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            call.status = 401
            return self._error(401, "Unauthorized")
        fault = self.faults[method].popleft() if self.faults[method] else None
        if fault and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault and fault.retry_after is not None:
            call.status = 429
            return self._error(
                429, f"Too Many Requests: retry after {fault.retry_after}", retry_after=fault.retry_after
            )
        if fault and fault.status:
            call.status = fault.status
            if fault.html_body:
                return web.Response(status=fault.status, text="<html><body>Bad Gateway</body></html>")
            return self._error(fault.status, "Internal Server Error" if fault.status == 500 else "Bad Gateway")
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            call.status = 404
            return self._error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except EntityError as exc:
            call.status = 400
            return self._error(400, f"Bad Request: {exc}")
        except _BadRequest as exc:
            call.status = 400
            return self._error(400, f"Bad Request: {exc}")
        call.result = result
        return web.json_response({"ok": True, "result": result})

    async def api_getMe(self, params: dict[str, Any]) -> Any:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False}

    async def api_getUpdates(self, params: dict[str, Any]) -> Any:
        self.polls += 1
        offset = int(params.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]  # confirmed ones are gone
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        while not self.pending and time.monotonic() < deadline:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        return self.pending[:limit]

    async def api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        if str(params.get("drop_pending_updates")).lower() == "true":
            self.pending.clear()
        return True

    async def api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = dict(params)
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    async def api_setMyCommands(self, params: dict[str, Any]) -> Any:
        for c in params.get("commands", []):
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c["command"]) or not 1 <= len(c["description"]) <= 256:
                raise _BadRequest("BOT_COMMAND_INVALID")
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if len(params.get("text") or "") > 200:
            raise _BadRequest("MESSAGE_TOO_LONG")
        return True

    def _check_markup(self, markup: dict[str, Any] | None) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise _BadRequest("BUTTON_TEXT_EMPTY")
                if "callback_data" in button and not 1 <= len(button["callback_data"].encode()) <= 64:
                    raise _BadRequest("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(https?|tg)://", button["url"]):
                    raise _BadRequest("BUTTON_URL_INVALID")

    async def api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        text = params.get("text", "")
        visible = parse_html(text) if params.get("parse_mode") == "HTML" else text
        if not visible.strip():
            raise _BadRequest("message text is empty")
        if len(visible.encode("utf-16-le")) // 2 > 4096:
            raise _BadRequest("message is too long")
        self._check_markup(params.get("reply_markup"))
        self._message_id += 1
        message = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "?"}),
            "from": self.bot_user,
            "text": visible,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        self._check_markup(params.get("reply_markup"))
        chat_id = int(params["chat_id"])
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "?"}),
            "from": self.bot_user,
            "text": "(edited)",
            "reply_markup": params.get("reply_markup") or {"inline_keyboard": []},
        }


class _BadRequest(Exception):
    pass

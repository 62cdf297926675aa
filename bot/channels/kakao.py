"""The KakaoTalk channel: an HTTP skill server for Kakao i Open Builder (skill payload v2).

Open Builder POSTs each utterance as JSON and waits up to 5 seconds for the skill response. The
question is in ``userRequest.utterance`` and the user in ``userRequest.user.id``. Anything a client can
send that is wrong gets a 4xx with a JSON ``{"error": ...}`` body: 400 (not JSON, no utterance, wrong
content type), 403 (wrong ``X-Skill-Secret``), 404, 405, 408 (a body that does not arrive within 10 s),
413 (body over 64 KB), 415 (a compressed body: never inflated); a connection that has not sent a whole
request head within 10 s is closed without a reply. A failure of our own
still answers 200 with an apology, so the user is never left without a reply.

HTTP stack: aiohttp. It gives an application and runner that start and stop inside our own event loop
(tests run a real client against it), enforces the body limit itself (client_max_size), and is the
stack the test suite's fake servers already use. PTB's tornado server is internal to its webhook mode.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from bot.channels.kakao_render import TopicIndex, error_body, response, topics_page, vote_of
from bot.config import KakaoSettings, Settings
from bot.conversation import Conversations, command_of
from bot.engine import MAX_QUESTION, Engine
from bot.errors import FaqbotError
from bot.knowledge import KnowledgeBase
from bot.outcomes import Feedback, Outcome
from bot.webguard import HEADER_SECONDS, STARTED, listen, started

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
SECRET_HEADER = "X-Skill-Secret"
BODY_SECONDS = 10.0  # a request body must arrive within this (Open Builder sends it at once)


class BadRequest(Exception):
    """A client error: the status and the message for the JSON body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


_LANGUAGES = {"ko": "ko", "kor": "ko", "en": "en", "eng": "en"}


def parse_request(body: bytes, content_type: str) -> tuple[str, str, str | None]:
    """(utterance, user id, language if the payload names one) of a skill payload; BadRequest for
    anything else."""
    if content_type != "application/json":
        raise BadRequest(400, f"expected Content-Type application/json, got {content_type or 'none'}")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(400, f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest(400, "body is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
        raise BadRequest(400, f"body holds a value that cannot be read: {exc}") from None
    request = payload.get("userRequest") if isinstance(payload, dict) else None
    if not isinstance(request, dict):
        raise BadRequest(400, "missing userRequest")
    utterance = request.get("utterance")
    if not isinstance(utterance, str):
        raise BadRequest(400, "missing userRequest.utterance (a string)")
    user = request.get("user")
    user_id = ""
    if isinstance(user, dict):
        found = user.get("properties")
        props = found if isinstance(found, dict) else {}
        user_id = str(user.get("id") or props.get("plusfriendUserKey") or "")
    lang = request.get("lang")
    language = _LANGUAGES.get(lang.split("-")[0].split("_")[0].lower()) if isinstance(lang, str) and lang else None
    return utterance, user_id, language


class KakaoSkill:
    """The skill: turns an utterance into a skill response using the current engine."""

    def __init__(
        self,
        engine_of: Any,
        recorder: Any | None = None,
        workers: int = 1,
        conversations: Conversations | None = None,
    ) -> None:
        self.engine_of = engine_of
        self.recorder = recorder
        self.body_seconds = BODY_SECONDS
        self.header_seconds = HEADER_SECONDS
        # Each user's conversation (follow-ups such as "그 팀은요?"); kept by the engine's layer.
        self.conversations = conversations if conversations is not None else Conversations()
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="faqbot-kakao")
        self._topics: tuple[KnowledgeBase, TopicIndex] | None = None
        # The last answer each user got, for their 👍/👎 (one vote per answer; forgotten after an hour).
        self._last: OrderedDict[str, tuple[str, str, float]] = OrderedDict()

    def _topic_index(self, engine: Engine) -> TopicIndex:
        if self._topics is None or self._topics[0] is not engine.kb:  # rebuilt after a reload
            self._topics = (engine.kb, TopicIndex.of(engine.kb))
        return self._topics[1]

    def _vote(self, engine: Engine, user: str, vote: int) -> dict[str, Any]:
        last = self._last.pop(user, None)
        if last is None or time.time() - last[2] > 3600:
            return response(engine.composer.notice(engine.kb.languages[0], "feedback_none"))
        entry_id, lang, _ = last
        if self.recorder is not None:
            self.recorder.feedback(Feedback("kakao", user, entry_id, vote))
        return response(engine.composer.notice(lang, "feedback_up" if vote > 0 else "feedback_down"))

    def answer(
        self, utterance: str, user: str = "", hint: str | None = None
    ) -> tuple[dict[str, Any], str, str | None, float, str]:
        """(skill response, action, entry id, score, language) for one utterance of one user; ``hint`` is
        the language Kakao says the user has (userRequest.lang), for messages without words."""
        engine: Engine = self.engine_of()
        text = " ".join(utterance.split())
        hinted = hint if hint in engine.kb.languages else engine.kb.languages[0]
        lang = engine.matcher.language_of(text) if any(ch.isalpha() for ch in text) else hinted
        vote = vote_of(text)
        if vote is not None:
            return self._vote(engine, user, vote), "feedback", None, 0.0, lang
        result = self._answer(engine, text, lang, user)
        if result[1] in ("answer", "browse") and result[2] and user:
            self._last[user] = (result[2], result[4], time.time())
            self._last.move_to_end(user)
            if len(self._last) > 10_000:
                self._last.popitem(last=False)
        return result

    def _answer(
        self, engine: Engine, text: str, lang: str, user: str
    ) -> tuple[dict[str, Any], str, str | None, float, str]:
        key = f"kakao:{user}"
        command = command_of(text)
        if not text or command == "help":
            return response(engine.composer.notice(lang, "help_kakao")), "help", None, 0.0, lang
        hint = engine.too_long(text)
        if hint is not None:
            return response(hint), "too_long", None, 0.0, hint.language
        page = topics_page(text)
        if page is not None or command == "topics":
            reply = engine.composer.topics(lang)
            if user:
                engine.opened(self.conversations, key, reply)
            return response(reply, page or 1), "topics", None, 0.0, lang
        hit = self._topic_index(engine).entry(text)
        if hit is None and command == "apply" and engine.kb.get("apply") is not None:
            hit = (engine.kb.entry("apply"), lang)
        if hit is not None:  # a topic quick reply (or someone typing a title exactly)
            entry, title_lang = hit
            reply = engine.composer.entry(entry, title_lang)
            if user:
                engine.opened(self.conversations, key, reply)
            return response(reply), "browse", entry.id, 100.0, title_lang
        # Without a user id there is no conversation to follow: the question is answered on its own.
        decision, reply = engine.converse(self.conversations, key, text, lang) if user else engine.ask(text)
        return response(reply), decision.action, decision.id, decision.score, reply.language

    async def handle(self, request: web.Request) -> web.Response:
        """POST handler of the skill endpoint."""
        try:
            body = await asyncio.wait_for(request.read(), self.body_seconds)
        except web.HTTPRequestEntityTooLarge:
            return _closing(_json(413, error_body(f"body larger than {MAX_BODY} bytes")))
        except TimeoutError:
            return _closing(_json(408, error_body(f"the body did not arrive within {self.body_seconds:g} s")))
        except ConnectionResetError:  # the client went away before sending its body: nobody to answer
            logger.info("a client closed the connection before sending its whole body")
            return _closing(_json(400, error_body("the connection closed before the body arrived")))
        try:
            utterance, user, hint = parse_request(body, request.content_type)
        except BadRequest as exc:
            return _json(exc.status, error_body(str(exc)))
        try:
            loop = asyncio.get_running_loop()
            result, action, entry_id, score, lang = await loop.run_in_executor(
                self._executor, self.answer, utterance, user, hint
            )
        except Exception:  # our failure, not the client's: log it, still give the user an answer
            logger.exception("answering a Kakao utterance failed")
            return _json(200, self._apology())
        if self.recorder is not None and action not in ("help", "feedback"):
            self.recorder.record(Outcome("kakao", user, lang, action, entry_id, score, utterance[:MAX_QUESTION]))
        return _json(200, result)

    def _apology(self) -> dict[str, Any]:
        try:
            engine: Engine = self.engine_of()
            return response(engine.composer.notice(engine.kb.languages[0], "error"))
        except Exception:
            return {
                "version": "2.0",
                "template": {"outputs": [{"simpleText": {"text": "죄송해요, 잠시 후 다시 물어봐 주세요."}}]},
            }

    def close(self) -> None:
        """Stop the worker thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _closing(response: web.Response) -> web.Response:
    """The response, with the connection closed after it (what is left of the body is not read)."""
    response.force_close()
    return response


def build_app(skill: KakaoSkill, settings: KakaoSettings) -> web.Application:
    """The aiohttp application: the skill endpoint, a health check, and JSON errors for everything else."""

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        started(request)
        # Refused before any of the body is read: the server never inflates a compressed body (a few
        # kilobytes of gzip can hold gigabytes), and Open Builder never compresses one.
        encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            return _closing(
                _json(415, error_body(f"Content-Encoding {encoding!r} is not accepted; send the JSON as is"))
            )
        if request.path == settings.path and settings.secret and request.headers.get(SECRET_HEADER) != settings.secret:
            return _closing(_json(403, error_body(f"missing or wrong {SECRET_HEADER} header")))
        try:
            return await handler(request)
        except web.HTTPException as exc:  # 404, 405, 413 raised by aiohttp itself
            return _json(exc.status, error_body(exc.reason))
        except Exception:
            logger.exception("unexpected error serving %s", request.path)
            return _json(200, skill._apology())

    async def health(request: web.Request) -> web.Response:
        engine: Engine = skill.engine_of()
        return _json(200, {"ok": True, "entries": len(engine.kb.entries)})

    app = web.Application(client_max_size=MAX_BODY, middlewares=[guard])
    app[STARTED] = weakref.WeakSet()
    app.router.add_post(settings.path, skill.handle)
    app.router.add_get("/healthz", health)
    return app


async def serve(
    skill: KakaoSkill,
    settings: KakaoSettings,
    stop: asyncio.Event,
    service: Any = None,
    ready: Callable[[int], None] | None = None,
) -> int:
    """Listen until ``stop`` is set; ``ready`` is told the port once listening (port 0 takes a free one)."""
    # auto_decompress off: a compressed body stays as sent (and is refused, see build_app); lingering_time
    # 0: the unread rest of a refused body is not drained, the connection is closed instead.
    app = build_app(skill, settings)
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, auto_decompress=False, lingering_time=0, keepalive_timeout=15
    )
    await runner.setup()
    server, bound = await listen(runner, settings.listen, settings.port, skill.header_seconds)
    logger.info("Kakao skill listening on http://%s:%s%s", settings.listen, bound, settings.path)
    if ready is not None:
        ready(bound)
    jobs = asyncio.create_task(service.background()) if service is not None else None
    try:
        await stop.wait()
    finally:
        if jobs is not None:
            jobs.cancel()
        server.close()
        await runner.cleanup()
    return bound


def run(settings: Settings, service: Any) -> int:
    """`faqbot kakao`: serve until SIGINT or SIGTERM."""
    skill = KakaoSkill(service.engine, service.recorder, settings.workers(), service.conversations)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(skill, settings.kakao, stop, service)

    started = time.monotonic()
    try:
        asyncio.run(main())
    except OSError as exc:  # the port is taken, or the address does not exist
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise FaqbotError(f"cannot listen on {settings.kakao.listen}:{settings.kakao.port}: {reason}") from None
    finally:
        skill.close()
        service.close()
        logger.info("stopped after %.0f s", time.monotonic() - started)
    return 0

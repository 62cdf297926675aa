"""`faqbot studio`: the recruiter's workbench as a small local web page (aiohttp, Jinja2 templates).

Four views over the same live engine and store as the bot: try it (the reply as Telegram and KakaoTalk
show it, and why), test all (a labelled set, with what changed since its last run), the knowledge base
(entries, live `faqbot check` problems, verified quotes) and what went unanswered (report and pictures).

Safe by default:
- it listens on 127.0.0.1; listening elsewhere needs a token ([studio] token or FAQBOT_STUDIO_TOKEN),
  compared in constant time, given once on a login form (then a cookie) or as `Authorization: Bearer`;
- without a token it answers only requests addressed to a loopback name, so a web page the recruiter
  visits cannot reach it by pointing its own host name at 127.0.0.1 (DNS rebinding);
- a form posted from another origin is refused; pages carry a content security policy (no inline script,
  nothing from other hosts) and cannot be framed;
- it only reads faq.yaml and the store: editing stays in the recruiter's editor, and the page follows saves.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html.parser
import ipaddress
import logging
import os
import re
import signal
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from markupsafe import Markup
from yarl import URL

from bot.channels import kakao_render, telegram_render
from bot.config import Settings
from bot.engine import engine_builder
from bot.errors import FaqbotError
from bot.explain import HOW
from bot.reload import LiveEngine, watch
from bot.replies import Reply
from bot.studio.core import Studio
from bot.studio.runs import MAX_SET_BYTES, Result, Run, Runs, parse_set
from bot.webguard import HEADER_SECONDS, STARTED, started
from bot.webguard import listen as listen_guarded

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "faqbot_studio"
TOKEN_ENV = "FAQBOT_STUDIO_TOKEN"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
STUDIO: web.AppKey[Studio] = web.AppKey("studio", Studio)
_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the names of this machine's loopback."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- Telegram's HTML, shown as Telegram shows it -----------------------------------------------------


class _TelegramHtml(html.parser.HTMLParser):
    """Keeps only the tags Telegram's HTML parse mode knows (the renderer's output, re-checked)."""

    ALLOWED = frozenset({"b", "strong", "i", "em", "u", "s", "code", "pre", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.ALLOWED:
            self.out.append(f"<{tag}>")
            self.open.append(tag)
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if re.match(r"^https?://", href):
                self.out.append(f'<a href="{Markup.escape(href)}" rel="noopener noreferrer" target="_blank">')
                self.open.append("a")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open:
                last = self.open.pop()
                self.out.append(f"</{last}>")
                if last == tag:
                    break

    def handle_data(self, data: str) -> None:
        self.out.append(str(Markup.escape(data)))

    def result(self) -> Markup:
        self.close()
        return Markup("".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open)))


def telegram_html(text: str) -> Markup:
    """Telegram message HTML as safe page HTML."""
    parser = _TelegramHtml()
    parser.feed(text)
    return parser.result()


@dataclass(frozen=True)
class Button:
    label: str
    url: str | None = None


def telegram_view(reply: Reply) -> list[tuple[Markup, list[list[Button]]]]:
    """The messages a reply becomes on Telegram: text and inline keyboard rows."""
    out = []
    for message in telegram_render.render(reply):
        rows = []
        if message.keyboard is not None:
            for row in message.keyboard.inline_keyboard:
                rows.append([Button(b.text, b.url) for b in row])
        out.append((telegram_html(message.html), rows))
    return out


def kakao_view(reply: Reply) -> dict[str, Any]:
    """The skill response a reply becomes on KakaoTalk (outputs and quick replies)."""
    return kakao_render.response(reply)["template"]


# -- the application ------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every question, phrasing and answer is escaped unless marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["HOW"] = HOW
    env.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""
    return env


def _session(token: str) -> str:
    """The cookie value for a token: a keyed digest, so the cookie is not the token itself."""
    return hmac.new(token.encode(), b"faqbot studio session", hashlib.sha256).hexdigest()


def _local_path(target: str | None) -> str:
    """Where to go after logging in: a path on this server only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"  # browsers drop tabs and newlines: "/\t/evil.example" would become "//evil.example"
    return target


BODY_SECONDS = 30.0  # a form (an upload of up to 2 MB included) must arrive within this


async def _form(request: web.Request, too_large: str = "the form is too large") -> Any:
    """The posted form; a 400 for a body that is not a well-formed form, 408 for one that does not arrive."""
    try:
        return await asyncio.wait_for(request.post(), BODY_SECONDS)
    except web.HTTPRequestEntityTooLarge:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_SET_BYTES, actual_size=request.content_length or 0, text=too_large
        ) from None
    except TimeoutError:
        raise web.HTTPRequestTimeout(text=f"the form did not arrive within {BODY_SECONDS:g} s") from None
    except (ValueError, LookupError, HttpProcessingError):  # malformed multipart, unknown charset, bad bytes
        raise web.HTTPBadRequest(text="the form is not well-formed") from None


def _field(form: Any, name: str) -> str:
    """A text field of a form ("" when missing); a 400 when it was sent as a file."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise web.HTTPBadRequest(text=f"'{name}' must be text, not a file")
    return value


def _file_name(sent: str) -> str:
    """An uploaded file's name, without any folder a client put in it (either slash, %-quoted or not)."""
    base = re.split(r"[/\\]", unquote(sent))[-1]
    return re.sub(r"[^\w.\- ]", "_", base)[:80] or "set.tsv"


def _redirect(location: str) -> web.Response:
    """303 See Other: after a form, the browser GETs the result (reloading it does not post again)."""
    return web.Response(status=303, headers={"Location": location})


def _to_loopback(host_header: str, allowed: set[str]) -> bool:
    """Whether a request's Host names this machine's loopback (or the address the studio listens on)."""
    try:
        host = URL(f"http://{host_header}").host or ""
    except ValueError:
        return False
    return is_loopback(host) or host.lower() in allowed


def _same_origin(origin: str | None, host_header: str) -> bool:
    """A form post's Origin (when the browser sends one) must be this server."""
    if not origin:
        return True  # not a browser, or an old one: the token (when set) still guards
    try:
        return URL(origin).raw_authority == host_header
    except ValueError:
        return False


def build_app(studio: Studio, token: str = "", listen: str = "127.0.0.1") -> web.Application:
    """The studio's aiohttp application (``token``: "" = none, for loopback only)."""
    env = _environment()
    session = _session(token) if token else ""
    allowed_hosts = {listen.strip("[]").lower()} if is_loopback(listen) else set()

    def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
        # Before logging in, a page tells nothing about the knowledge base (not even its path or size).
        known = authorised(request) and (bool(token) or _to_loopback(request.host, allowed_hosts))
        body = env.get_template(template).render(
            path=request.path,
            summary=studio.live().kb.summary() if known else "",
            token=bool(token),
            problems=studio.knowledge().problems if known else (),
            **context,
        )
        return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")

    def authorised(request: web.Request) -> bool:
        if not token:
            return True
        given = request.cookies.get(COOKIE, "")
        if given and hmac.compare_digest(given.encode(), session.encode()):
            return True
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return hmac.compare_digest(header[7:].strip().encode(), token.encode())
        return False

    @web.middleware
    async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
        started(request)
        try:
            if not token and not _to_loopback(request.host, allowed_hosts):
                raise web.HTTPMisdirectedRequest(text="without a token, the studio answers only requests to localhost")
            if request.method == "POST" and not _same_origin(request.headers.get("Origin"), request.host):
                raise web.HTTPForbidden(text="a form from another site cannot be posted here")
            public = request.path in ("/login", "/healthz") or request.path.startswith("/static/")
            if not public and not authorised(request):
                if request.method == "GET" and "text/html" in request.headers.get("Accept", "text/html"):
                    raise web.HTTPSeeOther(str(URL.build(path="/login", query={"next": request.raw_path})))
                if request.headers.get("Authorization"):
                    await asyncio.sleep(0.5)  # a wrong token costs time, as on the login form
                raise web.HTTPUnauthorized(text="log in first (the studio needs its token)")
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:  # a redirect
                response = web.Response(status=exc.status, headers=exc.headers)
            else:
                response = page(request, "error.html", exc.status, code=exc.status, reason=exc.reason, message=exc.text)
        except Exception:
            logger.exception("studio: unexpected error serving %s", request.path)
            message = "something went wrong on the server; the log says what"
            response = page(request, "error.html", 500, code=500, reason="Internal Server Error", message=message)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would make our own forms post Origin: null
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def home(request: web.Request) -> web.Response:
        return _redirect("/try")

    async def try_it(request: web.Request) -> web.Response:
        text = _field(await _form(request), "q") if request.method == "POST" else request.query.get("q", "")
        turns, dropped = await heavy(studio.try_it, text) if text.strip() else ([], 0)
        views = [(t, telegram_view(t.reply), kakao_view(t.reply)) for t in turns]
        return page(request, "try.html", text=text, turns=views, dropped=dropped)

    async def test_page(request: web.Request) -> web.Response:
        name = request.query.get("set", "")
        run = studio.runs.last(name) if name else None
        everything = request.query.get("all") == "1"
        return page(request, "test.html", **_test_context(studio, run, name, everything))

    async def test_run(request: web.Request) -> web.Response:
        form = await _form(request, "the file is larger than 2 MB")
        upload = form.get("file")
        if running.locked():
            message = "another test run is in progress; run this one when it has finished"
            return page(request, "test.html", 409, **{**_test_context(studio, None, "", False), "error": message})
        try:
            async with running:  # one run at a time: a big set must not starve the other pages
                if isinstance(upload, web.FileField) and upload.filename:
                    name = "upload: " + _file_name(upload.filename)
                    items = parse_set(name, upload.file.read(MAX_SET_BYTES + 1))
                elif _field(form, "set"):
                    name = _field(form, "set")
                    items = await heavy(studio.read_set, name)
                else:
                    raise FaqbotError("choose a labelled set or upload one")
                run = await heavy(studio.test_all, name, items)
        except FaqbotError as exc:
            return page(request, "test.html", 400, **{**_test_context(studio, None, "", False), "error": str(exc)})
        return _redirect(str(URL.build(path="/test", query={"set": run.name}, fragment="results")))

    async def knowledge(request: web.Request) -> web.Response:
        view = await asyncio.to_thread(studio.knowledge)
        return page(request, "kb.html", kb=view, served=studio.version())

    async def version(request: web.Request) -> web.Response:
        view = await asyncio.to_thread(studio.knowledge)
        return web.json_response({"version": view.version, "problems": len(view.problems)})

    async def unanswered(request: web.Request) -> web.Response:
        try:
            days = int(request.query.get("days", "7"))
            limit = int(request.query.get("limit", "20"))
        except ValueError:
            raise web.HTTPBadRequest(text="days and limit are whole numbers") from None
        if not (1 <= days <= 366 and 1 <= limit <= 500):
            raise web.HTTPBadRequest(text="days must be 1 to 366, limit 1 to 500")
        view = await heavy(studio.unanswered, days, limit)
        return page(request, "unanswered.html", view=view)

    async def login_page(request: web.Request) -> web.Response:
        return page(request, "login.html", next=_local_path(request.query.get("next")), failed=False)

    async def login(request: web.Request) -> web.Response:
        form = await _form(request)
        target = _local_path(_field(form, "next") or "/")
        given = _field(form, "token")
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            await asyncio.sleep(0.5)  # a guess costs time
            return page(request, "login.html", 401, next=target, failed=True)
        response = _redirect(target)
        response.set_cookie(COOKIE, session, httponly=True, samesite="Strict", path="/")
        return response

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "entries": len(studio.live().kb.entries)})

    # The work that takes long (a test run, grouping what went unanswered, a long conversation) has two
    # threads of its own, so the quick pages (the knowledge page's check for saves) never wait behind it.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="faqbot-studio")
    running = asyncio.Lock()

    async def heavy(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    async def close_pool(app: web.Application) -> None:
        pool.shutdown(wait=False, cancel_futures=True)

    app = web.Application(middlewares=[guard], client_max_size=MAX_SET_BYTES + 64 * 1024)
    app[STUDIO] = studio
    app[STARTED] = weakref.WeakSet()
    app.on_cleanup.append(close_pool)
    app.router.add_get("/", home)
    app.router.add_get("/try", try_it)
    app.router.add_post("/try", try_it)
    app.router.add_get("/test", test_page)
    app.router.add_post("/test", test_run)
    app.router.add_get("/kb", knowledge)
    app.router.add_get("/kb/version", version)
    app.router.add_get("/unanswered", unanswered)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_get("/healthz", health)
    app.router.add_static("/static/", HERE / "static")
    return app


def _test_context(studio: Studio, run: Run | None, name: str, everything: bool) -> dict[str, Any]:
    """What the test page shows: the sets, the kept runs, and a run's misses (worse first, then the other
    misses, then what got better), or every question."""
    shown: list[Result] = []
    tries: dict[int, str] = {}  # result line -> what "try it" asks: a conversation's turns up to that one
    if run is not None:
        said: dict[str, list[str]] = {}
        for r in run.results:
            if r.conversation is not None:
                said.setdefault(r.conversation, []).append(r.question)
                tries[r.line] = "\n".join(said[r.conversation])
            else:
                tries[r.line] = r.question
        if everything:
            shown = list(run.results)
        else:
            worse = [r for r in run.results if r.change == "worse"]
            misses = [r for r in run.results if not r.ok and r.change != "worse"]
            better = [r for r in run.results if r.ok and r.change == "better"]
            shown = worse + misses + better
    return {
        "sets": studio.sets(),
        "kept": studio.runs.names(),
        "run": run,
        "name": name,
        "everything": everything,
        "shown": shown,
        "tries": tries,
        "served": studio.version(),
        "error": "",
    }


def open_studio(settings: Settings, faq_path: str | None = None) -> Studio:
    """Load the knowledge base (KnowledgeBaseError if invalid) and the studio's state."""
    live = LiveEngine.load(Path(faq_path or settings.faq_path), engine_builder(settings, settings.workers()))
    folder = live.path.resolve().parent
    runs = Runs(settings.cache_dir() / "studio-runs.json")
    return Studio(live, settings.store.path, runs, [folder, folder / "bench"])


async def serve(
    studio: Studio,
    listen: str,
    port: int,
    token: str,
    stop: asyncio.Event,
    watch_seconds: float = 1.0,
    ready: Callable[[int], None] | None = None,
    header_seconds: float = HEADER_SECONDS,
) -> int:
    """Serve until ``stop`` is set; ``ready`` is told the port (0 takes a free one)."""
    refuse_open(listen, token)
    app = build_app(studio, token, listen)
    # A connection must send a whole request head within 10 s (webguard) and may idle 15 s between requests.
    runner = web.AppRunner(app, handle_signals=False, access_log=None, keepalive_timeout=15, lingering_time=0)
    await runner.setup()
    server, bound = await listen_guarded(runner, listen, port, header_seconds)
    if ready is not None:
        ready(bound)
    jobs = asyncio.create_task(watch(studio.live, watch_seconds)) if watch_seconds > 0 else None
    warming = asyncio.create_task(asyncio.to_thread(studio.warm))
    try:
        await stop.wait()
    finally:
        if jobs is not None:
            jobs.cancel()
        warming.cancel()
        server.close()
        await runner.cleanup()
    return bound


MIN_TOKEN = 16


def refuse_open(listen: str, token: str) -> None:
    """FaqbotError when the studio would listen beyond this machine without a token, or with a short one."""
    if token and len(token) < MIN_TOKEN:
        raise FaqbotError(
            f"studio: the token is {len(token)} characters; use at least {MIN_TOKEN} "
            "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
        )
    if not token and not is_loopback(listen):
        raise FaqbotError(
            f"studio: listening on {listen} would let other machines read the questions people asked; "
            f"set [studio] token (or {TOKEN_ENV}) first, or listen on 127.0.0.1"
        )


def run(settings: Settings, faq_path: str | None = None) -> int:
    """`faqbot studio`: serve until SIGINT or SIGTERM."""
    token = os.environ.get(TOKEN_ENV, "").strip() or settings.studio.token.strip()
    listen, port = settings.studio.listen, settings.studio.port
    refuse_open(listen, token)  # before the minutes of loading: say it at once
    studio = open_studio(settings, faq_path)

    def ready(bound: int) -> None:
        host = f"[{listen}]" if ":" in listen else listen
        print(f"faqbot studio: http://{host}:{bound}/  (Ctrl-C stops it)", flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(studio, listen, port, token, stop, settings.faq_watch_seconds, ready)

    try:
        asyncio.run(main())
    except OSError as exc:
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise FaqbotError(f"cannot listen on {listen}:{port}: {reason}") from None
    return 0

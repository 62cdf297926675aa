"""The `faqbot` command: ask, chat, check, eval. Exit 0 ok, 1 a user error (one line), 2 usage."""

from __future__ import annotations

import argparse
import dataclasses
import io
import itertools
import json
import logging
import os
import stat
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot import logs
from bot.config import Settings, load_settings
from bot.errors import ConfigError, FaqbotError, KnowledgeBaseError

if TYPE_CHECKING:  # the engine pulls in numpy and the matcher; `faqbot check` does without them
    from bot.engine import Engine
    from bot.matching import Decision

logger = logging.getLogger(__name__)


def _settings(args: argparse.Namespace) -> Settings:
    config = args.config
    if config is None and Path("config.toml").exists():
        config = "config.toml"
    return load_settings(config)


def _engine(args: argparse.Namespace, instances: int = 1):
    from bot.engine import engine_from_settings

    settings = _settings(args)
    return engine_from_settings(settings, args.faq, instances)


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a knowledge base; print a summary or every problem as file:line:col."""
    from bot.knowledge import load

    path = args.path or args.faq or _settings(args).faq_path
    try:
        kb = load(path)
    except KnowledgeBaseError as exc:
        for problem in exc.problems:
            print(problem)
        n = len(exc.problems)
        print(f"{path}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
        return 1
    print(kb.summary())
    return 0


def _decision_json(decision) -> dict:
    return {
        "question": decision.question,
        "action": decision.action,
        "id": decision.id,
        "score": decision.score,
        "candidates": [{"id": c.id, "score": c.score} for c in decision.candidates[:5]],
        # How far the cascade went: the lexical stage (with the static table) alone, or the embedder too.
        "stage": "embedding" if decision.embedded else "lexical",
    }


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or JSON lines for every line of stdin (--jsonl)."""
    engine = _engine(args)
    try:
        if args.jsonl:
            _ask_lines(engine, sys.stdout, _settings(args))
            return 0
        if not args.question:
            raise FaqbotError('give a question, e.g. faqbot ask "지원은 어떻게 하나요?", or use --jsonl')
        question = " ".join(args.question)
        decision, reply = engine.ask(question)
        if args.json:
            print(json.dumps(_decision_json(decision), ensure_ascii=False))
        else:
            print(reply.as_text())
        return 0
    finally:
        _save_cache(engine)


_BATCH_CHATS = 100_000  # conversations of one --jsonl run remembered at once (the least recent go first)


def _ask_lines(engine: Engine, out: TextIO, settings: Settings | None = None) -> None:
    """One JSON decision per input line. A line that is a JSON object ``{"conversation": "c1",
    "question": "..."}`` is asked within conversation c1 (its lines arrive in order); any other line
    is a question on its own. An object without a text "question" gets ``{"line": N, "error": ...}``.

    A long input is matched on a pool of worker processes (bot.bulk), one per core, and written in
    input order as it goes; conversation lines are asked here, in order, with their context."""
    from bot.bulk import CHUNK, WORTH_IT, Pool
    from bot.conversation import Conversations

    chats = Conversations(ttl=float("inf"), maxsize=_BATCH_CHATS)  # a batch has no quiet periods
    lines = _input_lines()
    head = list(itertools.islice(lines, WORTH_IT))
    source = enumerate(itertools.chain(head, lines), 1)
    workers = settings.workers() if settings is not None else 1

    def row(number: int, line: str) -> dict | str:
        """The line's JSON row, or the line itself when it is a question on its own."""
        item = _parse_line(number, line)
        if isinstance(item, dict | str):
            return item
        chat, question = item
        decided = _decision_json(engine.converse(chats, chat, question)[0])
        decided["question"] = question
        return decided

    def write(rows: list[dict]) -> None:
        out.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    if len(head) < WORTH_IT or workers < 2 or not _stdin_is_a_file():
        for number, line in source:
            made = row(number, line)
            write([_decision_json(engine.matcher.decide(made)) if isinstance(made, str) else made])
        return
    with Pool(settings, engine, workers) as pool:  # type: ignore[arg-type]  # settings is set when workers > 1
        pending: deque[Future[list[Decision]] | list[dict]] = deque()
        plain: list[str] = []
        for number, line in source:
            made = row(number, line)
            if isinstance(made, str):
                plain.append(made)
                if len(plain) < CHUNK:
                    continue
            if plain:
                pending.append(pool.submit(plain))
                plain = []
            if isinstance(made, dict):
                pending.append([made])
            while len(pending) > pool.inflight:
                _write_done(pending.popleft(), write)
        if plain:
            pending.append(pool.submit(plain))
        while pending:
            _write_done(pending.popleft(), write)


def _stdin_is_a_file() -> bool:
    """Whether stdin is a file (or held in memory), not a pipe or terminal that may be waiting on our
    answers: the pool reads ahead, so it is used only where nobody waits line by line."""
    try:
        return stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return True  # a StringIO: all there already


def _write_done(done: Future[list[Decision]] | list[dict], write: Callable[[list[dict]], None]) -> None:
    """Write a finished piece: rows made here, or a worker's decisions (waited for)."""
    write(done if isinstance(done, list) else [_decision_json(d) for d in done.result()])


def _parse_line(number: int, line: str) -> dict | str | tuple[str, str]:
    """An error row, a question on its own (the line), or (conversation key, question)."""
    payload: object = None
    unreadable = False
    if line.lstrip().startswith("{"):
        try:
            payload = json.loads(line)
        except json.JSONDecodeError:
            payload = None  # not JSON after all: a question that starts with a brace
        except (ValueError, RecursionError):  # JSON, but nested too deep or a number too long to read
            unreadable = True
    expected = 'expected {"conversation": "<id>", "question": "<text>"}'
    if unreadable:
        return {"line": number, "error": expected}
    if not isinstance(payload, dict):
        return line
    question, chat = payload.get("question"), payload.get("conversation")
    if not isinstance(question, str) or not isinstance(chat, str | int | None) or isinstance(chat, bool):
        return {"line": number, "error": expected}
    question = _valid_text(question)  # JSON may carry a lone surrogate ("\ud800")
    if chat is None:
        return question
    return json.dumps(chat), question  # 1 and "1" are two conversations


def _valid_text(text: str) -> str:
    """The text with anything UTF-8 cannot hold (a lone surrogate) replaced, so it can be written out."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _input_lines() -> Iterator[str]:
    """Lines of stdin as UTF-8 whatever the locale; a byte that is not UTF-8 becomes U+FFFD, so every
    output line stays valid JSON and no line stops the rest."""
    raw = getattr(sys.stdin, "buffer", None)
    lines = (b.decode("utf-8", "replace") for b in raw) if raw is not None else sys.stdin
    for line in lines:
        yield _valid_text(line.rstrip("\r\n"))


def _save_cache(engine: Engine) -> None:
    """Keep embeddings computed in this run for the next one."""
    if engine.matcher.embedder is not None:
        engine.matcher.embedder.save()


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to the bot in the terminal; edits of faq.yaml apply from the next question."""
    from bot.channels.console import chat
    from bot.engine import engine_builder
    from bot.reload import LiveEngine

    settings = _settings(args)
    live = LiveEngine.load(args.faq or settings.faq_path, engine_builder(settings))

    def engine_of() -> Engine:
        live.check(settle=0.05)  # a changed file is validated and swapped in; a broken one only logged
        return live()

    try:
        return chat(engine_of, sys.stdin, sys.stdout, sys.stdin.isatty(), settings.conversation.conversations())
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        _save_cache(live())


def cmd_eval(args: argparse.Namespace) -> int:
    """Score a labelled set (questions or conversations) and print the table."""
    from bot.bulk import WORTH_IT, Pool
    from bot.evaluation import evaluate, evaluate_conversations, read_labelled

    workers = min(2, os.cpu_count() or 1)  # the embedding engine releases the GIL: score on two threads
    engine = _engine(args, workers)
    items = read_labelled(args.file)
    unknown = sorted({i for item in items for i in item.ids} - {e.id for e in engine.kb.entries})
    if unknown:
        raise FaqbotError(f"{args.file}: ids not in {engine.kb.source}: {', '.join(unknown)}")
    chats = len({item.conversation for item in items if item.conversation is not None})
    if chats:
        first, follow = evaluate_conversations(engine, items)
        reports = [("first turns", first), ("follow-up turns", follow)]
    elif len(items) >= WORTH_IT and workers > 1:  # a long set: worker processes, one per core (bot.bulk)
        with Pool(_settings(args), engine, workers) as pool:
            reports = [("", evaluate(engine.matcher, items, decisions=pool.decide(i.question for i in items)))]
    else:
        reports = [("", evaluate(engine.matcher, items, workers))]
    _save_cache(engine)
    print(
        f"{args.file}: {len(items)} questions{f' in {chats} conversations' if chats else ''}, knowledge base "
        f"{engine.kb.source}, semantic layer {'on' if engine.matcher.embedder else 'off'}"
    )
    for title, report in reports:
        if title:
            print(f"\n{title}:")
        print(report.table())
    errors = [e for _, report in reports for e in report.errors]
    if args.show_errors:
        print()
        for item, decision, v in sorted(errors, key=lambda e: e[0].line):
            expected = "|".join(sorted(item.expected)) or ("!" + (item.topic or "") if item.uncovered else "-")
            got = decision.id or ",".join(o.id for o in decision.options) or "-"
            print(
                f"{v:<9} line {item.line}: {item.question!r} expected {expected}, got {decision.action} {got} "
                f"({decision.score:.1f})"
            )
    return 0


def _serving() -> None:
    """Settings for a long-running server process, applied before the embedding engine loads.

    The embedding engine uses OpenMP, whose worker threads busy-wait for work; beside an event loop
    that also needs a core they slow everything down under load (bench/telegram_load.py and
    bench/kakao_latency.py: throughput up ~40 %, burst p99 down ~30 % with one thread). An explicit
    OMP_NUM_THREADS in the environment still wins.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def cmd_run(args: argparse.Namespace) -> int:
    """Run the Telegram bot until SIGINT/SIGTERM."""
    _serving()
    settings = _settings(args)
    tg = settings.telegram
    if not tg.token:
        raise ConfigError(f"{settings.source}: no Telegram bot token; set TELEGRAM_BOT_TOKEN or [telegram] token")
    if tg.mode == "webhook" and not tg.webhook_url:
        raise ConfigError(f'{settings.source}: [telegram] mode = "webhook" needs webhook_url (the public https URL)')
    logs.setup(args.verbose, service=True)
    redactor = logs.redact(tg.token, tg.secret_token)
    from bot.channels.telegram_app import run
    from bot.service import Service

    try:
        return run(settings, Service.open(settings, args.faq))
    except FaqbotError as exc:
        raise FaqbotError(redactor.clean(str(exc))) from None


def _listening(settings: Settings, section: str, args: argparse.Namespace) -> Settings:
    """The settings with ``--listen`` and ``--port`` put into the server's section ([kakao], [studio])."""
    if args.listen is None and args.port is None:
        return settings
    server = getattr(settings, section)
    port: int = server.port if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise FaqbotError(f"--port {args.port}: use a port from 0 to 65535")
    server = dataclasses.replace(server, listen=args.listen or server.listen, port=port)
    return dataclasses.replace(settings, **{section: server})


def cmd_kakao(args: argparse.Namespace) -> int:
    """Serve the KakaoTalk (Open Builder) skill endpoint until SIGINT/SIGTERM."""
    _serving()
    from bot.channels.kakao import run
    from bot.service import Service

    settings = _listening(_settings(args), "kakao", args)
    logs.setup(args.verbose, service=True)
    logs.redact(settings.kakao.secret)
    return run(settings, Service.open(settings, args.faq))


def cmd_studio(args: argparse.Namespace) -> int:
    """Serve the recruiter's workbench (a local web page) until SIGINT/SIGTERM."""
    _serving()
    from bot.studio.web import TOKEN_ENV, run

    settings = _listening(_settings(args), "studio", args)
    logs.setup(args.verbose, service=True)
    logs.redact(settings.studio.token, os.environ.get(TOKEN_ENV, "").strip())
    return run(settings, args.faq)


_SPAN = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str) -> float:
    """'7d', '24h', '30m', '2w' -> seconds; 'all' -> infinity."""
    text = text.strip().lower()
    if text == "all":
        return float("inf")
    try:
        value = float(text[:-1])
        unit = _SPAN[text[-1]]
    except (ValueError, KeyError, IndexError):
        raise FaqbotError(f"--since {text!r}: use a number and a unit, e.g. 7d, 24h, 30m, 2w, or 'all'") from None
    if value <= 0:
        raise FaqbotError(f"--since {text!r} must be positive")
    return value * unit


def cmd_report(args: argparse.Namespace) -> int:
    """What the bot could not answer and what people disliked, from the store."""
    import time

    from bot import report
    from bot.store import Store

    settings = _settings(args)
    span = parse_since(args.since)
    path = settings.store.path
    if not path:
        raise FaqbotError(f"{settings.source}: [store] path is empty, so nothing is recorded to report on")
    if path != ":memory:" and not Path(path).exists():
        raise FaqbotError(f"{path}: no store yet; it appears once the bot has answered a question")
    store = Store(f"file:{Path(path).resolve()}?mode=ro" if path != ":memory:" else path)
    try:
        since = 0.0 if span == float("inf") else time.time() - span
        rows = store.outcomes(since)
        votes = store.votes(since)
    finally:
        store.close()
    engine = _engine(args)
    label = "in all" if span == float("inf") else f"in the last {args.since}"
    built = report.build(rows, votes, engine.matcher.decide, label)
    sys.stdout.write(report.render(built, args.format, args.limit))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and --help)."""

    def shared(suppress: bool) -> argparse.ArgumentParser:
        # The options every command takes, accepted before or after the command's name. After it they
        # default to "not given" (SUPPRESS), so that `faqbot --faq X check` keeps X.
        p = argparse.ArgumentParser(add_help=False)
        default = {"default": argparse.SUPPRESS} if suppress else {}
        p.add_argument(
            "--faq",
            metavar="PATH",
            help="knowledge base (default: the config's [faq] path, else ./faq.yaml)",
            **default,  # type: ignore[arg-type]
        )
        p.add_argument(
            "--config",
            metavar="PATH",
            help="TOML config (default: ./config.toml if present)",
            **default,  # type: ignore[arg-type]
        )
        p.add_argument("-v", "--verbose", action="store_true", help="log what happens", **default)  # type: ignore[arg-type]
        return p

    common = shared(suppress=True)
    parser = argparse.ArgumentParser(
        prog="faqbot", description="Recruiting FAQ bot for the Kakao Platform/Infra interview.", parents=[shared(False)]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ask", parents=[common], help="answer a question (or --jsonl from stdin)")
    p.add_argument("question", nargs="*", help="the question")
    p.add_argument("--jsonl", action="store_true", help="read questions from stdin, write one JSON object per line")
    p.add_argument("--json", action="store_true", help="print the decision as JSON instead of the reply")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="talk to the bot in the terminal")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("run", parents=[common], help="run the Telegram bot (polling or webhook, per the config)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("kakao", parents=[common], help="serve the KakaoTalk (Open Builder) skill endpoint")
    p.add_argument("--listen", metavar="ADDRESS", help="address to listen on (default: the config's [kakao] listen)")
    p.add_argument("--port", type=int, metavar="N", help="port (default: the config's [kakao] port; 0 = any free one)")
    p.set_defaults(func=cmd_kakao)

    p = sub.add_parser("studio", parents=[common], help="the recruiter's workbench: a local web page")
    p.add_argument("--listen", metavar="ADDRESS", help="address to listen on (default: the config's [studio] listen)")
    p.add_argument("--port", type=int, metavar="N", help="port (default: the config's [studio] port; 0 = any free one)")
    p.set_defaults(func=cmd_studio)

    p = sub.add_parser("report", parents=[common], help="what went unanswered and what people disliked")
    p.add_argument("--since", default="7d", help="period: 7d (default), 24h, 30m, 2w or all")
    p.add_argument("--format", choices=["table", "csv", "markdown"], default="table", help="output format")
    p.add_argument("--limit", type=int, default=20, help="rows per section (default 20)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("check", parents=[common], help="validate a knowledge base")
    p.add_argument("path", nargs="?", help="file to check (default: --faq, then the config's path)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("eval", parents=[common], help="score a labelled question set (TSV)")
    p.add_argument("file", help="expected<TAB>question lines, as bench/holdout.tsv")
    p.add_argument("--show-errors", action="store_true", help="list every question not answered right")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.setup(args.verbose)
    try:
        return args.func(args)
    except KnowledgeBaseError as exc:
        for problem in exc.problems:
            print(f"faqbot: {problem}", file=sys.stderr)
        return 1
    except (ConfigError, FaqbotError) as exc:
        print(f"faqbot: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0

"""Shared fixtures: the shipped knowledge base, engines with and without the semantic layer."""

from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import os
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load, parse
from bot.semantic import load_embedder

ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "faq.yaml"
INTERVIEW = ROOT / "kakao-interview.txt"


def parse_quoting(text: str, source: str = "test.yaml", quotes: tuple[str, ...] = ()) -> KnowledgeBase:
    """Parse a test knowledge base whose quotes come from a made-up interview holding ``quotes``.

    The text must not name a source; this adds one, so quotes that are not in the real interview
    (hostile HTML, very long ones) can still be tested.
    """
    with tempfile.TemporaryDirectory() as folder:
        body = "\n\n".join(quotes)
        header = "title: test\npublisher: test\ndate: 2019-09-10\nurl: https://example.test/\n---\n"
        Path(folder, "interview.txt").write_text(header + body + "\n", encoding="utf-8")
        return parse("source: interview.txt\n" + text, source, base=Path(folder))


def _loopback(host: object) -> bool:
    if not isinstance(host, str) or host == "localhost":
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow run first: on four workers, a long test that starts last makes the whole run wait
    for it (every worker collects the same order, as pytest-xdist requires)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that would reach a host other than this machine (api.telegram.org above all)."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and not _loopback(address[0]):
            raise ConnectionRefusedError(f"tests may only reach 127.0.0.1, not {address[0]}")
        real_connect(sock, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _loopback(host if isinstance(host, str) else str(host)):
            raise socket.gaierror(f"tests may only reach 127.0.0.1, not {host}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load(FAQ)


@pytest.fixture(scope="session", autouse=True)
def xdg_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One embedding cache for the whole session, in-process and in subprocesses (XDG_CACHE_HOME):
    the shipped phrasings are embedded once, not once per fixture or command."""
    folder = tmp_path_factory.mktemp("xdg")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase, xdg_cache: Path) -> Engine:
    """The engine as shipped: semantic layer on where the CPU supports it (its cache warmed and saved)."""
    built = Engine.build(kb, load_embedder(True, xdg_cache / "faqbot", instances=2))
    built.matcher.warm(pause=0.0, threads=2)  # both cores: the cache is empty on a fresh machine
    if built.matcher.embedder is not None:
        built.matcher.embedder.save()
    return built


@pytest.fixture(scope="session")
def lexical_engine(kb: KnowledgeBase) -> Engine:
    """The engine a machine without the embedding layer runs."""
    return Engine.build(kb, None)


# An entry recruiters might add while the bot runs (reload tests).
NEW_ENTRY = """
  - id: office-hours
    title: {ko: 근무 시간, en: Office hours}
    questions:
      ko: [근무 시간은 어떻게 되나요]
      en: [what are the office hours]
    answer: {ko: 테스트용 답변입니다., en: A test answer.}
"""


def lexical_build(kb: KnowledgeBase) -> Engine:
    """Index a knowledge base without the semantic layer (fast, for reload tests)."""
    return Engine.build(kb, None)


def query(path: str | Path, sql: str, *params: object) -> list[tuple]:
    """Every row of one SQL statement on a database file, the connection closed at once (Python 3.13
    warns about connections left for the garbage collector)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql, params).fetchall()


def copy_faq(folder: Path, text: str | None = None) -> Path:
    """Write faq.yaml (the shipped one, or ``text``) and the interview it quotes into ``folder``."""
    path = folder / "faq.yaml"
    path.write_text(FAQ.read_text(encoding="utf-8") if text is None else text, encoding="utf-8")
    (folder / INTERVIEW.name).write_text(INTERVIEW.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A copy of the shipped faq.yaml that a test may edit."""
    return copy_faq(tmp_path)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def faqbot(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `faqbot ARGS` in this process, with stdin, working folder and environment as given."""

    def run(*args: str, stdin: str = "", cwd: Path = ROOT, env_extra: dict | None = None) -> Result:
        monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        for key, value in (env_extra or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level  # the command sets up logging; pytest's stays
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: usage errors and --help
            code = int(exc.code or 0)
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run

"""`faqbot run` as an operator starts it: a config file, the token, signals, one-line startup errors."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import FAQ, ROOT, query
from tests.fakes.bot_api import FakeBotAPI, parse_html


def write_config(tmp_path: Path, base_url: str, token: str = "", **telegram: str) -> Path:
    lines = [
        "[faq]",
        f'path = "{FAQ}"',
        "[matching]",
        "semantic = false",
        "[telegram]",
        f'base_url = "{base_url}"',
        f'token = "{token}"',
        *(f'{k} = "{v}"' for k, v in telegram.items()),
    ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def start(config: Path, env_token: str | None = None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    if env_token is not None:
        env["TELEGRAM_BOT_TOKEN"] = env_token
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
async def api():
    server = await FakeBotAPI().start()
    yield server
    await server.stop()


async def test_missing_token_is_one_line_and_exit_1(api, tmp_path: Path) -> None:
    proc = await start(write_config(tmp_path, api.base_url))
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert err.decode().splitlines() == [
        f"faqbot: {tmp_path / 'config.toml'}: no Telegram bot token; set TELEGRAM_BOT_TOKEN or [telegram] token"
    ]
    assert api.calls == []


async def test_rejected_token_is_one_line_exit_1_and_never_printed(api, tmp_path: Path) -> None:
    bad = "999999:WRONG-token-zyxwvutsrqponmlkjihgf"
    proc = await start(write_config(tmp_path, api.base_url), env_token=bad)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    lines = err.decode().splitlines()
    assert lines[-1] == "faqbot: the Telegram Bot API rejected the bot token (check TELEGRAM_BOT_TOKEN)"
    assert "Traceback" not in err.decode()
    assert bad not in err.decode() + out.decode()
    assert [c.method for c in api.calls] == ["getMe"]


async def test_webhook_mode_without_url_is_a_config_error(api, tmp_path: Path) -> None:
    proc = await start(write_config(tmp_path, api.base_url, token=api.token, mode="webhook"))
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert "needs webhook_url" in err.decode()


@pytest.mark.slow
async def test_runs_answers_and_stops_cleanly_on_sigterm(api, tmp_path: Path) -> None:
    # The token in the file loses to the environment variable; neither may reach the log.
    proc = await start(write_config(tmp_path, api.base_url, token="1:file-token"), env_token=api.token)
    try:
        await api.wait_for(lambda: api.polls > 0, timeout=60)
        update_id = api.message(42, "어떻게 지원해요?")
        await api.wait_for(lambda: len(api.sent(42)) == 1)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    assert parse_html(api.sent(42)[0].params["text"]).startswith("카카오 플랫폼/인프라실 경력 개발자 영입에")
    log = err.decode()
    assert "running" in log and "stopping" in log
    assert api.token not in log and "file-token" not in log
    assert "Traceback" not in log
    # The last getUpdates confirmed the answered update, so a restart would not see it again.
    assert int(api.of("getUpdates")[-1].params["offset"]) == update_id + 1
    assert api.pending == []


async def test_faqbot_kakao_serves_records_and_stops_on_sigterm(tmp_path: Path) -> None:
    import re

    import aiohttp

    config = tmp_path / "config.toml"
    # The config's port is one no test may bind: --listen and --port on the command line win, and port
    # 0 lets the server take a free port and say which in its log.
    config.write_text(
        f'[faq]\npath = "{FAQ}"\n[matching]\nsemantic = false\n[kakao]\nport = 1\nsecret = "skill-secret-xyz"\n'
        '[store]\npath = "bot.sqlite3"\n',
        encoding="utf-8",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "kakao", "--config", str(config), "--listen", "127.0.0.1", "--port", "0",
        cwd=ROOT, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    body = {"userRequest": {"utterance": "어떻게 지원해요?", "user": {"id": "u1", "type": "botUserKey"}}}
    seen: list[str] = []
    try:
        while not (found := re.search(r"listening on http://127\.0\.0\.1:(\d+)/kakao/skill", "".join(seen))):
            line = await asyncio.wait_for(proc.stderr.readline(), 60)
            assert line, "".join(seen)
            seen.append(line.decode())
        port = int(found.group(1))
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/kakao/skill"
            async with http.post(url, json=body, headers={"X-Skill-Secret": "skill-secret-xyz"}) as r:
                answer = await r.json()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(proc.communicate(), 30)
    err = "".join(seen).encode() + rest
    assert port != 1
    assert proc.returncode == 0, err.decode()
    assert answer["template"]["outputs"][0]["simpleText"]["text"].startswith(
        "카카오 플랫폼/인프라실 경력 개발자 영입에"
    )

    rows = query(tmp_path / "bot.sqlite3", "SELECT channel, action, entry_id FROM outcomes")
    assert rows == [("kakao", "answer", "apply")]
    assert "s3" not in err.decode().replace("s3cret", "")


async def test_faqbot_kakao_on_a_taken_port_is_one_line_and_exit_1(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "config.toml"
        config.write_text(f'[faq]\npath = "{FAQ}"\n[matching]\nsemantic = false\n[kakao]\nport = {port}\n')
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "kakao", "--config", str(config), cwd=ROOT, stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    lines = [line for line in err.decode().splitlines() if line.startswith("faqbot:")]
    assert lines == [f"faqbot: cannot listen on 127.0.0.1:{port}: address already in use"]
    assert "Traceback" not in err.decode()

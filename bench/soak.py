"""Soak: both servers under a steady mixed load with faults, for a while; nothing lost, nothing twice.

Run: python bench/soak.py [--seconds 120] [--rate 4]

Telegram (the real PTB Application against the fake Bot API): 60 users send `--rate` questions a
second in all; meanwhile the server answers sendMessage with storms of 429 "retry after", bursts of
5xx, slow replies, getUpdates with 5xx, and now and then an update the bot cannot parse. Reported:
updates sent, answered exactly once, lost, answered twice, and the end-to-end latency (question pushed
-> answer accepted by the server), p50/p99/max.

KakaoTalk (the real aiohttp skill server): normal questions at `--rate` a second while hostile clients
send decompression bombs (gzip bodies that would inflate to ~200 MB) and hold slow half-sent bodies
open. Reported: normal questions answered, their latency p50/p99/max (Open Builder allows 5 s; the
target is <= 1 s), and what the hostile requests got. Baseline in the same run: the same normal
questions against the same server with no hostile clients.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # as `faqbot run` and `faqbot kakao` set it

from bench._common import ROOT, percentile, table
from bench.telegram_load import questions
from bot.channels.kakao import KakaoSkill, serve
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_app import Timeouts, build_application
from bot.channels.telegram_app import serve as serve_telegram
from bot.config import KakaoSettings, Settings, TelegramSettings
from bot.engine import Engine
from bot.knowledge import load
from bot.outcomes import MemoryRecorder
from bot.semantic import load_embedder
from tests.fakes.bot_api import FakeBotAPI

USERS = 60


async def telegram_soak(engine: Engine, seconds: float, rate: float) -> dict[str, object]:
    api = await FakeBotAPI().start()
    channel = TelegramChannel(lambda: engine, MemoryRecorder(), workers=Settings().workers())
    tg = TelegramSettings(token=api.token, base_url=api.base_url)
    app = build_application(tg, channel, timeouts=Timeouts(read=5.0, poll=5, poll_grace=5.0))
    stop = asyncio.Event()
    task = asyncio.create_task(serve_telegram(app, tg, stop))
    while api.polls == 0:
        await asyncio.sleep(0.01)
    rng = random.Random(11)
    pool = questions()
    pushed: dict[int, list[float]] = {}  # chat -> times its questions were pushed
    faults = Counter()
    started = time.perf_counter()
    next_fault = started + 2.0
    while time.perf_counter() - started < seconds:
        chat = 500_000 + rng.randrange(USERS)
        api.message(chat, rng.choice(pool), language_code=rng.choice(["ko", "ko", "en"]))
        pushed.setdefault(chat, []).append(time.perf_counter())
        now = time.perf_counter()
        if now >= next_fault:
            kind = rng.choice(["429 storm", "5xx burst", "slow send", "getUpdates 5xx", "unreadable update"])
            faults[kind] += 1
            if kind == "429 storm":
                api.fail("sendMessage", times=rng.randint(3, 12), retry_after=rng.choice([0.2, 0.5, 1]))
            elif kind == "5xx burst":
                api.fail("sendMessage", times=rng.randint(2, 6), status=rng.choice([500, 502]))
            elif kind == "slow send":
                api.fail("sendMessage", times=2, delay=2.0)
            elif kind == "getUpdates 5xx":
                api.fail("getUpdates", times=3, status=502)
            else:
                api.push({"message": {"message_id": 1, "date": "never", "chat": "nobody"}})
            next_fault = now + rng.uniform(3.0, 8.0)
        await asyncio.sleep(rng.expovariate(rate))
    expected = sum(len(t) for t in pushed.values())
    deadline = time.perf_counter() + 120
    while len(api.sent()) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # anything sent twice arrives now
    stop.set()
    await task
    channel.close()
    await api.stop()
    sent_at: dict[int, list[float]] = {}
    for call in api.sent():
        sent_at.setdefault(int(call.params["chat_id"]), []).append(call.at)
    latencies, lost, twice = [], 0, 0
    for chat, times in pushed.items():
        got = sorted(sent_at.get(chat, []))
        lost += max(0, len(times) - len(got))
        twice += max(0, len(got) - len(times))
        latencies += [(g - t) * 1000 for t, g in zip(times, got, strict=False)]
    return {
        "sent": expected,
        "answered": min(expected, len(api.sent())),
        "lost": lost,
        "twice": twice,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "faults": dict(faults),
    }


def _body(question: str, user: int) -> bytes:
    request = {"userRequest": {"utterance": question, "user": {"id": f"u{user}", "type": "botUserKey"}}}
    return json.dumps(request, ensure_ascii=False).encode()


async def kakao_soak(engine: Engine, seconds: float, rate: float, hostile: bool) -> dict[str, object]:
    skill = KakaoSkill(lambda: engine, MemoryRecorder(), Settings().workers())
    stop = asyncio.Event()
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    settings = KakaoSettings(listen="127.0.0.1", port=0)
    task = asyncio.create_task(serve(skill, settings, stop, ready=bound.set_result))
    port = await bound
    url = f"http://127.0.0.1:{port}{settings.path}"
    rng = random.Random(5)
    pool = questions()
    bomb = gzip.compress(b'{"userRequest": "' + b"a" * 200_000_000 + b'"}', compresslevel=9)
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    failures = 0
    done = asyncio.Event()

    async def bombs() -> None:
        async with aiohttp.ClientSession() as http:
            while not done.is_set():
                headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
                try:
                    async with http.post(url, data=bomb, headers=headers) as r:
                        statuses[f"bomb -> {r.status}"] += 1
                except aiohttp.ClientError as exc:
                    statuses[f"bomb -> {type(exc).__name__}"] += 1
                await asyncio.sleep(0.2)

    async def slow_bodies() -> None:
        writers = []
        while not done.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(
                    b"POST /kakao/skill HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 60000\r\n\r\n{"
                )
                await writer.drain()
                writers.append((reader, writer))
            except OSError:
                statuses["slow body -> refused"] += 1
            if len(writers) >= 50:  # keep 50 half-sent bodies open at any time
                reader, writer = writers.pop(0)
                try:
                    head = await asyncio.wait_for(reader.read(64), 0.01)
                    statuses[f"slow body -> {head[9:12].decode() or 'closed'}"] += 1
                except TimeoutError:
                    statuses["slow body -> still open"] += 1
                writer.close()
            await asyncio.sleep(0.05)
        for _, writer in writers:
            writer.close()

    helpers = [asyncio.create_task(bombs()), asyncio.create_task(slow_bodies())] if hostile else []
    async with aiohttp.ClientSession() as http:
        started = time.perf_counter()
        n = 0
        while time.perf_counter() - started < seconds:
            q = rng.choice(pool)
            t = time.perf_counter()
            try:
                async with http.post(url, data=_body(q, n % 100), headers={"Content-Type": "application/json"}) as r:
                    await r.read()
                    failures += r.status != 200
            except aiohttp.ClientError:
                failures += 1
            latencies.append((time.perf_counter() - t) * 1000)
            n += 1
            await asyncio.sleep(rng.expovariate(rate))
    done.set()
    await asyncio.gather(*helpers)
    stop.set()
    await task
    skill.close()
    return {
        "questions": len(latencies),
        "failed": failures,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "hostile": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=4.0, help="questions a second")
    args = parser.parse_args()
    engine = Engine.build(load(ROOT / "faq.yaml"), load_embedder(True, Settings().cache_dir(), Settings().workers()))
    engine.ask("워밍업")
    tg = asyncio.run(telegram_soak(engine, args.seconds, args.rate))
    quiet = asyncio.run(kakao_soak(engine, args.seconds / 4, args.rate, hostile=False))
    loud = asyncio.run(kakao_soak(engine, args.seconds, args.rate, hostile=True))
    print(f"Telegram, {args.seconds:g} s at {args.rate:g} questions/s from {USERS} users; faults: {tg['faults']}")
    print(
        table(
            ["updates", "answered", "lost", "answered twice", "latency p50 ms", "p99 ms", "max ms"],
            [[tg["sent"], tg["answered"], tg["lost"], tg["twice"], tg["p50"], tg["p99"], tg["max"]]],
        )
    )
    print(f"\nKakaoTalk, normal questions at {args.rate:g}/s; hostile requests: {loud['hostile']}")
    print(
        table(
            ["phase", "questions", "not 200", "p50 ms", "p99 ms", "max ms"],
            [
                ["quiet (baseline)", quiet["questions"], quiet["failed"], quiet["p50"], quiet["p99"], quiet["max"]],
                ["bombs + slow bodies", loud["questions"], loud["failed"], loud["p50"], loud["p99"], loud["max"]],
            ],
        )
    )
    ratio = loud["p99"] / quiet["p99"] if quiet["p99"] else float("nan")
    print(f"p99 under attack / quiet p99: {ratio:.2f}")


if __name__ == "__main__":
    main()

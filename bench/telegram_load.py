"""Load: a burst of 1,000 text updates from 200 users through the fake Bot API server.

Run: python bench/telegram_load.py [--updates 1000] [--users 200]

Two passes over the same burst:
1. in process, to read the bot's own latency (update taken up -> reply ready to send, including the
   wait for the core's worker thread, excluding the rate limiter and the network);
2. `faqbot run` as a subprocess, to read its resident memory while it works.
Both report the send rates the server saw (overall and per chat) and check every update is answered
exactly once. Baseline in the same run: the core alone answering the same questions one after another.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # as `faqbot run` and `faqbot kakao` set it

from bench._common import ROOT, percentile, table
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_app import build_application, serve
from bot.config import Settings, TelegramSettings
from bot.engine import Engine
from bot.knowledge import load
from bot.outcomes import MemoryRecorder
from bot.semantic import load_embedder
from tests.fakes.bot_api import FakeBotAPI

EXTRA = ["오늘 날씨 어때요?", "연봉은 얼마예요?", "What's for lunch?", "안녕하세요", "고마워요", "wldnjs qkdqjq"]


def questions() -> list[str]:
    """Our own held-out phrasings plus a few out-of-scope ones."""
    lines = (ROOT / "bench" / "holdout.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines if "\t" in line and not line.startswith("#")] + EXTRA


def burst(api: FakeBotAPI, n: int, users: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    pool = questions()
    for i in range(n):
        api.message(100_000 + i % users, rng.choice(pool), language_code=rng.choice(["ko", "ko", "en"]))


def rates(api: FakeBotAPI) -> tuple[int, int, float]:
    """Highest sends in any 1-second window overall and in one chat, and the smallest gap in a chat."""
    sends = api.sent()
    times = sorted(c.at for c in sends)
    overall = max_in_window(times)
    per_chat: dict[int, list[float]] = defaultdict(list)
    for c in sends:
        per_chat[int(c.params["chat_id"])].append(c.at)
    chat_max = max(max_in_window(sorted(t)) for t in per_chat.values())
    gaps = [b - a for t in per_chat.values() for a, b in zip(sorted(t), sorted(t)[1:], strict=False)]
    return overall, chat_max, min(gaps) if gaps else float("nan")


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best = 0
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def exactly_once(api: FakeBotAPI, n: int, users: int) -> bool:
    counts = Counter(int(c.params["chat_id"]) for c in api.sent())
    expected = Counter(100_000 + i % users for i in range(n))
    return counts == expected


async def in_process(engine: Engine, n: int, users: int) -> dict[str, object]:
    api = await FakeBotAPI().start()
    channel = TelegramChannel(lambda: engine, MemoryRecorder(), workers=Settings().workers())  # as faqbot run
    tg = TelegramSettings(token=api.token, base_url=api.base_url)
    app = build_application(tg, channel)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, tg, stop))
    while api.polls == 0:
        await asyncio.sleep(0.01)
    t0 = time.perf_counter()
    burst(api, n, users)
    while len(api.sent()) < n:
        await asyncio.sleep(0.05)
        if time.perf_counter() - t0 > 600:
            break
    total = time.perf_counter() - t0
    await asyncio.sleep(1.0)
    stop.set()
    await task
    channel.close()
    await api.stop()
    lat = [t * 1000 for t, _ in channel.timings]
    work = [(t - w) * 1000 for t, w in channel.timings]
    overall, chat_max, min_gap = rates(api)
    return {
        "total": total,
        "p50": percentile(lat, 50),
        "p99": percentile(lat, 99),
        "work50": percentile(work, 50),
        "work99": percentile(work, 99),
        "overall": overall,
        "chat": chat_max,
        "gap": min_gap,
        "once": exactly_once(api, n, users),
    }


def rss_kb(pid: int) -> tuple[int, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def subprocess_run(n: int, users: int, tmp: Path) -> dict[str, object]:
    api = await FakeBotAPI().start()
    config = tmp / "config.toml"
    config.write_text(f'[faq]\npath = "{ROOT / "faq.yaml"}"\n[telegram]\nbase_url = "{api.base_url}"\n')
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    while api.polls == 0:
        await asyncio.sleep(0.05)
    idle, _ = rss_kb(proc.pid)
    t0 = time.perf_counter()
    burst(api, n, users)
    while len(api.sent()) < n and time.perf_counter() - t0 < 600:
        await asyncio.sleep(0.1)
    total = time.perf_counter() - t0
    rss, peak = rss_kb(proc.pid)
    proc.send_signal(signal.SIGTERM)
    await proc.communicate()
    await api.stop()
    overall, chat_max, min_gap = rates(api)
    return {
        "total": total,
        "idle": idle / 1024,
        "rss": rss / 1024,
        "peak": peak / 1024,
        "overall": overall,
        "chat": chat_max,
        "gap": min_gap,
        "once": exactly_once(api, n, users),
        "exit": proc.returncode,
    }


def core_baseline(engine: Engine, n: int) -> list[float]:
    rng = random.Random(7)
    pool = questions()
    out = []
    for _ in range(n):
        q = rng.choice(pool)
        t = time.perf_counter()
        engine.ask(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()

    import tempfile

    kb = load(ROOT / "faq.yaml")
    engine = Engine.build(kb, load_embedder(True, Settings().cache_dir(), Settings().workers()))
    engine.ask("워밍업")
    base = core_baseline(engine, args.updates)
    first = asyncio.run(in_process(engine, args.updates, args.users))
    with tempfile.TemporaryDirectory() as tmp:
        second = asyncio.run(subprocess_run(args.updates, args.users, Path(tmp)))

    print(f"{args.updates} text updates from {args.users} users, burst; pacing 1 msg/s per chat, AIORateLimiter on\n")
    print(
        table(
            ["measure", "in process", "faqbot run"],
            [
                ["total time, s", first["total"], second["total"]],
                ["bot-side latency p50, ms", first["p50"], "-"],
                ["bot-side latency p99, ms", first["p99"], "-"],
                ["  without the wait for the core thread, p50", first["work50"], "-"],
                ["  without the wait for the core thread, p99", first["work99"], "-"],
                ["max sends in any 1 s, overall", first["overall"], second["overall"]],
                ["max sends in any 1 s, one chat", first["chat"], second["chat"]],
                ["smallest gap in one chat, s", first["gap"], second["gap"]],
                ["every update answered exactly once", first["once"], second["once"]],
                [
                    "RSS idle / at end / peak, MB",
                    "-",
                    f"{second['idle']:.0f} / {second['rss']:.0f} / {second['peak']:.0f}",
                ],
            ],
        )
    )
    print(
        f"\nbaseline, the core alone on the same questions: p50 {statistics.median(base):.2f} ms, "
        f"p99 {percentile(base, 99):.2f} ms; bot-side p99 without the wait / core p99 = "
        f"{first['work99'] / percentile(base, 99):.1f}x"
    )


if __name__ == "__main__":
    main()

"""KakaoTalk skill server latency: HTTP round trips through the real server vs the core alone.

Run: python bench/kakao_latency.py [--requests 2000] [--concurrency 20]

Open Builder gives a skill 5 seconds; the target is 50 ms. Questions are our own held-out phrasings
plus out-of-scope ones (as bench/telegram_load.py); the engine is the shipped one (semantic layer on
where the CPU supports it). Sequential requests show the per-request cost; concurrent ones show it
under a burst on this 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # as `faqbot run` and `faqbot kakao` set it

from bench._common import ROOT, percentile, table
from bench.telegram_load import questions
from bot.channels.kakao import KakaoSkill, serve
from bot.config import KakaoSettings, Settings
from bot.engine import Engine
from bot.knowledge import load
from bot.outcomes import MemoryRecorder
from bot.semantic import load_embedder
from tests.telegram_harness import free_port


def body(q: str, user: int) -> dict:
    return {"userRequest": {"utterance": q, "user": {"id": f"u{user}", "type": "botUserKey"}}}


async def run(engine: Engine, n: int, concurrency: int) -> tuple[list[float], list[float], float]:
    settings = KakaoSettings(port=free_port())
    skill = KakaoSkill(lambda: engine, MemoryRecorder(), Settings().workers())  # as faqbot kakao
    stop = asyncio.Event()
    task = asyncio.create_task(serve(skill, settings, stop))
    url = f"http://127.0.0.1:{settings.port}{settings.path}"
    rng = random.Random(3)
    pool = questions()
    await asyncio.sleep(0.3)
    async with aiohttp.ClientSession() as http:
        sequential = []
        for i in range(n):
            t = time.perf_counter()
            async with http.post(url, json=body(rng.choice(pool), i % 200)) as r:
                assert r.status == 200
                await r.read()
            sequential.append((time.perf_counter() - t) * 1000)
        burst: list[float] = []
        sem = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with sem:
                t = time.perf_counter()
                async with http.post(url, json=body(rng.choice(pool), i % 200)) as r:
                    assert r.status == 200
                    await r.read()
                burst.append((time.perf_counter() - t) * 1000)

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - t0
    stop.set()
    await task
    skill.close()
    return sequential, burst, elapsed


def stats(values: list[float]) -> list[float]:
    return [percentile(values, 50), percentile(values, 99), max(values)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    engine = Engine.build(load(ROOT / "faq.yaml"), load_embedder(True, Settings().cache_dir(), Settings().workers()))
    rng = random.Random(3)
    pool = questions()
    core = []
    for _ in range(args.requests):
        q = rng.choice(pool)
        t = time.perf_counter()
        engine.ask(q)
        core.append((time.perf_counter() - t) * 1000)
    sequential, burst, elapsed = asyncio.run(run(engine, args.requests, args.concurrency))
    print(f"{args.requests} skill requests, semantic layer {'on' if engine.matcher.embedder else 'off'}\n")
    print(
        table(
            ["measure", "p50 ms", "p99 ms", "max ms"],
            [
                ["core alone (baseline)", *stats(core)],
                [
                    "HTTP round trip, one at a time",
                    percentile(sequential, 50),
                    percentile(sequential, 99),
                    max(sequential),
                ],
                [
                    f"HTTP round trip, {args.concurrency} at once",
                    percentile(burst, 50),
                    percentile(burst, 99),
                    max(burst),
                ],
            ],
        )
    )
    print(
        f"\nthroughput with {args.concurrency} at once: {args.requests / elapsed:.0f} requests/s; "
        f"round-trip p99 / core p99 = {percentile(sequential, 99) / percentile(core, 99):.2f}x; "
        f"median overhead of HTTP+JSON {statistics.median(sequential) - statistics.median(core):.2f} ms"
    )


if __name__ == "__main__":
    main()

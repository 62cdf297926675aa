"""faqbot studio: how long its pages take to render over a store of 10,000 outcomes (issue: ≤ 200 ms).

Run: python bench/studio.py [--outcomes 10000] [--rounds 15] [--semantic]

A store is filled with ``--outcomes`` outcomes spread over 30 days, twice: a mix (70 % answered, 15 %
"did you mean", 15 % fell back) and the worst case, every one unanswered. Unanswered questions are real
ones from the bench sets (about 7,000 different), so the report groups real variety. The studio is
served on 127.0.0.1 and each page is fetched over HTTP, as a browser would: "cold" is the first fetch
after start (every question is grouped then, and the nearest entry of each shown group decided), "warm"
the median of the following ``--rounds``, with a new unanswered question written to the store before
each (a bot answering meanwhile: nothing is served from a cache of the page). The baseline, in the same
run, is `faqbot report`'s work on the same rows (read the store, group, decide, render the text table).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer

from bench._common import ROOT, table
from bot import report
from bot.config import Settings
from bot.engine import engine_builder
from bot.outcomes import Feedback, Outcome
from bot.reload import LiveEngine
from bot.store import Store
from bot.studio.core import Studio
from bot.studio.runs import Runs
from bot.studio.web import build_app

DAY = 86_400.0


def unanswered_questions() -> list[str]:
    """Real questions people might type: every question of the shipped bench sets."""
    out = []
    for path in sorted((ROOT / "bench").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#") and "\t" in line:
                out.append(line.rsplit("\t", 1)[1])
    return out


def fill(path: Path, n: int, now: float, answered: float = 0.7, seed: int = 7) -> None:
    rng = random.Random(seed)
    questions = unanswered_questions()
    entries = ["apply", "hiring", "culture", "team-hadoop", "team-storage", "team-dataplatform", "growth"]
    store = Store(path, queue_size=n + 10)
    for i in range(n):
        at = now - rng.random() * 30 * DAY
        roll = rng.random()
        if roll < answered:
            store.record(Outcome("telegram", f"u{i % 900}", "ko", "answer", rng.choice(entries), 90.0, "q", at=at))
        else:
            action = "clarify" if rng.random() < 0.5 else "fallback"
            store.record(Outcome("kakao", f"u{i % 900}", "ko", action, None, 20.0, rng.choice(questions), at=at))
        if i % 20 == 0:
            store.feedback(Feedback("telegram", f"u{i}", rng.choice(entries), rng.choice((1, 1, 1, -1)), at=at))
    store.close()


async def fetch(client: TestClient, path: str) -> float:
    started = time.perf_counter()
    r = await client.get(path)
    body = await r.text()
    assert r.status == 200 and "</html>" in body, (path, r.status)
    return 1000 * (time.perf_counter() - started)


def scenario(args: argparse.Namespace, answered: float, settings: Settings) -> list[list[object]]:
    with tempfile.TemporaryDirectory() as folder:
        store_path = Path(folder) / "faqbot.sqlite3"
        now = time.time()
        fill(store_path, args.outcomes, now, answered)
        live = LiveEngine.load(ROOT / "faq.yaml", engine_builder(settings))
        studio = Studio(live, str(store_path), Runs(None), [ROOT / "bench"])
        questions = unanswered_questions()

        def baseline() -> float:
            started = time.perf_counter()
            store = Store(f"file:{store_path}?mode=ro")
            rows, votes = store.outcomes(now - 30 * DAY), store.votes(now - 30 * DAY)
            store.close()
            built = report.build(rows, votes, live().matcher.decide, "in the last 30 days")
            report.render(built, "table", 20)
            return 1000 * (time.perf_counter() - started)

        def arrive(i: int) -> None:  # the bot meanwhile: one more unanswered question
            store = Store(store_path)
            store.record(Outcome("telegram", "new", "ko", "fallback", None, 1.0, questions[i % len(questions)] + "?"))
            store.close()

        async def run() -> dict[str, tuple[float, list[float]]]:
            client = TestClient(TestServer(build_app(studio), host="127.0.0.1"))
            await client.start_server()
            out = {}
            try:
                for path in ("/unanswered?days=30", "/unanswered?days=7", "/kb", "/try?q=하둡 팀은 뭐 해요?", "/test"):
                    cold = await fetch(client, path)
                    warm = []
                    for i in range(args.rounds):
                        await asyncio.to_thread(arrive, i)
                        warm.append(await fetch(client, path))
                    out[path] = (cold, warm)
            finally:
                await client.close()
            return out

        base_cold = baseline()
        base = [baseline() for _ in range(3)]
        results = asyncio.run(run())
    base_med = statistics.median(base)
    label = f"{answered:.0%} answered"
    rows: list[list[object]] = [[label, "faqbot report (baseline)", base_cold, base_med, 1.0]]
    for path, (cold, warm) in results.items():
        rows.append([label, f"GET {path}", cold, statistics.median(warm), statistics.median(warm) / base_med])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--outcomes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--semantic", action="store_true", help="the embedding stage too (as a bot with it runs)")
    args = parser.parse_args()
    settings = Settings() if args.semantic else _lexical(Settings())
    rows = scenario(args, 0.7, settings) + scenario(args, 0.0, settings)
    print(
        f"{args.outcomes} outcomes over 30 days; semantic stage {'on' if args.semantic else 'off'}; "
        f"median of {args.rounds} warm fetches (a new question stored before each) after one cold one"
    )
    print(table(["store", "page", "cold ms", "warm median ms", "warm ÷ baseline"], rows))
    worst = max(float(r[3]) for r in rows if str(r[1]).startswith("GET /unanswered"))
    print(f"\nunanswered page, worst warm median: {worst:.0f} ms (goal ≤ 200 ms): {'ok' if worst <= 200 else 'OVER'}")
    return 0


def _lexical(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, matching=replace(settings.matching, semantic=False))


if __name__ == "__main__":
    raise SystemExit(main())

"""Bulk matching on worker processes (bot.bulk): the same decisions as one process, in input order, with a
bounded number of chunks out at once."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.bulk import CHUNK, WORTH_IT, chunks, ordered
from tests.conftest import ROOT


def test_chunks_keep_every_item_in_order() -> None:
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks([], 3)) == []


def test_ordered_yields_in_input_order_whatever_finishes_first() -> None:
    rng = random.Random(1)
    out_now = 0
    most = 0
    lock = threading.Lock()

    def work(piece: list[int]) -> list[int]:
        time.sleep(rng.random() * 0.01)  # later pieces often finish first
        return [x * 10 for x in piece]

    with ThreadPoolExecutor(4) as pool:

        def submit(piece: list[int]) -> Future[list[int]]:
            nonlocal out_now, most
            with lock:
                out_now += 1
                most = max(most, out_now)
            future = pool.submit(work, piece)

            def done(_: Future[list[int]]) -> None:
                nonlocal out_now
                with lock:
                    out_now -= 1

            future.add_done_callback(done)
            return future

        got = list(ordered(chunks(range(500), 7), submit, inflight=3))
    assert got == [x * 10 for x in range(500)]
    assert most <= 3  # never more than `inflight` pieces out at once: memory stays flat


@pytest.mark.slow
def test_ask_jsonl_on_two_workers_writes_what_one_process_writes(faqbot, tmp_path: Path) -> None:
    questions = []
    for path in sorted((ROOT / "bench").glob("holdout*.tsv")):
        questions += [line.rsplit("\t", 1)[1] for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
    lines = []
    for i, q in enumerate(questions[: WORTH_IT + 3 * CHUNK]):
        lines.append(q)
        if i % 50 == 0:  # conversations between the questions: asked in order, in their context
            lines.append(json.dumps({"conversation": "c", "question": "하둡 팀은 뭐 해요?"}, ensure_ascii=False))
            lines.append(json.dumps({"conversation": "c", "question": "그 팀은 몇 명이에요?"}, ensure_ascii=False))
        if i % 97 == 0:
            lines.append('{"conversation": true}')
    stdin = "\n".join(lines) + "\n"
    outputs = []
    for workers in (1, 2):
        config = tmp_path / f"w{workers}.toml"
        config.write_text(f"[matching]\nsemantic = false\nworkers = {workers}\n", encoding="utf-8")
        result = faqbot("ask", "--jsonl", "--config", str(config), "--faq", str(ROOT / "faq.yaml"), stdin=stdin)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    rows = [json.loads(line) for line in outputs[1].splitlines()]
    assert len(rows) == len(lines)
    assert [r.get("question") for r in rows if "error" not in r] == [
        json.loads(x)["question"] if x.startswith("{") else x
        for x in lines
        if not x.startswith('{"conversation": true')
    ]
    follow = [r for r in rows if r.get("question") == "그 팀은 몇 명이에요?"]
    assert follow and all(r["action"] == "fallback" and r["candidates"][0]["id"] == "team-hadoop" for r in follow)

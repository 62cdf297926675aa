"""What start-up keeps on disk between runs: facts.asks over the phrasings, and the embedding cache's form."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot import facts
from bot.derived import AsksMemo
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.semantic import read_vectors, write_vectors


def test_the_memo_remembers_between_runs_and_answers_as_asks_does(tmp_path: Path, kb: KnowledgeBase) -> None:
    first = AsksMemo(tmp_path)
    built = Engine.build(kb, None, memo=first)  # saves what it learnt
    assert first.path is not None and first.path.exists()
    again = AsksMemo(tmp_path)
    texts = ["하둡 팀은 몇 명이에요", "연봉 얼마 줘요", "지원 방법"]
    assert all(again.asks(t) == facts.asks(t) for t in texts)
    assert (
        Engine.build(kb, None, memo=again).matcher.covers
        == built.matcher.covers
        == Engine.build(kb, None).matcher.covers
    )


def test_a_damaged_memo_is_ignored_and_rewritten(tmp_path: Path, kb: KnowledgeBase, caplog) -> None:
    memo = AsksMemo(tmp_path)
    assert memo.path is not None
    memo.path.write_text("{not json", encoding="utf-8")
    again = AsksMemo(tmp_path)
    assert "ignoring unreadable cache" in caplog.text
    Engine.build(kb, None, memo=again)
    assert AsksMemo(tmp_path).asks("연봉 얼마 줘요") == facts.asks("연봉 얼마 줘요")
    assert memo.path.read_text(encoding="utf-8").startswith("{")


def test_a_memo_is_named_after_the_code_it_answers_for(tmp_path: Path) -> None:
    memo = AsksMemo(tmp_path)
    assert memo.path is not None and memo.path.name.startswith("facts-") and len(memo.path.stem) == len("facts-") + 16


def test_vectors_are_one_matrix_and_the_older_form_still_reads(tmp_path: Path) -> None:
    vectors = {"b": np.ones(384, np.float32), "a": np.arange(384, dtype=np.float32)}
    path = tmp_path / "v.npz"
    with path.open("wb") as fh:
        write_vectors(fh, vectors)
    read, legacy = read_vectors(path)
    assert not legacy and sorted(read) == ["a", "b"] and np.array_equal(read["a"], vectors["a"])
    old = tmp_path / "old.npz"
    with old.open("wb") as fh:
        np.savez(fh, **vectors)  # one array per key, as earlier versions wrote
    read, legacy = read_vectors(old)
    assert legacy and np.array_equal(read["b"], vectors["b"])

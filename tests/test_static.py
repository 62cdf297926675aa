"""The static embedding table (bot/static.py): items, the file format, and what it adds to matching."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.normalize import clean
from bot.static import (
    TABLE_FILE,
    StaticIndex,
    StaticTable,
    rows_file,
    shipped_table,
    text_items,
    word_items,
    write_table,
)


def test_items_are_the_stem_and_the_syllable_pairs_inside_a_word() -> None:
    assert word_items("카카오는") == ("카카오", "카카", "카오", "오는")
    assert word_items("teams") == ("team",)  # English: the stem only
    assert word_items("팀") == ("팀",)
    assert text_items("  하둡 팀은?? ") == ["하둡", "하둡", "팀", "팀은"]  # cleaned first; repeats are kept


def test_a_table_survives_writing_and_reading(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 384)).astype(np.float32)
    path = tmp_path / "t.npz"
    write_table(path, ["가나", "나다", "dog", "다라", "x"], vectors)
    table = StaticTable.read(path)
    assert len(table) == 5 and table.rows["dog"] == 2
    # One item's vector, less the mean, is that item's direction (quantised to int8: close, not equal).
    one = table.embed(["dog"], [1.0])
    expected = vectors[2] - table._mean
    assert float(one @ expected / np.linalg.norm(expected)) > 0.999
    assert not table.embed(["없는말"], [1.0]).any()  # items the table lacks count for nothing


def _table(path: Path, n: int = 4, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, 384)).astype(np.float32)
    write_table(path, [f"w{i}" for i in range(n)], vectors)
    return vectors


def test_a_damaged_or_mismatched_table_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    _table(path)
    rows = rows_file(path).read_bytes()
    rows_file(path).write_bytes(rows[:8] + b"{" + rows[9:])  # a damaged .npy header
    with pytest.raises(ValueError, match="not a static table"):
        StaticTable.read(path)
    np.save(rows_file(path), np.zeros((6, 384), dtype=np.int8))  # the rows of another build
    with pytest.raises(ValueError, match="not of the same build"):
        StaticTable.read(path)
    np.save(rows_file(path), np.zeros((5, 384), dtype=np.float32))
    with pytest.raises(ValueError, match="not rows of 384 int8"):
        StaticTable.read(path)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="not a static table"):
        StaticTable.read(path)
    rows_file(path).unlink()
    _table(path)
    with np.load(path) as data:
        parts = dict(data)
    parts["scales"][1] = np.nan
    with open(path, "wb") as fh:
        np.savez(fh, **parts)
    with pytest.raises(ValueError, match="not finite"):
        StaticTable.read(path)
    rows_file(path).unlink()
    with pytest.raises(OSError):
        StaticTable.read(path)


def test_the_two_files_of_different_builds_are_not_read_as_one_table(tmp_path: Path) -> None:
    # A rebuild interrupted between its two files (or two at once) leaves the rows of one build beside the
    # items of another, with as many rows: the digest row tells them apart.
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    _table(first, seed=1)
    _table(second, seed=2)
    rows_file(first).write_bytes(rows_file(second).read_bytes())
    with pytest.raises(ValueError, match="not of the same build"):
        StaticTable.read(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy", "a.npz", "b.npy", "b.npz"]  # no leftovers
    assert (rows_file(second).stat().st_mode & 0o777) == 0o644


def test_a_rebuilt_table_does_not_change_under_a_running_bot(tmp_path: Path) -> None:
    # The rows are memory-mapped: rewriting the file in place would change them under the reader (or kill
    # it with SIGBUS when it shrinks). write_table replaces the files instead.
    path = tmp_path / "t.npz"
    _table(path, seed=1)
    running = StaticTable.read(path)
    before = running.embed(["w0", "w2"], [1.0, 1.0])
    _table(path, n=2, seed=2)  # rebuilt: other vectors, fewer rows
    assert np.array_equal(running.embed(["w0", "w2"], [1.0, 1.0]), before)
    assert len(StaticTable.read(path)) == 2  # what the next start reads


def test_the_shipped_table_knows_every_word_of_the_shipped_faq(kb: KnowledgeBase) -> None:
    table = shipped_table()
    assert table is not None and TABLE_FILE.stat().st_size + rows_file(TABLE_FILE).stat().st_size < 20_000_000
    items = {i for text in Matcher._vocabulary_texts(kb) for i in text_items(text)}
    missing = sorted(items - set(table.rows))
    assert not missing, f"run python bench/build_static.py ({len(missing)} missing, e.g. {missing[:5]})"


def test_it_relates_words_that_share_no_letters(kb: KnowledgeBase) -> None:
    table = shipped_table()
    assert table is not None
    index = StaticIndex(table, [clean(t) for t in ("연봉이 얼마예요", "사무실은 어디에 있나요", "어떤 기술을 쓰나요")])
    scores = index.search(clean("월급 많이 줘요?"))  # pay, in a word none of the phrasings uses
    assert int(np.argmax(scores)) == 0
    scores = index.search(clean("회사 위치가 궁금해요"))  # where the office is
    assert int(np.argmax(scores)) == 1
    assert not index.search(clean("ㅁㄴㅇㄹ")).any()


def test_the_matcher_gives_every_question_a_static_score_and_works_without_the_table(kb: KnowledgeBase) -> None:
    with_table = Matcher(kb)
    sig = with_table.signals("지원은 어떻게 하나요?")
    assert sig is not None and sig.static is not None and sig.static.shape == (len(kb.entries),)
    assert kb.entries[int(np.argmax(sig.static))].id == "apply"
    without = Matcher(kb, static=False)
    sig = without.signals("지원은 어떻게 하나요?")
    assert sig is not None and sig.static is None
    assert without.decide("지원은 어떻게 하나요?").id == "apply"


def test_a_decision_says_whether_the_embedder_ran(engine: Engine, lexical_engine: Engine) -> None:
    assert not lexical_engine.matcher.decide("기반기술셀 분위기는 어때요?").embedded
    if engine.matcher.embedder is None:  # pragma: no cover - machines without AVX2/FMA
        pytest.skip("no embedding engine on this CPU")
    # A question the first stage is sure of skips the embedder; one it is unsure of does not.
    sure = engine.matcher.decide("지원 방법")
    unsure = engine.matcher.decide("저 같은 사람도 뽑아줄까요")
    assert (sure.embedded, unsure.embedded) == (False, True)


def test_importing_the_bot_keeps_blas_to_one_thread_unless_told_otherwise() -> None:
    # OpenBLAS's pool spinning beside the embedder's OpenMP threads stalled answers ~100 ms at a time.
    code = "import os, bot, numpy; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "1"
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "2"

"""The static embedding table (bot/static.py): items, the file format, and what it adds to matching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def test_a_damaged_table_is_a_clear_error_and_the_bot_works_without_one(tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="not a static table"):
        StaticTable.read(path)


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

import unicodedata

import pytest

from bot.normalize import chosung, clean, compose_keys, from_qwerty, is_chosung_query, stem, to_keys, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("카카오는?!", "카카오는", id="punctuation goes"),
        pytest.param("  지원   방법  ", "지원 방법", id="spaces fold"),
        pytest.param("ＨＥＬＬＯ", "hello", id="full-width and case fold"),
        pytest.param("지원😀방법🙏", "지원 방법", id="emoji become spaces"),
        pytest.param(unicodedata.normalize("NFD", "하둡팀"), "하둡팀", id="NFD input recomposes"),
        pytest.param("?", "", id="nothing left"),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_to_keys_splits_compound_jamo_into_keystrokes() -> None:
    assert to_keys("괜찮아") == "ㄱㅗㅐㄴㅊㅏㄴㅎㅇㅏ"
    assert to_keys("ab") == "ab"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param("ㅈㅣㅇㅜㅓㄴ", "지원", id="compound vowel"),
        pytest.param("ㄱㅗㅐㄴㅊㅏㄴㅎㅇㅏ", "괜찮아", id="compound final"),
        pytest.param("ㅂㅏㅇㅂㅓㅂ", "방법", id="final then next syllable"),
        pytest.param("ㅗㄷㅣ", None, id="leading vowel is not a syllable"),
        pytest.param("ㅈㅇ", None, id="consonants alone"),
    ],
)
def test_compose_keys(keys: str, expected: str | None) -> None:
    assert compose_keys(keys) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("wldnjs qkdqjq", "지원 방법", id="whole question typed in English mode"),
        pytest.param("gkenq 팀", "하둡 팀", id="mixed with Hangul"),
        pytest.param("How do I apply", None, id="plain English stays English"),
        pytest.param("hello", None, id="does not compose"),
        pytest.param("rhksfus", "관련", id="compound vowel on keys"),
    ],
)
def test_from_qwerty(typed: str, expected: str | None) -> None:
    assert from_qwerty(typed) == expected


def test_from_qwerty_keeps_known_words() -> None:
    assert from_qwerty("tksk", keep=frozenset({"tksk"})) is None


def test_chosung() -> None:
    assert chosung("지원 방법") == "ㅈㅇㅂㅂ"
    assert is_chosung_query("ㅈㅇ ㅂㅂ")
    assert not is_chosung_query("ㅈㅇㅂ")  # three letters are too ambiguous
    assert not is_chosung_query("지원ㅂㅂ")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("카카오는", "카카오"), ("카카오의", "카카오"), ("채용은요", "채용"), ("지원", "지원"), ("팀이", "팀")],
)
def test_stem_strips_particles(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_tokens_fold_english_plurals() -> None:
    assert tokens("teams positions") == ["team", "position"]


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("ㄳㄳ", "감사"),
        ("ㅎㅇ 지원 방법", "하이 지원 방법"),
        ("지원 어케함?", "지원 어떻게 함"),  # chat spellings of 어떻게
        ("어캐 해요ㅋㅋ", "어떻게 해요"),
        ("어케", "어떻게"),
        ("환경이 안 받쳐줘요 ㅠ", "환경이 안 받쳐줘요"),  # a lone tear, as ㅠㅠ
        ("ㅈㅇ ㅂㅂ", "ㅈㅇ ㅂㅂ"),  # initials in words of their own are one query (지원 방법), not ㅂㅂ = bye
        ("하둡팀 역활이 뭐예요", "하둡팀 역할이 뭐예요"),  # misspellings common enough to be in wordfreq
        ("몇일까지 지원해요?", "며칠까지 지원해요"),
        ("지원 됬나요", "지원 됐나요"),
        ("지금새벽인데 금새 답 와요?", "지금새벽인데 금세 답 와요"),  # 금새 only at a word's start
    ],
)
def test_chat_shorthand_is_spelled_out(typed: str, cleaned: str) -> None:
    from bot.normalize import clean

    assert clean(typed) == cleaned

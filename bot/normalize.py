"""Text normalisation for Korean and English questions.

Everything here is pure and deterministic: Unicode folding, Hangul decomposition into
keystrokes (so a typo inside a syllable costs one key, not a whole syllable), keyboard-layout
slips (Hangul typed with the keyboard in English mode), chosung (initial consonants) and a light
particle/ending stripper for tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_SBASE = 0xAC00
_SCOUNT = 11172
_CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONG = (
    "",
    "ㄱ",
    "ㄲ",
    "ㄳ",
    "ㄴ",
    "ㄵ",
    "ㄶ",
    "ㄷ",
    "ㄹ",
    "ㄺ",
    "ㄻ",
    "ㄼ",
    "ㄽ",
    "ㄾ",
    "ㄿ",
    "ㅀ",
    "ㅁ",
    "ㅂ",
    "ㅄ",
    "ㅅ",
    "ㅆ",
    "ㅇ",
    "ㅈ",
    "ㅊ",
    "ㅋ",
    "ㅌ",
    "ㅍ",
    "ㅎ",
)
_CHO_INDEX = {c: i for i, c in enumerate(_CHO)}
_JUNG_INDEX = {c: i for i, c in enumerate(_JUNG)}
_JONG_INDEX = {c: i for i, c in enumerate(_JONG) if c}

# Compound jamo as the two keys that type them on the standard 2-beolsik layout.
_VOWEL_PAIRS = {"ㅘ": "ㅗㅏ", "ㅙ": "ㅗㅐ", "ㅚ": "ㅗㅣ", "ㅝ": "ㅜㅓ", "ㅞ": "ㅜㅔ", "ㅟ": "ㅜㅣ", "ㅢ": "ㅡㅣ"}
_FINAL_PAIRS = {
    "ㄳ": "ㄱㅅ",
    "ㄵ": "ㄴㅈ",
    "ㄶ": "ㄴㅎ",
    "ㄺ": "ㄹㄱ",
    "ㄻ": "ㄹㅁ",
    "ㄼ": "ㄹㅂ",
    "ㄽ": "ㄹㅅ",
    "ㄾ": "ㄹㅌ",
    "ㄿ": "ㄹㅍ",
    "ㅀ": "ㄹㅎ",
    "ㅄ": "ㅂㅅ",
}
_VOWEL_JOIN = {v: k for k, v in _VOWEL_PAIRS.items()}
_FINAL_JOIN = {v: k for k, v in _FINAL_PAIRS.items()}

_CONSONANTS = frozenset("ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ")
_VOWELS = frozenset(_JUNG)

# 2-beolsik: the Hangul key printed on each Latin key (shifted keys where they differ).
_KEYBOARD = dict(zip("qwertyuiopasdfghjklzxcvbnm", "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣㅋㅌㅊㅍㅠㅜㅡ", strict=True))
_KEYBOARD.update(zip("QWERTOP", "ㅃㅉㄸㄲㅆㅒㅖ", strict=True))

_SPACE_RE = re.compile(r"\s+")
_LATIN_RUN_RE = re.compile(r"[A-Za-z]+")
# Anything that is not a letter or digit (punctuation, symbols, emoji) becomes a space.
_NOISE_RE = re.compile(r"[^\w]|_", re.UNICODE)


def is_syllable(ch: str) -> bool:
    """True for a precomposed Hangul syllable (가-힣)."""
    return _SBASE <= ord(ch) < _SBASE + _SCOUNT


def has_hangul(text: str) -> bool:
    """True when the text holds any Hangul syllable or jamo."""
    return any(is_syllable(ch) or ch in _CONSONANTS or ch in _VOWELS for ch in text)


# NFKC turns compatibility jamo (ㅈ, typed alone) into conjoining jamo (ᄌ); turn lone ones back.
_CONJOINING_TO_COMPAT = str.maketrans(
    {
        **{0x1100 + i: c for i, c in enumerate(_CHO)},
        **{0x1161 + i: c for i, c in enumerate(_JUNG)},
        **{0x11A8 + i: c for i, c in enumerate(_JONG[1:])},
    }
)


# Chat shorthand typed as initials, as a whole word: what it stands for.
_SHORTHAND = {
    "ㅎㅇ": "하이", "ㅎㅇㅎㅇ": "하이", "ㄳ": "감사", "ㄳㄳ": "감사", "ㄱㅅ": "감사", "ㄱㅅㄱㅅ": "감사",
    "ㄱㅅㅇ": "감사", "ㄱㅅㅎㄴㄷ": "감사합니다", "ㄱㅅㄹㄱㅅㄹ": "감사", "ㅇㅋ": "오케이", "ㅇㅋㅇㅋ": "오케이",
    "ㅇㅋㄷㅋ": "오케이", "ㅇㅇ": "응", "ㄴㄴ": "아니", "ㅂㅂ": "바이", "ㅂㅇ": "바이", "ㅈㅅ": "죄송",
    "ㅈㅅㅈㅅ": "죄송", "ㄹㅇ": "진짜", "ㅊㅋ": "축하", "ㅇㄸ": "어때",
    "ty": "thanks", "thx": "thanks", "tysm": "thanks", "tks": "thanks", "abt": "about",
}  # fmt: skip
_HANGUL_RE = re.compile("[가-힣]")
_TO_RE = re.compile(r"(?<![\w.])T\.?O(?![\w.])")  # capitals: not "to", not kko.to
# 있 typed without its double consonant (할수잇는, 잇어요, 잇나요); not 잇는 alone, which is 잇다 (connect).
_HAVE_RE = re.compile(r"(?<=수)잇|(?<![가-힣])잇(?=어|나요|음|습니)")
_WHICH = "어떤"  # ㅇㄸ before another word (ㅇㄸ 사람 원해요?); at the end it is 어때 (분위기 ㅇㄸ?)
# Chat spellings of 어떻게 at the start of a word (어케함, 어캐 해요, 어떡케): spelled out.
# Misspellings so common that wordfreq counts them as words of their own (역활 for 역할, 몇일 for 며칠):
# put right inside any word, so the word is the one the knowledge base uses.
_MISSPELT = {"역활": "역할", "몇일": "며칠", "금새": "금세", "됬": "됐", "할께": "할게", "어떻께": "어떻게"}
# 금새 only at a word's start: 지금새로, 입금새벽 are other words run together.
_MISSPELT_RE = re.compile("|".join(f"(?<![가-힣]){w}" if w == "금새" else w for w in _MISSPELT))
_HOW_RE = re.compile(r"^(?:어케|어캐|어뜨케|어떡케|어떻케)(?=[가-힣]|$)")
# Laughter and tears (ㅋㅋ, ㅎㅎ, ㅠㅠ, ㅜㅜ, a lone ㅠ), alone or written onto a word, carry no question.
_LAUGHTER_RE = re.compile(r"[ㅋㅎㅠㅜ]{2,}|(?<![ㄱ-ㅣ])[ㅠㅜ](?![ㄱ-ㅣ])")


INITIALS_RE = re.compile("[ㄱ-ㅎ]+")  # a run of initial consonants (ㅈㅇ)
_APOSTROPHES = re.compile(r"[’‘`´]")
_WONT_RE = re.compile(r"\bwon'?t\b")


def fold_apostrophes(text: str) -> str:
    """The apostrophes phones and keyboards type (won’t, won`t) as the plain one (won't)."""
    return _APOSTROPHES.sub("'", text)


def clean(text: str) -> str:
    """Fold Unicode (NFKC), case, punctuation, emoji and runs of spaces; spell out chat shorthand
    (ㄳ -> 감사, ㅎㅇ -> 하이, 어케 -> 어떻게, ty -> thanks, TO in a Korean message -> 채용 인원), put back
    a chat spelling (할수잇는 -> 할수있는) or a common misspelling (역활 -> 역할) and drop laughter (ㅋㅋ)."""
    text = unicodedata.normalize("NFKC", text)
    # NFKC leaves conjoining jamo (from NFD input) apart; NFC joins them back into syllables, and
    # whatever is still loose goes back to the compatibility jamo people type.
    text = unicodedata.normalize("NFC", text).translate(_CONJOINING_TO_COMPAT)
    if _HANGUL_RE.search(text):
        text = _TO_RE.sub(" 채용 인원 ", text)  # TO in Korean chat (티오): how many a team may hire (TO 몇 명?)
    text = text.casefold()
    text = _WONT_RE.sub(
        "will not", fold_apostrophes(text)
    )  # before the apostrophe goes: "won" alone is a word (who won?)
    text = _HAVE_RE.sub("있", _NOISE_RE.sub(" ", text))
    text = _MISSPELT_RE.sub(lambda m: _MISSPELT[m.group()], text)
    split = text.split()
    # Initials in words of their own (ㅈㅇ ㅂㅂ = 지원 방법) are one query, not shorthand (ㅂㅂ = bye).
    initials = len(split) > 1 and all(INITIALS_RE.fullmatch(w) for w in split)
    shorthand = {} if initials and not all(w in _SHORTHAND for w in split) else _SHORTHAND
    words = [_LAUGHTER_RE.sub("", w) if w not in shorthand else w for w in split]
    words = [
        _WHICH if w == "ㅇㄸ" and _noun_after(words[i + 1 :]) else shorthand.get(w) or _HOW_RE.sub("어떻게 ", w)
        for i, w in enumerate(words)
    ]
    return " ".join(" ".join(words).split())


def _noun_after(rest: list[str]) -> bool:
    """Whether a word that looks like a noun follows (ㅇㄸ 사람: 어떤 사람), not nothing, laughter or a verb
    (분위기 ㅇㄸ ㅋㅋ, 분위기 ㅇㄸ 궁금해요: 어때)."""
    nxt = next((w for w in rest if w), "")
    return bool(nxt) and is_syllable(nxt[0]) and nxt[-1] not in _VERB_FINAL and nxt not in _DOING


_VERB_FINAL = frozenset("요다까죠해줘함음")  # last syllables of verbs and casual endings
_DOING = frozenset(("임", "하는", "한"))  # ... and words of doing that end otherwise


def to_keys(text: str) -> str:
    """Spell Hangul as the 2-beolsik keystrokes that type it; other characters pass through."""
    out: list[str] = []
    for ch in text:
        code = ord(ch) - _SBASE
        if 0 <= code < _SCOUNT:
            cho, rest = divmod(code, 588)
            jung, jong = divmod(rest, 28)
            out.append(_CHO[cho])
            vowel = _JUNG[jung]
            out.append(_VOWEL_PAIRS.get(vowel, vowel))
            if jong:
                final = _JONG[jong]
                out.append(_FINAL_PAIRS.get(final, final))
        else:
            out.append(_VOWEL_PAIRS.get(ch, _FINAL_PAIRS.get(ch, ch)))
    return "".join(out)


def chosung(text: str) -> str:
    """The initial consonant of each syllable; other characters are dropped, except jamo."""
    out: list[str] = []
    for ch in text:
        code = ord(ch) - _SBASE
        if 0 <= code < _SCOUNT:
            out.append(_CHO[code // 588])
        elif ch in _CONSONANTS:
            out.append(ch)
    return "".join(out)


def is_chosung_query(text: str, minimum: int = 4) -> bool:
    """True when the text is only initial consonants (ㅈㅇㅂㅂ), at least ``minimum`` of them."""
    letters = text.replace(" ", "")
    return len(letters) >= minimum and all(ch in _CONSONANTS for ch in letters)


def compose_keys(keys: str) -> str | None:
    """Compose 2-beolsik keystrokes into syllables; None unless every key lands in a whole syllable."""
    out: list[str] = []
    i, n = 0, len(keys)

    def vowel_at(j: int) -> bool:
        return j < n and keys[j] in _VOWELS

    while i < n:
        if keys[i] not in _CONSONANTS or not vowel_at(i + 1):
            return None
        cho = keys[i]
        vowel = keys[i + 1]
        i += 2
        if vowel_at(i) and vowel + keys[i] in _VOWEL_JOIN:
            vowel = _VOWEL_JOIN[vowel + keys[i]]
            i += 1
        final = ""
        if i < n and keys[i] in _JONG_INDEX and not vowel_at(i + 1):
            final = keys[i]
            i += 1
            if i < n and final + keys[i] in _FINAL_JOIN and not vowel_at(i + 1):
                final = _FINAL_JOIN[final + keys[i]]
                i += 1
        code = (_CHO_INDEX[cho] * 21 + _JUNG_INDEX[vowel]) * 28 + (_JONG_INDEX[final] if final else 0)
        out.append(chr(_SBASE + code))
    return "".join(out)


def from_qwerty(text: str, keep: frozenset[str] = frozenset(), min_len: int = 3) -> str | None:
    """Read Latin runs as Hangul typed in English mode (``wldnjs`` -> 지원).

    A run is converted only when it composes into whole syllables, is at least ``min_len`` letters
    and is not a word in ``keep`` (known English words stay English). Returns None when nothing
    was converted, so callers can keep the original reading.
    """
    changed = False

    def convert(match: re.Match[str]) -> str:
        nonlocal changed
        run = match.group(0)
        if len(run) < min_len or run.casefold() in keep:
            return run
        keys = "".join(_KEYBOARD.get(ch) or _KEYBOARD.get(ch.lower(), "?") for ch in run)
        hangul = compose_keys(keys)
        if hangul is None:
            return run
        changed = True
        return hangul

    converted = _LATIN_RUN_RE.sub(convert, unicodedata.normalize("NFKC", text))
    return converted if changed else None


# Particles and endings, longest first (SUFFIXES, also used to tell that a lone particle is no content). Stripping is deliberately light: char n-grams carry most of
# the matching; stems matter for deciding whether a word is known to the knowledge base at all.
SUFFIXES = _SUFFIXES = sorted(
    [
        "은",
        "는",
        "이",
        "가",
        "을",
        "를",
        "의",
        "에",
        "에서",
        "에게",
        "께",
        "께서",
        "한테",
        "헌테",
        "으로",
        "로",
        "와",
        "과",
        "랑",
        "이랑",
        "도",
        "만",
        "까지",
        "부터",
        "처럼",
        "보다",
        "이나",
        "나",
        "요",
        "죠",
        "야",
        "이야",
        "이에요",
        "예요",
        "이예요",
        "에요",
        "인가요",
        "인가",
        "인데",
        "인지",
        "이죠",
        "일까요",
        "일까",
        "나요",
        "가요",
        "까요",
        "할까요",
        "하나요",
        "해요",
        "해",
        "했어요",
        "했나요",
        "하죠",
        "하니",
        "하고",
        "하는",
        "하면",
        "한",
        "할",
        "합니다",
        "습니다",
        "니다",
        "입니다",
        "입니까",
        "어요",
        "아요",
        "있나요",
        "있어요",
        "있죠",
        "있는",
        "없나요",
        "없어요",
        "되나요",
        "돼요",
        "됩니다",
        "되는",
        "되죠",
        "인가여",
        "에여",
        "여",
        "해줘",
        "해주세요",
        "주세요",
        "줘",
        "줘요",
        "은요",
        "는요",
        "이요",
        "에는",
        "에선",
        "으론",
        "로는",
        "으로는",
        "라는",
        "이라는",
        "란",
        "이란",
        "들",
        "들은",
        "들이",
        "들을",
        "들의",
        "적인",
        "적",
    ],
    key=len,
    reverse=True,
)


_SUFFIX_SET = frozenset(_SUFFIXES)
_SUFFIX_LENGTHS = sorted({len(s) for s in _SUFFIXES}, reverse=True)


def stem_once(token: str) -> str:
    """Strip the longest trailing particle or ending from a Hangul token, keeping a syllable."""
    if token and is_syllable(token[-1]):
        for size in _SUFFIX_LENGTHS:
            if len(token) > size and token[-size:] in _SUFFIX_SET:
                return token[:-size]
    return token


def stem(token: str) -> str:
    """Strip up to two stacked particles or endings (채용은요 -> 채용)."""
    return stem_once(stem_once(token))


def english_stem(token: str) -> str:
    """Fold simple English plurals, possessives and -ing (teams -> team, kakao's -> kakao, learning -> learn)."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


# Words that end a clause of context before the question (하둡 팀에 넣어보려는데 / 어디서 지원해요?, 저 5년차인데
# / ...): Korean puts what is asked last.
_CLAUSE_ENDS = tuple(
    str.split(
        "는데 은데 인데 한데 던데 는데요 인데요 거든 거든요 려면 으면 싶으면 니까 "
        # ... and the end of a sentence with more after it (도전해보고 싶어졌어요 / 어떻게 지원하죠)
        "어요 아요 여요 워요 에요 예요 네요 세요 해요 돼요 래요 대요 니다 었다 았다 했다 싶다"
    )
)
_CLAUSE_WORDS = frozenset(str.split("근데 그런데 그래서 그럼 그러면 아무튼 암튼"))


def main_clause(text: str, content: Callable[[str], bool]) -> str:
    """The last clause of a cleaned text that has a content word (``content`` tells them), after the
    context before it: "기반기술셀 넣어보려는데 어디서 지원함" -> "어디서 지원함"; the whole text when it is
    one clause, or when the last one holds no content ("지원하고 싶은데 어떻게 하면 돼요" stays whole)."""
    words = text.split()
    clauses: list[list[str]] = [[]]
    for word in words:
        if word in _CLAUSE_WORDS:
            clauses.append([])
            continue
        clauses[-1].append(word)
        if len(word) > 2 and word.endswith(_CLAUSE_ENDS):
            clauses.append([])
    tail: list[str] = []
    for clause in reversed([c for c in clauses if c]):
        tail = clause + tail
        if any(content(w) for w in tail):
            break
    return " ".join(tail) if tail else text


def tokens(text: str) -> list[str]:
    """Stemmed tokens of already-cleaned text."""
    out = []
    for tok in text.split():
        out.append(stem(tok) if is_syllable(tok[-1]) else english_stem(tok))
    return [t for t in out if t]

"""How people mistype a question: perturbations that bench/tune.py applies to faq.yaml's phrasings.

Each function takes a phrasing and a seeded random generator and returns the perturbed text, or None
when it does not apply (no Hangul to slip, too short for initials). Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re

from bot.normalize import _CHO, _JONG, _JUNG, _KEYBOARD, chosung, is_syllable, to_keys

_TO_LATIN = {v: k for k, v in _KEYBOARD.items()}
_PARTICLES = ("은", "는", "이", "가", "을", "를", "의", "에서", "에", "도", "요")
_SBASE = 0xAC00


def _syllable(cho: int, jung: int, jong: int) -> str:
    return chr(_SBASE + (cho * len(_JUNG) + jung) * len(_JONG) + jong)


def typo_in_syllable(text: str, rng: random.Random) -> str | None:
    """One jamo of one syllable replaced (지원 -> 지웡, 문화 -> 뮨화)."""
    spots = [i for i, ch in enumerate(text) if is_syllable(ch)]
    if not spots:
        return None
    i = rng.choice(spots)
    code = ord(text[i]) - _SBASE
    cho, rest = divmod(code, len(_JUNG) * len(_JONG))
    jung, jong = divmod(rest, len(_JONG))
    part = rng.choice(("cho", "jung", "jong"))
    if part == "cho":
        cho = rng.randrange(len(_CHO))
    elif part == "jung":
        jung = rng.randrange(len(_JUNG))
    else:
        jong = rng.randrange(len(_JONG))
    return text[:i] + _syllable(cho, jung, jong) + text[i + 1 :]


def no_spaces(text: str, rng: random.Random) -> str | None:
    """Spaces left out (어떻게지원하나요)."""
    return text.replace(" ", "") if " " in text.strip() else None


def extra_space(text: str, rng: random.Random) -> str | None:
    """A space inside a word (하 둡 팀)."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 3]
    if not long:
        return None
    i = rng.choice(long)
    cut = rng.randrange(1, len(words[i]))
    words[i] = words[i][:cut] + " " + words[i][cut:]
    return " ".join(words)


def other_particle(text: str, rng: random.Random) -> str | None:
    """A particle or ending changed or added (카카오는 -> 카카오의)."""
    words = text.split()
    hangul = [i for i, w in enumerate(words) if w and is_syllable(w[-1])]
    if not hangul:
        return None
    i = rng.choice(hangul)
    word = re.sub("(" + "|".join(sorted(_PARTICLES, key=len, reverse=True)) + ")$", "", words[i]) or words[i]
    words[i] = word + rng.choice(_PARTICLES)
    return " ".join(words)


def layout_slip(text: str, rng: random.Random) -> str | None:
    """Hangul typed with the keyboard in English mode (지원 방법 -> wldnjs qkdqjq)."""
    if not any(is_syllable(ch) for ch in text):
        return None
    out = []
    for ch in text:
        if is_syllable(ch):
            out.append("".join(_TO_LATIN.get(k, k) for k in to_keys(ch)))
        else:
            out.append(ch)
    return "".join(out)


def initials(text: str, rng: random.Random) -> str | None:
    """Only the initial consonants of a short question (ㅈㅇㅂㅂ)."""
    letters = chosung(text.replace(" ", ""))
    return letters if 4 <= len(letters) <= 8 and letters == chosung(text) else None


def english_typo(text: str, rng: random.Random) -> str | None:
    """Two letters swapped or one dropped in an English word; lower case, no punctuation."""
    words = re.findall(r"[A-Za-z]+|\S", text)
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isascii() and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(len(w) - 1)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if rng.random() < 0.5 else w[:j] + w[j + 1 :]
    return " ".join(x for x in words if x.isalnum()).lower()


PERTURBATIONS = (typo_in_syllable, no_spaces, extra_space, other_particle, layout_slip, initials, english_typo)


def perturb(text: str, rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Up to ``count`` different (perturbation name, text) for a phrasing."""
    options = list(PERTURBATIONS)
    rng.shuffle(options)
    out: list[tuple[str, str]] = []
    for fn in options:
        if len(out) >= count:
            break
        variant = fn(text, rng)
        if variant and variant != text and variant not in (v for _, v in out):
            out.append((fn.__name__, variant))
    return out

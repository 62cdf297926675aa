"""Which words of a question the knowledge base knows about.

A question that shares "지원 방법" with an entry but is about 쿠팡 is not that entry's question. The
matcher asks this module which content words of the question the knowledge base has never seen
(in phrasings, answers, quotes, titles or names); such words block a confident answer. Function
words and the small talk of asking (혹시, 궁금해요, 알려주세요, what, please) are not content.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from bot.normalize import (
    INITIALS_RE,
    SUFFIXES,
    chosung,
    clean,
    english_stem,
    is_syllable,
    stem,
    stem_once,
    to_keys,
    tokens,
)

# How people wrap a question, in Korean and English; none of it says what the question is about.
_FILLER_TEXT = """
혹시 좀 조금 그 이 저 제 저는 제가 저도 저희 나 난 내가 나도 너 너는 당신 우리 여기 거기 이거 그거 저거 이곳 그곳
뭐 뭔가 뭐야 뭐지 뭐죠 뭐에요 뭐예요 뭔데 뭘 무엇 무엇이 무엇인가 무슨 어떤 어떻게 어때 어때요 어떤가 어떤가요 어떻 어느
어디 언제 누구 누가 왜 얼마나 얼마 몇 궁금 궁금해 궁금해요 궁금합니다 궁금한데 궁금한 궁금증 알려 알려줘 알려주세요 알려줄래
알려주실 알고 알 수 싶어 싶어요 싶습니다 싶은데 싶은 싶다 주세요 줘 줘요 주실 있나 있나요 있어 있어요 있을까요 있는지 있습니까
없나 없어 없어요 되나 되나요 돼 돼요 되요 될까요 거 것 게 건 걸 데 때 요 네 넵 음 아 어 오 와 그럼 그리고 그런데 근데 그래서
또 또는 정말 진짜 많이 너무 아주 그냥 하다 해요 합니다 해 했 하는 하면 해야 하나 하나요 해줘 해주세요 설명 설명해 설명해줘
소개 소개해 소개해줘 대해 대해서 대한 관련 관해 관해서 부탁 부탁해요 부탁드려요 부탁드립니다 말해 말해줘 가능 가능해 가능한가요
가능할까요 가능해요 이야기 얘기 좀더 더 알아 알아요 알고싶어요 하는지 인지 일까 일까요 입니까 건가요 거예요 거에요 건지 ㅎㅎ
ㅋㅋ ㅠㅠ ㅜㅜ 헐 혹 요즘 지금 현재 중 중인 중이에요 정도 같은 같아요 관심 관심있어요 생각 생각해요 보통 일단 먼저 다시 그러면
a an the is are am was were be been do does did i you he she it we they me my your our their this that
these those what which who whom whose when where why how can could would should will shall may might
must to of in on at for from with about by as and or but so if then than tell me please know want
like any some there here much many more get got have has had let us am im i'm you're its it's
pls plz go goes going gonna wanna dont doesnt didnt isnt arent cant wont feel think need want really also just
only even still very quite lot lots thing things stuff whats hows whos wheres ok okay yeah yes no not anyone
머 머에요 머예요 머에여 몬 몬가요 뭐라고 됨 봐 봐요 정확히 대충 간단히 솔직히 요약 그렇게 이렇게 저렇게 먼말 무슨말 하려면
main read ppl 볼 해주면 알려주면 있나욤 있음요 궁금해여 궁금 써 써요 써여 쓰나 쓰나요 쓰는 쓰세요 사용 사용해요 사용하나요 여기선 여기서 거기선 거기서 이거 알려주셔서 알려주셔 받 up one
뭐래 뭐래요 어딨 어딨어 어딨음 있음 없음 했음 함 임 거야 건데 건가 거지 뭔지 어떤지 인지요 좋겠 좋겠어요 싶음 궁금함 알려주셈
오케이 응 웅 넹 아하 알겠어 알겠어요 알겠습니다 그렇구나 그렇군요 lol btw fine sure alright hmm cool
자주 항상 늘 주로 가끔 종종 매일 매번 보통은 특히 아마 이미 벌써 계속 다들 서로 모두 전부 다 제일 가장 덜 꽤 엄청 되게 완전 굉장히 상당히 별로 전혀 과연 실제로 실제 원래 대체로 대부분 often always usually sometimes
그래도 그러니까 그런데도 하지만 그치만 그렇지만 그러나 아무튼 암튼 어쨌든 exactly actually basically specifically generally
typically currently honestly anyway anyways probably maybe doesn isn aren wasn weren don didn couldn wouldn
shouldn haven hasn t s re ve ll d m
님 절대 절대로 결코 내 딱 able 측면 측면에서 관점 관점에서 입장에서 특징 유형 스타일 어쩌구 어쩌고 저쩌구 아무 아무도 아무나 둘 둘다 관련된 관련한 관련있는 얘기야 얘기임 얘기예요 얘기에요 꺼 꺼야 꺼임 꺼예요 꺼에요 꺼죠 ㄱㄱ ㅇㅇ ㄴㄴ ㅇㅋ ㄷㄷ ㅇㅎ 미안 미안해 미안해요 미안합니다 죄송 죄송해요 죄송합니다 sorry oops 아차 농담이고 농담이구요
아까 방금 그걸 그게 그건 이걸 이게 이건 저걸 저게 저건 제대로 가지 몇가지 여러가지 said say says saying told something someone
ㄱ 아님 아니면 아니면요 여긴 거긴 저긴 누굴 누군 누군가 whole mostly roughly
"""
_FILLERS = frozenset(
    stem(w) if is_syllable(w[-1]) else english_stem(w) for w in clean(_FILLER_TEXT).split()
) | frozenset(clean(_FILLER_TEXT).split())


_PARTICLES = frozenset(SUFFIXES)
_NOUN_PARTICLES = frozenset(
    str.split("은 는 이 가 을 를 도 에 의 로 으로 와 과 랑 이랑 만 에서 한테 께서 까지 부터 보다 처럼 이나 나 에게")
)
# One-syllable words for a unit of an organisation or a side, written onto a known word (하둡팀, 인프라쪽).
_UNITS = frozenset(str.split("팀 셀 실 쪽 측 단 부 과 님 분 들 장 원 사 직 업"))
# Casual endings written onto a word (뽑음, 일임, 하는거, 뭐래), and the copula's (관련이었던거, 성격이라든가):
# the word before them is what counts.
_ENDINGS = frozenset(
    str.split(
        "음 임 함 됨 래 래요 대요 는데 던데 거 거야 거예요 거에요 곳 겠 지 냐 니 나 어 셈 슴 심 욤 나욤 여 에여 애 대 요 용 "
        "죵 쥬 이었 였 던 이던 이라 이라든가 이라든지 라든가 라든지 든가 든지"
    )
)
_ENDINGS_LONGEST_FIRST = tuple(sorted(_ENDINGS, key=len, reverse=True))
ENGLISH_FILLERS = frozenset(w for w in _FILLERS if w.isascii())

# Verb and adjective endings (바뀌나요, 풀렸어요, 실렸던, 바뀌려면): a word the knowledge base never uses
# that ends in one says what happens ("do the requirements change?"), not what the question is about;
# an unknown noun (설치, 대출, 택시) does. Single syllables that end nouns as often are left out: 는 (택시는),
# 어/아 (하드웨어, 아시아), 면 (화면), 던 (런던), 나, 니, 냐.
_VERB_ENDINGS = tuple(
    sorted(
        str.split(
            "나요 니까 으면 려면 으려면 던데 던가 죠 지요 어요 아요 여요 워요 겠 네요 군요 는데 는지 "
            "는가 세요 셨 셨나요 습니까 습니다 게요 을까요 까요 래요 대요 어서 아서 여서 워서 어서요 아서요 면서 지만 "
            "한가요 스러워 스러운 스럽 거든 거든요 더라고 더라구 지게 려고 려구 려고요 려구요"
        ),
        key=len,
        reverse=True,
    )
)
# Endings that join a verb to what follows (말고, 해서, 하며, 하면, 하지): a word ending in one is a verb.
_CONNECTIVES = ("고", "구", "서", "며", "면", "지", "게")
# Last syllables of verb forms (찾아가요, 풀어줘, 느릴, 있냐, 배우기, 한다): never corrected from or to.
_VERB_LAST = frozenset(str.split("요 다 냐 니 까 네 죠 줘 봐 릴 을 던 기 래 자"))
# What follows a word written onto it: a particle, a casual ending or a unit (조식임, 무화과는, 페이지님).
_AFTER_A_WORD = _PARTICLES | _ENDINGS | _UNITS
_PAST = ("었", "았", "였", "렸", "봤", "왔", "졌", "켰", "쳤", "갔", "줬", "났", "썼")
# 하다/되다 verbs are nouns at heart (설치하나요, 설치했던, 배포되면): the noun is what is asked about.
_NOUN_VERBS = ("하", "해", "했", "되", "돼", "됐", "시키", "시켜")


# English adjectives that say how much or how appealing, not what (high traffic, heavy load, what makes it
# attractive?): never what a question is about. Not the ones that are nouns as often (light, old), nor
# praise (nice, great) or what a team is like (small, stressful, difficult): "is the hadoop team small?"
# asks its size, which the team's answer does not hold.
_DESCRIBING = frozenset(str.split("high higher highest heavy heavier attractive various exciting interesting"))
_ADJECTIVE_STEMS = frozenset("좋싫있없많적크작맞쉽듣알")  # one-syllable stems that take -긴 (좋긴 한데, 듣긴 했는데)
_ADVERB_ENDINGS = ("롭게", "스럽게", "답게")  # adverbs only adjectives make (자유롭게, 자연스럽게, 카카오답게)
# Syllables a verb takes before -ㄹ까 / -ㄹ지 (될까, 말까, 할지, 있을지); not 일지, 학술지, 필지, 엘지 (nouns).
_FUTURE = frozenset("될할갈올볼줄말쓸을릴킬칠울")


def is_predicate(word: str) -> bool:
    """True for a Hangul word that ends as a verb or adjective (or an adjective's adverb) does, and is not
    a noun + 하다/되다."""
    if not word or not is_syllable(word[-1]):
        return False
    if (len(word) > 1 and word[-1] == "히") or (len(word) > 2 and word.endswith(_ADVERB_ENDINGS)):
        return True  # an adjective's adverb (묵묵히, 자유롭게) says how, not what is asked about
    if len(word) == 3 and word.endswith("하게"):
        return True  # one syllable + 하게 (편하게, 심하게); a longer noun + 하게 names it (설치하게, 출장하게)
    if len(word) > 1 and word[-1] in "까지" and word[-2] in _FUTURE:
        return True  # a verb in -ㄹ까 / -ㄹ지 (될까, 말까, 될지): whether, not what
    if len(word) > 2 and word.endswith(("까봐", "까봐요", "까봐서")):
        return True  # a worry (없을까봐, 안 될까봐요): what might happen, not what is asked about
    if word == "하긴" or word.endswith(("아하긴", "어하긴")):
        return True  # "X하긴 하는데" (좋아하긴, 싫어하긴, 하긴); a noun + 하긴 (설치하긴, 암호화하긴) names the noun
    if len(word) == 2 and word[-1] == "긴" and word[0] in _ADJECTIVE_STEMS:
        return True  # 좋긴 한데, 있긴 해요
    if len(word) > 2 and word[-1] == "염" and not _ends_in_everyday(word):
        return True  # 요 typed as 염 (좋나염, 해야하나염), not a noun in 염 (턱수염)
    if len(word) > 1 and word[-1] in "고구" and not _ends_in_everyday(word) and not word.endswith(("이고", "이구")):
        head = word[:-1]  # a verb joined to what follows (벗고, 가르쳐주고), not a noun (배너광고, 주식이고)
        return not head.endswith(_NOUN_VERBS) or len(head) <= 2
    for ending in ("해요", "했어요", "했나요", "해서", "해도"):
        if len(word) > len(ending) and word.endswith(ending):
            head = word[: -len(ending)]  # as below: 원해요 is a verb, 설치해요 names 설치
            return len(head) == 1 or head.endswith(("스러워", "스러"))
    for ending in _VERB_ENDINGS:
        if len(word) > len(ending) and word.endswith(ending):
            head = word[: -len(ending)]
            if head.endswith(_NOUN_VERBS):
                # One syllable + 하다 is a verb or adjective (원해요, 심한가요), as is X스러워하다 (만족스러워하나요);
                # a longer noun + 하다 names what is asked about (설치하나요).
                return len(head) <= 2 or head[:-1].endswith(("스러워", "스러"))
            return len(head) > 1 or head not in "이가"
    if len(word) > 2 and word[-1] == "면" and word not in everyday_words() and not _has_final(word[-2]):
        return True  # a condition (바뀌면), not a noun ending in 면 (화면, 라면: everyday words)
    bare = word[:-1] if word.endswith("서요") else word
    if len(bare) > 2 and bare[-1] == "서" and _contracted(bare[-2]) and not bare.endswith(_DOCUMENTS):
        return True  # a reason (생겨서요, 지쳐서), not a document (소개서, 교과서, 안내서, 허가서)
    # A past tense, with or without more after it (풀렸어요, 실렸던, 누구였죠).
    head = stem(word)
    if len(word) > 1 and head.endswith(_PAST) and not head.endswith(_NOUN_VERBS):
        return True
    return len(word) > 2 and word[-1] in "던다" and word[:-1].endswith(_PAST) and not word[:-1].endswith(_NOUN_VERBS)


# Nouns for documents that end as a verb's reason does (소개서 like 지쳐서): the only ones of wordfreq's list.
_DOCUMENTS = ("소개서", "교과서", "안내서", "허가서")


def _contracted(syllable: str) -> bool:
    """Whether a Hangul syllable ends in the vowel of a verb's 아/어 form (겨, 해, 봐, 줘), with no final."""
    if not is_syllable(syllable):
        return False
    code = ord(syllable) - 0xAC00
    # ㅏ ㅐ ㅓ ㅕ ㅘ ㅝ ㅙ ㅞ
    return code % 28 == 0 and (code // 28) % 21 in (0, 1, 4, 6, 9, 14, 10, 15)


def _ends_in_everyday(word: str) -> bool:
    """Whether a word is an everyday word or a compound ending in one (배너광고, 유출사고, 턱수염)."""
    everyday = everyday_words()
    return any(word[i:] in everyday for i in range(len(word) - 1))


def _has_final(syllable: str) -> bool:
    """Whether a Hangul syllable ends in a consonant (측), not a vowel (뀌)."""
    return is_syllable(syllable) and (ord(syllable) - 0xAC00) % 28 != 0


WORDS_FILE = Path(__file__).with_name("words.txt")
LOANWORDS_FILE = Path(__file__).with_name("loanwords.tsv")


@functools.cache
def everyday_words() -> frozenset[str]:
    """Everyday Korean and English words (bot/words.txt, from wordfreq: see bench/build_words.py)."""
    try:
        lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:  # a partial install: typos are then forgiven more widely, nothing breaks
        return frozenset()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_filler(token: str) -> bool:
    """True for words that only wrap a question, and for particles written apart (지원 은)."""
    return token in _FILLERS or token in _PARTICLES


@functools.lru_cache(maxsize=16_384)
def _content_words(text: str) -> tuple[str, ...]:
    """Stemmed non-filler words of a text (cached: a reload re-reads mostly unchanged answers)."""
    return tuple(tok for tok in tokens(clean(text)) if not is_filler(tok))


@functools.lru_cache(maxsize=32_768)
def _keys_of(word: str) -> str:
    return to_keys(word)


class Vocabulary:
    """Stemmed words of a knowledge base, with tolerant lookup (typos, compounds, particles)."""

    def __init__(self, texts: Iterable[str], names: Iterable[str] = ()) -> None:
        """``texts``: everything the knowledge base says; ``names``: the names of its teams and topics,
        which candidates shorten (데이터플랫폼파트 -> 데플팀)."""
        words: set[str] = set()
        seen: Counter[str] = Counter()
        for text in texts:
            content = _content_words(text)
            words.update(content)
            seen.update(set(content))
        # An English word the texts use with -ed is known bare too (skilled -> skill); not -ly: "quietly"
        # says how they work, "is the team quiet?" asks what the team is like.
        words |= {w[:-2] for w in words if w.isascii() and len(w) > 5 and w.endswith("ed")}
        self._words = frozenset(words)
        self._initials = _by_initials(seen)
        self._loanwords = self._known_loanwords(seen)
        self._abbreviations = self._shortenings(names)
        self._sorted = sorted(words)
        self.knows = functools.lru_cache(maxsize=8192)(self._knows)  # type: ignore[method-assign]
        # Typos are looked up among known words and fillers alike (어떄요 is a misspelt filler).
        self._keys = [_keys_of(w) for w in sorted(words | {f for f in _FILLERS if len(f) >= 2})]
        self._closeness: dict[str, float] = {}  # closeness() of words asked before
        self._latin = frozenset(w for w in words if w.isascii())
        self._latin_sorted = sorted(self._latin)  # what typo correction searches, sorted once
        self._hangul_keys = _by_length(words)  # what a slipped jamo is corrected to
        self.correct = functools.lru_cache(maxsize=8192)(self._correct)  # type: ignore[method-assign]
        # Questions repeat (a retried message, the reading of the topic of a fact question).
        self._unknown_words = functools.lru_cache(maxsize=1024)(self._unknown)

    @property
    def latin_words(self) -> frozenset[str]:
        """Latin-script words (kept English when reading keyboard-layout slips)."""
        return self._latin

    def _knows(self, token: str) -> bool:
        """True when the stemmed token, or a close spelling, compound part or prefix of it, is known.

        A word of everyday language the knowledge base does not use (주식, 점심, stock) is not taken
        for a typo of one it does (주시, 점+심, stack): only words no dictionary holds are (지웡, sumbit).
        """
        if token in self._words or is_filler(token):
            return True
        if token.isdigit():
            return True
        everyday = token in everyday_words()
        hangul = is_syllable(token[-1])
        if hangul and len(token) >= 2:
            # Compounds written together (하둡팀, 지원방법) or known words with endings left on; unless the
            # whole is an everyday word of its own (요구사항), what follows the known word must be known
            # too (하둡설치방법 is not: 설치).
            for size in range(len(token) - 1, 1, -1):
                if token[:size] in self._words and (everyday or self._rest_known(token[size:])):
                    return True
            # Known words and fillers written together, casual endings after them (뽑음, 어떻게지원,
            # 머하는곳임, 하나욤).
            if not everyday and self._segments(token):
                return True
            at = bisect.bisect_right(self._sorted, token)
            if at < len(self._sorted) and self._sorted[at].startswith(token):
                return True
        if everyday:
            return False
        if hangul:
            # A casual ending after a misspelt known word (지웡함, 지웡임): the word is what is asked.
            for ending in _ENDINGS_LONGEST_FIRST:
                head = token[: -len(ending)]
                if len(head) >= 2 and token.endswith(ending) and head not in everyday_words() and self.knows(head):
                    return True
        keys = to_keys(token)
        if len(keys) < 4:
            return False
        hit = process.extractOne(keys, self._keys, scorer=Levenshtein.normalized_similarity, score_cutoff=0.75)
        return hit is not None

    def _rest_known(self, rest: str) -> bool:
        """What follows a known word written together with it: an ending, a particle, a filler, one
        syllable (팀, 셀), or a known word (with its own typo and compound tolerance)."""
        if len(rest) == 1:
            # A particle or a word for a unit (하둡팀, 기반기술셀, 인프라쪽), not a suffix that makes another
            # word (이직률, 경쟁력: what the question is about).
            return rest in _PARTICLES or rest in _ENDINGS or rest in self._words or rest in _UNITS
        if rest in _ENDINGS or is_filler(rest) or (stem(rest) != rest and len(stem(rest)) < 2):
            return True
        return self.knows(rest) or self.knows(stem(rest))

    def _segments(self, token: str) -> bool:
        """True when the token splits into known words or fillers, then casual endings."""
        n = len(token)
        # ok[i]: token[:i] splits into words and fillers; end[i]: ... followed by one or more endings.
        ok = [True] + [False] * n
        end = [False] * (n + 1)
        for i in range(1, n + 1):
            for j in range(max(0, i - 6), i):
                part = token[j:i]
                if ok[j] and self._plain(part):
                    ok[i] = True
                if (ok[j] or end[j]) and j > 0 and part in _ENDINGS:
                    end[i] = True
        return ok[n] or end[n]

    def _plain(self, part: str) -> bool:
        """A known word or filler, as written or with its particle stripped (no typo tolerance)."""
        return part in self._words or is_filler(part) or stem(part) in self._words

    def closeness(self, word: str) -> float:
        """How near a word is to the nearest known word, 0-1 by keystrokes: a typo (지웡) is near, a
        name the knowledge base never mentions (네이버, ceph) is far."""
        near = self._closeness.get(word)
        if near is None:
            hit = process.extractOne(_keys_of(word), self._keys, scorer=Levenshtein.normalized_similarity)
            near = float(hit[1]) if hit else 0.0
            if len(self._closeness) >= 4096:  # the same unknown words come back (연봉, 재택): remembered, bounded
                self._closeness.clear()
            self._closeness[word] = near
        return near

    def _unknown(self, text: str) -> tuple[tuple[str, str], ...]:
        """(word as written, its stemmed token) for the content words of a cleaned text that the
        knowledge base has never seen."""
        out = []
        words = text.split()
        for i, word in enumerate(words):
            token = tokens(word)[0] if tokens(word) else word
            # Stripping can overshoot (정도예요 -> 정); the word counts as known if any form is.
            bare = stem_once(word)
            forms = [form for form in dict.fromkeys((word, bare, token)) if form]
            if len(bare) > 1 and word[len(bare) :] in _NOUN_PARTICLES and bare in everyday_words():
                forms = forms[1:]  # an everyday noun with a particle (모임은) is that noun, not a slip of another
            if not any(self.knows(form) for form in forms) and not self._split_off(words, i):
                out.append((word, token))
        return tuple(out)

    def _split_off(self, words: list[str], i: int) -> bool:
        """Whether a word is a known word's piece, a space typed inside it (하 둡 -> 하둡, 엔지 니어링)."""
        word = words[i]
        if not _all_hangul(word):
            return False
        before = words[i - 1] + word if i > 0 and is_syllable(words[i - 1][-1]) else ""
        after = word + words[i + 1] if i + 1 < len(words) and is_syllable(words[i + 1][0]) else ""
        return any(joined and (joined in self._words or stem(joined) in self._words) for joined in (before, after))

    def unknown(self, text: str) -> tuple[str, ...]:
        """The stemmed content words of a cleaned text that the knowledge base has never seen."""
        return tuple(token for _, token in self._unknown_words(text))

    def unknown_names(self, text: str) -> tuple[str, ...]:
        """The unknown words of a cleaned text that name something (not verbs or adjectives): what a
        question may be about that the knowledge base never mentions (설치, 대출, mysql). Every unknown
        English word counts: everyday English holds the names of tools too (spark, hive, oracle)."""
        return tuple(
            token
            for word, token in self._unknown_words(text)
            if not is_predicate(word) and not _NUMBER.match(word) and word not in _DESCRIBING
        )

    def _correct(self, token: str) -> str:
        """The known Latin word closest to a misspelt one (cultrue -> culture), or the known Hangul word
        one slipped jamo away (뮨화 -> 문화, 하듑팀 -> 하둡팀), else the token (also for an everyday word:
        same and 주식 are not misspelt names)."""
        spelled = self._spell_initials(token)
        if spelled != token:
            return spelled
        if _all_hangul(token):
            return self._lengthen(token) or self._plain_word(token) or self._correct_hangul(token)
        if len(token) < 4 or not token.isascii() or token in self._latin or is_filler(token):
            return token
        if token in everyday_words():  # a word of its own (same), not a misspelling of a known one (name)
            return token
        # OSA: a swapped pair of letters (cultrue) is one slip, as a wrong or missing letter is.
        hit = process.extractOne(token, self._latin_sorted, scorer=OSA.normalized_similarity, score_cutoff=0.75)
        return hit[0] if hit else token

    def _correct_hangul(self, word: str) -> str:
        """A Hangul word whose stem is no word (뮨화는, 지웡, 하듑팀) with its known word put back: the one
        word of the same length one jamo away (a slipped key), followed by what the stem had after it
        (팀, 임) when that is a known word or a casual ending; particles stay. Unchanged when the word, or
        its stem, is known or an everyday word, or when two known words are equally near."""
        everyday = everyday_words()
        head = stem(word)
        if len(head) < 2 or not word.startswith(head):
            return word
        if head in self._words or is_filler(head) or head in everyday or word in everyday:
            return word
        if is_predicate(word) or head.endswith(_CONNECTIVES) or (head == word and word[-1] in _VERB_LAST):
            return word  # a verb's form (말고, 싶고, 바뀌나요, 찾아가요, 풀어줘) is not a misspelt name
        # An everyday word with an ending, particle or unit after it (조식임, 문과임, 무화과는, 페이지님).
        for size in range(len(word) - 1, 1, -1):
            if word[:size] in everyday and word[size:] in _AFTER_A_WORD:
                return word
        for size in range(len(head), 1, -1):
            part, rest = head[:size], head[size:]
            if part in everyday or (rest and rest not in self._words and rest not in _ENDINGS):
                continue
            fixed = self._one_slip(part)
            if fixed is not None:
                return fixed + word[size:]
        return word

    def _spell_initials(self, token: str) -> str:
        """Initials standing for a known word, alone or before the rest of a word (ㅈㅇ 방법, ㅊㅊ하는 ->
        지원 방법, 추천하는): the word the knowledge base uses most often with them, when it is used at least
        twice as often as any other; else the token."""
        run = INITIALS_RE.match(token)
        if run is None or len(run.group()) < 2 or is_filler(run.group()):
            return token
        word = self._initials.get(run.group())
        rest = token[run.end() :]
        if word is None or (rest and not _all_hangul(rest)):
            return token
        return word + rest

    def _shortenings(self, names: Iterable[str]) -> dict[str, str]:
        """Shortened name -> name: the first syllable of each of a name's words (데이터플랫폼파트 -> 데플,
        데플파; 하둡 엔지니어링 -> 하엔), for names of two or more known words; never a word of its own."""
        out: dict[str, str] = {}
        for name in names:
            parts = [p for word in clean(name).split() if _all_hangul(word) for p in self._parts(word)]
            for k in range(2, len(parts) + 1):
                short = "".join(p[0] for p in parts[:k])
                if short in self._words or short in everyday_words() or is_filler(short):
                    continue
                out.setdefault(short, "".join(parts[:k]))
        return out

    def _parts(self, word: str) -> list[str]:
        """A compound split into the most known words it is written from (하둡엔지니어링파트 -> 하둡,
        엔지니어링, 파트); one syllable is a part only at the end (기반기술셀 -> 기반, 기술, 셀)."""
        n = len(word)
        best: list[list[str] | None] = [[]] + [None] * n  # best[i]: the split of word[:i] with most parts
        for i in range(1, n + 1):
            for j in range(i):
                piece, before = word[j:i], best[j]
                if before is None or piece not in self._words or (len(piece) == 1 and i < n):
                    continue
                if best[i] is None or len(before) + 1 > len(best[i] or []):
                    best[i] = [*before, piece]
        return best[n] or [word]

    def _known_loanwords(self, seen: Counter[str]) -> dict[str, str]:
        """Loanword in Hangul -> what the knowledge base says for it (bot/loanwords.tsv): another Hangul
        spelling of the same English that it knows (워크라이프밸런스 -> 워라밸), else its plain Korean word
        (컬쳐 -> 문화), else the English (풀타임 -> full time); only loanwords it does not know themselves, and
        never a name as English (원티드, a job site, is not "wanted"). A word it uses in a text or two is not
        what it is about: 샤딩 is not 분할, said once in passing."""
        from bot.scope import never_read_as_another_word

        rows = loanwords()
        known_spelling = {english: hangul for hangul, english, _ in rows if hangul in self._words}
        out = {}
        for hangul, english, korean in rows:
            if hangul in self._words or len(hangul) < 2 or never_read_as_another_word(hangul):
                continue
            spelling = known_spelling.get(english)
            if spelling is not None:
                out[hangul] = spelling
                continue
            for said in (korean, english if korean else ""):
                if said and all(seen[word] >= _OFTEN for word in said.split()):
                    out[hangul] = said
                    break
        return out

    def _plain_word(self, token: str) -> str | None:
        """An unknown loanword read as the knowledge base's word for it (컬쳐는 -> 문화는), or None."""
        if token in self._words:
            return None
        head = token if token in self._loanwords else stem(token)  # 어플라이, not 어플라 + 이
        said = self._loanwords.get(head) if token.startswith(head) else None
        if said is None:
            return None
        rest = token[len(head) :]
        return said + rest if not said.isascii() else " ".join(filter(None, (said, rest)))

    def _lengthen(self, token: str) -> str | None:
        """A shortened name written out (데플팀은 -> 데이터플랫폼팀은), or None."""
        for size in range(min(len(token), 4), 1, -1):
            full = self._abbreviations.get(token[:size])
            rest = token[size:]
            if full is not None and (not rest or rest in _AFTER_A_WORD or stem(rest) in _AFTER_A_WORD | self._words):
                return full + rest
        return None

    def _one_slip(self, part: str) -> str | None:
        """The only known word of ``part``'s length one jamo away from it, if exactly one is, and no filler
        or word that asks for a fact is as near (언재 is 언제, 보삼 may be 보상: neither is corrected), and it
        is not a verb's form (한다)."""
        keys = _keys_of(part)
        _, rivals = _rival_keys().get(len(part), ([], []))
        if process.extractOne(keys, rivals, scorer=Levenshtein.distance, score_cutoff=1) is not None:
            return None
        known, known_keys = self._hangul_keys.get(len(part), ([], []))
        hits = process.extract(keys, known_keys, scorer=Levenshtein.distance, score_cutoff=1, limit=2)
        if len(hits) != 1 or hits[0][1] != 1 or known[hits[0][2]][-1] in _VERB_LAST:
            return None
        return known[hits[0][2]]


_NUMBER = re.compile(r"\d")  # 4년째, 3년, 2019년: a number and its unit name nothing
_OFTEN = 3  # texts (phrasings, answers, ...) that use a word: how often a loanword's reading must be used


def _by_initials(seen: Counter[str]) -> dict[str, str]:
    """Initials (ㅈㅇ) -> the Hangul noun of two or more syllables with them that the most texts use, when
    at least _OFTEN_INITIALS use it and twice as many as the next word (지원, not 조언 or 자유); never for
    the initials of a question word (ㅇㄷ: 어디, ㅇㄸ: 어때) or of chat shorthand (ㅇㅈ 인정, ㄱㄴ 가능)."""
    ranked: dict[str, list[tuple[int, str]]] = {}
    for word, count in seen.items():
        if len(word) >= 2 and _all_hangul(word) and word[-1] not in _VERB_LAST and not is_predicate(word):
            ranked.setdefault(chosung(word), []).append((count, word))
    out = {}
    for initials, words in ranked.items():
        words.sort(reverse=True)
        common = words[0][0] >= _OFTEN_INITIALS
        if initials not in _CHAT_INITIALS and common and (len(words) == 1 or words[0][0] >= 2 * words[1][0]):
            out[initials] = words[0][1]
    return out


_OFTEN_INITIALS = 5
# Initials chat uses for words of their own (인정, 가능, 별로, 헐, 기다려, 미친, 수고, 노노, 감사, 죄송, 진짜,
# 축하, 하이, 바이, 오케이, 고고) and for question words (어디, 어때, 누구, 얼마, 뭐야, 어떻게, 어디서):
# never spelled as a word of faq.yaml.
_CHAT_INITIALS = frozenset(
    str.split(
        "ㅇㅈ ㄱㄴ ㅂㄹ ㅎㄹ ㄱㄷ ㅁㅊ ㅈㄴ ㅅㄱ ㄴㄴ ㅇㅇ ㄷㄷ ㅎㅇ ㄱㅅ ㅈㅅ ㄹㅇ ㅊㅋ ㅇㅋ ㄱㄱ ㅂㅂ ㅂㅇ ㅃㅇ ㅅㅂ ㅆㅂ ㄴㄷ ㅁㄹ ㅇㄴ ㄱㅊ ㄷㅊ"
        " ㅇㄷ ㅇㄸ ㄴㄱ ㅇㅁ ㅁㅇ ㅇㄸㄱ ㅇㄷㅅ ㅇㄸㅎ"
    )
)


def _all_hangul(word: str) -> bool:
    return bool(word) and all(is_syllable(ch) for ch in word)


@functools.cache
def loanwords() -> tuple[tuple[str, str, str], ...]:
    """(hangul, english, korean) rows of bot/loanwords.tsv."""
    rows = []
    for line in LOANWORDS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            hangul, english, korean = [*line.split("\t"), "", ""][:3]
            rows.append((hangul.strip(), english.strip(), korean.strip()))
    return tuple(rows)


def _by_length(words: Iterable[str]) -> dict[int, tuple[list[str], list[str]]]:
    """Hangul words of two or more syllables by their length in syllables, each with its keys."""
    out: dict[int, tuple[list[str], list[str]]] = {}
    for word in sorted(words):
        if len(word) >= 2 and _all_hangul(word):
            known, keys = out.setdefault(len(word), ([], []))
            known.append(word)
            keys.append(_keys_of(word))
    return out


@functools.cache
def _rival_keys() -> dict[int, tuple[list[str], list[str]]]:
    """The Hangul fillers and fact-question words by length: what a slipped jamo may also have come from."""
    from bot.facts import KINDS

    return _by_length({*_FILLERS, *(cue.replace(" ", "") for ko, _ in KINDS.values() for cue in ko)})

"""Words that keep a question from being answered outright, however well it matches an entry.

Matching weighs words, not meaning, so two kinds of question look like an entry while asking something
else:
- a negation: "하둡 팀 말고 다른 팀은요?", "지원 안 할래요", "anything except culture?" share the entry's
  words but ask about the rest (안 and 못 before another verb, as in "장애 나면 안 되는 서비스" or
  "못 해보는 경험", negate what happens, not the topic: they do not count);
- a request for the bot to do some work: "can you review my resume?", "이력서 첨삭해 주세요";
- a problem report: "브런치가 IE에서 안 열려요", "the apply page won't load";
- a comparison: "하둡이랑 스토리지 차이", "which is better, hadoop or spark?";
- a question put to the bot itself: "너 사람이야?", "넌 이름이 뭐야?" share words with `fit` or `people`;
- a wish to talk with a person: "사람이랑 얘기하고 싶어요", "can I talk to a human?" (not the interviewees);
- another organisation or another kind of application: "라인에 지원하려면?", "카카오뱅크 지원 방법",
  "구글 문화는 어때요?", "대학원 지원" use the words of `apply` or `culture`, but the FAQ only speaks for
  Kakao's Platform/Infra office and its experienced-developer hiring.
Such a question still gets "did you mean" or the honest fallback; it is never answered outright.
"""

from __future__ import annotations

import re

from bot.normalize import clean, fold_apostrophes, is_syllable, stem

# Korean negations, as a word of their own (안, 못, 말고, 스토리지팀 아니면) or written onto one (하둡팀말고,
# 그거빼고); not 아니면 after a whole question, which joins two alternatives (개발만 해요 아니면 운영도 해요?).
_KO_NEGATION_WORDS = frozenset(
    str.split("말고 말구 빼고 제외 제외하고 제외한 외에 외엔 외에는 아니고 아닌 아니라 아니면")
)
_QUESTION_ENDS = ("요", "까", "죠", "가", "나", "니", "냐", "임", "음", "함")
# 안/못 + 하다 as a decision: declining the thing itself (지원 안 할래요, 안할래요, 못 하겠어요); not a question
# put negatively (신입은 채용 안 해요?, 지원 못 할까요?).
_KO_DECLINE = re.compile(r"(?:^| )(?:안|못) ?(?:할래|할게|하겠|하려고|하고 싶)")
_KO_NEGATION_ENDINGS = ("말고", "말구", "빼고", "제외하고", "아니고")
_EN_NEGATION = re.compile(
    r"\b(?:not|never|except|besides|without|wont)\b|n't\b|\bother than\b|\bapart from\b|\binstead of\b|\brather than\b"
)
# A question put to the bot itself (너 사람이야?, 넌 이름이 뭐야?): the FAQ speaks for the engineers of the
# interview, never for "you". Korean candidates do not call the company 너; English "you" often means it.
_YOU = frozenset(str.split("너 넌 너는 너가 니가 네가 너의 니 너도 너한테 너랑"))
# A request for the bot to do some work (can you review my resume?, 이력서 첨삭해 주세요, 번역해줘): it only
# tells what the interview says, however much the request shares with `apply`.
_KO_WORK = (
    *str.split(
        "봐줘 봐주세요 봐줄래 봐줄수 검토해줘 검토해줄 첨삭 써줘 써주세요 써줄래 번역해 고쳐줘 고쳐주세요 작성해줘 "
        "작성해주세요"
    ),
    *("봐 줘", "봐 주세요", "써 줘", "써 주세요", "고쳐 줘", "작성해 줘", "작성해 주세요"),
)
_EN_WORK = re.compile(
    r"\b(?:can|could|would|will) you (?:please )?(?:review|proofread|edit|fix|write|translate|rewrite|correct"
    r"|draft|improve|look over)\b"
)
# A comparison (하둡이랑 스토리지 차이, which is better): each topic answers for itself, none for the
# difference; "did you mean" offers both.
_KO_COMPARE = (
    *str.split("차이 비교 다른점"),
    *("뭐가 달라", "뭐가 다른", "다른 점", "어디가 더", "어느 쪽이 더", "어느 팀이 더"),
)
# Asking why a comparison was made (the interview likens the team to an F1 pit crew): about the interview.
_WHY_COMPARED = re.compile(
    r"(?:^| )왜 (?:\S+ ){0,4}비교(?:해|했|하|를|한)|\bwhy (?:do|did|does|would) \w+ compare|\bwhy compare"
)
_EN_COMPARE = re.compile(
    r"\b(?:difference|differences|differ|compare\w*|comparison|versus|vs)\b|\bwhich (?:\w+ )?is better\b"
)
# A problem with a site or an app (브런치가 IE에서 안 열려요, 사진이 안 올라가요, the app keeps crashing): the
# FAQ is no help desk, however many of its words the report shares.
_KO_TROUBLE = (
    *str.split("안열려 안열림 안올라가 안보여 안켜져 접속안 로그인안 먹통 튕겨 튕김"),
    *("안 열려", "안 열림", "안 올라가", "안 보여", "안 켜져", "접속이 안", "접속 안", "로그인이 안", "로그인 안"),
)
# ... as the last words of a sentence: 안 열려요, 안 보여, 먹통이에요, 튕겨요.
_KO_TROUBLE_END = ("요", "여", "어", "음", "림", "임", "함", "네", "져", "통", "겨", "김", "려", "여요")
_EN_TROUBLE = re.compile(
    r"\b(?:not (?:opening|loading|working)|(?:doesn'?t|does not|won'?t|will not|can ?not|can'?t|isn'?t|is not) "
    r"(?:open|load|work|log ?in|sign ?in|access)\w*|crash\w*|broken)\b"
)
# Organisations and kinds of application the FAQ does not speak for. Kakao's affiliates count: the
# interview is about the Platform/Infra office of Kakao Corp. (lower case, as the cleaned question).
_OTHER = frozenset(
    str.split(
        """
    네이버 라인 쿠팡 배민 배달의민족 우아한형제들 토스 비바리퍼블리카 당근마켓 야놀자 직방 넥슨 엔씨소프트
    넷마블 크래프톤 삼성 삼성전자 엘지 하이닉스 구글 애플 아마존 페이스북 마이크로소프트 넷플릭스
    카카오뱅크 카카오페이 카카오모빌리티 카카오엔터프라이즈 카카오엔터 카카오엔터테인먼트 카카오게임즈 카카오브레인
    카카오스타일 카카오헬스케어 카뱅 카페이 카카오t 카카오택시 택시 대리운전 주가 주식 주주 stock stocks
    대학원 대학교 편입 군대 입대 카투사 장학금 인턴 인턴십 알바 아르바이트 청약 작가 작가신청 서포터즈 공모전
    지원금 지원사업 정부지원
    naver line coupang google apple amazon facebook microsoft netflix samsung
    kakaobank kakaopay kakaomobility internship intern interns
    """
    )
)


# A wish to talk with a person instead of the bot (사람이랑 얘기하고 싶어요, 상담원 연결, talk to a human):
# the interviewees' entry shares 사람, but nobody from the interview is on the other end.
_KO_HUMAN = (
    *str.split("상담원 상담사 상담직원"),
    *(
        f"사람{p} {v}"
        for p in ("이랑", "하고", "과", "한테", "이랑은")
        for v in ("얘기", "이야기", "대화", "말하", "통화")
    ),
    *("사람 연결", "사람이랑 직접", "사람한테 직접", "직원 연결", "직원이랑", "직원하고", "진짜 사람", "실제 사람"),
)
_EN_HUMAN = re.compile(
    r"\b(?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an |some )?(?:real |actual |live )?"
    r"(?:human|person|people|agent|someone|somebody|recruiter)\b|\b(?:real|live) (?:human|person|agent)\b"
)

# Phrases that keep a question from an outright answer wherever they stand: Korean as written in the
# cleaned reading, English found in the text as typed.
_PHRASES = ((_KO_WORK, _EN_WORK), (_KO_COMPARE, _EN_COMPARE), (_KO_HUMAN, _EN_HUMAN), ((), _EN_NEGATION))
_AFTER_A_SENTENCE = re.compile(r"(?<=[.?!…\n])")


_ASKS = re.compile(r"(?:까|나|죠|니|냐|가|요)\s*$|\?\s*$")


def _trouble(typed: str) -> list[str]:
    """The words of a problem report that ends a sentence (브런치가 IE에서 안 열려요, the page won't load),
    unless a later sentence asks something (... 안 보여서요. 링크 다시 알려주실 수 있나요?); not a problem
    told on the way to a question (성장이 안 보여서 지원하려는데 ...?, 먹통 되면 어떻게 해요?)."""
    parts = _AFTER_A_SENTENCE.split(typed)
    sentences = [part for part in parts if any(is_syllable(ch) or (ch.isascii() and ch.isalnum()) for ch in part)]
    for i, sentence in enumerate(sentences):
        words = clean(sentence).split()
        ending = " ".join(words[-2:])
        found = [cue for cue in _KO_TROUBLE if cue in ending and ending.endswith(_KO_TROUBLE_END)]
        english = _EN_TROUBLE.search(fold_apostrophes(sentence.lower()))
        if english:
            found.append(english.group(0))
        if found and not any(_ASKS.search(later.strip()) for later in sentences[i + 1 :]):
            return found
    return []


def blocked(reading: str, typed: str) -> tuple[str, ...]:
    """The words of a question (its cleaned reading, and the text as typed) that keep it from being
    answered outright: negations, organisations or applications the FAQ does not speak for, requests for
    work and questions put to the bot itself, comparisons."""
    words = reading.split()
    # Korean names carry particles (라인에, 카카오뱅크는, 대학원에): compared without them.
    found = [
        w
        for i, w in enumerate(words)
        if ({w, stem(w)} & (_KO_NEGATION_WORDS | _OTHER) or w in _YOU or _other_with_ending(w))
        and not (w == "아니면" and i > 0 and words[i - 1].endswith(_QUESTION_ENDS))
    ]
    found += [w for w in words if w not in found and w.rstrip("요").endswith(_KO_NEGATION_ENDINGS) and len(w) > 2]
    lowered = fold_apostrophes(typed.lower())  # won’t (phones type a curly one), won`t
    for korean, english in _PHRASES:
        if korean is _KO_COMPARE and _WHY_COMPARED.search(reading):
            continue  # why the interview compares (왜 F1 미캐닉이랑 비교해요?), not a comparison asked for
        found += [cue for cue in korean if cue in reading]
        match = english.search(lowered)
        if match:
            found.append(match.group(0))
    found += _trouble(typed)
    decline = _KO_DECLINE.search(reading)
    if decline:
        found.append(decline.group(0).strip())
    return tuple(dict.fromkeys(found))


def _other_with_ending(word: str) -> bool:
    """An organisation or application of _OTHER with a particle or the copula after it, which stem() may
    cut wrongly (작가인데 -> 작: 가 looks like a particle)."""
    return _OTHER_WITH_ENDING.fullmatch(word) is not None


_OTHER_HANGUL = tuple(sorted((w for w in _OTHER if is_syllable(w[0])), key=len, reverse=True))
_AFTER_OTHER = frozenset(str.split("인데 인데요 이에요 예요 입니다 이고 로 으로 로서 가 이 는 은 를 을 도 에 에서"))
# One pattern for "any of them, then one of those endings" (a match backtracks through every pairing).
_OTHER_WITH_ENDING = re.compile(
    "(?:"
    + "|".join(map(re.escape, _OTHER_HANGUL))
    + ")(?:"
    + "|".join(map(re.escape, sorted(_AFTER_OTHER, key=len, reverse=True)))
    + ")"
)


def put_to_the_bot(found: tuple[str, ...]) -> bool:
    """Whether the words that keep a question from an answer (``blocked``) only put it to the bot itself."""
    return bool(found) and all(word in _YOU for word in found)


def never_read_as_another_word(word: str) -> bool:
    """Whether a word names another organisation or application, or negates: spelling it as another word
    (a loanword's Korean, a correction) would hide what keeps its question from an answer."""
    return word in _OTHER or word in _KO_NEGATION_WORDS or word in _YOU

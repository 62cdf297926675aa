"""What kind of fact a question asks for: a number, salary, a date, a place, the interview process…

A candidate reads every answer as a claim. "하둡 팀은 몇 명이에요?" shares almost everything with the
Hadoop team's entry, yet that entry says nothing about headcount; answering with it would read as an
answer. So the matcher asks this module which kinds of fact a question wants, and which kinds an entry
holds. What an entry holds comes from faq.yaml itself: the kinds its own phrasings ask for. A recruiter
who adds the team size to an answer and a "몇 명이에요?" phrasing makes that question answerable; no code
changes.

Cues are matched on cleaned text (bot.normalize.clean). Korean cues also match inside words and with
one slipped key (연뵹 = 연봉), because particles and typos stick to them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from rapidfuzz.distance import OSA, Levenshtein

from bot.normalize import is_syllable, stem, to_keys

# Whether the posting is still open, said other ways (이 공고 아직 열려있어요?, 채용은 끝났나요?): matched only as
# typed, since one slipped key makes everyday words of them (채용종류, 채용이 끝나면).
# fmt: off
_STATUS_CUES = (
    "아직 열려", "아직도 열려", "아직 유효", "아직 지원 가능", "아직 지원할 수", "아직 지원해도", "아직도 지원", "채용 아직 하", "채용은 아직 하", "모집 아직 하",
    "모집은 아직 하", "공고 아직 있", "채용공고 아직 있", "공고 아직 살아", "아직 살아 있", "아직 살아있", "아직 지원 돼", "아직 지원돼", "아직 지원 되",
    "아직 지원되", "지원 아직 돼", "지원 아직 되", "링크 아직 되", "채용 진행 중", "채용 진행중", "모집 진행 중", "모집 진행중", "채용 끝났", "채용이 끝났",
    "채용은 끝났", "모집 끝났", "모집이 끝났", "모집은 끝났", "공고 끝났", "공고가 끝났", "공고는 끝났", "채용 마감됐", "채용은 마감", "공고 닫", "공고가 닫",
    "채용 종료", "모집 종료", "공고 내려", "공고가 내려",
)
# fmt: on

# kind -> (Korean cues, English phrases). Korean cues match anywhere in a word (연봉이, 면접은);
# English phrases match whole words. Order: the first kind found names the reply.
# fmt: off
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "money": (
        ("연봉", "급여", "월급", "봉급", "초봉", "처우", "성과급", "보너스", "인센티브", "스톡옵션", "스톡 옵션", "보상"),
        (r"salar\w*", r"pay", r"paid", r"compensation", r"bonus\w*", r"stock options?", r"equity", r"wages?",
         r"how much .*(make|earn)", r"income", r"rsus?"),
    ),
    "benefits": (
        ("복지", "복리후생", "식대", "식비", "점심 제공", "휴가", "연차", "건강검진", "보험", "안식", "비자", "이사비", "장비 지원",
         "노트북 지원", "맥북", "도서 구입", "교육비", "자기계발비", "자기 계발비", "주 4 5일", "주4 5일", "주4일", "정규직", "계약직", "고용 형태", "통근", "헬스장", "사내 카페", "주 4일",
         "제도", "컨퍼런스", "콘퍼런스", "세미나", "교육 지원", "스터디 지원"),
        (r"benefits?", r"perks?", r"vacation", r"pto", r"paid leave", r"holidays?", r"insurance", r"welfare", r"visas?",
         r"sponsor\w*", r"allowance", r"laptop", r"equipment", r"budget", r"full ?time", r"contract\w*", r"permanent",
         r"gym", r"shuttle", r"programs?", r"conferences?", r"training budget", r"seminars?"),
    ),
    "hours": (
        ("근무 시간", "근무시간", "출근 시간", "출근시간", "퇴근 시간", "퇴근시간", "출퇴근 시간", "야근", "초과 근무", "초과근무",
         "칼퇴", "당직", "온콜", "주말 근무", "주말근무", "몇 시", "몇시", "코어타임", "재택"),
        (r"working hours", r"work hours", r"office hours", r"overtime", r"what time", r"on ?call", r"weekends?",
         r"hours? a (day|week)", r"night shifts?", r"core hours", r"remote\w*", r"work from home", r"wfh"),
    ),
    "date": (
        ("언제", "언제 적", "몇 년도", "몇년도", "마감", "기한", "데드라인", "일정", "날짜", "며칠까지", "발표일", "결과 발표", "입사일", "입사 날짜",
         # whether hiring is still open now: the interview has a date, not a status
         "지금도 뽑", "아직 채용", "아직 뽑", "아직도 뽑", "아직 모집", "아직도 모집", "아직 지원 받", "지금도 지원 받", "아직 받", "채용 중인가", "채용중인가",
         "채용 중이에요", "채용중이에요", "모집 중인가", "모집중인가",
         # ... in other words: still open, still valid, over, closed (이 공고 아직 열려있어요?, 채용 끝났어요?)
         *_STATUS_CUES,
         # ... or whether what it says is still so (지금도 하둡 써요?, 아직도 하둡해요?, 전문가 되셨어요?)
         "지금도", "아직도", "요즘도", "현재도", "되셨"),
        (r"when (is|was|will|are|were|do(es)? .* (start|open|close|end))", r"by when", r"until when", r"deadline",
         r"due date", r"start date", r"timeline", r"closing date", r"what date",
         r"still (open|hiring|recruiting|accepting\w*|available|valid|active|up|live)",
         # ... what the interview says, still so? (not "I still work at ...": the asker's own situation)
         r"(?<!\bi )(?<!\bi m )(?<!\bim )(?<!\bam )still (use|using|work|working|do|doing|there|at|on)",
         r"still (apply|applying|submit\w*|send\w*)\b(?!.*\b(?:if|as|with|without|though|even)\b)", r"still able to apply",
         r"(posting|position|job posting|job ad|role|opening|hiring|recruitment|recruiting|applications?) "
         r"(is |are |has |have )?(closed|expired|over)", r"is it (closed|over|expired)", r"closed yet"),
    ),
    "place": (
        ("어디에 있", "어디 있", "어디로 출근", "어디 서버", "어느 서버", "데이터센터", "데이터 센터", "어디서 근무", "위치", "사무실", "근무지", "근무 장소", "지역", "판교", "제주",
         "주소", "오피스", "사옥", "출근 장소", "같은 사무실", "같은 건물", "같은 층", "어디 살", "어디에 살",
         "거주"),
        (r"where(?: is|'s| s) (the|your|their|that) office", r"where(?: is|'s| s) (?:it|that)(?: located| based)?$", r"where (are|is) (they|it|the team) (located|based)", r"location",
         r"same (office|building|floor)", r"sit together",
         r"located", r"city", r"address", r"relocat\w*", r"which office", r"headquarters", r"based in",
         r"where (do|does) (they|he|she|you|\w+) live"),
    ),
    "process": (
        ("면접", "코딩 테스트", "코딩테스트", "코테", "과제 전형", "사전 과제", "코딩 과제", "전형", "서류 합격", "합격 발표",
         "채용 절차", "채용 과정", "채용 프로세스", "포트폴리오", "이력서 양식", "이력서 작성", "이력서에 뭘", "자소서",
         "자기소개서", "지원 동기", "지원동기", "지원서 작성", "지원서에 뭘", "경력 기술서", "경력기술서",
         "영문 이력서", "영어 이력서", "영어로 지원", "영문으로 지원", "이력서 영어", "이력서 영문",
         "무슨 서류", "어떤 서류", "서류 뭐", "필요한 서류", "제출 서류", "구비 서류", "준비 서류",
         "따로 지원", "별로 지원", "중복 지원", "동시 지원", "동시에 지원", "여러 팀에 지원", "여러 파트에 지원"),
        (r"interview process", r"interview rounds?", r"rounds? of interviews?", r"job interviews?", r"coding test",
         r"technical interview", r"take ?home", r"assignment", r"hiring process", r"recruiting process", r"screening",
         r"interviews", r"portfolio", r"cover letters?", r"resume tips?", r"what (?:should i|to) write",
         r"(resume|cv|application)s? in (english|korean)", r"(english|korean) (resume|cv)s?",
         r"apply in (english|korean)", r"resume format", r"apply (to|for) (several|multiple|more than one|two)",
         r"apply separately"),
    ),
    "experience": (
        ("몇 년", "몇년", "년차", "경력 요건", "자격 요건", "자격요건", "지원 자격", "지원자격", "자격 조건", "자격조건", "우대 사항", "우대사항", "필수 조건", "학력", "전공", "나이",
         "몇 살", "몇살", "자격증", "학위", "직급", "외국인", "비전공"),
        (r"how many years", r"years of experience", r"requirements?", r"qualifications?", r"degree", r"age limit",
         r"how old", r"certificat\w*", r"job titles?", r"foreigners?", r"experience (required|needed)"),
    ),
    "stack": (
        ("버전", "스택", "프로그래밍 언어", "개발 언어", "무슨 언어", "어떤 언어", "프레임워크", "배포판", "쓰는 언어", "주 언어",
         "주력 언어", "사용 언어", "언어는", "언어가", "어떤 기술", "무슨 기술", "기술 뭐", "기술은 뭐"),
        (r"versions?", r"tech stack", r"stack", r"which language", r"what language", r"programming languages?",
         r"frameworks?", r"distribution", r"(what|which) (tech|technologies|technology|tools)\b(?! challenge)"),
    ),
    # Who holds a role (a team's lead, the interviewer, the writer): not the interviewees, whose names the
    # people entry holds ("인터뷰어는 누구예요?" is not "인터뷰한 분들 이름이 뭐예요?"). "누가 썼어요?" is
    # not one: the interview entry says who published it (카카오, on brunch).
    "role": (
        ("팀장", "리더", "매니저", "실장", "셀장", "파트장", "담당자", "인터뷰어", "인터뷰 진행", "기자", "에디터", "작성자", "글쓴이"),
        (r"names? of (the|their|your)? ?(lead|manager|head|boss|interviewer)\w*", r"who leads", r"manager",
         r"team lead\w*", r"head of", r"heads", r"boss", r"interviewers?", r"journalist", r"editor",
         r"(who|whom) (wrote|asked) the questions"),
    ),
    # Real names: the interview gives the interviewees' names as Diego, JG, DJ, never their real ones.
    "realname": (
        ("본명", "실명"),
        (r"(real|full|last|legal) names?",),
    ),
    "name": (
        ("이름", "호칭"),
        (r"first names?",),
    ),
    "count": (
        ("몇 명", "몇명", "인원", "팀원 수", "팀원수", "사람 수", "인력", "팀 규모", "조직 규모", "클러스터 규모", "전체 규모", "규모가 어떻게", "규모는 어떻게", "규모가 얼마", "얼마나 많",
         "개수", "갯수", "이미지 수", "파일 수", "서버 수", "노드 수", "사용자 수", "유저 수", "직원 수", "직원수", "인원수",
         "조직도",
         "얼마나 자주", "몇", "얼마나 쌓", "얼마나 늘", "얼마나 들어", "하루에 얼마나", "초당", "하루 처리량", "처리량"),
        (r"how many", r"headcount", r"team size", r"org chart", r"size of the team", r"how big", r"number of", r"how often", r"qps",
         r"tps", r"petabytes?", r"pb", r"tb",
         r"per (day|second|hour|month)", r"daily volume"),
    ),
    "howto": (
        ("설치", "설정 방법", "설정하는", "구성 방법", "구성하는 법",
         "튜토리얼", "공부 방법", "공부법", "되려면", "되는 법", "되는 방법", "만드는 법", "만드는 방법", "깔아", "깔려면", "까는 법",
         "쓰는 법", "쓰는 방법", "작성법", "작성 방법", "작성하는 법", "작성 요령", "쓰는 요령",
         # how exactly it is done: the interview says what they face, never how they solve it
         "구체적으로 어떻게", "구체적인 방법", "구체적으로 무슨 방법", "자세한 방법"),
        (r"install\w*", r"configur\w*", r"set ?up", r"tutorials?", r"how exactly", r"how specifically",
         r"how (do|can|should) i (install|set|configure|build|become|learn|study|make)",
         r"how to (install|set|configure|build|become|learn|study|make)"),
    ),
    "amount": (
        ("얼마",),
        (r"how much (money|is (it|the)|are (the|they)|does (it|the job) pay|do (they|you|i|engineers) (get|earn|make))",),
    ),
    "duration": (
        ("얼마나 오래", "얼마나 걸", "얼마나 됐", "기간", "몇 달", "몇달", "몇 개월", "몇개월", "수습"),
        (r"how long", r"probation\w*", r"duration"),
    ),
    # What a technology is ("What is Hadoop?", "몽고디비 개념 설명해줘"): the interview names them, never
    # explains them. No cue words of its own: a technology must be what is asked about (facts._defines).
    "definition": ((), ()),
    # Whether a team also does something the knowledge base never mentions ("오브젝트 스토리지도 해요?",
    # "do they also run kafka?"): no cue words of its own; the matcher finds it (bot.matching).
    "detail": ((), ()),
}
# Using a named tool the knowledge base never mentions ("MySQL도 써요?", "do they use postgres"): the
# matcher reads it as a question about the tech stack (bot.matching).
USAGE = re.compile(r"(쓰나|써요|써여|쓰는지|쓰세요|사용하|사용해|도입|\buse[sd]?\b|\busing\b|\brun(s|ning)?\b)")
# Whether a team also does a thing (an unknown word with 도 before one of these, or "also"/"too").
ALSO_DOES = re.compile(r"^(?:해|하나|하나요|해요|하는|하세요|하시나요|운영|다뤄|다루|맡|담당|개발|관리)")
ALSO_EN = re.compile(r"\b(?:also|too|as well)\b")
ALSO_EN_VERBS = re.compile(r"\b(?:handle|manage|work on|build|operate|maintain|develop|own)s?\b")
# fmt: on

_ENGLISH = {kind: re.compile(r"\b(?:" + "|".join(en) + r")\b") for kind, (_, en) in KINDS.items() if en}
# "얼마나 좋아요" asks no number; the amount cue is 얼마 not followed by 나.
_NOT_AMOUNT = re.compile(r"얼마나")
# Cues one slipped key away from an everyday word are matched only as typed (전형/전혀, 인력/입력).
_EXACT_ONLY = frozenset(
    {
        "실명",
        "본명",
        "기한",
        "전형",
        "인력",
        "지역",
        "연차",
        "기간",
        "일정",
        "복지",
        "보상",
        "보험",
        "위치",
        "학위",
        "담당자",
        "인터뷰어",
        "작성자",
        "에디터",
        "세미나",
        *_STATUS_CUES,
    }
)
# A cue stands at the start of a word (endings may follow: 연봉은, 면접이). These unmistakable ones are
# also found inside a word, for questions typed without spaces (하둡팀몇명이에요, 기반기술셀연봉).
_INSIDE_WORDS = frozenset(
    {
        "연봉",
        "급여",
        "월급",
        "초봉",
        "성과급",
        "보너스",
        "인센티브",
        "스톡옵션",
        "복지",
        "복리후생",
        "식대",
        "야근",
        "근무시간",
        "출근시간",
        "퇴근시간",
        "마감",
        "데드라인",
        "면접",
        "설치",
        "코테",
        "코딩테스트",
        "몇명",
        "인원",
        "팀원수",
        "년차",
        "자격요건",
        "스택",
        "버전",
        "우대사항",
        "실장",
        "셀장",
        "파트장",
        "팀장",
    }
)
# Everyday words that begin like a cue: 전형적인 (typical), 리더십 (leadership), 몇 가지 (a few),
# 일정한 (steady), 몇 년도 (which year: a date, not experience).
_NOT_FOLLOWED_BY = {
    "전형": "적",
    "리더": "십",
    "몇": r"\s*(가지|년도)",
    "일정": "[한하히]",
    "몇 년": "도",
    "어떤 기술": "적",
    # 장점 after a team's name written together (하둡팀장점, 기반기술셀장점) is an advantage, not a lead.
    **dict.fromkeys(("팀장", "셀장", "실장", "파트장"), "(?:점|단점)"),
    "무슨 기술": "적",
    "몇년": "도",
    "언제 적": "[가-힣]",  # 언제 적 얘기 (how old is this), not 언제 적응 (when to adapt)
}
_MIN_FUZZY_KEYS = 6


class _Lazy:
    """A regular expression compiled when first searched with: a question needs the patterns of the one or
    two kinds it may ask for, and compiling all of them cost a start-up 20 ms."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)  # two threads may both compile it: the same result
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self._get().search(text)

    def sub(self, replacement: str, text: str) -> str:
        return self._get().sub(replacement, text)


_KO_CUES = {
    kind: tuple(
        (
            _Lazy(
                ("" if cue.replace(" ", "") in _INSIDE_WORDS else r"(?:^|(?<=\s))")
                + r"\s*".join(map(re.escape, cue.split()))
                + (f"(?!{_NOT_FOLLOWED_BY[cue]})" if cue in _NOT_FOLLOWED_BY else "")
            ),
            to_keys(cue.replace(" ", "")),
            len(cue.replace(" ", "")),
            cue not in _EXACT_ONLY,
        )
        for cue in ko
    )
    for kind, (ko, _) in KINDS.items()
}
# The first word of every cue of a kind, which a match must contain as typed: most questions ask for no fact,
# and a few substring tests per kind say so (one pattern of them all cost 15 ms to compile at start).
_KO_FIRST_WORDS = {kind: tuple({cue.split()[0] for cue in ko}) for kind, (ko, _) in KINDS.items()}


def _variants(keys: str) -> set[str]:
    """The keys and every string one deletion away: two strings within one edit share one of these."""
    return {keys} | {keys[:i] + keys[i + 1 :] for i in range(len(keys))}


# The cues that one slipped key still finds (연뵹, 면졉), by size in syllables and by the variants of their
# keys; (kind, position among the kind's cues) of each.
_FUZZY_INDEX: dict[int, dict[str, list[tuple[str, int]]]] = {}
for _kind, _cues in _KO_CUES.items():
    for _at, (_, _keys, _size, _fuzzy) in enumerate(_cues):
        if _fuzzy and len(_keys) >= _MIN_FUZZY_KEYS:
            for _variant in _variants(_keys):
                _FUZZY_INDEX.setdefault(_size, {}).setdefault(_variant, []).append((_kind, _at))


def _slipped(words: list[str]) -> set[tuple[str, int]]:
    """The fuzzy cues one slipped key from the start of a word, compared syllable-aligned: the first keys of
    the word's first ``size`` syllables, within one edit of the cue's, starting alike and not equal (the cue as
    typed is its pattern's to judge: 몇년도 is not 몇년)."""
    found = set()
    for size, index in _FUZZY_INDEX.items():
        for word in words:
            if len(word) < size:
                continue
            chunk = to_keys(word[:size])
            for variant in _variants(chunk):
                for kind, at in index.get(variant, ()):
                    keys = _KO_CUES[kind][at][1]
                    if (
                        chunk[:1] == keys[:1]
                        and chunk != keys
                        and Levenshtein.distance(chunk, keys, score_cutoff=1) <= 1
                    ):
                        found.add((kind, at))
    return found


# The address of a web page (지원 페이지 주소, 링크 주소, url 주소): the apply link, which the FAQ gives.
_WEB_ADDRESS = re.compile(r"(?:페이지|홈페이지|사이트|웹|링크|url|지원|공고)\s*주소")

# "이미지 시스템 만드는 곳이 어디임", "그 일 하는 팀이 어디예요": which team (the interview names it), not a
# place; "하둡 팀이 어디 있어요" and "어디에 있어요" stay place questions.
_WHICH_UNIT = re.compile(r"(?:곳|데|팀|파트|셀|조직|부서)(?:이|가|은|는)?\s*어디(?!\s*(?:에\s*)?있|에|로|서|쯤)")

# The asker's own years (저는 7년차 서버 개발자인데, 5년차고요) said before the question, unless the question is
# whether they are enough (5년차인데 지원 가능해요?, 3년차도 되나요?: the interview gives no requirement).
_OWN_YEARS = re.compile(r"\d+\s*년\s*차")
# Said of oneself: a first-person word before the years, and a clause that goes on (인데, 이고), not one that
# asks (팀원들은 보통 5년차예요?, 제이지님은 15년차예요?: someone else's years, which the interview never gives).
_SAYS_ONESELF = re.compile(
    r"(?:^|\s)(?:저|전|저는|제가|저도|나|난|나는|내가)\s.*?\d+\s*년\s*차(?:\S*?(?:인데|이고|고요|이라서|라서|입니다만|거든요)"
    r"|\s+\S+\s*\S*?(?:인데|이고|라서))"
)
# "어디서 넣으면 되나요" asks what to do, not whether the asker is eligible (5년차면 되나요? is).
_WHAT_TO_DO = re.compile(r"(?<!차)면\s*(?:되|돼|될)\S*")
_ELIGIBLE = re.compile(
    r"가능|되나|될까|돼요|되요|돼\b|자격|괜찮|충분|부족|모자|이상|이하|넘|안 되|안되|받아|뽑아|지원해도"
    r"|대상|맞을까|맞나|맞죠|맞아요|요구|필요|해당"
)

# "팀 이름이 뭐예요?", "JG님 팀 이름": the interview names every team, unlike its people's real names.
_TEAM_NAME = re.compile(r"(?:팀|파트|셀|부서|조직)(?:의)?\s*이름")


# A person's full, real or family name (엔지니어 풀네임, 그 분 진짜이름, JG 성이 뭐예요), which the interview never
# gives; a team's full name (하둡 팀 풀네임) it does.
_PERSONS_REAL_NAME = re.compile(
    r"(?:분|사람|엔지니어|개발자|님|씨|jg|dj|diego|디에고|제이지|디제이)(?:의)?\s*"
    r"(?:풀\s*네임|진짜\s*이름|실제\s*이름|성\s*(?:이|은)?\s*(?:뭐|무엇|어떻게))"
)
# A request to recommend a thing (분산 스토리지 추천해줘, recommend a good book) asks for what the interview
# never gives; a request to recommend a team or a role for the asker (어떤 팀 추천해주세요, would you recommend
# this job for me) is who should apply, which it does.
_RECOMMEND = re.compile(
    r"(?:^|\s)(?!(?:좀|더|꼭|제발)\s)[가-힣a-z0-9]+\s*추천\s*(?:해\s*줘|해\s*주세요|해\s*줄래|좀|부탁)|\brecommend\s+(?:me\s+)?(?:a|an|some|any|good)\b"
)
_RECOMMEND_FIT = re.compile(
    r"팀|파트|셀|부서|조직|직무|자리|포지션|지원|저한테|나한테|제게|저에게|저랑|나랑|사람"
    r"|\b(?:team|part|cell|job|role|position|for me|apply|applying|company)\b"
)


# "X(이)가 뭐예요?", "X란 무엇인가요", "what is X?" and nothing more, or "X 개념", "X가 무슨 뜻이에요": what X
# means, when X is a technology (하둡, 몽고디비, kafka), not a team (하둡팀, 기반기술셀), a word of the
# topics (문화란 뭐예요?, 장점이 뭐예요?) or an everyday thing (서비스, 홈페이지).
_WHAT_IS = re.compile(
    r"^(?P<subject>\S+?(?: \S+?)?)(?P<particle>이|가|은|는|이란|란)? (?:뭐|뭔|무엇|뭐야|뭐예요|뭐에요|뭐임|뭔가요|뭐지|뭐죠|뭐냐|뭐니|뭔데"
    r"|뭐에여|뭐여|뭐래|무엇인가요|무엇이에요|무엇입니까|무엇이죠|무엇이야)$"
)


@functools.cache
def _technologies() -> frozenset[str]:
    """Names of technologies (bot/loanwords.tsv rows without a plain Korean word: 하둡, 몽고디비, kafka), in
    Hangul and in English; not the everyday things among them (서비스, 홈페이지, 카톡, 디자이너)."""
    from bot.vocabulary import loanwords

    rows = [(hangul, english) for hangul, english, korean in loanwords() if not korean and english not in _NOT_TECH]
    return frozenset(form for row in rows for form in row)


_NOT_TECH = frozenset(
    str.split(
        "service code server homepage blog web designer kakaotalk software library front scrum sprint toeic opic "
        "si zoom macbook pdf wanted linkedin hackathon notion slack jira"
    )
)
_EN_WHAT_IS = re.compile(
    r"^(?:what (?:is|are|s)|whats|define|meaning of|definition of) (?:an? )?(?P<subject>[a-z0-9 ]+?)$"
)
_KO_MEANING = re.compile(
    r"(?P<subject>\S+?)(?:이|가|은|는|의)? ?(?:뭔지 |무엇인지 )?(?:개념|무슨 뜻|뜻이 뭐|뜻은 뭐|정의가 뭐|뭔지 설명)"
)


def _defines(text: str) -> bool:
    """Whether a cleaned text asks what a technology is (하둡이 뭐예요?, 몽고디비 뭐임, what is kafka,
    스파크 개념 설명해줘), and nothing more."""
    found = _WHAT_IS.match(text) or _EN_WHAT_IS.match(text) or _KO_MEANING.search(text)
    if found is None:
        return False
    last = found.group("subject").split()[-1]
    for form in (last, stem(last), last.removesuffix("이란"), last.removesuffix("란")):
        if form in _technologies():
            return True
    return False


# The date cues that ask whether something is still so (지금도 하둡 써요?), and a clause said before a question
# (..., 다니는데 / 없는데 / 하지만), where they describe the asker instead.
_STILL_WORDS = ("지금도", "아직도", "요즘도", "현재도")
_STILL_SO = frozenset(_KO_CUES["date"][i][0].pattern for i, cue in enumerate(KINDS["date"][0]) if cue in _STILL_WORDS)
_PREAMBLE = re.compile(r"^(?P<clause>.*?(?:는데|은데|인데|지만))(?=\s)")
_STILL = re.compile("|".join(_STILL_WORDS))
_ME_FIRST = re.compile(r"(?:^|\s)(?:저|전|저는|제가|저도|나|난|나는|내가)\s")
_ABOUT_APPLYING = re.compile(r"지원|apply")


def _preamble_said_of_the_asker(text: str) -> str:
    """The text without its first clause (..는데, ..지만) when that clause tells of the asker: someone says
    it of themselves (저 지금도 ...) or a question about applying follows (아직도 경력이 없는데 지원 가능?)."""
    found = _PREAMBLE.search(text)
    if found is None:
        return text
    clause, rest = found.group("clause"), text[found.end() :]
    still = _STILL.search(clause)
    me = _ME_FIRST.search(clause)
    if (me is not None and still is not None and me.start() < still.start()) or _ABOUT_APPLYING.search(rest):
        return rest
    return text


@functools.lru_cache(maxsize=8192)
def asks(text: str) -> frozenset[str]:
    """The kinds of fact a cleaned text asks for (empty: none of the listed kinds)."""
    if not text:
        return frozenset()
    text = _TEAM_NAME.sub("팀명", text)  # a team's name is in the interview; a person's name is not asked
    text = _WEB_ADDRESS.sub("링크", text)  # 지원 페이지 주소: a link, not a street address
    text = _WHICH_UNIT.sub(" 어느 팀", text)  # 만드는 곳이 어디임: which team, not where its office is
    if _SAYS_ONESELF.search(text) and not _ELIGIBLE.search(_WHAT_TO_DO.sub(" ", text)):
        text = _OWN_YEARS.sub(" ", text)  # 저는 7년차인데 ...: the asker's own experience, said in passing
    compact = text.replace(" ", "")
    slipped = _slipped([w for w in text.split() if w and is_syllable(w[-1])])
    # "저 지금도 회사 다니는데 지원해도 되나요?", "아직도 경력이 없는데 지원 가능?": what is still so is said of the
    # asker, in a clause before a question about applying (not "요즘도 하둡 쓰는데 맞나요?": still so, asked).
    asked = _preamble_said_of_the_asker(text)
    asked_slipped = slipped if asked == text else _slipped([w for w in asked.split() if w and is_syllable(w[-1])])
    near = {kind for kind, _ in slipped | asked_slipped}
    found = set()
    for kind, cues in _KO_CUES.items():
        if kind not in near and not any(word in text for word in _KO_FIRST_WORDS[kind]):  # no cue, typed or slipped
            if _english_hit(kind, text):
                found.add(kind)
            continue
        for at, (pattern, _, _, _) in enumerate(cues):
            if kind == "date" and pattern.pattern in _STILL_SO:
                if pattern.search(asked) or (kind, at) in asked_slipped:
                    found.add(kind)
                    break
                continue
            if kind == "amount" and not _korean_amount(compact):
                continue
            if pattern.pattern.endswith("언제") and not _korean_date(compact):
                continue
            if kind == "date" and "중" in pattern.pattern and _asks_which_before(pattern, text):
                continue  # 어떤 포지션 채용 중이에요: which positions, not whether it is still open
            if pattern.search(text) or (kind, at) in slipped:
                found.add(kind)
                break
        else:
            if _english_hit(kind, text):
                found.add(kind)
    if _RECOMMEND.search(text) and not _RECOMMEND_FIT.search(text):
        found.add("howto")
    if _PERSONS_REAL_NAME.search(text):
        found.add("realname")
    if _defines(text):
        found.add("definition")
    return frozenset(found)


# English cue words that survive one slipped or swapped letter (salray, deadine); everyday words one letter
# from another word (where/there, interviews/interview) are matched only as typed.
_ENGLISH_TYPOS = {
    "money": ("salary", "compensation", "bonus"),
    "benefits": ("benefits", "vacation", "insurance", "allowance"),
    "hours": ("overtime",),
    "date": ("deadline",),
    "place": ("location", "address"),
    "experience": ("requirements", "qualifications"),
    "stack": ("version",),
    "count": ("headcount",),
}


def _english_hit(kind: str, text: str) -> bool:
    if kind in _ENGLISH and _ENGLISH[kind].search(text):
        return True
    cues = _ENGLISH_TYPOS.get(kind, ())
    words = [w for w in text.split() if w.isascii() and len(w) >= 5] if cues else []
    return any(OSA.distance(w, cue, score_cutoff=1) <= 1 for w in words for cue in cues)


# A question of which one (어떤 포지션, 무슨 직무), not of whether hiring is still open.
_WHICH = re.compile(r"어떤|어떠한|무슨|어느|무엇|뭘|뭐|어디")


def _asks_which_before(pattern: _Lazy, text: str) -> bool:
    """Whether a word asking which one comes before the cue (어떤 포지션 채용 중이에요), not after it in
    another question (채용중인가요? 뭐 준비해요?)."""
    found = pattern.search(text)
    return bool(found and _WHICH.search(text[: found.start()]))


# Words of a moment or a feeling: 언제 with them asks for an occasion (언제 보람을 느끼나요), not a date.
_OCCASION = tuple(str.split("때 보람 느끼 느껴 느낀 재미 재밌 힘들 힘드 뿌듯 행복 즐거 설레"))


def _korean_date(compact: str) -> bool:
    """언제 that asks a date, not an occasion (보람을 느낄 때가 언제예요, 언제 보람을 느끼나요)."""
    return "언제" in compact and not any(word in compact for word in _OCCASION)


def _korean_amount(compact: str) -> bool:
    """얼마 that asks an amount (얼마예요, 얼마 받아요), not 얼마나 (how good, how hard)."""
    return compact.count("얼마") > len(_NOT_AMOUNT.findall(compact))


_KO_STRIP = _Lazy(
    "|".join(
        r"\s*".join(map(re.escape, cue.split())) + (f"(?!{_NOT_FOLLOWED_BY[cue]})" if cue in _NOT_FOLLOWED_BY else "")
        for cue in sorted({c for ko, _ in KINDS.values() for c in ko}, key=len, reverse=True)
    )
)
_EN_STRIP = _Lazy(r"\b(?:" + "|".join(en for _, ens in KINDS.values() for en in ens) + r")\b")


def without_cues(text: str) -> str:
    """A cleaned text with the words that ask for a fact taken out: what the question is about
    (하둡 팀은 몇 명이에요 -> 하둡 팀은 이에요)."""
    return " ".join(_EN_STRIP.sub(" ", _KO_STRIP.sub(" ", text)).split())


def covered(phrasings: list[str], asks_of: Callable[[str], frozenset[str]] | None = None) -> frozenset[str]:
    """The kinds of fact an entry holds: those its own (cleaned) phrasings ask for (``asks_of``: asks, or
    a memo of it such as bot.derived.AsksMemo)."""
    out: set[str] = set()
    for phrasing in phrasings:
        out |= (asks_of or asks)(phrasing)
    return frozenset(out)

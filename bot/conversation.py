"""Conversations: a follow-up is understood against what the chat talked about last.

A ``Context`` is what one conversation remembers: the entry last shown, its subject (a person of
faq.yaml's ``people``, who stands for their team as well: ``topic`` and ``aliases`` there), the options
last shown (a "did you mean", an answer's related topics, the topic list), the language, and the last
question with the fact it asked for. ``follow`` (pure) decides one message in a context, in this order:

1. a pick among the options last shown: "2", "두 번째", "the second one", an option's title, or "네"
   when exactly one was offered;
2. "더 알려줘" / "tell me more": the related topics of the last answer;
3. a subject named alone ("데이터플랫폼파트는요?", "JG님은요?", "what about the storage cell?"): the
   last question, asked about that subject;
4. a reference to the current subject ("그 팀", "거기", "그분", "there", "that team", "it"): the message
   is matched with the reference taken out and with the subject named in its place; a fact the
   interview lacks is "not covered" about that subject, never a guess;
5. anything else is matched on its own. Context only fills a subject a short message leaves out, and
   only when the message's own best candidates agree; a clear new question is never turned into the
   old topic;
6. after a topic that is not a team ("이 인터뷰는 언제 나온 거예요?"), a message the matcher cannot answer
   alone that refers back ("그 안에", "it") or is short and points nowhere else ("원문은요?") is read as
   going on about that topic, and answered only with it (or told it is not covered, about it).

``Conversations`` keeps one context per key (a Telegram chat and user, a Kakao user, the console) in
cachetools' TTLCache: bounded in size, forgotten after a quiet period, with an injectable clock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from cachetools import TTLCache
from rapidfuzz import fuzz

from bot.facts import KINDS
from bot.knowledge import Person
from bot.matching import Candidate, Decision, Matcher
from bot.normalize import clean, has_hangul, tokens
from bot.subjects import WHAT_IT_DOES, WHICH_TEAM, fold_text, plain_text
from bot.vocabulary import is_filler

# -- what a message looks like ---------------------------------------------------------------------

_ORDINALS = {
    "첫": 1, "첫째": 1, "두": 2, "둘째": 2, "세": 3, "셋째": 3, "네": 4, "넷째": 4, "다섯": 5,
    "one": 1, "first": 1, "1st": 1, "two": 2, "second": 2, "2nd": 2, "three": 3, "third": 3, "3rd": 3,
    "four": 4, "fourth": 4, "4th": 4, "five": 5, "fifth": 5, "5th": 5,
}  # fmt: skip
# "2", "2번", "두 번째 거요", "둘째" (a bare 네 is "yes", not "four").
_PICK_KO = re.compile(
    r"^(?:음\s*)?(?:(?P<d>\d{1,2})\s*(?:번째|번)?|(?P<w>첫|두|세|네|다섯)\s*(?:번째|째)|(?P<o>첫째|둘째|셋째|넷째))\s*"
    r"(?:거|것|꺼|걸로|꺼요|거요|것요|걸로요|이요|요|으로|로|주제)?\s*"
    r"(?:요|이요|알려\s*줘|알려\s*주세요|부탁해요|보여\s*줘|보여\s*주세요)?$"
)
_PICK_EN = re.compile(
    r"^(?:the\s+|option\s+|number\s+|no\.?\s*|#)?(?P<d>\d{1,2}|one|two|three|four|five|first|second|third|fourth|fifth"
    r"|1st|2nd|3rd|4th|5th)(?:\s+(?:one|option|topic))?(?:\s+please)?$"
)
_YES = re.compile(r"^(?:네|넵|넹|예|응|웅|ㅇㅇ|좋아요|그거요?|그걸로요?|yes|yeah|yep|yup|sure|ok|okay|please)$")
_LAST = re.compile(r"^(?:마지막|맨\s*끝)\s*(?:거|것|번)?\s*요?$|^(?:the\s+)?last(?:\s+one)?$")
_MORE = re.compile(
    r"^(?:좀\s*)?(?:더|더\s*자세히|자세히|조금\s*더|좀\s*더|또|그\s*외에|그\s*밖에|다른\s*건|그\s*다음은?)\s*"
    r"(?:알려\s*(?:줘|주세요|줄래요?|주실래요)|말해\s*(?:줘|주세요)|설명해\s*(?:줘|주세요)|얘기해\s*(?:줘|주세요)"
    r"|요|있어요|있나요|없어요|는요|은요)?\s*[?!.~]*$"
    r"|^(?:tell|show)\s+me\s+more(?:\s+about\s+(?:it|that|this))?$|^more(?:\s+please)?$|^go\s+on$"
    r"|^(?:what|anything)\s+else$|^and\s+then$",
)
# A reference back to the subject being talked about. Korean: 그 팀, 거기, 그쪽, 그분, 해당 파트...
_KO_TEAM_REF = r"(?:그|이|저|해당|같은)\s*(?:팀|파트|셀|조직|부서|곳|쪽|데)|거기|여기|거긴|걔네"
_KO_PERSON_REF = r"(?:그|이|저)\s*(?:분|사람|엔지니어|개발자)"
# Whole words only, a particle may follow: 이 분야 (this field) and 저 팀장 (a team lead) are not references.
_KO_AFTER = r"(?=$|[\s?!.,~]|(?:은|는|이|가|을|를|에|에서|엔|의|도|만|요|께서|께|하고|랑|이랑|서|선)(?:$|[\s?!.,~]|요))"
_KO_REF = re.compile(rf"(?<![가-힣])(?:{_KO_TEAM_REF}|{_KO_PERSON_REF}){_KO_AFTER}")
_PERSON_RE = re.compile(rf"{_KO_PERSON_REF}|he|she|him|her|(?:that|this|the\s+same)\s+(?:person|engineer|guy)")
_EN_REF = re.compile(
    r"\b(?:that|this|the\s+same|their|its|his|her)\s+(?:team|part|cell|group|one|person|engineer|guy|org|unit)\b"
    r"|(?<!is )(?<!are )\bthere\b(?! (?:is|are|any)\b)(?!'s)|\bit\b|\bthey\b|\bthem\b|\bhe\b|\bshe\b|\bhim\b|\bher\b"
)
# What may stand beside a subject's name in a message that only names it ("데이터플랫폼파트는요?",
# "what about the storage cell?", "JG님은?"): particles, "how about", "that team".
# fmt: off
_ELLIPSIS_WORDS = (  # noqa: SIM905
    "그럼 그러면 그리고 그럼요 또 또는 그건 그쪽 쪽 측 팀 파트 셀 님 분 씨 은 는 이 가 도 요 은요 는요 도요 이요 "
    "의 에 에서 은여 는여 으로 로 이랑 랑 하고 엔 에는 경우 경우는 경우엔 쪽은 쪽은요 얘기 이야기 대해서 "
    "대해서도 대해 서는 also too as well and about the one team part cell then for of in on regarding same "
    "guy person folks guys people 사람들 분들 애들 쪽사람들 쪽도 팀도 파트도 what about how about"
).split()
# fmt: on
_ELLIPSIS_PIECES = sorted(set(_ELLIPSIS_WORDS), key=len, reverse=True)
_ELLIPSIS_RE = re.compile(r"^(?:" + "|".join(map(re.escape, _ELLIPSIS_PIECES)) + r")*$")
_COMMANDS = {
    "help": re.compile(r"^/?(?:help|도움말|도움|사용법|명령어|도와\s*줘|도와\s*주세요|how\s+does\s+this\s+work)$"),
    "topics": re.compile(r"^/?(?:topics|browse\s+topics|주제|주제\s*보기|주제\s*목록|목록|메뉴|menu)$"),
    "apply": re.compile(r"^/?apply$"),
}
# "Who said that?" about the last answer: its quotes say who.
_WHO_SAID = re.compile(
    r"^(?:그|이|저)?\s*(?:얘기|이야기|말|거|건|말씀)?(?:은|는|을|를)?\s*누가\s*(?:했|한|말했|말한|그랬|하신|하셨|말씀)"
    r"|^who\s+(?:said|says|told)\s+(?:that|it|this)\b|^whose\s+(?:words|quote)"
)
_FILL_MAX_WORDS = 3  # a message this short may leave its subject out ("연봉은요?", "기술스택은?")
_WH = frozenset(["when", "where", "who", "why", "how", "언제", "어디", "누구", "누가", "왜", "어떻게"])
_CONTINUE_MAX_WORDS = 4  # ... or, after a topic that is not a team, the topic ("카톡도 포함이에요?")
# A reference back to the topic (not a team or a person): "그 안에", "이 글", "it", "this".
_KO_TOPIC_REF = re.compile(
    r"(?<![가-힣])(?:(?:그|이|저)\s*(?:안|중|글|기사|인터뷰|조직|내용)|거기|여기|거긴|여긴)" + _KO_AFTER
)
_EN_TOPIC_REF = re.compile(r"\b(?:it|this|that|they|them|there|this (?:article|interview|office|org))\b")


@dataclass(frozen=True)
class Context:
    """What one conversation remembers between messages."""

    entry: str | None = None  # the entry last answered or opened
    subject: str | None = None  # the person (and so the team) being talked about
    options: tuple[str, ...] = ()  # entry ids last offered, in the order shown
    language: str | None = None
    question: str = ""  # the last question as understood (subject filled in), for "and X?"
    missing: str | None = None  # the kind of fact the last question asked for that the interview lacks
    action: str = ""  # what the last message got: answer | clarify | fallback ("" = nothing yet)


def command_of(text: str) -> str | None:
    """ "help", "topics" or "apply" when a message is one of those words as typed on a channel without
    commands ("도움말", "/help", "주제 보기", "topics"), else None."""
    folded = " ".join(fold_text(text).rstrip("?!.~ ").split())
    return next((name for name, pattern in _COMMANDS.items() if pattern.match(folded)), None)


def _ordinal(plain: str, count: int) -> int | None:
    """1-based option number a message picks ("2", "두 번째", "the second one"), if any."""
    if not count:
        return None
    if _LAST.match(plain):
        return count
    m = _PICK_KO.match(plain) or _PICK_EN.match(plain)
    if m is None:
        return None
    word = next(g for g in m.groups() if g)
    n = int(word) if word.isdigit() else _ORDINALS.get(word)
    return n if n is not None and 1 <= n <= count else None


def _references(question: str) -> list[tuple[str, bool]]:
    """The words of a message that refer back to the subject being talked about (as found in its plain
    form), each with whether it means the person (그분, he) rather than the team (그 팀, there)."""
    plain = plain_text(question)
    english = plain_text(re.sub(r"\bIT\b", " ", question))  # "IT" is information technology, not "it"
    return [
        (m.group(0), bool(_PERSON_RE.fullmatch(m.group(0))))
        for m in (*_KO_REF.finditer(plain), *_EN_REF.finditer(english))
    ]


def _only_ellipsis(rest: str) -> bool:
    """Whether what is left of a message once the subject's name is cut is only "은요?"/"what about"."""
    return all(_ELLIPSIS_RE.match(word) for word in rest.split())


class Follower:
    """Resolves messages in a context for one matcher (and so one knowledge base)."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.kb = matcher.kb
        self.subjects = matcher.subjects
        # The entries about a team, and who is on the team each is about (faq.yaml's people: topic).
        self.teams = frozenset(p.topic for p in self.subjects.people if p.topic is not None)
        self._owners: dict[str, list[str]] = {}
        self._covers = dict(zip((e.id for e in matcher.kb.entries), matcher.covers, strict=True))
        for p in self.subjects.people:
            self._owners.setdefault(p.topic or "", []).append(p.id)

    # -- helpers -----------------------------------------------------------------------------------

    def _person(self, pid: str | None) -> Person | None:
        """The person, if they have a topic (knowledge.parse has checked that it exists)."""
        person = self.kb.people.get(pid) if pid else None
        return person if person is not None and person.topic is not None else None

    def _name(self, person: Person, language: str) -> str:
        return person.team.get(language) or person.team.get(self.kb.languages[0]) or person.name

    def _answer(self, question: str, entry_id: str, language: str, via: str) -> Decision:
        return Decision("answer", (Candidate(entry_id, 100.0),), question, question, language, confidence=1.0, via=via)

    def _about(self, decision: Decision, person: Person, via: str, question: str) -> Decision:
        """A "not covered" decision, said about the subject's topic unless it already names one."""
        topic = person.topic
        assert topic is not None
        if decision.options:
            return replace(decision, question=question, via=via)
        first = Candidate(topic, 100.0)
        ranked = (first, *(c for c in decision.candidates if c.id != topic))[:5]
        return replace(decision, question=question, candidates=ranked, options=(first,), via=via)

    def _language(self, question: str, context: Context, hint: str | None) -> str:
        """The message's language; one without words, or of one or two Latin words ("JG?", "ok", "2"),
        keeps the conversation's."""
        if any(ch.isalpha() for ch in question) and not (self._keeps_language(question) and context.language):
            return self.matcher.language_of(question)
        return context.language or hint or self.matcher.default_language

    # -- the steps -----------------------------------------------------------------------------------

    def _pick(self, question: str, plain: str, context: Context, language: str) -> Decision | None:
        options = [o for o in context.options if self.kb.get(o) is not None]
        if not options:
            return None
        n = _ordinal(plain, len(options))
        if n is None and len(options) == 1 and _YES.match(plain):
            n = 1
        if n is None:
            key = plain.replace(" ", "")
            for i, oid in enumerate(options, 1):
                titles = [plain_text(t).replace(" ", "") for t in self.kb.entry(oid).title.values()]
                if key and any(t and (key == t or (len(key) >= 4 and fuzz.ratio(key, t) >= 90)) for t in titles):
                    n = i
                    break
        return None if n is None else self._answer(question, options[n - 1], language, "pick")

    def _more(self, question: str, plain: str, context: Context, language: str) -> Decision | None:
        if not _MORE.match(plain):
            return None
        entry = self.kb.get(context.entry) if context.entry else None
        if entry is None:
            return None
        related = tuple(Candidate(r, 100.0) for r in entry.related if self.kb.get(r) is not None)
        if not related:
            return None
        return Decision("clarify", related, question, plain, language, options=related, via="more")

    def _same_about(self, question: str, person: Person, context: Context, language: str) -> Decision:
        """ "And X?": the last question, about subject X."""
        topic = person.topic
        assert topic is not None
        if context.missing:  # "how many people are there?" ... "and the storage cell?"
            decision = Decision("fallback", (), question, question, language, missing=context.missing)
            return self._about(decision, person, "subject", question)
        if not context.question or (context.action == "answer" and context.entry in self.teams):
            return self._answer(question, topic, language, "subject")  # "what does it do?" -> the same for X
        last = self.kb.get(context.entry) if context.action == "answer" and context.entry else None
        if last is not None and not last.browse:
            return self._answer(question, topic, language, "subject")  # never a greeting or thanks again
        if last is not None:
            team = self.kb.entry(topic)
            if any(title in text for title in last.title.values() for text in team.answer.values()):
                # "하둡 팀은요?" after the technical challenges: the team's own entry speaks of them.
                return self._answer(question, topic, language, "subject")
            return self._answer(question, last.id, language, "subject")  # "what do they enjoy?" -> the same
        named, rest = self.subjects.named(context.question)
        base = rest if named else context.question
        # What the last question asked, without whom it was about ("뭐가 보람 있다고 하셨어요"): when that
        # is a topic other than a team, the new subject's team must not take its place.
        alone = self.matcher.decide(base)
        pointed = alone.candidates[0] if alone.candidates else None
        elsewhere = (
            pointed is not None
            and not WHAT_IT_DOES.search(base)
            and pointed.id not in self.teams
            and self.kb.entry(pointed.id).browse
            and (alone.action == "answer" or pointed.score >= 50.0 or pointed in alone.options[:1])
        )
        decision = self.matcher.decide(f"{person.name if elsewhere else self._name(person, language)} {base}")
        if decision.missing:
            return self._about(decision, person, "subject", question)
        if decision.action == "answer" and not (elsewhere and decision.id in self.teams):
            return replace(decision, question=question, via="subject")
        if elsewhere and alone.action == "answer":
            return replace(alone, question=question, via="subject")
        earlier = [
            c for c in (*decision.options, *(Candidate(o, 0.0) for o in context.options)) if c.id not in self.teams
        ]
        first = [Candidate(topic, 100.0)]
        if elsewhere and pointed is not None:
            first.insert(0, pointed)  # what was asked comes before the team it is now asked of
        options = tuple(dict((c.id, c) for c in (*first, *earlier)).values())[:3]
        return replace(
            decision, question=question, action="clarify", options=options, via="subject", rule="conversation"
        )

    def _referring(
        self, question: str, plain: str, refs: list[tuple[str, bool]], person: Person, language: str
    ) -> Decision:
        """A message that refers back to the subject: "그 팀 연봉은요?", "거기 분위기 어때요?", "그분은 뭐가
        보람이래요?". It is matched without the reference, and with the subject named in its place (the
        team, or the person for 그분 / he)."""
        topic = person.topic
        assert topic is not None
        rest, named, named_team = plain, plain, plain
        for ref, means_person in refs:
            rest = rest.replace(ref, " ", 1)
            name = person.name if means_person else self._name(person, language)
            named = named.replace(ref, f" {name} ", 1)
            named_team = named_team.replace(ref, f" {self._name(person, language)} ", 1)
        rest, named, named_team = (" ".join(t.split()) for t in (rest, named, named_team))
        if not rest or _only_ellipsis(rest):
            return self._answer(question, topic, language, "reference")  # "그 팀은요?"
        if self.matcher.asks_only_a_name(clean(rest)):
            # Nothing but a name asked of the subject ("그 분 이름이 뭐예요?", "그 팀 이름이 뭐예요?" after a team's
            # answer): the one who spoke for the team, or the team, both named by its entry.
            return self._answer(question, topic, language, "reference")
        with_subject = self.matcher.decide(named)
        alone = self.matcher.decide(rest)
        if with_subject.missing or alone.missing:
            missing = with_subject.missing or alone.missing
            chosen = with_subject if with_subject.missing else replace(alone, action="fallback")
            chosen = replace(chosen, missing=missing, reading=named, rule="not-held")
            return self._about(chosen, person, "reference", question)
        others = self.teams - {topic}
        if alone.action == "answer" and alone.id not in others:
            return replace(alone, question=question, via="reference")  # the words alone are clear: 분위기, 지원
        # Named, the subject pulls towards its own topic: trust that only if the words alone do not point
        # somewhere else (그분은 일의 어떤 점이 재밌대요 is about what is rewarding, not about the team).
        # Neither a greeting ("뭐 하는 곳이에요" alone looks like small talk) nor another team (the words
        # left name none: "팀은 뭐하는데요" leans to whichever team's phrasings say it) is somewhere else.
        pointed = alone.candidates[0] if alone.candidates else None
        elsewhere = (
            pointed is not None
            and not WHAT_IT_DOES.search(rest)
            and pointed.id not in self.teams
            and pointed.score >= 50.0
            and self.kb.entry(pointed.id).browse
        )
        trusted = with_subject.id != topic or not elsewhere
        if with_subject.action == "answer" and with_subject.id not in others and trusted:
            return replace(with_subject, question=question, via="reference")
        if any(means_person for _, means_person in refs) and not elsewhere:
            # "그분은 어떤 일 해요?": what the person does is what their team does.
            as_team = self.matcher.decide(named_team)
            if as_team.action == "answer" and as_team.id == topic:
                return replace(as_team, question=question, via="reference")
        first = Candidate(topic, 100.0)
        ranked = [c for c in (*alone.options, *with_subject.options) if c.id not in others | {topic}]
        if elsewhere and pointed is not None:
            ranked = [pointed, *ranked]
        ordered = [*ranked[:1], first, *ranked[1:]] if elsewhere else [first, *ranked]
        options = tuple(dict((c.id, c) for c in ordered if self.kb.entry(c.id).browse).values())[:3]
        return replace(
            with_subject, question=question, action="clarify", options=options, via="reference", rule="conversation"
        )

    def _filled(self, question: str, alone: Decision, person: Person, language: str) -> Decision | None:
        """A short message that leaves the subject out ("연봉은요?", "기술 스택은?"), read as about it."""
        if len(plain_text(question).split()) > _FILL_MAX_WORDS:
            return None
        if alone.missing:
            return self._about(alone, person, "filled", question)
        if alone.action == "answer" or not alone.candidates:
            return None
        filled = self.matcher.decide(f"{self._name(person, language)} {question}")
        if filled.missing:
            return self._about(filled, person, "filled", question)
        agreed = {alone.candidates[0].id, *(o.id for o in alone.options)}
        elsewhere = [o.id for o in alone.options if o.id not in self.teams]
        if WHAT_IT_DOES.search(plain_text(question)) or (alone.options and not elsewhere):
            # "뭐 하는 팀이에요?", "무슨 일 해요?": what some team does, and this one is being talked about
            agreed.add(person.topic or "")
        if filled.action == "answer" and filled.id in agreed:
            return replace(filled, question=question, via="filled")
        return None

    # -- public ----------------------------------------------------------------------------------

    def follow(self, question: str, context: Context, language: str | None = None) -> Decision:
        """Decide a message in its conversation's context (``language``: the channel's hint, if any)."""
        lang = self._language(question, context, language)
        decision = self._follow(question, context, lang)
        wordless = not any(ch.isalpha() for ch in question)
        if context.language is None or decision.language == lang or not (wordless or self._keeps_language(question)):
            return decision  # the message's own language (a keyboard-layout slip is Korean, as the matcher read)
        # "ok", "JG?", "2" in a Korean conversation: the reply stays in Korean, whatever the matcher read.
        return replace(decision, language=lang)

    @staticmethod
    def _keeps_language(question: str) -> bool:
        """One or two Latin words ("ok", "JG?"): too little to change the conversation's language."""
        return not has_hangul(question) and len(question.split()) <= 2

    def _follow(self, question: str, context: Context, lang: str) -> Decision:
        plain = plain_text(question)
        picked = self._pick(question, plain, context, lang)
        if picked is not None:
            return picked
        more = self._more(question, plain, context, lang)
        if more is not None:
            return more
        said = self.kb.get(context.entry) if context.entry and _WHO_SAID.match(plain) else None
        if said is not None and said.quotes and said.browse:
            return self._answer(question, said.id, lang, "who")  # its quotes say who said it
        named, rest = self.subjects.named(question)
        people = [p for p in (self._person(pid) for pid in named) if p is not None]
        if len(people) == 1 and _only_ellipsis(rest):
            return self._same_about(question, people[0], context, lang)
        alone = self.matcher.decide(question)
        team = self.matcher.named_team(question, WHICH_TEAM) if alone.action != "answer" and not alone.missing else None
        if team is not None and self.kb.entries[team].id in {c.id for c in alone.candidates[:3]}:
            return self._answer(question, self.kb.entries[team].id, lang, "subject")  # their team's entry names them
        current = self._person(context.subject)
        if people:
            return alone
        if current is None:
            return self._continued(question, plain, alone, context) or alone
        refs = _references(question)
        if refs:
            return self._referring(question, plain, refs, current, lang)
        if alone.action == "answer" and alone.id in self.teams and alone.id != current.topic:
            # Another team's topic, though the message names no team ("뭐 하는 팀이에요?" while talking
            # about the storage cell): ask which, rather than switch teams on a guess.
            first = Candidate(current.topic or "", 100.0)
            return replace(
                alone, action="clarify", options=(first, alone.candidates[0]), via="filled", rule="conversation"
            )
        if alone.action == "answer":
            return alone
        filled = self._filled(question, alone, current, lang)
        if filled is not None:
            return filled
        return self._continued(question, plain, alone, context) or alone

    def _continued(self, question: str, plain: str, alone: Decision, context: Context) -> Decision | None:
        """A message that goes on about the topic last answered, when that is not a team: "카톡도 포함이에요?"
        after the office's introduction, "who wrote it?" after the interview's. Only a message the matcher
        cannot answer alone, that refers back (그 안에, it) or is short and does not point elsewhere; it is
        matched with the topic's title before it, and answered only with that topic."""
        if alone.action == "answer" or context.action != "answer" or not context.entry:
            return None
        last = self.kb.get(context.entry)
        if last is None or not last.browse or last.id in self.teams:
            return None
        refs = [m.group(0) for m in (*_KO_TOPIC_REF.finditer(plain), *_EN_TOPIC_REF.finditer(plain))]
        first = Candidate(last.id, 100.0)
        sig = self.matcher.signals(question, semantic=False) if refs and not alone.missing else None
        lacking = sig.asks - self._covers[last.id] if sig is not None else frozenset()
        if lacking:
            # "거기 몇 명 있어요?" after the office: a fact that topic does not hold, whatever else the words
            # match (the interviewees' entry holds how many were interviewed, not how many work there).
            kind = min(lacking, key=list(KINDS).index)
            return Decision(
                "fallback",
                (first,),
                question,
                plain,
                alone.language,
                options=(first,),
                missing=kind,
                via="continued",
                rule="not-held",
            )
        pointed = [o.id for o in alone.options] or [
            c.id for c in alone.candidates[:1] if c.score >= 50.0 and self.kb.entry(c.id).browse
        ]
        if pointed and last.id not in pointed and (not alone.missing or not refs):
            # The message points elsewhere ("what do they look for?" after who is hired), or asks a fact about
            # another topic without pointing back ("아직 뽑아?" after the article: whether hiring is still open,
            # not the article's date; "거기 몇 명 있어요?" points back).
            return None
        if not refs and len(plain.split()) > _CONTINUE_MAX_WORDS:
            return None
        rest = plain
        for ref in refs:
            rest = rest.replace(ref, " ", 1)
        if all(is_filler(token) and token not in _WH for token in tokens(clean(rest))):
            return None  # nothing asked ("ok", "그거요"); "when?" and "언제요?" ask about the topic
        title = last.title.get(alone.language) or next(iter(last.title.values()))
        decision = self.matcher.decide(f"{title} {' '.join(rest.split())}")
        if decision.action == "answer" and decision.id == last.id:
            return replace(decision, question=question, via="continued")  # "언제요?" after the article
        if decision.missing or alone.missing:  # "그 안에 팀은 몇 개예요?": not covered, about that topic
            ranked = (first, *(c for c in decision.candidates if c.id != last.id))[:5]
            missing = decision.missing or alone.missing
            return replace(
                decision,
                action="fallback",
                question=question,
                candidates=ranked,
                options=(first,),
                missing=missing,
                via="continued",
                rule="not-held",
            )
        if decision.options and decision.options[0].id == last.id and not alone.options:
            # Not sure enough to answer (a word it never saw: 게시, 카톡), but the topic is the likely one.
            return replace(alone, action="clarify", options=decision.options[:1], via="continued", rule="conversation")
        return None

    def after(self, context: Context, decision: Decision, shown: tuple[str, ...]) -> Context:
        """The context once ``decision`` was replied to, showing options ``shown`` (ids, in order)."""
        named, _ = self.subjects.named(decision.question)
        people = [p for p in (self._person(pid) for pid in named) if p is not None]
        subject = context.subject
        entry = decision.id if decision.action == "answer" else context.entry
        if len(people) == 1:
            subject = people[0].id
        elif decision.action == "answer" or decision.missing:
            offered = decision.options[0].id if decision.options else None
            about = decision.id if decision.action == "answer" else offered
            owners = self._owners.get(about or "", [])
            if owners and subject not in owners:
                subject = owners[0]
        asked = decision.reading if decision.via in ("reference", "filled") else decision.question
        if decision.via in ("pick", "more", "who"):
            asked = context.question
        return Context(
            entry=entry,
            subject=subject,
            options=shown,
            language=decision.language,
            question=asked,
            missing=decision.missing,
            action=decision.action,
        )

    def opened(self, context: Context, entry_id: str, language: str, shown: tuple[str, ...]) -> Context:
        """The context once the user opened an entry by a button or the topic list."""
        entry = self.kb.get(entry_id)
        if entry is None or not entry.browse:  # a greeting shown at the start is not a topic to follow up
            return replace(context, options=shown, language=language)
        owners = self._owners.get(entry_id, [])
        subject = owners[0] if owners and context.subject not in owners else context.subject
        return Context(entry_id, subject, shown, language, entry.title.get(language, ""), None, "answer")


class Conversations:
    """Contexts per conversation key: bounded (``maxsize``), each forgotten ``ttl`` seconds after its
    last message. Thread-safe; ``clock`` is injectable for tests."""

    def __init__(self, ttl: float = 1800.0, maxsize: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self._cache: TTLCache[str, Context] = TTLCache(maxsize=maxsize, ttl=ttl, timer=clock)
        self._lock = threading.Lock()
        # One conversation's messages are read in its context one at a time (a Kakao user's two messages
        # on two worker threads must not both start from the same context): striped locks, bounded.
        self._turns = tuple(threading.Lock() for _ in range(64))

    def turn(self, key: str) -> threading.Lock:
        """The lock to hold while a message of conversation ``key`` is read, decided and remembered."""
        return self._turns[hash(key) % len(self._turns)]

    def __len__(self) -> int:
        with self._lock:
            self._cache.expire()
            return len(self._cache)

    def get(self, key: str) -> Context:
        """The context of a conversation (an empty one if it is new or expired)."""
        with self._lock:
            return self._cache.get(key) or Context()

    def put(self, key: str, context: Context) -> None:
        """Remember a conversation's context (and restart its quiet period)."""
        with self._lock:
            self._cache[key] = context

    def forget(self, key: str) -> None:
        """Drop a conversation's context (e.g. /start)."""
        with self._lock:
            self._cache.pop(key, None)

"""Decision -> channel-neutral Reply: text in the asker's language, attributed quotes, the apply
link, follow-up or clarify options. Channels render a Reply; they never look inside the matcher.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.knowledge import Entry, KnowledgeBase
from bot.matching import Decision

# Fixed wording, per language; languages without their own wording use English.
_TEXT = {
    "ko": {
        "clarify": "이 중에 궁금하신 게 있나요?",
        "more": "이어서 볼 만한 주제예요. 골라 보세요.",
        "fallback": (
            "죄송해요, 그 질문에는 답을 드릴 수 없어요. 이 봇은 카카오 플랫폼/인프라실 채용 인터뷰에 "
            "나온 내용만 답해요. 지원은 아래 링크에서 할 수 있고, 답할 수 있는 주제는 '주제 보기'로 "
            "확인해 보세요."
        ),
        "apply": "지원하기",
        "related": "함께 보면 좋은 주제",
        "topics": "답할 수 있는 주제예요. 골라 보세요.",
        "topics_button": "주제 보기",
        "quote_by": "{name} ({team})",
        "translation": "",
        "unknown_option": "그 선택지는 더 이상 없어요. 질문을 다시 입력해 주세요.",
        "welcome": "안녕하세요! 카카오 플랫폼/인프라실 채용 인터뷰에 대해 답해 드리는 봇이에요. 궁금한 걸 물어보세요.",
        "help": (
            "카카오 플랫폼/인프라실 경력 개발자 채용 인터뷰 내용을 답해 드려요. 궁금한 걸 그냥 물어보세요. "
            "예: '지원은 어떻게 해요?', '데이터플랫폼파트는 무슨 일을 해요?'\n\n"
            "/topics 답할 수 있는 주제 보기\n/apply 지원 링크\n/help 이 도움말"
        ),
        "help_kakao": (
            "카카오 플랫폼/인프라실 경력 개발자 채용 인터뷰 내용을 답해 드려요. 궁금한 걸 그냥 물어보세요. "
            "예: '지원은 어떻게 해요?', '데이터플랫폼파트는 무슨 일을 해요?' 이어서 '그 팀 분위기는요?'처럼 "
            "물어봐도 돼요.\n\n'주제 보기': 답할 수 있는 주제\n'지원 방법': 지원 링크\n'도움말': 이 안내"
        ),
        "help_console": (
            "카카오 플랫폼/인프라실 경력 개발자 채용 인터뷰 내용을 답해 드려요. 궁금한 걸 그냥 물어보세요. "
            "이어서 '그 팀은요?'처럼 물어봐도 돼요.\n\n'주제': 답할 수 있는 주제 보기\n번호: 보이는 선택지 고르기\n"
            "'도움말': 이 안내\nCtrl-D: 끝내기"
        ),
        "non_text": "저는 글로 된 질문만 이해해요. 궁금한 걸 문장으로 물어봐 주세요.",
        "too_long": "질문이 너무 길어요. 한두 문장으로 하나씩 물어봐 주세요.",
        "unknown_command": "모르는 명령이에요. /help 를 보내면 쓸 수 있는 명령을 알려 드려요.",
        "error": "죄송해요, 답을 준비하다 문제가 생겼어요. 잠시 후 다시 물어봐 주세요.",
        "apply_text": "지원은 아래 링크에서 할 수 있어요.",
        "feedback_up": "고마워요! 의견이 반영됐어요.",
        "feedback_down": "알려 줘서 고마워요. 더 나은 답을 준비할게요.",
        "feedback_again": "이미 의견을 받았어요.",
        "feedback_none": "어떤 답에 대한 의견인지 알 수 없어요. 궁금한 걸 다시 물어봐 주세요.",
        "vote_up": "👍 도움 됐어요",
        "vote_down": "👎 아쉬워요",
        "not_covered_topic": (
            "인터뷰에는 ‘{title}’에 관한 {what} 이야기가 나오지 않아서, 그 질문에는 답할 수 없어요. 인터뷰가 "
            "‘{title}’에 대해 말하는 내용은 아래 주제에서 볼 수 있어요. 자세한 채용 조건은 지원 링크의 공고를 "
            "확인해 주세요."
        ),
        "not_covered": (
            "인터뷰에는 {what} 이야기가 나오지 않아서, 그 질문에는 답할 수 없어요. 자세한 채용 조건은 지원 링크의 "
            "공고를 확인하고, 답할 수 있는 주제는 '주제 보기'로 확인해 보세요."
        ),
        "not_covered_related": "관련 주제",
        "fact:money": "연봉이나 처우",
        "fact:benefits": "복지나 근무 조건",
        "fact:hours": "근무 시간",
        "fact:date": "날짜나 일정",
        "fact:place": "장소, 위치나 주소",
        "fact:process": "전형 절차(면접, 코딩 테스트 등)",
        "fact:experience": "자격 요건(경력 연수, 학력, 나이 등)",
        "fact:stack": "기술 스택이나 버전",
        "fact:role": "팀장이나 인터뷰어 같은 담당자",
        "fact:realname": "실명",
        "fact:name": "사람들의 이름",
        "fact:count": "인원이나 숫자",
        "fact:howto": "추천이나 방법 안내",
        "fact:amount": "금액이나 수치",
        "fact:duration": "기간",
        "fact:detail": "그런 세부 업무",
        "fact:definition": "용어나 기술의 설명",
    },
    "en": {
        "clarify": "Did you mean one of these?",
        "more": "These topics go with it. Pick one.",
        "fallback": (
            "Sorry, I don't know the answer to that. I only answer what Kakao's Platform/Infra "
            "office recruiting interview covers. You can apply at the link below, or browse the "
            "topics I can answer."
        ),
        "apply": "Apply",
        "related": "Related topics",
        "topics": "Here is what I can answer. Pick a topic.",
        "topics_button": "Browse topics",
        "quote_by": "{name} ({team})",
        "translation": "Translation: ",
        "unknown_option": "That choice is no longer available. Please type your question again.",
        "welcome": "Hello! I answer questions about Kakao's Platform/Infra office recruiting interview. Ask away.",
        "help": (
            "I answer questions about the Kakao Platform/Infra office experienced-developer hiring interview. "
            "Just ask, e.g. 'How do I apply?' or 'What does the data platform team do?'\n\n"
            "/topics browse what I can answer\n/apply the application link\n/help this help"
        ),
        "help_kakao": (
            "I answer questions about the Kakao Platform/Infra office experienced-developer hiring interview. "
            "Just ask, e.g. 'How do I apply?' or 'What does the data platform team do?', and follow up with "
            "'what about the storage cell?'.\n\n'topics': what I can answer\n'How to apply': the application "
            "link\n'help': this help"
        ),
        "help_console": (
            "I answer questions about the Kakao Platform/Infra office experienced-developer hiring interview. "
            "Just ask, and follow up with 'what about that team?'.\n\n'topics': browse what I can answer\n"
            "a number: pick one of the choices shown\n'help': this help\nCtrl-D: quit"
        ),
        "non_text": "I only understand typed questions. Please ask me in words.",
        "too_long": "That question is too long for me. Please ask one thing in a sentence or two.",
        "unknown_command": "I don't know that command. Send /help to see what I can do.",
        "error": "Sorry, something went wrong while preparing the answer. Please try again in a moment.",
        "apply_text": "You can apply at the link below.",
        "feedback_up": "Thanks! Your feedback is noted.",
        "feedback_down": "Thanks for telling me. We'll work on a better answer.",
        "feedback_again": "Feedback already received.",
        "feedback_none": "I can't tell which answer that is about. Please ask your question again.",
        "vote_up": "👍 Helpful",
        "vote_down": "👎 Not helpful",
        "not_covered_topic": (
            "The interview says nothing about {what} for “{title}”, so I can't answer that. What it does say "
            "about “{title}” is in the topic below; the job posting behind the apply link may have the details."
        ),
        "not_covered": (
            "The interview says nothing about {what}, so I can't answer that. The job posting behind the apply "
            "link may have the details, and 'Browse topics' shows what I can answer."
        ),
        "not_covered_related": "Related topic",
        "fact:money": "salary or pay",
        "fact:benefits": "benefits or employment terms",
        "fact:hours": "working hours",
        "fact:date": "dates or deadlines",
        "fact:place": "places, locations or addresses",
        "fact:process": "the hiring process (interviews, coding tests)",
        "fact:experience": "requirements such as years of experience, degrees or age",
        "fact:stack": "the tech stack or versions",
        "fact:role": "who leads a team or who wrote the interview",
        "fact:realname": "real names",
        "fact:name": "names of people",
        "fact:count": "headcounts or other numbers",
        "fact:howto": "recommendations or how-to instructions",
        "fact:amount": "amounts or figures",
        "fact:duration": "durations",
        "fact:detail": "details of the work like that",
        "fact:definition": "explanations of terms or technologies",
    },
}


def phrase(language: str, key: str) -> str:
    """A fixed piece of wording in the given language (English when there is none)."""
    return _TEXT.get(language, _TEXT["en"])[key]


@dataclass(frozen=True)
class QuoteView:
    """A verbatim quote ready to show: the words, who said them, and a translation if any."""

    text: str
    speaker: str
    translation: str | None = None


@dataclass(frozen=True)
class Option:
    """A button or numbered choice: an entry id and its title in the reply's language."""

    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """What every channel shows, in one language."""

    kind: str  # answer | clarify | fallback | topics | welcome | notice
    language: str
    text: str
    apply_url: str
    apply_label: str
    quotes: tuple[QuoteView, ...] = ()
    options: tuple[Option, ...] = ()
    options_title: str | None = None
    entry_id: str | None = None

    def as_text(self) -> str:
        """Plain-text rendering, as the console shows it."""
        parts = [self.text]
        for q in self.quotes:
            block = f"  “{q.text}”\n    — {q.speaker}"
            if q.translation:
                block += f"\n    ({q.translation})"
            parts.append(block)
        if self.options:
            lines = [f"{self.options_title}:"] if self.options_title else []
            lines += [f"  {i}. {o.label}" for i, o in enumerate(self.options, 1)]
            parts.append("\n".join(lines))
        if self.apply_url not in self.text:
            parts.append(f"{self.apply_label}: {self.apply_url}")
        return "\n\n".join(parts)


class Composer:
    """Builds replies from decisions for one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def _lang(self, language: str) -> str:
        return language if language in self.kb.languages else self.kb.languages[0]

    def _option(self, entry_id: str, language: str) -> Option:
        return Option(entry_id, self.kb.entry(entry_id).title[language])

    def _base(
        self,
        kind: str,
        language: str,
        text: str,
        *,
        quotes: tuple[QuoteView, ...] = (),
        options: tuple[Option, ...] = (),
        options_title: str | None = None,
        entry_id: str | None = None,
    ) -> Reply:
        return Reply(
            kind=kind,
            language=language,
            text=text,
            apply_url=self.kb.apply_url,
            apply_label=phrase(language, "apply"),
            quotes=quotes,
            options=options,
            options_title=options_title,
            entry_id=entry_id,
        )

    def entry(self, entry: Entry, language: str) -> Reply:
        """The answer of one entry, with its quotes and related entries."""
        lang = self._lang(language)
        quotes = []
        for q in entry.quotes:
            speakers = ", ".join(
                phrase(lang, "quote_by").format(name=self.kb.people[p].name, team=self.kb.people[p].team[lang])
                for p in q.by
            )
            translation = q.translation.get(lang)
            quotes.append(
                QuoteView(q.text, speakers, phrase(lang, "translation") + translation if translation else None)
            )
        related = tuple(self._option(r, lang) for r in entry.related)
        return self._base(
            "answer",
            lang,
            entry.answer[lang],
            quotes=tuple(quotes),
            options=related,
            options_title=phrase(lang, "related") if related else None,
            entry_id=entry.id,
        )

    def compose(self, decision: Decision) -> Reply:
        """The reply to a matcher decision."""
        lang = self._lang(decision.language)
        if decision.action == "answer" and decision.id is not None:
            return self.entry(self.kb.entry(decision.id), lang)
        if decision.action == "clarify":
            options = tuple(self._option(c.id, lang) for c in decision.options)
            text = phrase(lang, "more" if decision.via == "more" else "clarify")
            return self._base("clarify", lang, text, options=options)
        if decision.missing:
            return self.not_covered(decision.missing, decision.options[0].id if decision.options else None, lang)
        return self.fallback(lang)

    def not_covered(self, kind: str, topic: str | None, language: str) -> Reply:
        """ "The interview doesn't say": names what is not covered and, if there is one, the nearest topic."""
        lang = self._lang(language)
        what = phrase(lang, f"fact:{kind}")
        if topic is None:
            return self._base("fallback", lang, phrase(lang, "not_covered").format(what=what))
        option = self._option(topic, lang)
        text = phrase(lang, "not_covered_topic").format(what=what, title=option.label)
        return self._base("fallback", lang, text, options=(option,), options_title=phrase(lang, "not_covered_related"))

    def fallback(self, language: str) -> Reply:
        """The honest "I don't know", with the apply link and a way to the topics."""
        lang = self._lang(language)
        return self._base("fallback", lang, phrase(lang, "fallback"))

    def welcome(self, language: str) -> Reply:
        """The first message: the greeting entry's answer (if the FAQ has one) and the topics to browse."""
        lang = self._lang(language)
        greeting = self.kb.get("greeting")
        text = greeting.answer[lang] if greeting else phrase(lang, "welcome")
        return replace(self.topics(lang), kind="welcome", text=text)

    def notice(self, language: str, key: str) -> Reply:
        """A fixed message (help, hints, apologies) with the apply link."""
        lang = self._lang(language)
        return self._base("notice", lang, phrase(lang, key))

    def topics(self, language: str) -> Reply:
        """Every browsable entry as an option."""
        lang = self._lang(language)
        options = tuple(self._option(e.id, lang) for e in self.kb.entries if e.browse)
        return self._base("topics", lang, phrase(lang, "topics"), options=options)

"""Decision -> channel-neutral Reply: text in the asker's language, attributed quotes, the apply
link, follow-up or clarify options. Channels render a Reply; they never look inside the matcher.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import Entry, KnowledgeBase
from bot.matching import Decision

# Fixed wording, per language; languages without their own wording use English.
_TEXT = {
    "ko": {
        "clarify": "이 중에 궁금하신 게 있나요?",
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
    },
    "en": {
        "clarify": "Did you mean one of these?",
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

    kind: str  # answer | clarify | fallback | topics
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

    def _base(self, kind: str, language: str, text: str, **kw: object) -> Reply:
        return Reply(
            kind=kind,
            language=language,
            text=text,
            apply_url=self.kb.apply_url,
            apply_label=phrase(language, "apply"),
            **kw,
        )  # type: ignore[arg-type]

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
            return self._base("clarify", lang, phrase(lang, "clarify"), options=options)
        return self.fallback(lang)

    def fallback(self, language: str) -> Reply:
        """The honest "I don't know", with the apply link and a way to the topics."""
        lang = self._lang(language)
        return self._base("fallback", lang, phrase(lang, "fallback"))

    def topics(self, language: str) -> Reply:
        """Every browsable entry as an option."""
        lang = self._lang(language)
        options = tuple(self._option(e.id, lang) for e in self.kb.entries if e.browse)
        return self._base("topics", lang, phrase(lang, "topics"), options=options)

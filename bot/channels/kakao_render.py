"""Reply -> Kakao i Open Builder skill response (version 2.0), within the platform's limits. Pure.

Limits kept (Open Builder skill response reference): at most 3 outputs and 10 quick replies; simpleText
up to 1,000 characters; textCard title up to 50 and description up to 400 characters, at most 3
buttons; button and quick-reply labels up to 14 characters; links only http/https. Text over a limit is
cut at a sentence or word boundary and marked with "…", never rejected.

Quick replies send their messageText back as the user's next utterance. They carry an entry's title,
which the channel resolves to that entry before matching (see ``TopicIndex``), "주제 보기 2" /
"topics 2" for further pages of the topic list, and "👍" / "👎" as a vote on the answer just given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.knowledge import Entry, KnowledgeBase
from bot.replies import Option, Reply, phrase

MAX_OUTPUTS = 3
MAX_QUICK_REPLIES = 10
MAX_SIMPLE_TEXT = 1000
MAX_CARD_TITLE = 50
MAX_CARD_DESCRIPTION = 400
MAX_BUTTONS = 3
MAX_LABEL = 14
TOPICS_PER_PAGE = 9  # leaves one quick reply for "next page"

_TOPICS_WORDS = {"ko": "주제 보기", "en": "topics"}
VOTES = {"👍": 1, "👎": -1}
_TOPICS_RE = re.compile(r"^\s*(?:주제\s*보기|주제|topics|browse topics)\s*(\d+)?\s*$", re.IGNORECASE)


def trim(text: str, limit: int) -> str:
    """The text cut to ``limit`` characters at a sentence, line or word boundary, with "…" when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    for boundary in ("\n", ". ", "다. ", "요. ", "? ", "! ", " "):
        at = room.rfind(boundary)
        if at >= limit // 2:
            return room[: at + len(boundary)].rstrip() + "…"
    return room.rstrip() + "…"


def safe_link(url: str) -> str | None:
    """The URL if it is http(s), else None (the platform accepts nothing else)."""
    return url if re.match(r"^https?://[^\s]+$", url) else None


@dataclass(frozen=True)
class TopicIndex:
    """Entry titles (what topic quick replies send back) -> entries, for one knowledge base."""

    by_title: dict[str, tuple[Entry, str]]

    @classmethod
    def of(cls, kb: KnowledgeBase) -> TopicIndex:
        """Index every title in every language (the first entry wins a shared title)."""
        titles: dict[str, tuple[Entry, str]] = {}
        for entry in kb.entries:
            for lang, title in entry.title.items():
                titles.setdefault(_key(title), (entry, lang))
        return cls(titles)

    def entry(self, utterance: str) -> tuple[Entry, str] | None:
        """The entry (and language) whose title the utterance is, exactly (ignoring case and spacing)."""
        return self.by_title.get(_key(utterance))


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def topics_page(utterance: str) -> int | None:
    """1-based page of the topic list the utterance asks for ("주제 보기", "topics 2"), else None."""
    m = _TOPICS_RE.match(utterance)
    if not m:
        return None
    return max(1, int(m.group(1) or 1))


def vote_of(utterance: str) -> int | None:
    """+1 / -1 when the utterance is a vote quick reply ("👍" / "👎"), else None."""
    return VOTES.get(utterance.strip())


def _simple(text: str) -> dict[str, Any]:
    return {"simpleText": {"text": trim(text, MAX_SIMPLE_TEXT)}}


def _quick(label: str, message: str) -> dict[str, Any]:
    return {"label": trim(label, MAX_LABEL), "action": "message", "messageText": message}


def _apply_card(reply: Reply, title: str | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {"description": trim(phrase(reply.language, "apply_text"), MAX_CARD_DESCRIPTION)}
    if title:
        card["title"] = trim(title, MAX_CARD_TITLE)
    link = safe_link(reply.apply_url)
    if link:
        card["buttons"] = [{"action": "webLink", "label": trim(reply.apply_label, MAX_LABEL), "webLinkUrl": link}]
    return {"textCard": card}


def _quotes_text(reply: Reply) -> str | None:
    """Quotes with their speakers, whole quotes only while they fit; the first is cut if it alone is too long."""
    blocks = []
    for q in reply.quotes:
        block = f"“{q.text}”\n— {q.speaker}"
        if q.translation:
            block += f"\n({q.translation})"
        blocks.append(block)
    if not blocks:
        return None
    text = blocks[0]
    for block in blocks[1:]:
        if len(text) + 2 + len(block) > MAX_SIMPLE_TEXT:
            break
        text += "\n\n" + block
    return text


def _topic_replies(options: tuple[Option, ...]) -> list[dict[str, Any]]:
    return [_quick(o.label, o.label) for o in options]


def response(reply: Reply, page: int = 1, feedback: bool = True) -> dict[str, Any]:
    """The skill response for a reply; topic lists are paged through quick replies, answers get votes."""
    lang = reply.language
    outputs: list[dict[str, Any]] = [_simple(reply.text)]
    quick: list[dict[str, Any]] = []
    topics_word = _TOPICS_WORDS.get(lang, _TOPICS_WORDS["en"])
    if reply.kind == "answer":
        quotes = _quotes_text(reply)
        if quotes:
            outputs.append(_simple(quotes))
        votes = [_quick(phrase(lang, "vote_up"), "👍"), _quick(phrase(lang, "vote_down"), "👎")] if feedback else []
        quick = _topic_replies(reply.options)[: MAX_QUICK_REPLIES - 1 - len(votes)]
        quick += [*votes, _quick(phrase(lang, "topics_button"), topics_word)]
    elif reply.kind in ("topics", "welcome"):
        start = (page - 1) * TOPICS_PER_PAGE
        shown = reply.options[start : start + TOPICS_PER_PAGE]
        quick = _topic_replies(shown)
        if start + TOPICS_PER_PAGE < len(reply.options):
            quick.append(_quick("▶ " + ("다음" if lang == "ko" else "more"), f"{topics_word} {page + 1}"))
    elif reply.kind == "clarify":
        quick = _topic_replies(reply.options)[: MAX_QUICK_REPLIES - 1]
        quick.append(_quick(phrase(lang, "topics_button"), topics_word))
    else:  # fallback and notices: the nearest topic if there is one, and a way to the topics
        quick = [
            *_topic_replies(reply.options)[: MAX_QUICK_REPLIES - 1],
            _quick(phrase(lang, "topics_button"), topics_word),
        ]
    outputs.append(_apply_card(reply))
    template: dict[str, Any] = {"outputs": outputs[:MAX_OUTPUTS]}
    if quick:
        template["quickReplies"] = quick[:MAX_QUICK_REPLIES]
    return {"version": "2.0", "template": template}


def error_body(message: str) -> dict[str, Any]:
    """The JSON body of a 4xx answer."""
    return {"error": message}

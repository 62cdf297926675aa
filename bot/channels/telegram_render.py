"""Reply -> Telegram messages: escaped HTML, blockquotes, inline keyboards, compact callback data.

Pure functions; the Telegram channel sends what these return. Callback data is "kind:lang[:...]"
and never longer than Telegram's 64 bytes; anything else a client sends back parses to None.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Option, Reply, phrase

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the message text
MAX_CALLBACK = 64  # bytes of callback_data
_LANG_RE = r"[a-z]{2,3}"
_ID_RE = r"[a-z0-9-]{1,40}"
_CALLBACK_RE = re.compile(
    rf"^(?:(?P<kind>a|t):(?P<lang>{_LANG_RE})(?::(?P<id>{_ID_RE}))?"
    rf"|f:(?P<flang>{_LANG_RE}):(?P<vote>[+-]):(?P<fid>{_ID_RE}))$"
)


@dataclass(frozen=True)
class Callback:
    """A parsed button press: open an entry, browse topics, or vote on an answer."""

    kind: str  # entry | topics | feedback
    language: str
    entry_id: str | None = None
    vote: int = 0  # +1 / -1 for feedback


def entry_data(language: str, entry_id: str) -> str:
    """Callback data that opens an entry."""
    return _checked(f"a:{language}:{entry_id}")


def topics_data(language: str) -> str:
    """Callback data that lists the topics."""
    return _checked(f"t:{language}")


def feedback_data(language: str, vote: int, entry_id: str) -> str:
    """Callback data of a 👍 (vote=1) or 👎 (vote=-1) button."""
    return _checked(f"f:{language}:{'+' if vote > 0 else '-'}:{entry_id}")


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_CALLBACK or parse_callback(data) is None:
        raise ValueError(f"callback data {data!r} is not valid")
    return data


def parse_callback(data: str | None) -> Callback | None:
    """The button a client pressed, or None for data this bot never produced."""
    if not data or len(data.encode()) > MAX_CALLBACK:
        return None
    m = _CALLBACK_RE.match(data)
    if m is None:
        return None
    if m["vote"]:
        return Callback("feedback", m["flang"], m["fid"], 1 if m["vote"] == "+" else -1)
    if m["kind"] == "a":
        return Callback("entry", m["lang"], m["id"]) if m["id"] else None
    return Callback("topics", m["lang"]) if m["id"] is None else None


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML text and an optional inline keyboard."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _split_raw(text: str, limit: int) -> list[str]:
    """Cut plain text so that each piece, escaped, fits in limit: at paragraphs, lines, sentences, spaces."""
    if _units(html.escape(text, quote=False)) <= limit:
        return [text]
    for sep in ("\n\n", "\n", ". ", " "):
        parts = text.split(sep)
        if len(parts) > 1:
            pieces: list[str] = []
            current = ""
            for i, part in enumerate(parts):
                chunk = part + (sep if i < len(parts) - 1 else "")
                if current and _units(html.escape(current + chunk, quote=False)) > limit:
                    pieces.append(current)
                    current = ""
                current += chunk
            if current:
                pieces.append(current)
            if len(pieces) > 1:
                return [p for piece in pieces for p in _split_raw(piece, limit)]
    # No separator helps (one enormous word): cut by characters.
    step = max(1, limit // 6)  # an escaped character is at most 6 units long ("&quot;" is not used)
    return [text[i : i + step] for i in range(0, len(text), step)]


def _block(text: str, before: str = "", after: str = "", limit: int = MAX_MESSAGE, last_after: str = "") -> list[str]:
    """Escaped text wrapped in tags, cut to fit; ``last_after`` closes only the final piece."""
    room = limit - _units(before + after + last_after)
    pieces = _split_raw(text, room)
    return [
        before + html.escape(p, quote=False) + (last_after if i == len(pieces) - 1 else "") + after
        for i, p in enumerate(pieces)
    ]


def preformatted(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Plain text (reports, reload errors) as escaped <pre> messages, cut at lines where it is long."""
    return _block(text, "<pre>", "</pre>", limit)


def _pack(blocks: list[str], limit: int) -> list[str]:
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if current and _units(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def _option_button(option: Option, language: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(option.label, callback_data=entry_data(language, option.id))


def keyboard(reply: Reply, feedback: bool = True) -> InlineKeyboardMarkup:
    """Buttons under a reply: its options, 👍/👎 on answers, the apply link, and a way to the topics."""
    lang = reply.language
    buttons = [_option_button(o, lang) for o in reply.options]
    # A long topic list reads better two to a row; answers and clarify options get a row each.
    width = 2 if reply.kind in ("topics", "welcome") and all(len(o.label) <= 14 for o in reply.options) else 1
    rows: list[list[InlineKeyboardButton]] = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    if feedback and reply.kind == "answer" and reply.entry_id:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=feedback_data(lang, 1, reply.entry_id)),
                InlineKeyboardButton("👎", callback_data=feedback_data(lang, -1, reply.entry_id)),
            ]
        )
    last = [InlineKeyboardButton(reply.apply_label, url=reply.apply_url)]
    if reply.kind not in ("topics", "welcome"):
        last.append(InlineKeyboardButton(phrase(lang, "topics_button"), callback_data=topics_data(lang)))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def render(reply: Reply, feedback: bool = True, limit: int = MAX_MESSAGE) -> list[Outgoing]:
    """The messages that show a reply; the keyboard goes under the last one."""
    blocks = _block(reply.text, limit=limit)
    for q in reply.quotes:
        speaker = f"\n— <i>{html.escape(q.speaker, quote=False)}</i>"
        if q.translation:
            speaker += f"\n<i>{html.escape(q.translation, quote=False)}</i>"
        if _units(speaker) > limit // 2:  # an absurdly long translation goes on its own
            blocks += _block(q.text, "<blockquote>", "</blockquote>", limit)
            blocks += _block(f"— {q.speaker}\n{q.translation or ''}".strip(), limit=limit)
        else:
            blocks += _block(q.text, "<blockquote>", "</blockquote>", limit, last_after=speaker)
    if reply.apply_url not in reply.text:
        blocks += _block(f"{reply.apply_label}: {reply.apply_url}", limit=limit)
    messages = _pack(blocks, limit)
    markup = keyboard(reply, feedback)
    return [Outgoing(text, markup if i == len(messages) - 1 else None) for i, text in enumerate(messages)]

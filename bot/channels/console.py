"""The console channel: `faqbot chat`, a conversation in the terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.conversation import Conversations, command_of
from bot.engine import Engine
from bot.replies import Reply

_KEY = "console"


def chat(
    engine_of: Callable[[], Engine],
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    conversations: Conversations | None = None,
) -> int:
    """Read questions until EOF, as one conversation: a follow-up keeps its context, a number picks an
    option of the last reply. Returns an exit code."""
    conversations = conversations if conversations is not None else Conversations()
    engine = engine_of()
    lang = engine.kb.languages[0]
    welcome = engine.composer.entry(engine.kb.entry("greeting"), lang) if engine.kb.get("greeting") else None
    intro = welcome.as_text() if welcome else ""
    if welcome is not None:
        engine.opened(conversations, _KEY, welcome)  # its numbered topics can be picked
    stdout.write(f"{intro}\n\n(주제 보기: '주제' · 번호로 선택 · 도움말: '도움말' · 끝내기: Ctrl-D)\n" if intro else "")
    last: Reply | None = None
    while True:
        if interactive:
            stdout.write("\n> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            if interactive:
                stdout.write("\n")
            return 0
        text = line.strip()
        if not text:
            continue
        engine = engine_of()  # a reload between questions takes effect here
        command = command_of(text)
        language = last.language if last else lang
        if command == "topics":
            last = engine.composer.topics(language)
            engine.opened(conversations, _KEY, last)
        elif command == "help":
            last = engine.composer.notice(language, "help_console")
        elif command == "apply" and engine.kb.get("apply") is not None:
            last = engine.composer.entry(engine.kb.entry("apply"), language)
            engine.opened(conversations, _KEY, last)
        else:
            _, last = engine.converse(conversations, _KEY, text, last.language if last else lang)
        stdout.write(last.as_text() + "\n")

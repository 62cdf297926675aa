"""The console channel: `faqbot chat`, a conversation in the terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine
from bot.replies import Reply

_TOPIC_WORDS = {"/topics", "topics", "주제", "주제 보기", "/help", "help", "도움말"}


def chat(engine_of: Callable[[], Engine], stdin: TextIO, stdout: TextIO, interactive: bool) -> int:
    """Read questions until EOF; a number picks an option of the last reply. Returns an exit code."""
    engine = engine_of()
    lang = engine.kb.languages[0]
    welcome = engine.composer.entry(engine.kb.entry("greeting"), lang) if engine.kb.get("greeting") else None
    intro = welcome.as_text() if welcome else ""
    stdout.write(f"{intro}\n\n(주제 보기: 'topics' · 번호로 선택 · 끝내기: Ctrl-D)\n" if intro else "")
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
        if text.lower() in _TOPIC_WORDS:
            last = engine.composer.topics(last.language if last else lang)
        elif text.isdigit() and last is not None and 1 <= int(text) <= len(last.options):
            chosen = last.options[int(text) - 1]
            entry = engine.kb.get(chosen.id)
            last = engine.composer.entry(entry, last.language) if entry else engine.composer.fallback(last.language)
        else:
            _, last = engine.ask(text)
        stdout.write(last.as_text() + "\n")

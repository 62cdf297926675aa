"""Hot reload of faq.yaml: valid and invalid edits, in place, by rename and by symlink swap, while answering."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from pathlib import Path

import pytest

from bot.channels.console import chat
from bot.engine import Engine
from bot.errors import KnowledgeBaseError
from bot.reload import LiveEngine, ReloadResult, watch
from tests.conftest import FAQ, NEW_ENTRY, copy_faq, lexical_build


def with_entry(path: Path) -> str:
    return path.read_text(encoding="utf-8").rstrip("\n") + "\n" + NEW_ENTRY


def broken(path: Path) -> str:
    return path.read_text(encoding="utf-8").replace("    questions:\n", "    qustions:\n", 1)


def answer_id(live: LiveEngine, question: str) -> str | None:
    return live().ask(question)[0].id


def test_valid_edit_in_place_is_picked_up(faq: Path) -> None:
    live = LiveEngine.load(faq, lexical_build)
    before = live()
    assert live.check() is None  # nothing changed yet
    faq.write_text(with_entry(faq), encoding="utf-8")
    result = live.check(settle=0.01)
    assert result is not None and result.ok and result.changed
    assert result.message().startswith("reloaded in ")
    assert live() is not before
    assert answer_id(live, "근무 시간은 어떻게 되나요?") == "office-hours"
    assert before.kb.get("office-hours") is None  # the old engine is untouched (a question in flight)


def test_invalid_edit_keeps_the_last_good_version_and_reports_file_line_col(faq: Path) -> None:
    heard: list[ReloadResult] = []
    live = LiveEngine.load(faq, lexical_build)
    live.listeners.append(heard.append)
    before = live()
    text = broken(faq)
    faq.write_text(text, encoding="utf-8")
    at = text.splitlines().index("  - id: apply") + 1
    result = live.check(settle=0.01)
    assert result is not None and not result.ok and not result.changed
    assert live() is before
    assert result.problems == (
        f"{faq}:{at}:5: entry 'apply': 'questions' is missing",
        f"{faq}:{at + 2}:5: entry 'apply': unknown key 'qustions' (did you mean 'questions'?); "
        "allowed: answer, browse, id, questions, quotes, related, title",
    )
    assert result.message().splitlines()[0].endswith("not reloaded, still serving the last good version; 2 problem(s):")
    assert answer_id(live, "어떻게 지원해요?") == "apply"
    assert heard == [result]
    assert live.check() is None and live.reload() is result and heard == [result]  # told once, not per look


def test_replace_by_rename_is_picked_up(faq: Path) -> None:
    live = LiveEngine.load(faq, lexical_build)
    tmp = faq.with_name(".faq.yaml.swp")
    tmp.write_text(with_entry(faq), encoding="utf-8")
    os.replace(tmp, faq)  # what vim, VS Code and most deploy tools do
    result = live.check(settle=0.01)
    assert result is not None and result.changed
    assert answer_id(live, "근무 시간은 어떻게 되나요?") == "office-hours"


def test_symlink_swap_is_picked_up(tmp_path: Path) -> None:
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    v1.mkdir()
    v2.mkdir()
    copy_faq(v1)
    copy_faq(v2, with_entry(v1 / "faq.yaml"))
    link = tmp_path / "faq.yaml"
    link.symlink_to(v1 / "faq.yaml")
    live = LiveEngine.load(link, lexical_build)
    new_link = tmp_path / "faq.yaml.new"
    new_link.symlink_to(v2 / "faq.yaml")
    os.replace(new_link, link)  # an atomic deployment switch
    result = live.check(settle=0.01)
    assert result is not None and result.changed
    assert answer_id(live, "근무 시간은 어떻게 되나요?") == "office-hours"


def test_a_deleted_file_keeps_serving_and_comes_back(faq: Path) -> None:
    heard: list[ReloadResult] = []
    live = LiveEngine.load(faq, lexical_build)
    live.listeners.append(heard.append)
    text = faq.read_text(encoding="utf-8")
    faq.unlink()
    result = live.check(settle=0.01, patience=0.1)
    assert result is not None and not result.ok and result.problems == (f"{faq}: file is missing",)
    assert live.check(settle=0.01, patience=0.1) is None and len(heard) == 1
    assert answer_id(live, "어떻게 지원해요?") == "apply"
    faq.write_text(text + NEW_ENTRY, encoding="utf-8")
    assert live.check(settle=0.01).changed


def test_a_thousand_entry_file_reloads(tmp_path: Path) -> None:
    path = copy_faq(tmp_path)
    live = LiveEngine.load(path, lexical_build)
    extra = "".join(
        NEW_ENTRY.replace("office-hours", f"topic-{i}")
        .replace("근무 시간은", f"주제 {i}번은")
        .replace("what are the office hours", f"what about topic number {i}")
        for i in range(990)
    )
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    result = live.reload()
    assert result.ok and len(live().kb.entries) == 15 + 990
    assert answer_id(live, "주제 517번은 어떻게 되나요") == "topic-517"


async def test_watcher_swaps_while_questions_are_answered(faq: Path) -> None:
    live = LiveEngine.load(faq, lexical_build)
    heard: list[ReloadResult] = []
    live.listeners.append(heard.append)
    answers: list[str | None] = []
    stop = threading.Event()

    def ask_forever() -> None:  # a steady stream of questions on another thread
        while not stop.is_set():
            answers.append(answer_id(live, "어떻게 지원해요?"))

    asker = threading.Thread(target=ask_forever)
    asker.start()
    watcher = asyncio.create_task(watch(live, interval=0.05))
    try:
        faq.write_text(broken(faq), encoding="utf-8")
        await wait_until(lambda: len(heard) == 1)
        assert not heard[0].ok
        faq.write_text(FAQ.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        await wait_until(lambda: len(heard) == 2)
        assert heard[1].ok and heard[1].changed
    finally:
        watcher.cancel()
        stop.set()
        asker.join()
    assert answers and set(answers) == {"apply"}  # never a wrong or failed answer during the swaps
    assert answer_id(live, "근무 시간은 어떻게 되나요?") == "office-hours"


async def wait_until(predicate, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_console_chat_picks_up_an_edit_between_questions(faq: Path) -> None:

    live = LiveEngine.load(faq, lexical_build)

    def engine_of() -> Engine:
        live.check(settle=0.01)
        return live()

    class Typist(io.StringIO):
        """Types two questions and saves faq.yaml in between, as a recruiter trying an edit would."""

        def __init__(self) -> None:
            super().__init__()
            self.lines = ["근무 시간은 어떻게 되나요?\n", "근무 시간은 어떻게 되나요?\n"]

        def readline(self, *_: object) -> str:
            if len(self.lines) == 1:
                faq.write_text(FAQ.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
            return self.lines.pop(0) if self.lines else ""

    out = io.StringIO()
    assert chat(engine_of, Typist(), out, interactive=False) == 0
    text = out.getvalue()
    assert text.count("테스트용 답변입니다.") == 1  # answered once: after the edit, not before
    before = text[: text.index("테스트용 답변입니다.")]
    # Before the edit, nothing in faq.yaml holds working hours: the bot says the interview does not cover it.
    assert "근무 시간 이야기가 나오지 않아서, 그 질문에는 답할 수 없어요." in before


def test_a_mode_change_is_looked_at_again(faq: Path) -> None:
    # An unreadable file fixed with chmod changes nothing but the mode; it must be read again.
    live = LiveEngine.load(faq, lexical_build)
    assert not live.changed_on_disk()
    faq.chmod(0o600)
    assert live.changed_on_disk()


def test_a_missing_file_at_start_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError) as info:
        LiveEngine.load(tmp_path / "faq.yaml", lexical_build)
    assert [str(p) for p in info.value.problems] == [f"{tmp_path / 'faq.yaml'}:1:1: file not found"]


def test_an_edit_of_the_interview_is_a_new_version_too(faq: Path) -> None:
    # A quote that is no longer in the interview must stop being served, as if faq.yaml had changed.
    live = LiveEngine.load(faq, lexical_build)
    interview = faq.parent / "kakao-interview.txt"
    interview.write_text(interview.read_text(encoding="utf-8").replace("MongoDB전문가", "Mongo 전문가"), "utf-8")
    assert live.changed_on_disk()
    result = live.check(settle=0.01)
    assert result is not None and not result.ok
    assert any("quote by dj is not in the interview" in p for p in result.problems), result.problems


def test_the_console_is_one_conversation(engine) -> None:
    lines = io.StringIO("하둡 팀은 뭐 해요?\n그 팀 연봉은요?\n1\n도움말\n")
    out = io.StringIO()
    assert chat(lambda: engine, lines, out, interactive=False) == 0
    replies = out.getvalue().split("지원하기: http://kko.to/VS1FS4x00")
    assert "인터뷰에는 ‘하둡엔지니어링파트’에 관한 연봉이나 처우 이야기가 나오지 않아서" in replies[2]
    assert replies[3].strip().startswith(engine.kb.entry("team-hadoop").answer["ko"][:30])  # "1" picked the topic
    assert "번호: 보이는 선택지 고르기" in replies[4]

"""The recruiter loop through the running Telegram bot: admin commands, live reload, the store, reports."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from bot.config import AdminSettings, Settings, StoreSettings
from bot.engine import Engine
from bot.outcomes import Outcome
from bot.reload import LiveEngine
from bot.report import build, group_unanswered, render
from bot.service import Service
from bot.store import Store
from tests.conftest import FAQ, NEW_ENTRY, lexical_build, query
from tests.fakes.bot_api import FakeBotAPI, parse_html
from tests.telegram_harness import running_bot

ADMIN = 4242


@pytest.fixture
def service(tmp_path: Path, faq: Path):
    settings = Settings(
        faq_path=str(faq),
        faq_watch_seconds=0.1,
        store=StoreSettings(str(tmp_path / "faqbot.sqlite3"), 30),
        admin=AdminSettings([ADMIN]),
    )
    store = Store(settings.store.path)
    svc = Service(settings, LiveEngine.load(faq, lexical_build), store, store)
    yield svc
    store.close()


@pytest.fixture
async def api():
    server = await FakeBotAPI().start()
    yield server
    await server.stop()


def text_of(call) -> str:
    return parse_html(call.params["text"])


# -- admin commands --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/stats", "/report", "/reload"])
async def test_non_admins_get_exactly_the_unknown_command_reply(api, service, command) -> None:
    async with running_bot(api, None, service=service) as bot:
        [unknown] = await bot.ask(1, "/salary")
        [refused] = await bot.ask(1, command)
    assert refused.params["text"] == unknown.params["text"]
    assert refused.params.get("reply_markup") == unknown.params.get("reply_markup")


async def test_only_the_admins_menu_lists_the_admin_commands(api, service) -> None:
    async with running_bot(api, None, service=service):
        await api.wait_for(lambda: any("scope" in c.params for c in api.of("setMyCommands")))
    menus = [(c.params.get("scope"), [x["command"] for x in c.params["commands"]]) for c in api.of("setMyCommands")]
    public = [commands for scope, commands in menus if scope is None]
    assert public and all(commands == ["start", "help", "topics", "apply"] for commands in public)
    assert [(s, c) for s, c in menus if s is not None] == [
        ({"type": "chat", "chat_id": ADMIN}, ["start", "help", "topics", "apply", "reload", "stats", "report"])
    ]


async def test_admin_commands_stay_private_in_groups(api, service) -> None:
    async with running_bot(api, None, service=service) as bot:
        api.message(ADMIN, "/stats", chat_id=-100777, chat_type="supergroup")
        [unknown] = await bot.ask(ADMIN, f"/stats@{api.username}", chat_id=-100777, chat_type="supergroup")
    assert parse_html(unknown.params["text"]).startswith("모르는 명령이에요.")
    assert len(api.sent(-100777)) == 1  # the unaddressed /stats got nothing at all


async def test_stats_counts_the_last_day(api, service) -> None:
    async with running_bot(api, None, service=service) as bot:
        await bot.ask(7, "어떻게 지원해요?")
        await bot.ask(8, "연봉은 얼마예요?")
        service.store.flush()
        [stats] = await bot.ask(ADMIN, "/stats")
    text = text_of(stats)
    assert text.startswith("2 questions in the last 24 h")
    assert "answer: 1" in text and "fallback: 1" in text
    assert stats.params["text"].startswith("<pre>")


async def test_report_shows_unanswered_groups_with_a_suggestion(api, service) -> None:
    async with running_bot(api, None, service=service) as bot:
        for user, q in [(1, "연봉은 얼마예요?"), (2, "연봉 얼마에요"), (3, "재택근무 되나요?")]:
            await bot.ask(user, q)
        service.store.flush()
        [report] = await bot.ask(ADMIN, "/report")
    lines = text_of(report).splitlines()
    assert lines[0] == "top unanswered questions, last 7 days:"
    assert lines[1].startswith("2× ") and "연봉" in lines[1]


async def test_admin_reload_reports_errors_and_keeps_serving(api, service, faq) -> None:
    service.settings = Settings(**{**service.settings.__dict__, "faq_watch_seconds": 0})  # only /reload
    async with running_bot(api, None, service=service) as bot:
        faq.write_text(faq.read_text(encoding="utf-8").replace("    answer:\n", "    answr:\n", 1), encoding="utf-8")
        [result] = await bot.ask(ADMIN, "/reload")
        [still] = await bot.ask(9, "어떻게 지원해요?")
        faq.write_text(FAQ.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        [ok] = await bot.ask(ADMIN, "/reload")
        [new] = await bot.ask(9, "근무 시간은 어떻게 되나요?")
    lines = text_of(result).splitlines()
    assert "not reloaded, still serving the last good version" in lines[0]
    assert any(f"{faq}:" in line and "unknown key 'answr' (did you mean 'answer'?)" in line for line in lines)
    assert text_of(still).startswith("카카오 플랫폼/인프라실 경력 개발자 영입에")
    assert text_of(ok).startswith("reloaded in ")
    assert text_of(new).startswith("테스트용 답변입니다.")


async def test_a_broken_save_is_sent_to_admins_and_changes_nothing(api, service, faq) -> None:
    async with running_bot(api, None, service=service) as bot:
        faq.write_text(faq.read_text(encoding="utf-8").replace("languages: [ko, en]", "languages: [ko, en"), "utf-8")
        await api.wait_for(lambda: len(api.sent(ADMIN)) == 1, timeout=15)
        [answer] = await bot.ask(9, "어떻게 지원해요?")
        faq.write_text(FAQ.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        await api.wait_for(lambda: service.engine().kb.get("office-hours") is not None, timeout=15)
        [new] = await bot.ask(9, "근무 시간은 어떻게 되나요?")
    alert = text_of(api.sent(ADMIN)[0])
    assert "not reloaded, still serving the last good version" in alert
    assert f"{faq}:" in alert and "YAML syntax error" in alert
    assert text_of(answer).startswith("카카오 플랫폼/인프라실 경력 개발자 영입에")
    assert text_of(new).startswith("테스트용 답변입니다.")
    assert len(api.sent(ADMIN)) == 1  # a good reload is logged, not messaged


# -- the store behind the bot ----------------------------------------------------------------------


async def test_outcomes_and_votes_reach_the_store_with_hashed_users(api, service, tmp_path) -> None:
    async with running_bot(api, None, service=service) as bot:
        [answer] = await bot.ask(31337, "어떻게 지원해요?")
        await bot.ask(31337, "연봉은 얼마예요?")
        api.press(31337, "f:ko:-:apply", answer.result)
        await api.wait_for(lambda: len(api.of("answerCallbackQuery")) == 1)
    service.store.flush()
    db = tmp_path / "faqbot.sqlite3"
    rows = query(db, "SELECT channel, action, entry_id, question, user_hash FROM outcomes ORDER BY id")
    assert [r[:4] for r in rows] == [
        ("telegram", "answer", "apply", None),
        ("telegram", "fallback", None, "연봉은 얼마예요?"),
    ]
    assert {r[4] for r in rows} == {service.store.hash_user("telegram", "31337")}  # the id itself is not kept
    assert query(db, "SELECT entry_id, vote FROM feedback") == [("apply", -1)]


async def test_a_read_only_database_never_stops_answers(api, tmp_path, faq, caplog) -> None:
    Store(tmp_path / "ro.sqlite3").close()
    store = Store(f"file:{tmp_path / 'ro.sqlite3'}?mode=ro")
    svc = Service(
        Settings(faq_path=str(faq), admin=AdminSettings([ADMIN])), LiveEngine.load(faq, lexical_build), store, store
    )
    try:
        async with running_bot(api, None, service=svc) as bot:
            for user in range(1, 6):
                [reply] = await bot.ask(user, "어떻게 지원해요?")
                assert text_of(reply).startswith("카카오 플랫폼/인프라실 경력 개발자 영입에")
        store.flush()
    finally:
        store.close()
    assert caplog.text.count("cannot write") == 1


async def test_restart_after_a_crash_does_not_answer_again(api, service) -> None:
    # The first run answers but never confirms the offset (as after SIGKILL); the store remembers.
    async with running_bot(api, None, service=service) as bot:
        await bot.ask(5, "어떻게 지원해요?")
        service.store.flush()
    answered = api._update_id
    # The server hands the answered update out again, as it does when the offset was never confirmed.
    api.pending.append({"update_id": answered, "message": _message(api, 5, "어떻게 지원해요?")})
    async with running_bot(api, None, service=service):
        await asyncio.sleep(1.0)
    assert len(api.sent(5)) == 1


def _message(api: FakeBotAPI, user_id: int, text: str) -> dict:
    user = api.user(user_id)
    return {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private", "first_name": "U"}, "from": user,
            "text": text}  # fmt: skip


# -- faqbot report -----------------------------------------------------------------------------------


MISSES = [
    "연봉은 얼마예요?",
    "연봉 얼마에요",
    "연봉이 얼마인가요?",
    "재택근무 되나요?",
    "재택 근무 가능해요?",
    "What is the salary?",
    "salary range?",
    "판교 사무실 위치",
]


def test_report_groups_misses_by_meaning_not_spelling() -> None:
    groups = group_unanswered(MISSES)
    assert [(g.count, sorted(g.examples)) for g in groups] == [
        (3, ["연봉 얼마에요", "연봉은 얼마예요?", "연봉이 얼마인가요?"]),
        (2, ["What is the salary?", "salary range?"]),
        (2, ["재택 근무 가능해요?", "재택근무 되나요?"]),
        (1, ["판교 사무실 위치"]),
    ]


def _grouped_pair_by_pair(questions: list[str]) -> list[tuple[str, int, dict[str, int]]]:
    """What group_unanswered must give: each new form, in the order first seen, compared with every group
    made before it (no index)."""
    from bot.report import Group, form_of, similarity

    groups: list[Group] = []
    home_of: dict[str, Group] = {}
    for raw in questions:
        q = raw.strip()
        if not q:
            continue
        form = form_of(q)
        home = home_of.get(form)
        if home is None:
            home = next((g for g in groups if similarity(form, g.key) >= 80), None)
            if home is None:
                home = Group(form)
                groups.append(home)
            home_of[form] = home
        home.count += 1
        home.examples[q] += 1
    return [(g.key, g.count, dict(g.examples)) for g in sorted(groups, key=lambda g: (-g.count, g.key))]


def test_grouping_skips_only_pairs_that_cannot_be_similar() -> None:
    """The character index of the grouping only saves comparisons: on real questions (the bench sets',
    repeated and re-spaced) and on edge cases (repeated syllables, lengths far apart, one inside another,
    questions of fillers alone spread over lines and tabs), it groups exactly as comparing every pair does,
    and a grouper kept between calls gives what a fresh one gives."""
    import random

    from bot.report import Grouper

    questions = []
    for path in sorted((Path(__file__).resolve().parent.parent / "bench").glob("holdout*.tsv")):
        questions += [line.rsplit("\t", 1)[1] for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
    rng = random.Random(3)
    sample = rng.sample(questions, 500)
    sample += [q.replace(" ", "") for q in sample[:50]] + sample[:80]  # spacing slips, repeats
    sample += [
        "ㅋㅋㅋㅋㅋㅋ",
        "ㅋㅋㅋㅋ",
        "하하하하하하하하",
        "하하",
        "연봉",
        "연봉 연봉 연봉 얼마",
        "a",
        "aaaa aaaa",
        "?!",
        "…",
    ]
    sample += ["재택근무", "재택근무 가능한가요 판교 사무실에서 일하는 분들도", "판교 사무실 재택근무"]
    sample += ["ㅋㅋ ㅋㅋ", "ㅋㅋ\n\n\n\n\n\n\n\nㅋㅋ", "혹시 궁금해요", "혹시\n\t궁금해요", "?! ?!\t?!"]
    expected = _grouped_pair_by_pair(sample)
    assert [(g.key, g.count, dict(g.examples)) for g in group_unanswered(sample)] == expected
    kept = Grouper()
    kept.groups(sample[:300])
    assert [(g.key, g.count, dict(g.examples)) for g in kept.groups(sample)] == expected


def test_report_names_the_nearest_entry_and_the_most_disliked(engine: Engine, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    try:
        for q in [*MISSES, "하둡이랑 스토리지", "하둡이랑 스토리지 팀"]:
            store.record(Outcome("telegram", "1", "ko", "clarify" if "하둡" in q else "fallback", None, 40, q))
        store.record(Outcome("telegram", "1", "ko", "answer", "culture", 90, "분위기"))
        from bot.outcomes import Feedback

        for vote, entry in [(-1, "culture"), (-1, "culture"), (1, "culture"), (-1, "apply")]:
            store.feedback(Feedback("telegram", "1", entry, vote))
        store.flush()
        report = build(store.outcomes(), store.votes(), engine.matcher.decide, "in the last 7d")
    finally:
        store.close()
    hadoop = next(g for g in report.groups if "하둡이랑 스토리지" in g.examples)
    assert hadoop.count == 2 and hadoop.nearest in ("team-hadoop", "team-storage")
    assert hadoop.suggestion() == f"add as a phrasing of '{hadoop.nearest}'?"
    salary = report.groups[0]
    assert salary.suggestion() == "a new entry? (only if the interview answers it)"
    assert report.disliked() == [("culture", 2, 1), ("apply", 1, 0)]
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    assert rows[0] == ["section", "key", "count", "detail", "suggestion"]
    assert ["disliked", "culture", "2", "up 1", ""] in rows
    md = render(report, "markdown")
    assert "## Unanswered questions, grouped" in md and "| count | examples |" in md
    table = render(report, "table")
    assert table.startswith("11 questions in the last 7d")


def test_faqbot_report_command(faqbot, tmp_path: Path) -> None:
    db = tmp_path / "faqbot.sqlite3"
    store = Store(db)
    for q in MISSES:
        store.record(Outcome("telegram", "1", "ko", "fallback", None, 20, q))
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[faq]\npath = "{FAQ}"\n[matching]\nsemantic = false\n[store]\npath = "faqbot.sqlite3"\n')
    result = faqbot("report", "--config", str(config), "--since", "30d", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# faqbot report\n\n8 questions in the last 30d.")
    bad = faqbot("report", "--config", str(config), "--since", "7x")
    assert (bad.returncode, bad.stderr) == (
        1,
        "faqbot: --since '7x': use a number and a unit, e.g. 7d, 24h, 30m, 2w, or 'all'\n",
    )
    db.unlink()
    missing = faqbot("report", "--config", str(config))
    assert missing.returncode == 1
    assert missing.stderr == f"faqbot: {db}: no store yet; it appears once the bot has answered a question\n"


def test_report_output_is_escaped_for_each_format(engine: Engine) -> None:
    from bot.report import build, render
    from bot.store import Row

    hostile = ["\x1b[2J\x1b]0;pwned\x07 clear", '=HYPERLINK("http://x")', "<img src=x onerror=alert(1)>", "a\rb"]
    rows = [Row(1.0, "kakao", "ko", "fallback", None, 0.0, q) for q in hostile]
    report = build(rows, {}, engine.matcher.decide, "in all")
    table = render(report, "table")
    assert "\x1b" not in table and "\x07" not in table and "\r" not in table
    assert "\\x1b[2J" in table
    cells = [c for row in csv.reader(io.StringIO(render(report, "csv"))) for c in row]
    assert not any(c[:1] in "=+-@" and c[:1] for c in cells if c), cells
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    markdown = render(report, "markdown")
    assert "<img" not in markdown and "&lt;img" in markdown

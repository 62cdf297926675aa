"""faqbot studio through a real HTTP client: every view, what it shows, and every error a recruiter or a
stranger can cause. The server is the real aiohttp application over a real LiveEngine, real files on disk
and a real SQLite store."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.errors import FaqbotError
from bot.explain import explain
from bot.outcomes import Feedback, Outcome
from bot.reload import LiveEngine
from bot.store import Store
from bot.studio import charts
from bot.studio.core import Studio
from bot.studio.runs import Runs
from bot.studio.web import COOKIE, build_app, is_loopback, refuse_open, telegram_html
from tests.conftest import copy_faq, lexical_build

DAY = 86_400.0


def make_studio(folder: Path, store: str = "") -> Studio:
    folder.mkdir(parents=True, exist_ok=True)
    faq = copy_faq(folder)
    (folder / "bench").mkdir(exist_ok=True)
    live = LiveEngine.load(faq, lexical_build)
    return Studio(live, store, Runs(folder / "cache" / "studio-runs.json"), [folder, folder / "bench"])


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    return make_studio(tmp_path, str(tmp_path / "faqbot.sqlite3"))


async def client_for(studio: Studio, token: str = "") -> TestClient:
    client = TestClient(TestServer(build_app(studio, token), host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def client(studio: Studio) -> AsyncIterator[TestClient]:
    c = await client_for(studio)
    yield c
    await c.close()


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags out, entities as they read."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


# -- try it ---------------------------------------------------------------------------------------------


async def test_try_shows_the_reply_on_both_platforms_and_why(client: TestClient) -> None:
    r = await client.get("/try", params={"q": "하둡 팀은 뭐 해요?"})
    assert r.status == 200
    body = await r.text()
    page = text_of(body)
    assert "Telegram" in page and "KakaoTalk" in page
    assert body.count("http://kko.to/VS1FS4x00") >= 2  # the apply link on both platforms
    assert "answered" in page
    assert 'href="/kb#entry-team-hadoop"' in body  # the chosen candidate, linked to its entry
    assert re.search(r'class="chosen"><td><a href="/kb#entry-team-hadoop">', body)
    assert "the estimate reached the answer level and the best entry stands out" in page
    assert "answer (lexical only) ◀" in page  # the level it compared against (no embedder here)
    assert re.search(r"P\(best is right\) = \s*0\.\d{3}", page)
    assert "<blockquote>" in body  # Telegram shows the quotes set off


async def test_try_follows_a_conversation_line_by_line(client: TestClient) -> None:
    r = await client.post("/try", data={"q": "하둡 팀은 뭐 해요?\n\n그 팀은 몇 명이에요?"})
    body = await r.text()
    assert r.status == 200
    assert 'id="turn-1"' in body and 'id="turn-2"' in body and 'id="turn-3"' not in body
    second = text_of(body.split('id="turn-2"')[1])
    assert "fell back" in second
    assert "the team named before" in second  # how the conversation resolved "그 팀"
    assert "asked for: count" in second
    assert "하둡엔지니어링파트" in second  # "the interview doesn't say" names the team's topic


async def test_try_shows_the_reading_after_layout_repair_and_unknown_words(client: TestClient) -> None:
    page = text_of(await (await client.get("/try", params={"q": "wldnjs qkdqjq"})).text())
    assert "지원 방법" in page and "keyboard in English mode" in page
    page = text_of(await (await client.get("/try", params={"q": "비트코인 시세 알려줘"})).text())
    assert "fell back" in page
    assert re.search(r"Unknown words\s+비트코인\s+시세", page)


async def test_try_escapes_what_was_typed(client: TestClient) -> None:
    body = await (await client.get("/try", params={"q": '<script>alert(1)</script><img src=x onerror="x()">'})).text()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


async def test_an_empty_try_shows_the_form_only(client: TestClient) -> None:
    body = await (await client.get("/try")).text()
    assert '<textarea id="q" name="q"' in body and 'class="turn"' not in body
    r = await client.get("/", allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == "/try"


def test_telegram_html_keeps_only_what_telegram_shows() -> None:
    shown = telegram_html('<b>bold</b> <a href="javascript:alert(1)">x</a> <a href="https://ok.test/">ok</a><i>open')
    assert str(shown).startswith("<b>bold</b> x ")
    assert '<a href="https://ok.test/" rel="noopener noreferrer" target="_blank">ok</a>' in shown
    assert shown.endswith("<i>open</i>")  # an unclosed tag is closed
    assert "javascript" not in shown
    assert str(telegram_html("a &lt;b&gt; &amp; <script>x</script>")) == "a &lt;b&gt; &amp; x"


# -- test all -------------------------------------------------------------------------------------------

MADE_UP = "퀘벡 지사의 반차 규칙 알려주세요"  # no entry answers it: a miss until faq.yaml learns it


async def test_test_all_lists_misses_and_then_what_an_edit_changed(studio: Studio, client: TestClient) -> None:
    folder = studio.live.path.parent
    (folder / "bench" / "mine.tsv").write_text(
        f"# a recruiter's own set\napply\t지원은 어떻게 해요?\napply\t{MADE_UP}\n-\t비트코인 시세 알려줘\n",
        encoding="utf-8",
    )
    page = await (await client.get("/test")).text()
    assert '<option value="bench/mine.tsv">' in page
    r = await client.post("/test", data={"set": "bench/mine.tsv"}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == "/test?set=bench/mine.tsv#results"
    body = await (await client.get("/test", params={"set": "bench/mine.tsv"})).text()
    page = text_of(body)
    assert "nothing to compare with yet" in page
    assert "right (answered with an expected id)" in page  # faqbot eval's table
    assert "Misses" in page and MADE_UP in page and "지원은 어떻게 해요?" not in page  # misses only
    assert 'href="/kb#entry-apply">apply</a>' in body  # each miss links to its entry

    # The recruiter adds the question as a phrasing of `apply`; the bot reloads; the next run shows it.
    text = studio.live.path.read_text(encoding="utf-8")
    anchor = "      ko:\n        - 지원은 어디서 하나요?"
    assert text.index(anchor) < text.index("  - id: apply") + 200  # apply's own phrasings
    text = text.replace(anchor, f"      ko:\n        - {MADE_UP}\n        - 지원은 어디서 하나요?", 1)
    assert MADE_UP in text
    studio.live.path.write_text(text, encoding="utf-8")
    assert studio.live.reload().changed
    await client.post("/test", data={"set": "bench/mine.tsv"})
    body = await (await client.get("/test", params={"set": "bench/mine.tsv"})).text()
    page = text_of(body)
    assert "1 better" in page and "0 worse" in page and "2 the same" in page
    assert re.search(rf"{MADE_UP}.*?better\s+\(was missed\)", page, re.S)
    # The last run is kept on disk: a restarted studio still compares against it.
    assert MADE_UP in (folder / "cache" / "studio-runs.json").read_text(encoding="utf-8")
    every = text_of(await (await client.get("/test", params={"set": "bench/mine.tsv", "all": "1"})).text())
    assert "Every question (3)" in every


async def test_test_all_takes_an_uploaded_conversation_file(client: TestClient) -> None:
    data = aiohttp.FormData()
    chats = "c1\tteam-hadoop\t하둡 팀은 뭐 해요?\nc1\t!team-hadoop\t그 팀은 몇 명이에요?\n"
    data.add_field("file", chats.encode(), filename="../../chats.tsv", content_type="text/tab-separated-values")
    r = await client.post("/test", data=data)
    assert r.status == 200  # followed the redirect
    page = text_of(await r.text())
    assert "upload: chats.tsv" in page  # the name, never a path
    assert "first turns" in page and "follow-up turns" in page
    body = await (await client.get("/test", params={"set": "upload: chats.tsv", "all": "1"})).text()
    # "Try it" on a follow-up asks the conversation up to it, not the turn alone.
    assert "/try?q=%ED%95%98%EB%91%A1%20%ED%8C%80%EC%9D%80%20%EB%AD%90%20%ED%95%B4%EC%9A%94%3F%0A" in body


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("just a line without a tab\n", "upload: bad.tsv:1:1: expected 'ids<TAB>question'"),
        ("no-such-entry\t질문\n", "upload: bad.tsv: ids not in"),
        ("# only a comment\n", "no labelled questions"),
        (b"\xff\xfe\x00bad", "not UTF-8 text"),
    ],
)
async def test_a_bad_set_gets_a_clear_message(client: TestClient, content: str | bytes, message: str) -> None:
    data = aiohttp.FormData()
    data.add_field("file", content.encode() if isinstance(content, str) else content, filename="bad.tsv")
    r = await client.post("/test", data=data)
    assert r.status == 400
    assert message in text_of(await r.text())


async def test_test_all_runs_only_the_sets_it_lists(client: TestClient) -> None:
    for name in ("../../etc/passwd", "/etc/passwd", "faq.yaml"):
        r = await client.post("/test", data={"set": name})
        assert r.status == 400
        assert "not one of the labelled sets" in text_of(await r.text())
    r = await client.post("/test", data={})
    assert r.status == 400 and "choose a labelled set or upload one" in text_of(await r.text())


async def test_a_set_over_the_limit_is_refused(client: TestClient) -> None:
    data = aiohttp.FormData()
    data.add_field("file", io.BytesIO(b"apply\t" + b"x" * (3 * 1024 * 1024)), filename="big.tsv")
    r = await client.post("/test", data=data)
    assert r.status == 413


# -- knowledge base -------------------------------------------------------------------------------------


async def test_knowledge_base_shows_entries_verified_quotes_and_follows_saves(
    studio: Studio, client: TestClient
) -> None:
    body = await (await client.get("/kb")).text()
    page = text_of(body)
    kb = studio.live().kb
    assert all(f'id="entry-{e.id}"' in body for e in kb.entries)
    quotes = sum(len(e.quotes) for e in kb.entries)
    assert quotes and body.count("✓ verified") == quotes
    assert "faqbot check : no problems" in re.sub(r"\s+", " ", page)
    assert "지원은 어디서 하나요?" in page  # phrasings
    assert "Related:" in page
    version = (await (await client.get("/kb/version")).json())["version"]

    # A broken save: the page lists the problem at file:line:col; the bot keeps the last good version.
    good = studio.live.path.read_text(encoding="utf-8")
    studio.live.path.write_text(
        good.replace("  - id: apply\n", "  - id: apply\n    answr: typo\n", 1), encoding="utf-8"
    )
    assert not studio.live.reload().ok
    after = await (await client.get("/kb/version")).json()
    assert after["version"] != version and after["problems"] == 1
    page = text_of(await (await client.get("/kb")).text())
    assert re.search(r"1 problem in the file on disk", page)
    assert re.search(r"faq\.yaml:43:5 : .*answr", page)
    served = await (await client.get("/try", params={"q": "지원 방법"})).text()
    assert 'class="badge bad"' in served  # every page flags the broken file
    assert 'class="chosen"><td><a href="/kb#entry-apply">' in served  # ... and the last good one answers

    studio.live.path.write_text(good, encoding="utf-8")
    page = text_of(await (await client.get("/kb")).text())
    assert "problem" not in page.split("Quotes are checked")[0].lower().replace("no problems", "")


async def test_a_quote_not_in_the_interview_would_be_marked(tmp_path: Path) -> None:
    studio = make_studio(tmp_path)
    view = studio.knowledge()
    assert all(q.verified for e in view.entries for q in e.quotes)
    # The served file is valid by construction; a quote edited on disk is a problem `faqbot check` names.
    text = studio.live.path.read_text(encoding="utf-8")
    line = "        text: 이 개발자들과 함께 일하고 싶으세요?"
    assert line in text
    studio.live.path.write_text(text.replace(line, line + " 연봉도 최고예요!", 1), encoding="utf-8")
    problems = studio.knowledge().problems
    assert [p.line for p in problems if "not in the interview" in p.message] == [
        text[: text.index(line)].count("\n") + 1
    ]


# -- what went unanswered -------------------------------------------------------------------------------


def fill_store(path: Path, now: float) -> None:
    store = Store(path)
    for day in range(5):
        for i in range(day + 1):
            store.record(Outcome("telegram", f"u{i}", "ko", "answer", "apply", 90.0, "지원 방법", at=now - day * DAY))
    for q in ("연봉이 얼마예요?", "연봉은 얼마인가요", "<b>주차</b> 돼요?"):
        store.record(Outcome("kakao", "u9", "ko", "fallback", None, 3.0, q, at=now - DAY))
    store.record(Outcome("telegram", "u8", "ko", "clarify", None, 40.0, "팀 분위기", at=now - 2 * DAY))
    store.record(Outcome("telegram", "u8", "ko", "fallback", None, 1.0, "old", at=now - 40 * DAY))
    store.feedback(Feedback("telegram", "u1", "apply", 1, at=now))
    store.feedback(Feedback("telegram", "u2", "apply", -1, at=now))
    store.feedback(Feedback("telegram", "u3", "culture", -1, at=now))
    store.close()


async def test_unanswered_shows_groups_and_pictures(studio: Studio, client: TestClient) -> None:
    fill_store(Path(studio.store_path), time.time())
    r = await client.get("/unanswered", params={"days": "7"})
    assert r.status == 200
    body = await r.text()
    page = text_of(body)
    assert "19 questions in the last 7 days" in page  # 15 answered, 3 fallbacks, 1 clarify (not the 40-day-old one)
    assert body.count('<svg class="chart"') == 2
    today = dt.date.today().isoformat()
    assert f"<title>{today}: 1 answered</title>" in body  # one answer today, as a bar with its tooltip
    assert "2×" not in page and "×2" not in page  # distinct questions, no duplicates
    assert "연봉이 얼마예요?" in page and "연봉은 얼마인가요" in page  # grouped together ...
    groups = body.split('id="groups"')[1]
    assert groups.count('<tr><td class="num">') == 3  # ... into one group, plus 주차 and 분위기
    assert "&lt;b&gt;주차&lt;/b&gt;" in body and "<b>주차</b>" not in body
    assert "지원 방법: 1 👍</title>" in body and "지원 방법: 1 👎</title>" in body
    assert "old" not in re.findall(r'href="/try\?q=([^"]+)"', groups)


async def test_unanswered_without_a_store_says_so(tmp_path: Path) -> None:
    for store, expected in (("", "no store configured"), (str(tmp_path / "none.sqlite3"), "no store yet")):
        c = await client_for(make_studio(tmp_path / f"s{len(store)}", store))
        try:
            page = text_of(await (await c.get("/unanswered")).text())
        finally:
            await c.close()
        assert expected in page and "Nothing went unanswered" in page


@pytest.mark.parametrize("query", [{"days": "x"}, {"days": "0"}, {"days": "9999"}, {"limit": "-1"}])
async def test_unanswered_refuses_bad_parameters(client: TestClient, query: dict) -> None:
    r = await client.get("/unanswered", params=query)
    assert r.status == 400
    assert "days" in text_of(await r.text())


def test_per_day_counts_each_day_and_keeps_empty_ones() -> None:
    tz = dt.timezone(dt.timedelta(hours=9))
    now = dt.datetime(2026, 11, 27, 12, tzinfo=tz).timestamp()
    from bot.store import Row

    rows = [
        Row(now, "t", "ko", "answer", "apply", 1.0, None),
        Row(now - 3 * DAY, "t", "ko", "fallback", None, 1.0, "x"),
        Row(now - 3 * DAY, "t", "ko", "too_long", None, 1.0, "x"),
        Row(now - 30 * DAY, "t", "ko", "answer", None, 1.0, None),
    ]
    days = charts.per_day(rows, 7, now, tz)
    assert days[0].date.isoformat() == "2026-11-21" and days[-1].date.isoformat() == "2026-11-27"
    assert [d.total for d in days] == [0, 0, 0, 2, 0, 0, 1]
    assert days[3].counts == {"fallback": 1, "other": 1}
    svg = charts.per_day_svg(days)
    assert svg.count("<rect") == 4 + 3  # the legend's four swatches, three bar pieces
    assert [charts._nice(n) for n in (1, 3, 7, 11, 230)] == [1, 5, 10, 20, 500]


def test_votes_picture_escapes_labels() -> None:
    svg = charts.votes_svg([("<b>x</b>", 3, 1)])
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert "no votes yet" in charts.votes_svg([])


# -- safety ---------------------------------------------------------------------------------------------


async def test_a_token_guards_every_page(studio: Studio) -> None:
    c = await client_for(studio, token="s3cret-token-for-tests")
    try:
        r = await c.get("/kb", allow_redirects=False, headers={"Accept": "text/html,*/*;q=0.8"})  # a browser
        assert r.status == 303 and r.headers["Location"] == "/login?next=/kb"
        r = await c.get("/kb/version", headers={"Accept": "application/json"})
        assert r.status == 401
        assert (await c.get("/static/studio.css")).status == 200  # the login page needs its stylesheet
        r = await c.post("/login", data={"token": "wrong", "next": "/kb"}, allow_redirects=False)
        assert r.status == 401 and "That is not the token" in await r.text()
        r = await c.post(
            "/login", data={"token": "s3cret-token-for-tests", "next": "//evil.example/x"}, allow_redirects=False
        )
        assert r.status == 303 and r.headers["Location"] == "/"  # never off this server
        cookie = r.cookies[COOKIE]
        assert cookie.value != "s3cret-token-for-tests" and cookie["httponly"] and cookie["samesite"] == "Strict"
        assert (await c.get("/kb")).status == 200  # the session cookie
        c.session.cookie_jar.clear()
        r = await c.get("/unanswered?days=30&limit=5", allow_redirects=False, headers={"Accept": "text/html"})
        assert r.headers["Location"] == "/login?next=/unanswered?days%3D30%26limit%3D5"  # the whole way back
        login = await (await c.get("/login")).text()
        assert "Serving" not in login and "faq.yaml" not in login  # nothing about the knowledge base
        for target in ("/\t/evil.example", "/\n/evil.example", "https://evil.example/", "/\\evil.example"):
            r = await c.post("/login", data={"token": "s3cret-token-for-tests", "next": target}, allow_redirects=False)
            assert r.headers["Location"] == "/", target
        r = await c.get("/kb/version", headers={"Authorization": "Bearer s3cret-token-for-tests"}, cookies={COOKIE: ""})
        assert r.status == 200
    finally:
        await c.close()


async def test_without_a_token_only_loopback_names_are_answered(client: TestClient) -> None:
    r = await client.get("/try", headers={"Host": "attacker.example:8765"})
    assert r.status == 421
    assert "only requests to localhost" in text_of(await r.text())
    assert (await client.get("/healthz", headers={"Host": "localhost:8765"})).status == 200


async def test_forms_from_other_sites_are_refused(client: TestClient) -> None:
    r = await client.post("/try", data={"q": "지원"}, headers={"Origin": "http://attacker.example"})
    assert r.status == 403
    origin = f"http://{client.host}:{client.port}"
    assert (await client.post("/try", data={"q": "지원"}, headers={"Origin": origin})).status == 200


async def test_pages_carry_a_content_security_policy(client: TestClient) -> None:
    for path in ("/try", "/kb", "/test", "/unanswered", "/nowhere"):
        r = await client.get(path)
        assert "script-src 'self'" in r.headers["Content-Security-Policy"], path
        assert r.headers["X-Frame-Options"] == "DENY"
    r = await client.get("/nowhere")
    assert r.status == 404 and "404 Not Found" in text_of(await r.text())


def test_listening_beyond_loopback_needs_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.0.10")
    with pytest.raises(FaqbotError, match=r"set \[studio\] token \(or FAQBOT_STUDIO_TOKEN\)"):
        refuse_open("0.0.0.0", "")
    with pytest.raises(FaqbotError, match="the token is 7 characters; use at least 16"):
        refuse_open("0.0.0.0", "a-token")
    refuse_open("0.0.0.0", "a-token-long-enough-1")
    refuse_open("127.0.0.1", "")


def test_the_command_refuses_an_open_studio_at_once(faqbot, tmp_path: Path) -> None:
    result = faqbot("studio", "--listen", "0.0.0.0", "--port", "0", cwd=tmp_path, env_extra={"FAQBOT_STUDIO_TOKEN": ""})
    assert result.returncode == 1
    assert "set [studio] token" in result.stderr


# -- why, without the web -------------------------------------------------------------------------------


def test_explain_names_the_rule_and_the_level(lexical_engine) -> None:
    why = explain(lexical_engine.matcher, "연봉 얼마 줘요?")
    assert why.decision.action == "fallback" and why.decision.rule == "not-held"
    assert "asked for: money" in why.rule
    why = explain(lexical_engine.matcher, "지원 방법")
    assert why.decision.rule == "confident"
    assert [lv.name for lv in why.levels if lv.used] == ["answer (lexical only)"]
    assert why.levels[0].reached and why.confidence >= why.levels[0].value
    why = explain(lexical_engine.matcher, "!!!")
    assert why.decision.rule == "no-words" and "no letters" in why.rule


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[studio]\nport = 70000\n", "[studio] port must be between 1 and 65535"),
        ("[studio]\ntoken = 123456\n", "[studio] token must be a str, not int"),
        ("[studio]\nlisten_on = 1\n", "[studio] unknown key 'listen_on'"),
    ],
)
def test_studio_settings_are_checked(faqbot, tmp_path: Path, config: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    result = faqbot("studio", "--config", str(path))
    assert result.returncode == 1
    assert message in result.stderr and "123456" not in result.stderr


async def test_try_gives_commands_what_the_channels_give(client: TestClient) -> None:
    page = text_of(await (await client.post("/try", data={"q": "주제 보기\n도움말"})).text())
    assert page.count("command") >= 2
    assert "every channel answers it with the list of topics" in page
    assert "답할 수 있는 주제예요" in page  # the topic list, not a fallback
    assert "every channel answers it with the help text" in page
    more = "\n".join(["지원 방법"] * 25)
    page = text_of(await (await client.post("/try", data={"q": more})).text())
    assert "Only the first 20 lines were asked; 5 more were left out." in page


def test_a_follow_up_is_explained_by_what_the_conversation_decided(lexical_engine) -> None:
    from bot.explain import converse

    turns = converse(
        lexical_engine, ["인터뷰한 사람들 누구에요?", "그중에 디에고는 무슨 팀이에요?", "그 팀은 뭐가 제일 어려워요?"]
    )
    third = turns[2].why
    assert third is not None and third.decision.via
    # Shown: the text the conversation decided on (here the words without "그 팀"), said to be that.
    assert third.how == "context" and third.reading == third.decision.reading and "그 팀" not in third.reading
    if third.decision.rule == "conversation":
        assert third.levels == () and "the conversation's context changed" in third.rule
    assert "the best entry stands out" not in third.rule or third.decision.action == "answer"


def test_what_is_shown_held_back_only_holds_back(lexical_engine) -> None:
    why = explain(lexical_engine.matcher, "너 뭐하는 봇이야")
    assert why.decision.action == "answer" and why.blocked == ()
    why = explain(lexical_engine.matcher, "하둡 팀 말고 다른 팀은 뭐 해요?")
    assert why.decision.action != "answer" and why.blocked


def test_every_explanation_agrees_with_its_levels(lexical_engine) -> None:
    """Over the shipped bench questions: what the rule says matches the levels table and the action."""
    from tests.conftest import ROOT

    questions = []
    for path in sorted((ROOT / "bench").glob("holdout*.tsv")):
        questions += [line.rsplit("\t", 1)[1] for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
    seen = set()
    for question in questions[::3]:
        why = explain(lexical_engine.matcher, question)
        rule = why.decision.rule
        seen.add(rule)
        if not why.levels:
            continue
        answer, clarify, mass = why.levels
        held = any(rule.endswith("-" + h) for h in ("unanswerable", "two-teams", "not-likely", "close-call"))
        assert answer.reached == (why.confidence >= answer.value), question
        if rule == "confident":
            assert why.decision.action == "answer" and answer.reached and answer.used, question
        if held:
            assert answer.reached and "reached the answer level, but it is not answered outright" in why.rule, question
        base = rule.split("-unanswerable")[0].split("-two-teams")[0].split("-not-likely")[0].split("-close-call")[0]
        if answer.reached:
            assert "below the answer level" not in why.rule, question
        elif base in ("clarify", "clarify-mass", "below-levels", "nothing-to-offer"):
            assert why.rule.startswith("below the answer level"), question
        if base == "clarify":
            assert why.decision.action == "clarify" and clarify.reached and clarify.used, question
        if base == "clarify-mass":
            assert why.decision.action == "clarify" and mass.reached and not clarify.reached, question
        if base == "below-levels":
            assert why.decision.action == "fallback" and not clarify.reached and not mass.reached, question
        if base == "nothing-to-offer":
            assert why.decision.action == "fallback" and clarify.reached and not why.decision.options, question
        if rule.endswith("-not-likely"):
            assert why.candidates[0].probability <= 50.0, question
        if rule.endswith("-close-call"):
            assert why.candidates[0].probability > 50.0, question
            assert why.candidates[1].probability >= 0.5 * why.candidates[0].probability - 0.1, question
    assert {"confident", "below-levels", "not-held"} <= seen  # the sample reaches the main rules ...
    assert any(r.startswith("clarify") for r in seen) and any(r.endswith("-unanswerable") for r in seen)


@pytest.mark.parametrize(
    ("path", "headers", "body"),
    [
        ("/login", {"Content-Type": "multipart/form-data"}, b"junk"),
        (
            "/test",
            {"Content-Type": "multipart/form-data; boundary=xyz"},
            b"--xyz\r\nno disposition\r\n\r\nx\r\n--xyz--",
        ),
        ("/try", {"Content-Type": "application/x-www-form-urlencoded; charset=nonexistent"}, b"q=x"),
        ("/try", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-16"}, b"q=x"),
        ("/try", {"Content-Type": "application/x-www-form-urlencoded"}, b"q=\xff\xfe"),
    ],
)
async def test_a_malformed_form_is_a_400_not_a_500(client: TestClient, path: str, headers: dict, body: bytes) -> None:
    r = await client.post(path, data=body, headers=headers)
    assert r.status == 400
    assert "not well-formed" in text_of(await r.text())


async def test_a_field_sent_as_a_file_is_refused(client: TestClient) -> None:
    for path, name in (("/try", "q"), ("/test", "set")):
        data = aiohttp.FormData()
        data.add_field(name, b"apply\tx\n", filename="x.tsv")
        r = await client.post(path, data=data)
        assert r.status == 400 and f"'{name}' must be text, not a file" in text_of(await r.text())
        assert "FileField" not in await r.text()


async def test_pages_for_other_hosts_tell_nothing(client: TestClient) -> None:
    body = await (await client.get("/kb", headers={"Host": "rebind.example:8765"})).text()
    assert "Serving" not in body and "faq.yaml" not in body and "entries" not in body


async def test_set_names_survive_the_redirect(studio: Studio, client: TestClient) -> None:
    folder = studio.live.path.parent / "bench"
    (folder / "run #2+1.tsv").write_text("\ufeffapply\t지원 방법\n", encoding="utf-8")  # a BOM, as Windows saves
    r = await client.post("/test", data={"set": "bench/run #2+1.tsv"}, allow_redirects=False)
    assert r.status == 303
    assert r.headers["Location"] == "/test?set=bench/run+%232%2B1.tsv#results"
    page = text_of(await (await client.get(r.headers["Location"])).text())
    assert "bench/run #2+1.tsv" in page and "Every question right." in page


async def test_a_connection_that_never_finishes_its_head_is_closed(tmp_path: Path) -> None:
    import asyncio

    from bot.studio.web import serve

    studio = make_studio(tmp_path)
    stop = asyncio.Event()
    ports: list[int] = []
    server = asyncio.create_task(serve(studio, "127.0.0.1", 0, "", stop, 0, ports.append, header_seconds=0.3))
    while not ports:
        await asyncio.sleep(0.01)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server, nothing sent
        writer.close()
        # The server itself goes on.
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{ports[0]}/healthz") as r:
            assert r.status == 200
    finally:
        stop.set()
        await server

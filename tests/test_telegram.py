"""The Telegram channel end to end: the real PTB Application against the fake Bot API server."""

from __future__ import annotations

import asyncio
import itertools
import json
import textwrap
from collections import Counter

import aiohttp
import pytest

from bot.channels.telegram_app import Timeouts
from bot.channels.telegram_render import MAX_CALLBACK, parse_callback, render
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.replies import Composer
from tests.conftest import parse_quoting
from tests.fakes.bot_api import FakeBotAPI, parse_html
from tests.telegram_harness import free_port, running_bot

APPLY_URL = "http://kko.to/VS1FS4x00"


@pytest.fixture
async def api():
    server = await FakeBotAPI().start()
    yield server
    await server.stop()


def buttons(call) -> list[dict]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [b for row in markup["inline_keyboard"] for b in row]


def data_of(call) -> list[str]:
    return [b["callback_data"] for b in buttons(call) if "callback_data" in b]


def replied_to(call) -> int | None:
    reply = call.params.get("reply_parameters")
    return int(reply["message_id"]) if reply else None


def visible(call) -> str:
    return parse_html(call.params["text"])


def tricky_engine(answer_ko: str = "A < B & C > D", quote: str = "<b>굵게</b> & 'quote'") -> Engine:
    text = f"""\
    version: 1
    languages: [ko, en]
    apply_url: {APPLY_URL}
    people:
      jg: {{name: "J<G>", team: {{ko: "하둡 & 엔지니어링", en: "Hadoop & co"}}}}
    entries:
      - id: culture
        title: {{ko: "문화 <소개>", en: "Culture & more"}}
        questions:
          ko: [문화는 어때요]
          en: [what is the culture like]
        answer: {{ko: {json.dumps(answer_ko, ensure_ascii=False)}, en: "x < y"}}
        quotes:
          - {{by: jg, text: {json.dumps(quote, ensure_ascii=False)}}}
    """
    return Engine.build(parse_quoting(textwrap.dedent(text), "tricky.yaml", quotes=(quote,)))


# -- what a candidate sees ---------------------------------------------------------------------------


async def test_start_greets_in_korean_registers_commands_and_offers_topics(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "/start")
    assert visible(msg).startswith("안녕하세요!")
    assert msg.params["parse_mode"] == "HTML"
    assert {"a:ko:apply", "a:ko:culture", "a:ko:team-hadoop"} <= set(data_of(msg))
    assert "a:ko:greeting" not in data_of(msg)  # browse: false
    assert any(b.get("url") == APPLY_URL for b in buttons(msg))
    public = [c for c in api.of("setMyCommands") if "scope" not in c.params]
    menus = {c.params.get("language_code"): [x["command"] for x in c.params["commands"]] for c in public}
    assert menus["ko"] == menus["en"] == menus[None] == ["start", "help", "topics", "apply"]
    assert api.of("deleteWebhook"), "polling starts by removing any webhook"


@pytest.mark.parametrize(
    ("code", "expected"), [("en", "Hello!"), ("en-US", "Hello!"), ("de", "Hello!"), ("ko-KR", "안녕하세요!")]
)
async def test_start_language_follows_language_code(api, engine, code, expected) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "/start", language_code=code)
    assert visible(msg).startswith(expected)


async def test_start_deep_link_opens_an_entry(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "/start culture")
    assert visible(msg).startswith(engine.kb.entry("culture").answer["ko"][:20])


@pytest.mark.parametrize(
    ("command", "start_of_text", "lang"),
    [
        ("/help", "카카오 플랫폼/인프라실 경력 개발자 채용 인터뷰 내용을", "ko"),
        ("/help", "I answer questions about", "en"),
        ("/topics", "답할 수 있는 주제예요", "ko"),
        ("/apply", "카카오 플랫폼/인프라실 경력 개발자 영입에", "ko"),
        ("/apply", "You can apply", "en"),
    ],
    ids=["help-ko", "help-en", "topics-ko", "apply-ko", "apply-en"],
)
async def test_commands(api, engine, command, start_of_text, lang) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, command, language_code=lang)
    assert visible(msg).startswith(start_of_text)
    assert any(b.get("url") == APPLY_URL for b in buttons(msg))


async def test_answer_has_quotes_apply_button_related_and_feedback(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "지원은 어떻게 해요?")
    text = msg.params["text"]
    assert "<blockquote>" in text and "— <i>" in text
    assert APPLY_URL in visible(msg)
    data = data_of(msg)
    assert data[:2] == ["a:ko:hiring", "a:ko:fit"]  # related entries
    assert {"f:ko:+:apply", "f:ko:-:apply", "t:ko"} <= set(data)
    assert [b["url"] for b in buttons(msg) if "url" in b] == [APPLY_URL]
    [outcome] = bot.recorder.outcomes
    assert (outcome.channel, outcome.action, outcome.entry_id, outcome.language) == (
        "telegram",
        "answer",
        "apply",
        "ko",
    )


async def test_english_question_gets_english_answer_with_speaker(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "What does the Hadoop engineering part do?", language_code="ko")
    assert visible(msg).startswith(engine.kb.entry("team-hadoop").answer["en"][:30])
    assert "JG (Hadoop Engineering Part)" in visible(msg)


async def test_keyboard_layout_slip_answers_in_korean(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "wldnjs", language_code="en")
    assert visible(msg).startswith(engine.kb.entry("apply").answer["ko"][:20])


async def test_unsure_question_offers_options(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "하둡이랑 스토리지")
    assert visible(msg).startswith("이 중에 궁금하신 게 있나요?")
    options = [d for d in data_of(msg) if d.startswith("a:")]
    assert {"a:ko:team-hadoop", "a:ko:team-storage"} <= set(options)
    assert not any(d.startswith("f:") for d in data_of(msg)), "no votes on a question"


async def test_unknown_question_gets_honest_fallback_with_link_and_topics(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "비트코인 시세 알려줘")
    assert visible(msg).startswith("죄송해요, 그 질문에는 답을 드릴 수 없어요.")
    assert any(b.get("url") == APPLY_URL for b in buttons(msg))
    assert "t:ko" in data_of(msg)
    assert bot.recorder.outcomes[0].action == "fallback"
    assert bot.recorder.outcomes[0].question == "비트코인 시세 알려줘"


async def test_faq_text_and_user_text_are_escaped(api) -> None:
    engine = tricky_engine()
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "문화는 어때요?")
        [topics] = await bot.ask(42, "/topics")
        [odd] = await bot.ask(42, "<b>문화</b> & <script>alert(1)</script> &amp;")
    text = msg.params["text"]
    assert "A &lt; B &amp; C &gt; D" in text
    assert "&lt;b&gt;굵게&lt;/b&gt; &amp; 'quote'" in text
    assert "J&lt;G&gt; (하둡 &amp; 엔지니어링)" in text
    assert visible(msg).startswith("A < B & C > D")  # the fake parsed it as Telegram would
    assert next(b["text"] for b in buttons(topics)) == "문화 <소개>"  # button text is plain, not HTML
    assert not visible(odd).startswith("죄송해요, 답을 준비하다")  # the server accepted the reply


async def test_long_answer_is_split_with_keyboard_on_the_last_message(api) -> None:
    paragraph = "카카오 플랫폼에서 일하는 이야기입니다. " * 60  # ~1,400 characters
    engine = tricky_engine(answer_ko="\n\n".join([paragraph.strip()] * 5))
    async with running_bot(api, engine) as bot:
        api.message(42, "문화는 어때요")
        await api.wait_for(lambda: any(c.params.get("reply_markup") for c in api.sent(42)))
        await bot.settle(0.2)
    messages = api.sent(42)
    assert len(messages) >= 2
    assert all(len(visible(m)) <= 4096 for m in messages)
    assert [bool(m.params.get("reply_markup")) for m in messages] == [False] * (len(messages) - 1) + [True]
    assert sum(visible(m).count("카카오 플랫폼에서") for m in messages) == 300  # nothing lost at the cuts


def test_render_keeps_every_piece_within_the_limit_even_without_separators(kb: KnowledgeBase) -> None:
    reply = Composer(kb).entry(kb.entry("culture"), "ko")
    from dataclasses import replace

    long = replace(reply, text="가" * 9000 + " & " + "<" * 3000)
    parts = render(long, limit=4096)
    assert all(len(parse_html(p.html)) <= 4096 for p in parts)
    shown = "".join(parse_html(p.html) for p in parts)
    assert "".join(shown.split()).startswith("가" * 9000 + "&" + "<" * 3000)  # cut only where whitespace was


def test_every_button_the_shipped_faq_can_produce_fits_in_64_bytes_and_parses(kb: KnowledgeBase) -> None:
    composer = Composer(kb)
    replies = [composer.entry(e, lang) for e in kb.entries for lang in kb.languages]
    replies += [composer.topics(lang) for lang in kb.languages] + [composer.fallback(lang) for lang in kb.languages]
    seen = 0
    for reply in replies:
        for out in render(reply):
            for row in out.keyboard.inline_keyboard if out.keyboard else ():
                for b in row:
                    if b.callback_data:
                        assert len(b.callback_data.encode()) <= MAX_CALLBACK
                        assert parse_callback(b.callback_data) is not None
                        seen += 1
    assert seen > 50


@pytest.mark.parametrize(
    "data",
    ["", "x", "a:ko", "a:ko:NOPE", "a:ko:../../etc", "f:ko:*:apply", "t:ko:extra", "a:" + "x" * 70, "a:ko:apply;drop"],
)
def test_callback_data_that_the_bot_never_made_is_rejected(data: str) -> None:
    assert parse_callback(data) is None


# -- buttons -----------------------------------------------------------------------------------------


async def press(bot, api, user_id: int, data: str) -> None:
    [shown] = await bot.ask(user_id, "/start") if not api.sent(user_id) else [api.sent(user_id)[-1]]
    message = shown.result
    before = len(api.of("answerCallbackQuery"))
    api.press(user_id, data, message)
    await api.wait_for(lambda: len(api.of("answerCallbackQuery")) > before)
    await bot.settle(0.15)


async def test_topic_button_opens_the_entry(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        await press(bot, api, 42, "a:ko:culture")
    answers = api.of("answerCallbackQuery")
    assert len(answers) == 1 and not answers[0].params.get("text")
    last = api.sent(42)[-1]
    assert visible(last).startswith(engine.kb.entry("culture").answer["ko"][:20])
    assert bot.recorder.outcomes[-1].action == "browse"


async def test_topics_button_lists_topics(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        await press(bot, api, 42, "t:en")
    assert visible(api.sent(42)[-1]).startswith("Here is what I can answer.")


@pytest.mark.parametrize(
    ("data", "notice"),
    [("garbage", "그 선택지는 더 이상 없어요."), ("a:ko:removed-entry", "그 선택지는 더 이상 없어요.")],
    ids=["forged-data", "entry-removed-by-reload"],
)
async def test_unknown_or_stale_button_gets_a_polite_answer(api, engine, data, notice) -> None:
    async with running_bot(api, engine) as bot:
        await press(bot, api, 42, data)
        sent_before = len(api.sent(42))
        await bot.settle()
    [answer] = api.of("answerCallbackQuery")
    assert answer.params["text"].startswith(notice)
    assert len(api.sent(42)) == sent_before == 1  # only the /start message


@pytest.mark.parametrize(("vote", "thanks"), [(1, "고마워요!"), (-1, "알려 줘서 고마워요.")])
async def test_feedback_is_recorded_and_the_vote_buttons_go_away(api, engine, vote, thanks) -> None:
    async with running_bot(api, engine) as bot:
        [answer] = await bot.ask(42, "분위기는 어때요?")
        await press(bot, api, 42, f"f:ko:{'+' if vote > 0 else '-'}:culture")
    [fb] = bot.recorder.votes
    assert (fb.channel, fb.entry_id, fb.vote, fb.user) == ("telegram", "culture", vote, "42")
    assert api.of("answerCallbackQuery")[0].params["text"].startswith(thanks)
    [edit] = api.of("editMessageReplyMarkup")
    assert int(edit.params["message_id"]) == answer.result["message_id"]
    remaining = [b.get("callback_data", "") for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert remaining and not any(d.startswith("f:") for d in remaining)


# -- other content, long input, edits ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False,
                     "is_video": False, "type": "regular"}},
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "cv.pdf"}},
        {"location": {"latitude": 37.39, "longitude": 127.11}},
    ],
    ids=["sticker", "photo", "voice", "file", "location"],
)  # fmt: skip
async def test_non_text_gets_a_hint_to_type(api, engine, content) -> None:
    async with running_bot(api, engine) as bot:
        api.message(42, None, **content)
        await api.wait_for(lambda: len(api.sent(42)) == 1)
        await bot.settle(0.1)
    [msg] = api.sent(42)
    assert visible(msg).startswith("저는 글로 된 질문만 이해해요.")


async def test_very_long_input_gets_a_hint_not_a_guess(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "카카오 문화가 궁금해요 " * 200)
    assert visible(msg).startswith("질문이 너무 길어요.")
    assert bot.recorder.outcomes[0].action == "too_long"


async def test_edited_question_is_answered_again_as_a_reply_to_it(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        await bot.ask(42, "날씨 어때요", message_id=900)
        [again] = await bot.ask(42, "문화는 어때요?", message_id=900, edited=True)
    assert replied_to(again) == 900
    assert visible(again).startswith(engine.kb.entry("culture").answer["ko"][:20])


async def test_an_edit_that_changes_nothing_is_not_answered_twice(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [first] = await bot.ask(42, "지원은 어떻게 해여?", message_id=901)
        api.message(42, "지원은 어떻게 해요?", message_id=901, edited=True)  # typo fixed, same question
        await api.wait_for(lambda: api.polls >= 3)
        await bot.settle(0.5)
    assert visible(first).startswith(engine.kb.entry("apply").answer["ko"][:20])
    assert len(api.sent(42)) == 1


async def test_unknown_command_in_private_chat(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(42, "/salary")
    assert visible(msg).startswith("모르는 명령이에요.")


# -- groups ------------------------------------------------------------------------------------------

GROUP = -100123


async def test_group_stays_silent_unless_addressed(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        api.message(7, "지원은 어떻게 해요?", chat_id=GROUP, chat_type="supergroup")
        api.message(7, "/help@some_other_bot", chat_id=GROUP, chat_type="supergroup")
        api.message(7, "/salary", chat_id=GROUP, chat_type="supergroup")
        api.message(7, None, chat_id=GROUP, chat_type="supergroup", location={"latitude": 1.0, "longitude": 2.0})
        await api.wait_for(lambda: api.polls >= 2)
        await bot.settle(0.5)
    assert api.sent(GROUP) == []
    assert bot.recorder.outcomes == []


async def test_group_mention_is_answered_with_the_mention_removed(api, engine) -> None:
    text = f"@{api.username} 지원은 어떻게 해요?"
    mention = [{"type": "mention", "offset": 0, "length": len(api.username) + 1}]
    async with running_bot(api, engine) as bot:
        [msg] = await bot.ask(7, text, chat_id=GROUP, chat_type="supergroup", entities=mention, message_id=77)
    assert visible(msg).startswith(engine.kb.entry("apply").answer["ko"][:20])
    assert replied_to(msg) == 77
    assert bot.recorder.outcomes[0].question == "지원은 어떻게 해요?"


async def test_group_reply_to_the_bot_and_addressed_command_are_answered(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [help_msg] = await bot.ask(7, f"/help@{api.username}", chat_id=GROUP, chat_type="group")
        [answer] = await bot.ask(7, "분위기는 어때요?", chat_id=GROUP, chat_type="group", reply_to=help_msg.result)
    assert visible(help_msg).startswith("카카오 플랫폼/인프라실")
    assert visible(answer).startswith(engine.kb.entry("culture").answer["ko"][:20])


# -- concurrency, ordering, pacing -------------------------------------------------------------------


async def test_many_users_at_once_each_get_exactly_one_answer(api, engine) -> None:
    questions = ["지원은 어떻게 해요?", "분위기는 어때요?", "오늘 날씨 어때요?", "하둡이랑 스토리지"]
    async with running_bot(api, engine):
        for user in range(1, 41):
            api.message(user, questions[user % 4])
        await api.wait_for(lambda: len(api.sent()) >= 40)
        await asyncio.sleep(0.3)
    assert Counter(int(c.params["chat_id"]) for c in api.sent()) == {u: 1 for u in range(1, 41)}


async def test_one_chat_is_answered_in_order_at_most_one_message_per_second(api, engine) -> None:
    asked = ["지원은 어떻게 해요?", "분위기는 어때요?", "기술적 도전은 뭐가 있나요?"]
    async with running_bot(api, engine, pace=1.0):
        for q in asked:
            api.message(42, q)
        await api.wait_for(lambda: len(api.sent(42)) == 3, timeout=10)
    sent = api.sent(42)
    assert [visible(m)[:15] for m in sent] == [
        engine.kb.entry(e).answer["ko"][:15] for e in ("apply", "culture", "challenges")
    ]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.95, gaps


# -- faults: each update is answered exactly once ----------------------------------------------------


def answered_once(api: FakeBotAPI, chats: list[int]) -> None:
    counts = Counter(int(c.params["chat_id"]) for c in api.sent())
    assert {c: counts.get(c, 0) for c in chats} == {c: 1 for c in chats}


@pytest.mark.parametrize(
    "fault",
    [
        {"retry_after": 0.2},
        {"status": 500},
        {"status": 502},
        {"status": 502, "html_body": True},
    ],
    ids=["429-retry-after", "500", "502", "502-html-page"],
)
async def test_send_faults_are_retried_and_answer_once(api, engine, fault) -> None:
    async with running_bot(api, engine):
        api.fail("sendMessage", times=2, **fault)
        api.message(42, "지원은 어떻게 해요?")
        await api.wait_for(lambda: len(api.sent(42)) == 1, timeout=15)
        await asyncio.sleep(0.3)
    answered_once(api, [42])
    assert len(api.of("sendMessage", 42, ok=False)) == 3  # two failures, one success


@pytest.mark.parametrize("status", [500, 502])
async def test_get_updates_errors_lose_nothing(api, engine, status) -> None:
    async with running_bot(api, engine):
        api.fail("getUpdates", times=3, status=status)
        for user in (1, 2, 3):
            api.message(user, "분위기는 어때요?")
        await api.wait_for(lambda: len(api.sent()) >= 3, timeout=20)
        await asyncio.sleep(0.3)
    answered_once(api, [1, 2, 3])


@pytest.mark.slow
async def test_slow_get_updates_that_times_out_loses_and_doubles_nothing(api, engine) -> None:
    async with running_bot(api, engine):
        await asyncio.sleep(0.1)
        api.fail("getUpdates", times=1, delay=2.4)  # longer than the client waits (poll 1 s + grace 1 s)
        await asyncio.sleep(1.2)  # the slow poll is now in flight
        api.message(1, "분위기는 어때요?")
        await api.wait_for(lambda: len(api.sent()) >= 1, timeout=15)
        await asyncio.sleep(1.5)  # the abandoned slow reply (at 2.5 s) has come and gone
    answered_once(api, [1])


async def test_slow_send_that_times_out_is_not_repeated(api, engine) -> None:
    # The server took the message but answered too late: it was delivered, so sending again would double it.
    async with running_bot(api, engine) as bot:
        api.fail("sendMessage", times=1, delay=2.0)
        api.message(42, "분위기는 어때요?")
        await api.wait_for(lambda: len(api.sent(42)) == 1, timeout=10)
        await asyncio.sleep(2.5)
        [after] = await bot.ask(42, "지원은 어떻게 해요?")  # and the bot carries on
    assert len(api.of("sendMessage", 42)) == 2
    assert visible(after).startswith(engine.kb.entry("apply").answer["ko"][:20])


@pytest.mark.slow
async def test_server_outage_delays_answers_but_loses_none(api, engine, caplog) -> None:
    async with running_bot(api, engine, pace=2.0):
        api.message(1, "분위기는 어때요?")
        await api.wait_for(lambda: len(api.sent(1)) == 1)
        second = api.message(1, "지원은 어떻게 해요?")  # paced: its send waits ~2 s ...
        await api.wait_for(lambda: any(int(c.params.get("offset") or 0) > second for c in api.of("getUpdates")))
        await api.stop()  # ... and finds the server gone
        api.message(2, "하둡엔지니어링파트는 뭐 해요?")  # arrives while the server is away
        await asyncio.sleep(3.0)
        await api.start()
        await api.wait_for(lambda: len(api.sent(1)) == 2 and len(api.sent(2)) == 1, timeout=30)
        await asyncio.sleep(0.5)
    counts = Counter(int(c.params["chat_id"]) for c in api.sent())
    assert counts == {1: 2, 2: 1}
    assert "sendMessage failed" in caplog.text  # the send really met the outage and was retried


async def test_a_failing_handler_apologises_once_and_the_bot_keeps_going(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        api.fail("sendMessage", times=1, status=400)  # the server refuses the answer: a bug on our side
        api.message(42, "분위기는 어때요?")
        await api.wait_for(lambda: len(api.sent(42)) == 1)
        await bot.settle(0.3)
        [apology] = api.sent(42)
        [later] = await bot.ask(43, "지원은 어떻게 해요?")
    assert visible(apology).startswith("죄송해요, 답을 준비하다 문제가 생겼어요.")
    assert visible(later).startswith(engine.kb.entry("apply").answer["ko"][:20])


async def test_restart_resumes_where_it_left_off(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        await bot.ask(1, "분위기는 어때요?")
    api.message(2, "지원은 어떻게 해요?")  # arrives while the bot is down
    async with running_bot(api, engine):
        await api.wait_for(lambda: len(api.sent(2)) == 1)
        await asyncio.sleep(0.3)
    answered_once(api, [1, 2])


# -- webhook mode ------------------------------------------------------------------------------------


async def test_webhook_mode_checks_the_secret_token(api, engine) -> None:
    port = free_port()
    async with running_bot(
        api,
        engine,
        mode="webhook",
        listen="127.0.0.1",
        port=port,
        url_path="tg-hook",
        webhook_url="https://bot.example.com/tg-hook",
        secret_token="s3cret-Token_1",
    ):
        assert api.webhook["url"] == "https://bot.example.com/tg-hook"
        assert api.webhook["secret_token"] == "s3cret-Token_1"
        api.message(42, "지원은 어떻게 해요?")
        update = api.pending.pop()
        url = f"http://127.0.0.1:{port}/tg-hook"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as r:
                assert r.status == 403
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
                assert r.status == 403
            await asyncio.sleep(0.3)
            assert api.sent(42) == []
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}) as r:
                assert r.status == 200
        await api.wait_for(lambda: len(api.sent(42)) == 1)
    assert visible(api.sent(42)[0]).startswith(engine.kb.entry("apply").answer["ko"][:20])
    assert api.of("getUpdates") == []


async def test_webhook_delivery_repeated_by_telegram_is_answered_once(api, engine) -> None:
    # Telegram re-posts an update when it did not get a 200 in time; the second copy must not be answered.
    port = free_port()
    async with running_bot(api, engine, mode="webhook", port=port, webhook_url="https://bot.example.com/telegram"):
        api.message(42, "분위기는 어때요?")
        update = api.pending.pop()
        async with aiohttp.ClientSession() as http:
            for _ in range(2):
                async with http.post(f"http://127.0.0.1:{port}/telegram", json=update) as r:
                    assert r.status == 200
        await api.wait_for(lambda: len(api.sent(42)) == 1)
        await asyncio.sleep(0.5)
    answered_once(api, [42])


def test_preformatted_reports_are_escaped_and_split_under_the_limit() -> None:
    from bot.channels.telegram_render import preformatted

    text = "\n".join(f"{i}× <연봉> & 복지 질문" for i in range(600))
    parts = preformatted(text)
    assert len(parts) > 1 and all(p.startswith("<pre>") and p.endswith("</pre>") for p in parts)
    assert all(len(parse_html(p)) <= 4096 for p in parts)
    assert "\n".join(parse_html(p) for p in parts).split() == text.split()


# -- conversations -------------------------------------------------------------------------------------


async def test_a_follow_up_keeps_its_context_and_an_uncovered_fact_is_said_about_that_team(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [first] = await bot.ask(42, "하둡 팀은 뭐 해요?")
        [headcount] = await bot.ask(42, "그 팀은 몇 명이에요?")
        [other] = await bot.ask(42, "데이터플랫폼파트는요?")  # the same question about another team
        [pick] = await bot.ask(42, "1")  # the topic that reply offered
    assert visible(first).startswith(engine.kb.entry("team-hadoop").answer["ko"][:20])
    assert visible(headcount).startswith("인터뷰에는 ‘하둡엔지니어링파트’에 관한 인원이나 숫자 이야기가 나오지 않아서")
    assert "a:ko:team-hadoop" in data_of(headcount)
    assert visible(other).startswith("인터뷰에는 ‘데이터플랫폼파트’에 관한 인원이나 숫자 이야기가 나오지 않아서")
    assert visible(pick).startswith(engine.kb.entry("team-data-platform").answer["ko"][:20])


async def test_conversations_are_per_chat_and_per_person_in_a_group(api, engine) -> None:
    mention = f"@{api.username} "
    entities = [{"type": "mention", "offset": 0, "length": len(api.username) + 1}]
    async with running_bot(api, engine) as bot:
        await bot.ask(7, "하둡 팀은 뭐 해요?")
        [in_group] = await bot.ask(7, mention + "그 팀 연봉은요?", chat_id=GROUP, chat_type="group", entities=entities)
        [private] = await bot.ask(7, "그 팀 연봉은요?")
    assert "하둡엔지니어링파트" not in visible(in_group)  # the group chat has not talked about a team
    assert visible(private).startswith("인터뷰에는 ‘하둡엔지니어링파트’에 관한 연봉이나 처우 이야기가 나오지 않아서")


async def test_a_topic_button_sets_the_subject_and_help_words_get_help(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        await press(bot, api, 42, "a:ko:team-storage")
        [follow] = await bot.ask(42, "거기 연봉은요?")
        [help_msg] = await bot.ask(42, "도움말")
    assert visible(follow).startswith("인터뷰에는 ‘기반기술셀 (스토리지)’에 관한 연봉이나 처우 이야기가")
    assert visible(help_msg).startswith("카카오 플랫폼/인프라실 경력 개발자 채용 인터뷰 내용을 답해 드려요.")
    assert "/topics" in visible(help_msg)


async def test_votes_count_only_for_the_answer_given_and_once_per_person(api, engine) -> None:
    async with running_bot(api, engine) as bot:
        [answer] = await bot.ask(42, "분위기는 어때요?")
        [greeting] = await bot.ask(42, "/start")  # no vote buttons under it
        message = answer.result
        for data in ("f:ko:+:apply", "f:ko:+:no-such-entry"):  # entries that message did not answer
            api.press(42, data, message)
        api.press(42, "f:ko:+:culture", greeting.result)  # a message that had no vote
        for _ in range(3):  # the same vote, replayed
            api.press(42, "f:ko:+:culture", message)
        api.press(43, "f:ko:-:culture", message)  # someone else, on the same answer
        await api.wait_for(lambda: len(api.of("answerCallbackQuery")) == 7)
    assert [(v.entry_id, v.vote, v.user) for v in bot.recorder.votes] == [("culture", 1, "42"), ("culture", -1, "43")]
    notices = [c.params.get("text", "") for c in api.of("answerCallbackQuery")]
    assert notices[:3] == ["어떤 답에 대한 의견인지 알 수 없어요. 궁금한 걸 다시 물어봐 주세요."] * 3
    assert notices[4:6] == ["이미 의견을 받았어요."] * 2


async def test_a_storm_of_429s_delays_the_answer_but_loses_nothing(api, engine) -> None:
    async with running_bot(api, engine):
        api.fail("sendMessage", times=12, retry_after=0.05)  # twelve "retry after" in a row
        api.message(42, "지원은 어떻게 해요?")
        await api.wait_for(lambda: len(api.sent(42)) == 1, timeout=15)
        await asyncio.sleep(0.2)
    answered_once(api, [42])
    assert visible(api.sent(42)[0]).startswith(engine.kb.entry("apply").answer["ko"][:20])
    assert len(api.of("sendMessage", 42, ok=False)) == 13


async def test_429s_past_the_deadline_give_up_with_a_log_line(api, engine, caplog) -> None:
    async with running_bot(api, engine, timeouts=Timeouts(read=1.0, poll=1, poll_grace=1.0, patience=0.5)):
        api.fail("sendMessage", times=50, retry_after=1)
        api.message(42, "지원은 어떻게 해요?")
        await api.wait_for(lambda: "giving up" in caplog.text, timeout=15)
    assert api.sent(42) == []
    assert "sendMessage: Telegram still asks to wait (1 s) after the deadline; giving up" in caplog.text


async def test_an_update_the_bot_cannot_read_is_skipped_once_and_polling_goes_on(api, engine, caplog) -> None:
    async with running_bot(api, engine):
        broken = api.push({"message": {"message_id": 1, "date": "yesterday", "chat": "not a chat"}})
        api.message(42, "지원은 어떻게 해요?")
        await api.wait_for(lambda: len(api.sent(42)) == 1)
        last = api.push({"callback_query": {"id": "1"}})  # the newest update is unreadable too
        api.message(43, "분위기는 어때요?")
        await api.wait_for(lambda: len(api.sent(43)) == 1)
        polls = api.polls
        await asyncio.sleep(0.5)
        assert api.polls - polls <= 2  # long polls again, not spinning on the broken one
    answered_once(api, [42, 43])
    assert caplog.text.count(f"update {broken} cannot be read and is skipped") == 1
    assert caplog.text.count(f"update {last} cannot be read and is skipped") == 1
    assert "Error while parsing updates" not in caplog.text  # PTB never saw it

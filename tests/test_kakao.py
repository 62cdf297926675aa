"""The KakaoTalk skill server, through a real HTTP client: exact responses, limits, and every bad input."""

from __future__ import annotations

import asyncio
import json
import textwrap
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from bot.channels.kakao import MAX_BODY, KakaoSkill, serve
from bot.channels.kakao_render import (
    MAX_CARD_DESCRIPTION,
    MAX_LABEL,
    MAX_OUTPUTS,
    MAX_QUICK_REPLIES,
    MAX_SIMPLE_TEXT,
    response,
    trim,
)
from bot.config import KakaoSettings
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.outcomes import MemoryRecorder
from bot.replies import Composer
from tests.conftest import parse_quoting

APPLY = "http://kko.to/VS1FS4x00"
APPLY_CARD = {
    "textCard": {
        "description": "지원은 아래 링크에서 할 수 있어요.",
        "buttons": [{"action": "webLink", "label": "지원하기", "webLinkUrl": APPLY}],
    }
}
TOPICS_KO = {"label": "주제 보기", "action": "message", "messageText": "주제 보기"}
VOTES_KO = [
    {"label": "👍 도움 됐어요", "action": "message", "messageText": "👍"},
    {"label": "👎 아쉬워요", "action": "message", "messageText": "👎"},
]


def payload(utterance: object, user: str = "kakao-user-1") -> dict:
    """An Open Builder skill payload v2, trimmed to what a real one always carries."""
    return {
        "intent": {"id": "fallback-block", "name": "폴백 블록"},
        "userRequest": {
            "timezone": "Asia/Seoul",
            "params": {"ignoreMe": "true"},
            "block": {"id": "fallback-block", "name": "폴백 블록"},
            "utterance": utterance,
            "lang": None,
            "user": {"id": user, "type": "botUserKey", "properties": {"plusfriendUserKey": "pf-" + user}},
        },
        "bot": {"id": "bot-id", "name": "faqbot"},
        "action": {"name": "faqbot", "clientExtra": None, "params": {}, "id": "skill-id", "detailParams": {}},
    }


class Server:
    def __init__(self, url: str, recorder: MemoryRecorder) -> None:
        self.url = url
        self.recorder = recorder

    async def post(self, body: object, headers: dict | None = None, raw: bytes | None = None, path: str = ""):
        async with aiohttp.ClientSession() as http:
            data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
            hdrs = {"Content-Type": "application/json", **(headers or {})}
            async with http.post(self.url + path, data=data, headers=hdrs) as r:
                return r.status, r.headers.get("Content-Type", ""), await r.json(content_type=None)


async def start(
    engine: Engine, secret: str = "", header_seconds: float | None = None
) -> tuple[Server, asyncio.Event, asyncio.Task, KakaoSkill]:
    # Port 0: the server takes a free port and says which (no port picked here and reused).
    settings = KakaoSettings(listen="127.0.0.1", port=0, path="/kakao/skill", secret=secret)
    recorder = MemoryRecorder()
    skill = KakaoSkill(lambda: engine, recorder)
    if header_seconds is not None:
        skill.header_seconds = header_seconds  # read when the server starts listening
    stop = asyncio.Event()
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(skill, settings, stop, ready=bound.set_result))
    port = await asyncio.wait_for(bound, 30)
    return Server(f"http://127.0.0.1:{port}/kakao/skill", recorder), stop, task, skill


@pytest.fixture
async def server(engine: Engine):
    srv, stop, task, skill = await start(engine)
    yield srv
    stop.set()
    await task
    skill.close()


# -- answers ---------------------------------------------------------------------------------------


async def test_answer_exact_response(server, kb: KnowledgeBase) -> None:
    status, ctype, body = await server.post(payload("지원은 어떻게 해요?"))
    apply = kb.entry("apply")
    quote = apply.quotes[0]
    assert (status, ctype.split(";")[0]) == (200, "application/json")
    assert body == {
        "version": "2.0",
        "template": {
            "outputs": [
                {"simpleText": {"text": apply.answer["ko"]}},
                {"simpleText": {"text": f"“{quote.text}”\n— 카카오 브런치 인터뷰 (인터뷰 본문)"}},
                APPLY_CARD,
            ],
            "quickReplies": [
                {"label": "채용 대상", "action": "message", "messageText": "채용 대상"},
                {"label": "이런 분께 추천해요", "action": "message", "messageText": "이런 분께 추천해요"},
                *VOTES_KO,
                TOPICS_KO,
            ],
        },
    }
    [outcome] = server.recorder.outcomes
    assert (outcome.channel, outcome.user, outcome.action, outcome.entry_id) == (
        "kakao",
        "kakao-user-1",
        "answer",
        "apply",
    )


async def test_clarify_exact_response(server) -> None:
    _, _, body = await server.post(payload("하둡이랑 스토리지"))
    assert body == {
        "version": "2.0",
        "template": {
            "outputs": [{"simpleText": {"text": "이 중에 궁금하신 게 있나요?"}}, APPLY_CARD],
            "quickReplies": [
                {"label": "기반기술셀 (스토리지)", "action": "message", "messageText": "기반기술셀 (스토리지)"},
                {"label": "하둡엔지니어링파트", "action": "message", "messageText": "하둡엔지니어링파트"},
                TOPICS_KO,
            ],
        },
    }


async def test_fallback_exact_response(server) -> None:
    _, _, body = await server.post(payload("비트코인 시세 알려줘"))
    assert body == {
        "version": "2.0",
        "template": {
            "outputs": [
                {
                    "simpleText": {
                        "text": "죄송해요, 그 질문에는 답을 드릴 수 없어요. 이 봇은 카카오 플랫폼/인프라실 "
                        "채용 인터뷰에 나온 내용만 답해요. 지원은 아래 링크에서 할 수 있고, 답할 수 있는 주제는 "
                        "'주제 보기'로 확인해 보세요."
                    }
                },
                APPLY_CARD,
            ],
            "quickReplies": [TOPICS_KO],
        },
    }
    assert server.recorder.outcomes[0].question == "비트코인 시세 알려줘"


async def test_english_question_gets_english_with_translated_quotes(server, kb) -> None:
    _, _, body = await server.post(payload("What does the data platform team do?"))
    outputs = body["template"]["outputs"]
    assert outputs[0] == {"simpleText": {"text": kb.entry("team-data-platform").answer["en"]}}
    assert "— DJ (Data Platform Part)\n(Translation: " in outputs[1]["simpleText"]["text"]
    assert outputs[2]["textCard"]["buttons"][0] == {"action": "webLink", "label": "Apply", "webLinkUrl": APPLY}
    assert body["template"]["quickReplies"][-1] == {
        "label": "Browse topics",
        "action": "message",
        "messageText": "topics",
    }


async def test_quick_replies_lead_back_to_their_entries(server, kb) -> None:
    _, _, topics = await server.post(payload("주제 보기"))
    first_page = topics["template"]["quickReplies"]
    assert len(first_page) == MAX_QUICK_REPLIES and first_page[-1]["messageText"] == "주제 보기 2"
    _, _, second = await server.post(payload("주제 보기 2"))
    labels = [q["messageText"] for q in first_page[:-1] + second["template"]["quickReplies"]]
    assert labels == [e.title["ko"] for e in kb.entries if e.browse]
    for entry in (e for e in kb.entries if e.browse):  # every topic button opens its own entry
        _, _, body = await server.post(payload(entry.title["ko"]))
        assert body["template"]["outputs"][0] == {"simpleText": {"text": entry.answer["ko"]}}


async def test_votes_count_for_the_last_answer_once(server) -> None:
    _, _, none = await server.post(payload("👍", user="u-vote"))
    await server.post(payload("지원은 어떻게 해요?", user="u-vote"))
    _, _, down = await server.post(payload("👎", user="u-vote"))
    _, _, again = await server.post(payload("👎", user="u-vote"))
    assert none["template"]["outputs"][0]["simpleText"]["text"].startswith("어떤 답에 대한 의견인지 알 수 없어요.")
    assert down["template"]["outputs"][0]["simpleText"]["text"] == "알려 줘서 고마워요. 더 나은 답을 준비할게요."
    assert again["template"]["outputs"][0]["simpleText"]["text"].startswith("어떤 답에 대한 의견인지")
    [vote] = server.recorder.votes
    assert (vote.channel, vote.user, vote.entry_id, vote.vote) == ("kakao", "u-vote", "apply", -1)
    assert [o.action for o in server.recorder.outcomes] == ["answer"]  # votes are not questions


async def test_empty_utterance_gets_help(server) -> None:
    status, _, body = await server.post(payload("   "))
    assert status == 200
    assert body["template"]["outputs"][0]["simpleText"]["text"].startswith("카카오 플랫폼/인프라실 경력 개발자")


# -- limits ----------------------------------------------------------------------------------------


def long_kb() -> KnowledgeBase:
    answer = "카카오 플랫폼은 많은 서비스를 지원합니다. " * 80
    quote = "아주 긴 인용문입니다. " * 120
    return parse_quoting(
        textwrap.dedent(
            f"""\
            version: 1
            languages: [ko, en]
            apply_url: {APPLY}
            people:
              jg: {{name: JG, team: {{ko: 하둡엔지니어링파트, en: Hadoop}}}}
            entries:
              - id: long
                title: {{ko: 아주 아주 긴 제목을 가진 주제입니다, en: A topic with a very long title indeed}}
                questions: {{ko: [긴 답변 보여줘], en: [show the long answer]}}
                answer: {{ko: "{answer}", en: "long"}}
                quotes:
                  - {{by: jg, text: "{quote}"}}
                  - {{by: jg, text: 두 번째 인용}}
                related: [{", ".join(f"r{i}" for i in range(12))}]
            """
        )
        + "".join(
            f"  - id: r{i}\n    title: {{ko: 관련 주제 번호 {i} 입니다 정말로, en: related {i}}}\n"
            f"    questions: {{ko: [관련 질문 {i}번]}}\n    answer: {{ko: 답 {i}, en: answer {i}}}\n"
            for i in range(12)
        ),
        "long.yaml",
        quotes=(quote, "두 번째 인용"),
    )


async def test_long_answers_are_trimmed_cleanly_within_every_limit() -> None:
    engine = Engine.build(long_kb(), None)
    srv, stop, task, skill = await start(engine)
    try:
        status, _, body = await srv.post(payload("긴 답변 보여줘"))
    finally:
        stop.set()
        await task
        skill.close()
    assert status == 200
    outputs = body["template"]["outputs"]
    quick = body["template"]["quickReplies"]
    assert len(outputs) <= MAX_OUTPUTS and len(quick) <= MAX_QUICK_REPLIES
    texts = [o["simpleText"]["text"] for o in outputs if "simpleText" in o]
    assert all(len(t) <= MAX_SIMPLE_TEXT for t in texts)
    assert texts[0].endswith("지원합니다.…") or texts[0].endswith("…")
    assert texts[1].startswith("“아주 긴 인용문입니다.") and texts[1].endswith("…")
    assert all(len(q["label"]) <= MAX_LABEL for q in quick)
    assert quick[0]["messageText"] == "관련 주제 번호 0 입니다 정말로"  # the full title goes back
    assert all(len(o["textCard"]["description"]) <= MAX_CARD_DESCRIPTION for o in outputs if "textCard" in o)


def test_trim_cuts_at_boundaries() -> None:
    assert trim("짧은 글", 10) == "짧은 글"
    assert trim("첫 문장입니다. 두 번째 문장은 아주 깁니다.", 14) == "첫 문장입니다.…"
    assert trim("a" * 30, 10) == "a" * 9 + "…"


def test_non_http_links_never_reach_a_button(kb: KnowledgeBase) -> None:
    reply = replace(Composer(kb).fallback("ko"), apply_url="javascript:alert(1)")
    card = response(reply)["template"]["outputs"][-1]["textCard"]
    assert "buttons" not in card


# -- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "headers", "status", "message"),
    [
        (b"{not json", {}, 400, "body is not valid JSON"),
        (b"\xff\xfe", {}, 400, "body is not valid JSON"),
        (b"[]", {}, 400, "missing userRequest"),
        (json.dumps({"userRequest": {"user": {"id": "x"}}}).encode(), {}, 400, "missing userRequest.utterance"),
        (json.dumps(payload(42)).encode(), {}, 400, "missing userRequest.utterance"),
        (json.dumps(payload("hi")).encode(), {"Content-Type": "text/plain"}, 400, "expected Content-Type"),
        (b'{"userRequest": {"utterance": "' + b"a" * (MAX_BODY + 10) + b'"}}', {}, 413, "body larger than"),
        (b"[" * 5000 + b"]" * 5000, {}, 400, "body is nested too deeply"),
        (b'{"userRequest": {"utterance": "hi", "n": ' + b"9" * 5000 + b"}}", {}, 400, "body holds a value"),
    ],
    ids=[
        "malformed",
        "not-utf8",
        "not-an-object",
        "no-utterance",
        "utterance-not-text",
        "wrong-type",
        "too-big",
        "5000-deep",
        "5000-digit-number",
    ],
)
async def test_bad_requests_get_4xx_with_a_json_error(server, raw, headers, status, message, caplog) -> None:
    got, ctype, body = await server.post(None, headers=headers, raw=raw)
    assert "Traceback" not in caplog.text  # a client's mistake is not logged as our failure
    assert (got, ctype.split(";")[0]) == (status, "application/json")
    assert body["error"].startswith(message)
    assert server.recorder.outcomes == []


async def test_unknown_path_and_method_are_json_too(server) -> None:
    got, _, body = await server.post(payload("hi"), path="/../nope")
    assert got == 404 and "error" in body
    async with aiohttp.ClientSession() as http, http.get(server.url) as r:
        assert r.status == 405 and "error" in await r.json()


async def test_secret_header_is_required_when_configured(engine: Engine) -> None:
    srv, stop, task, skill = await start(engine, secret="open-sesame")
    try:
        no, _, body = await srv.post(payload("지원은 어떻게 해요?"))
        wrong, _, _ = await srv.post(payload("지원은 어떻게 해요?"), headers={"X-Skill-Secret": "nope"})
        ok, _, answer = await srv.post(payload("지원은 어떻게 해요?"), headers={"X-Skill-Secret": "open-sesame"})
    finally:
        stop.set()
        await task
        skill.close()
    assert (no, wrong, ok) == (403, 403, 200)
    assert body == {"error": "missing or wrong X-Skill-Secret header"}
    assert answer["version"] == "2.0"


async def test_the_sample_in_the_readme_is_what_the_server_answers(server) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("<!-- kakao-sample -->")[1].split("```json")
    request = json.loads(blocks[1].split("```")[0])
    expected = json.loads(blocks[2].split("```")[0])
    _, _, body = await server.post(request)
    assert body == expected


def test_a_reload_reaches_the_skill_including_its_topic_buttons(faq: Path) -> None:
    from bot.reload import LiveEngine
    from tests.conftest import NEW_ENTRY, lexical_build

    live = LiveEngine.load(faq, lexical_build)
    skill = KakaoSkill(live)
    try:
        assert skill.answer("근무 시간", "u")[1] != "browse"  # not a topic yet
        faq.write_text(faq.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        assert live.reload().changed
        result, action, entry_id, _, _ = skill.answer("근무 시간", "u")  # the new entry's title
        assert (action, entry_id) == ("browse", "office-hours")
        assert result["template"]["outputs"][0] == {"simpleText": {"text": "테스트용 답변입니다."}}
    finally:
        skill.close()


async def test_a_lone_surrogate_in_the_user_id_is_answered_without_a_traceback(server, caplog) -> None:
    raw = b'{"userRequest": {"utterance": "\\uc9c0\\uc6d0 \\ubc29\\ubc95", "user": {"id": "\\ud800x"}}}'
    got, _, body = await server.post(None, raw=raw)
    assert got == 200
    assert body["template"]["outputs"][0]["simpleText"]["text"].startswith("카카오 플랫폼/인프라실 경력 개발자 영입에")
    assert "Traceback" not in caplog.text


# -- conversations and help ----------------------------------------------------------------------------


def first_text(body: dict) -> str:
    return body["template"]["outputs"][0]["simpleText"]["text"]


def quick_labels(body: dict) -> list[str]:
    return [q["label"] for q in body["template"].get("quickReplies", [])]


async def test_a_follow_up_keeps_its_context_per_user(server, kb: KnowledgeBase) -> None:
    await server.post(payload("하둡 팀은 뭐 해요?", user="u1"))
    _, _, salary = await server.post(payload("그 팀 연봉은요?", user="u1"))
    _, _, other_user = await server.post(payload("그 팀 연봉은요?", user="u2"))
    _, _, ellipsis = await server.post(payload("기반기술셀은요?", user="u1"))
    _, _, picked = await server.post(payload("1", user="u1"))  # the topic the last reply offered
    assert first_text(salary).startswith("인터뷰에는 ‘하둡엔지니어링파트’에 관한 연봉이나 처우 이야기가 나오지 않아서")
    assert "하둡엔지니어링파트" in quick_labels(salary)
    assert "하둡엔지니어링파트" not in first_text(other_user)  # u2 has not talked about a team
    assert first_text(ellipsis).startswith("인터뷰에는 ‘기반기술셀 (스토리지)’에 관한 연봉이나 처우 이야기가")
    assert first_text(picked) == kb.entry("team-storage").answer["ko"]
    actions = [o.action for o in server.recorder.outcomes]
    assert actions == ["answer", "fallback", "fallback", "fallback", "answer"]


async def test_a_topic_quick_reply_starts_a_subject(server) -> None:
    await server.post(payload("하둡엔지니어링파트"))  # what a topic quick reply sends
    _, _, body = await server.post(payload("거기 몇 명이에요?"))
    assert first_text(body).startswith("인터뷰에는 ‘하둡엔지니어링파트’에 관한 인원이나 숫자 이야기가")


@pytest.mark.parametrize("word", ["도움말", "/help", "help"])
async def test_help_words_get_kakaos_own_help(server, word: str) -> None:
    status, _, body = await server.post(payload(word))
    assert status == 200
    text = first_text(body)
    assert "/topics" not in text and "/apply" not in text  # Telegram's commands do nothing here
    assert ("'주제 보기'" in text) if word == "도움말" else ("'topics'" in text)  # help in the word's language
    assert server.recorder.outcomes == []


@pytest.mark.parametrize(("word", "expected"), [("/topics", "topics"), ("/apply", "apply")])
async def test_telegram_commands_typed_on_kakao_still_work(server, kb: KnowledgeBase, word: str, expected: str):
    _, _, body = await server.post(payload(word))
    if expected == "topics":
        assert first_text(body) == "Here is what I can answer. Pick a topic."
    else:
        assert first_text(body) == kb.entry("apply").answer["en"]


async def test_the_language_kakao_names_is_used_for_messages_without_words(server) -> None:
    body = payload("  ")
    body["userRequest"]["lang"] = "en"
    _, _, reply = await server.post(body)
    assert first_text(reply).startswith("I answer questions about the Kakao Platform/Infra office")


# -- hostile clients ---------------------------------------------------------------------------------


async def test_a_compressed_body_is_refused_unread_and_questions_keep_being_answered(server) -> None:
    import gzip

    bomb = gzip.compress(b"{" + b" " * 50_000_000 + b"}")  # ~50 MB of JSON in ~50 KB
    for _ in range(5):
        status, _, body = await server.post(None, headers={"Content-Encoding": "gzip"}, raw=bomb)
        assert status == 415 and "Content-Encoding 'gzip' is not accepted" in body["error"]
    status, _, body = await server.post(payload("지원은 어떻게 해요?"))
    assert status == 200 and body["template"]["outputs"]


async def test_a_body_that_does_not_arrive_in_time_gets_408_and_others_are_answered(engine: Engine) -> None:
    srv, stop, task, skill = await start(engine)
    skill.body_seconds = 0.3
    try:
        port = int(srv.url.split(":")[2].split("/")[0])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /kakao/skill HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        await writer.drain()
        status, _, _ = await srv.post(payload("지원은 어떻게 해요?"))  # meanwhile, others are answered
        assert status == 200
        head = await asyncio.wait_for(reader.read(4096), 10)
        assert head.startswith(b"HTTP/1.1 408 ")
        writer.close()
    finally:
        stop.set()
        await task
        skill.close()


async def test_a_client_that_leaves_halfway_through_its_body_is_not_an_error(server, caplog) -> None:
    port = int(server.url.split(":")[2].split("/")[0])
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /kakao/skill HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()
    status, _, _ = await server.post(payload("지원은 어떻게 해요?"))
    await asyncio.sleep(0.1)
    assert status == 200
    assert "unexpected error" not in caplog.text and "Traceback" not in caplog.text


async def test_a_connection_that_never_finishes_its_request_head_is_closed(engine: Engine) -> None:
    srv, stop, task, skill = await start(engine, header_seconds=0.3)
    try:
        port = int(srv.url.split(":")[2].split("/")[0])
        held = []
        for _ in range(20):  # half-sent request heads
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /kakao/skill HTTP/1.1\r\nHost: x\r\nContent-Ty")
            await writer.drain()
            held.append((reader, writer))
        status, _, _ = await srv.post(payload("지원은 어떻게 해요?"))  # meanwhile, others are answered
        assert status == 200
        for reader, writer in held:
            assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server, no reply
            writer.close()
    finally:
        stop.set()
        await task
        skill.close()

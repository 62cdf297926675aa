"""Conversations in the core: follow-ups keep their context; expiry and the memory bound (clock injected)."""

from __future__ import annotations

import textwrap

import pytest

from bot.conversation import Context, Conversations, command_of
from bot.engine import Engine
from bot.errors import KnowledgeBaseError
from bot.knowledge import parse


def chat(engine: Engine, *messages: str, conversations: Conversations | None = None) -> list[tuple[str, str]]:
    """Ask the messages as one conversation; (action, what it gave) per message: the answered id, the
    options offered, or "!kind@topic" for "the interview doesn't say"."""
    conversations = conversations if conversations is not None else Conversations()
    out = []
    for message in messages:
        decision, _ = engine.converse(conversations, "c", message)
        if decision.missing:
            topic = decision.options[0].id if decision.options else ""
            out.append((decision.action, f"!{decision.missing}@{topic}"))
        elif decision.action == "answer":
            out.append(("answer", decision.id or ""))
        else:
            out.append((decision.action, ",".join(o.id for o in decision.options)))
    return out


FOLLOW_UPS = [
    pytest.param(["하둡 팀은 뭐 해요?", "그 팀은요?"], ("answer", "team-hadoop"), id="그 팀은요 after a team question"),
    pytest.param(["하둡 팀은 뭐 해요?", "거기는 분위기 어때요?"], ("answer", "culture"), id="거기 + a clear topic"),
    pytest.param(["하둡 팀은 뭐 해요?", "거기 지원하려면?"], ("answer", "apply"), id="거기 지원하려면"),
    pytest.param(
        ["하둡 팀은 뭐 해요?", "데이터플랫폼파트는요?"], ("answer", "team-data-platform"), id="a new team named alone"
    ),
    pytest.param(["기반기술셀은 뭐 하는 곳이에요?", "JG님은요?"], ("answer", "team-hadoop"), id="a person named alone"),
    pytest.param(
        ["What does the Hadoop team do?", "What about the storage cell?"],
        ("answer", "team-storage"),
        id="english: what about X",
    ),
    pytest.param(
        ["What does the data platform part do?", "and the Hadoop one?"],
        ("answer", "team-hadoop"),
        id="english: and the X one",
    ),
    pytest.param(["What does the Hadoop team do?", "how do I apply there?"], ("answer", "apply"), id="english: there"),
    pytest.param(["JG님 팀은 무슨 일 하나요?", "그분은 어떤 일 해요?"], ("answer", "team-hadoop"), id="그분"),
    # What is left without the reference looks like small talk, or like another team's phrasings: neither
    # takes the question away from the subject.
    pytest.param(
        ["JG님은 어느 팀이에요?", "그 팀은 뭐 하는 곳이에요?"], ("answer", "team-hadoop"), id="그 팀 + 뭐 하는 곳"
    ),
    pytest.param(
        ["디에고님은 왜 카카오에서 일하세요?", "그분 팀은 뭐하는데요?"], ("answer", "team-storage"), id="그분 팀"
    ),
    pytest.param(["데이터플랫폼파트 뭐해", "그럼 거기 지원 어케함"], ("answer", "apply"), id="거기 지원 어케함"),
    # "Who said that?": the last answer's quotes say who.
    pytest.param(["카카오 문화 어때요?", "그 얘기 누가 했어요?"], ("answer", "culture"), id="누가 했어요"),
    pytest.param(["What do they find rewarding?", "who said that?"], ("answer", "motivation"), id="who said that"),
    pytest.param(["누가 했어요?"], ("fallback", ""), id="누가 했어요, nothing said yet"),
    # The team's own entry speaks of the technical challenges; it does not of the culture.
    pytest.param(
        ["기술적인 도전은 어떤 게 있어요?", "하둡 팀은요?"], ("answer", "team-hadoop"), id="X팀은요 after challenges"
    ),
    pytest.param(["카카오 문화 어때요?", "하둡 팀은요?"], ("answer", "culture"), id="X팀은요 after culture"),
    # The interview names every team: a team's name is not a name it lacks, a lead's or a real name is.
    pytest.param(["JG님 팀 이름이 뭐예요?"], ("answer", "team-hadoop"), id="a team's name"),
    pytest.param(["하둡 팀장 이름이 뭐예요?"], ("fallback", "!role@team-hadoop"), id="a lead's name"),
    # The team's entry names who spoke for it: their name is not one the interview lacks, nor the team's.
    pytest.param(["하둡 팀은 뭐 해요?", "그 분 이름이 뭐예요?"], ("answer", "team-hadoop"), id="그 분 이름"),
    pytest.param(["DJ는 무슨 일 해요?", "그 사람 이름은?"], ("answer", "team-data-platform"), id="그 사람 이름"),
    pytest.param(["하둡 팀은 뭐 해요?", "그 팀 이름이 뭐예요?"], ("answer", "team-hadoop"), id="그 팀 이름"),
    pytest.param(["하둡 팀은 뭐 해요?", "그 팀 이름이 뭐였죠"], ("answer", "team-hadoop"), id="그 팀 이름 뭐였죠"),
    pytest.param(
        ["데이터플랫폼파트는 뭐 하는 팀이에요?", "거기 엔지니어 이름은?"],
        ("answer", "team-data-platform"),
        id="거기 엔지니어 이름",
    ),
    pytest.param(
        ["하둡 팀은 뭐 해요?", "거기 엔지니어들 이름 다 알려줘"],
        ("fallback", "!name@team-hadoop"),
        id="거기 엔지니어들 이름 다",
    ),
    pytest.param(["하둡 팀은 뭐 해요?", "그 분 본명은?"], ("fallback", "!realname@team-hadoop"), id="그 분 본명"),
    pytest.param(
        ["하둡 팀은 뭐 해요?", "그 분 진짜 이름은요?"], ("fallback", "!realname@team-hadoop"), id="그 분 진짜 이름"
    ),
    pytest.param(["하둡 팀은 뭐 해요?", "거기 팀장 이름은?"], ("fallback", "!role@team-hadoop"), id="거기 팀장 이름"),
    pytest.param(
        ["하둡 팀은 뭐 해요?", "그 팀 시스템 이름이 뭐예요?"], ("fallback", "!name@team-hadoop"), id="그 팀 시스템 이름"
    ),
    pytest.param(["플랫폼/인프라실이 뭐예요?", "거기 몇 명 있어요?"], ("fallback", "!count@org"), id="거기 + how many"),
    pytest.param(["이 인터뷰 언제 나온 거예요?", "아직 뽑아요?"], ("fallback", "!date@"), id="still hiring?"),
    pytest.param(["이 인터뷰 어디에 실렸어요?", "언제요?"], ("answer", "interview"), id="언제요? after the article"),
    pytest.param(["이 인터뷰 어디에 실렸어요?", "언제 나왔어요?"], ("answer", "interview"), id="when did it come out?"),
    pytest.param(["플랫폼/인프라실이 뭐예요?", "거기서 뭐 하는데요?"], ("answer", "org"), id="거기서 뭐 하는데요"),
    pytest.param(["기반기술셀은 어떤 팀이에요?", "무슨 일 해요?"], ("answer", "team-storage"), id="무슨 일 해요"),
    # Which team a person is on is their team's entry (it names them).
    pytest.param(
        ["인터뷰한 사람들 누구에요?", "그중에 디에고는 무슨 팀이에요?"],
        ("answer", "team-storage"),
        id="그중에 X는 무슨 팀",
    ),
    pytest.param(["디에고는 어느 팀이에요?"], ("answer", "team-storage"), id="X는 어느 팀"),
    pytest.param(["which team is Diego on?"], ("answer", "team-storage"), id="which team is X on"),
    # After a topic that is not a team, a short message or one that refers back goes on about that topic.
    pytest.param(["이 인터뷰는 언제 나온 거예요?", "원문은요?"], ("answer", "interview"), id="a topic: 원문은요"),
    pytest.param(["When was the interview published?", "who published it?"], ("answer", "interview"), id="a topic: it"),
    pytest.param(["원문 기사는 어디서 봐요?", "언제요?"], ("answer", "interview"), id="a topic: 언제요"),
    pytest.param(
        ["플랫폼/인프라실은 뭐 하는 조직이에요?", "게임 쪽도 포함이에요?"],
        ("clarify", "org"),
        id="a topic: unsure, that topic offered",
    ),
]


@pytest.mark.parametrize(("messages", "expected"), FOLLOW_UPS)
def test_follow_up_is_understood_in_context(engine: Engine, messages: list[str], expected: tuple[str, str]) -> None:
    assert chat(engine, *messages)[-1] == expected


@pytest.mark.parametrize(
    "messages",
    [
        ["when was this interview published?", "who wrote it?"],  # once raised IndexError: no options to compare
        ["하둡 팀은 뭐 해요?", "ㅁㄴㅇㄹ"],
        ["하둡 팀은 뭐 해요?", "그거 말고 날씨는요?"],
        ["기반기술셀은 뭐 해요?", "거기는?"],
    ],
)
def test_a_follow_up_that_matches_nothing_is_replied_to_not_raised(engine: Engine, messages: list[str]) -> None:
    conversations = Conversations()
    for message in messages:
        _, reply = engine.converse(conversations, "c", message)
        assert reply.text and reply.apply_url == engine.kb.apply_url  # a reply, with the way to apply


UNCOVERED = [
    pytest.param(["하둡 팀은 뭐 해요?", "그 팀은 몇 명이에요?"], "!count@team-hadoop", id="그 팀 headcount"),
    pytest.param(["하둡 팀은 뭐 해요?", "그 팀 연봉은요?"], "!money@team-hadoop", id="그 팀 salary"),
    pytest.param(["하둡 팀은 뭐 해요?", "연봉은요?"], "!money@team-hadoop", id="a short question about the team"),
    pytest.param(
        ["What does the Hadoop team do?", "How many people are on it?"], "!count@team-hadoop", id="english: it"
    ),
    pytest.param(
        ["스토리지 팀 연봉은 얼마예요?", "데이터플랫폼은요?"],
        "!money@team-data-platform",
        id="the same uncovered question about another team",
    ),
    pytest.param(["기반기술셀은 뭐 해요?", "거기서 CDN도 운영해요?"], "!detail@team-storage", id="X도 운영해요"),
    pytest.param(
        ["What does the Hadoop team do?", "do they also manage kafka?"], "!detail@team-hadoop", id="english: also X"
    ),
    pytest.param(
        ["플랫폼/인프라실은 뭐 하는 조직이에요?", "그 안에 팀은 몇 개예요?"], "!count@org", id="a topic: 그 안에"
    ),
    # 거기 is the office: the interviewees' entry says how many were interviewed, not how many work there.
    pytest.param(
        ["플랫폼/인프라실은 어떤 곳이에요?", "거기 직원은 몇 명이에요?"], "!count@org", id="a topic: 거기 몇 명"
    ),
    pytest.param(
        ["기술적으로 어려운 점이 뭐예요?", "하루에 데이터가 얼마나 쌓여요?"], "!count@challenges", id="a topic: volume"
    ),
]


@pytest.mark.parametrize(("messages", "expected"), UNCOVERED)
def test_follow_up_asking_for_an_uncovered_fact_is_not_covered_about_that_team(
    engine: Engine, messages: list[str], expected: str
) -> None:
    assert chat(engine, *messages)[-1] == ("fallback", expected)


@pytest.mark.parametrize(
    "question",
    ["지원은 어떻게 해요?", "데이터플랫폼파트는 무슨 일 해요?", "일하는 문화는 어때요?", "점심은 뭐 먹어요?"],
)
def test_a_question_that_stands_on_its_own_is_matched_on_its_own(engine: Engine, question: str) -> None:
    in_context = chat(engine, "하둡 팀은 뭐 해요?", question)[-1]
    alone = chat(engine, question)[-1]
    assert in_context == alone


@pytest.mark.parametrize(
    "pick",
    ["2", "2번", "두 번째", "두번째 거요", "둘째", "the second one", "second", "option 2"],
)
def test_picking_the_second_option_shown(engine: Engine, pick: str) -> None:
    conversations = Conversations()
    decision, reply = engine.converse(conversations, "c", "하둡 팀은 뭐 해요?")
    assert decision.id == "team-hadoop" and len(reply.options) >= 2  # its related topics, numbered
    picked, _ = engine.converse(conversations, "c", pick)
    assert (picked.action, picked.id) == ("answer", reply.options[1].id)


def test_picking_by_title_and_yes_to_a_single_offer(engine: Engine) -> None:
    conversations = Conversations()
    _, reply = engine.converse(conversations, "c", "그 팀 연봉은 얼마예요? 하둡 팀이요")
    assert [o.id for o in reply.options] == ["team-hadoop"]  # "not covered", with the topic offered
    picked, _ = engine.converse(conversations, "c", "네")
    assert picked.id == "team-hadoop"
    _, reply = engine.converse(conversations, "c", "더 알려줘")
    titles = [o.label for o in reply.options]
    picked, _ = engine.converse(conversations, "c", titles[-1])
    assert picked.id == reply.options[-1].id


def test_a_number_without_options_shown_is_not_a_pick(engine: Engine) -> None:
    assert chat(engine, "2")[0][0] == "fallback"


def test_tell_me_more_offers_the_related_topics_of_the_last_answer(engine: Engine) -> None:
    related = ",".join(engine.kb.entry("culture").related)
    assert chat(engine, "일하는 문화는 어때요?", "더 알려줘")[-1] == ("clarify", related)
    assert chat(engine, "What is the work culture like?", "tell me more")[-1] == ("clarify", related)
    conversations = Conversations()
    engine.converse(conversations, "c", "What is the work culture like?")
    _, reply = engine.converse(conversations, "c", "tell me more")
    assert reply.text == "These topics go with it. Pick one."


def test_a_message_without_words_keeps_the_conversations_language(engine: Engine) -> None:
    conversations = Conversations()
    engine.converse(conversations, "c", "What does the Hadoop team do?")
    decision, reply = engine.converse(conversations, "c", "1")
    assert decision.action == "answer" and reply.language == "en"


def test_a_conversation_is_forgotten_after_a_quiet_period(engine: Engine) -> None:
    now = [1000.0]
    conversations = Conversations(ttl=1800, clock=lambda: now[0])
    engine.converse(conversations, "c", "하둡 팀은 뭐 해요?")
    now[0] += 1799
    assert conversations.get("c").subject == "jg"
    engine.converse(conversations, "c", "그 팀은요?")  # a message restarts the quiet period
    now[0] += 1799
    assert conversations.get("c").subject == "jg"
    now[0] += 2
    assert conversations.get("c") == Context()
    decision, _ = engine.converse(conversations, "c", "그 팀은요?")
    assert decision.via == ""  # no context left: matched on its own


def test_conversations_are_bounded_and_kept_apart(engine: Engine) -> None:
    conversations = Conversations(maxsize=2, clock=lambda: 0.0)
    engine.converse(conversations, "a", "하둡 팀은 뭐 해요?")
    engine.converse(conversations, "b", "기반기술셀은 뭐 해요?")
    assert (conversations.get("a").subject, conversations.get("b").subject) == ("jg", "diego")
    engine.converse(conversations, "c", "데이터플랫폼파트는 뭐 해요?")
    assert len(conversations) == 2
    assert conversations.get("a") == Context()  # the least recently used went first
    assert conversations.get("c").subject == "dj"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("도움말", "help"),
        ("/help", "help"),
        ("Help?", "help"),
        ("주제 보기", "topics"),
        ("/topics", "topics"),
        ("/apply", "apply"),
        ("도움말 좀 주세요 연봉", None),
        ("지원 방법", None),
    ],
)
def test_command_words_typed_on_channels_without_commands(text: str, command: str | None) -> None:
    assert command_of(text) == command


PEOPLE = """\
version: 1
languages: [ko, en]
apply_url: http://kko.to/VS1FS4x00
people:
  jg: {name: JG, team: {ko: 하둡팀, en: Hadoop}, topic: %s, aliases: %s}
entries:
  - id: team-hadoop
    questions: {ko: [하둡 팀은 뭐 해요], en: [what does the hadoop team do]}
    answer: {ko: 하둡, en: hadoop}
"""


def test_people_topics_and_aliases_are_checked_with_file_line_col() -> None:
    kb = parse(PEOPLE % ("team-hadoop", "[하둡, hadoop]"))
    assert kb.people["jg"].topic == "team-hadoop" and kb.people["jg"].aliases == ("하둡", "hadoop")
    with pytest.raises(KnowledgeBaseError) as info:
        parse(PEOPLE % ("team-hadop", "하둡"))
    assert [str(p) for p in info.value.problems] == [
        "faq.yaml:5:54: person 'jg': topic 'team-hadop' does not exist (did you mean 'team-hadoop'?)",
        "faq.yaml:5:75: person 'jg': aliases must be a list",
    ]


def test_a_knowledge_base_without_topics_still_converses() -> None:
    text = textwrap.dedent(PEOPLE % ("team-hadoop", "[]")).replace(", topic: team-hadoop", "")
    engine = Engine.build(parse(text))
    assert chat(engine, "하둡 팀은 뭐 해요", "그 팀은요?")[0] == ("answer", "team-hadoop")


# -- what a stranger's review found ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        pytest.param(
            ["How can I apply?", "what does the hadoop team do?"],
            ("answer", "team-hadoop"),
            id="a question, not 'and X?'",
        ),
        pytest.param(
            ["지원은 어디서 하나요?", "하둡팀은 어때요?"], ("answer", "team-hadoop"), id="X는 어때요 is a question"
        ),
        pytest.param(["고마워요", "하둡팀은요?"], ("answer", "team-hadoop"), id="thanks is never repeated"),
        pytest.param(
            ["What is the salary?", "what does the hadoop team do?"],
            ("answer", "team-hadoop"),
            id="no stale 'not covered'",
        ),
        pytest.param(["기반기술셀은 어떤 팀이에요?", "이 분야 경력이 없어도 되나요?"], None, id="이 분야 is not 이 분"),
        pytest.param(["기반기술셀은 어떤 팀이에요?", "IT 회사 처음인데 괜찮을까요?"], None, id="IT is not it"),
    ],
)
def test_a_follow_up_never_turns_a_new_question_into_the_old_topic(
    engine: Engine, messages: list[str], expected: tuple[str, str] | None
) -> None:
    got = chat(engine, *messages)[-1]
    if expected is None:  # the same as asked alone, never the team talked about
        assert got == chat(engine, messages[-1])[0] and got != ("answer", "team-storage")
    else:
        assert got == expected


def test_what_a_team_does_without_a_team_named_stays_with_the_team_talked_about(engine: Engine) -> None:
    # Alone, "뭐 하는 팀이에요?" leans to whichever team's phrasings say it; never switch teams on that guess.
    action, given = chat(engine, "기반기술셀은 어떤 팀이에요?", "뭐 하는 팀이에요?")[-1]
    assert action in ("answer", "clarify") and given.split(",")[0] == "team-storage"


def test_a_two_digit_pick_and_a_short_latin_reply_keep_the_conversation(engine: Engine) -> None:
    conversations = Conversations()
    engine.opened(conversations, "c", engine.composer.topics("ko"))
    picked, _ = engine.converse(conversations, "c", "10")
    assert picked.id == engine.composer.topics("ko").options[9].id
    decision, reply = engine.converse(conversations, "c", "ok")
    assert reply.language == "ko" and decision.action != "answer"


def test_one_conversations_messages_are_read_one_at_a_time(engine: Engine) -> None:
    import threading

    conversations = Conversations()
    engine.converse(conversations, "k", "기반기술셀은 어떤 팀이에요?")
    lock = conversations.turn("k")
    done: list[str] = []
    with lock:  # a message of this conversation is being read ...
        worker = threading.Thread(target=lambda: done.append(engine.converse(conversations, "k", "2")[0].via))
        worker.start()
        worker.join(0.2)
        assert done == []  # ... so the next one waits for it
    worker.join(10)
    assert done == ["pick"]


@pytest.mark.parametrize("message", ["그 팀 말고요", "거기 말고 다른 팀은요?", "not that team, the other one"])
def test_not_that_team_is_never_answered_with_that_team(engine: Engine, message: str) -> None:
    assert chat(engine, "하둡 팀은 뭐 해요?", message)[-1] != ("answer", "team-hadoop")


@pytest.mark.parametrize(
    "messages",
    [
        ["디에고님은 일하면서 뭐가 보람 있다고 하셨어요?", "JG님은요?"],
        ["DJ님은 일하면서 뭐가 재밌대요?", "디에고님은요?"],
        ["디에고님은 하는 일 중에 뭐가 제일 보람 있대요?", "JG님은요?"],  # 하는 일: not "what does the team do"
    ],
)
def test_the_same_question_about_another_person_keeps_what_was_asked(engine: Engine, messages: list[str]) -> None:
    # "JG님은요?" after what Diego finds rewarding asks what JG finds rewarding, not what JG's team does.
    action, given = chat(engine, *messages)[-1]
    assert (action, given) == ("answer", "motivation") or (action == "clarify" and given.split(",")[0] == "motivation")


@pytest.mark.parametrize(
    "messages",
    [
        ["조직 문화는 어때요?", "주식 추천 좀"],
        ["What is the culture like?", "what about lunch?"],
        ["조직 문화는 어때요?", "ok"],
    ],
)
def test_a_message_about_something_else_is_never_answered_with_the_last_topic(
    engine: Engine, messages: list[str]
) -> None:
    assert chat(engine, *messages)[-1][0] != "answer"


@pytest.mark.parametrize(
    "messages",
    [
        ["그 팀은 몇 명이에요?"],
        ["카카오 문화 어때요?", "그 팀은 몇 명이에요?"],
        ["플랫폼/인프라실 소개해 주세요", "개발자는 몇 명이에요?"],
    ],
)
def test_how_many_on_a_team_is_never_answered_with_how_many_were_interviewed(
    engine: Engine, messages: list[str]
) -> None:
    # The interviewees' entry says "엔지니어 세 명이에요": read after "몇 명이에요?" as the team's size.
    action, given = chat(engine, *messages)[-1]
    assert action == "fallback" and given.startswith("!count@")


def test_which_team_a_person_came_from_is_not_their_team_now(engine: Engine) -> None:
    assert chat(engine, "JG님은 어느 팀 출신이에요?")[-1][0] != "answer"

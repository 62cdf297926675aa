"""Matcher behaviour on the shipped knowledge base, with and without the semantic layer."""

from pathlib import Path

import numpy as np
import pytest

from bot.engine import Engine
from bot.knowledge import parse
from bot.matching import Matcher
from bot.normalize import clean
from bot.semantic import cpu_supports_engine

# (question, entry id) that both the full and the lexical-only matcher must answer outright.
ANSWERED = [
    pytest.param("지원은 어떻게 하나요", "apply", id="plain Korean"),
    pytest.param("지원하려면어떻게해야하나요", "apply", id="no spaces at all"),
    pytest.param("지원  은   어떻게   하나요 ???", "apply", id="extra spaces and punctuation"),
    pytest.param("지원 링크 있나요", "apply", id="particles and endings differ"),
    pytest.param("qkdqjq wldnjs", "apply", id="keyboard in English mode"),
    pytest.param("How can I apply", "apply", id="English"),
    pytest.param("HOW CAN I APPLY!!", "apply", id="English shouting"),
    pytest.param("기반기술셀에서 하는 일", "team-storage", id="team by name"),
    pytest.param("하둡엔지니어링파트는 어떤 일을 하나요", "team-hadoop", id="hadoop team"),
    pytest.param("데이터플랫폼파트는 무슨 팀이에요", "team-data-platform", id="data platform team"),
    pytest.param("회사 문화는 어떄요", "culture", id="typo inside a syllable"),
    pytest.param("근무 환경은 어떤가요", "culture", id="culture"),
    pytest.param("What's the culture like?", "culture", id="English culture"),
    pytest.param("안녕하세요", "greeting", id="greeting"),
    pytest.param("고마워", "thanks", id="thanks"),
]

# Questions the interview does not answer: never a confident answer.
NOT_ANSWERED = [
    pytest.param("쿠팡 지원 방법", id="another company, same words"),
    pytest.param("하둡 설치 방법", id="how-to about a known word"),
    pytest.param("네이버 채용 일정", id="another company's schedule"),
    pytest.param("연봉은 얼마인가요", id="salary"),
    pytest.param("복지는 어떤가요", id="benefits"),
    pytest.param("What is the salary range?", id="salary in English"),
    pytest.param("되나요", id="one common word"),
    pytest.param("how", id="one English function word"),
    pytest.param("오늘 저녁 뭐 먹지", id="chit-chat"),
    pytest.param("asdfgh", id="keyboard mash"),
    pytest.param("?", id="punctuation only"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize(("question", "expected"), ANSWERED)
def test_answers(engine: Engine, question: str, expected: str) -> None:
    decision = engine.matcher.decide(question)
    assert (decision.action, decision.id) == ("answer", expected), decision


@pytest.mark.parametrize(("question", "expected"), ANSWERED)
def test_lexical_only_answers_or_offers(lexical_engine: Engine, question: str, expected: str) -> None:
    decision = lexical_engine.matcher.decide(question)
    assert decision.candidates[0].id == expected, decision
    assert decision.action in ("answer", "clarify"), decision


@pytest.mark.parametrize("question", NOT_ANSWERED)
def test_does_not_answer_what_it_does_not_know(engine: Engine, question: str) -> None:
    assert engine.matcher.decide(question).action != "answer"


@pytest.mark.parametrize("question", NOT_ANSWERED)
def test_lexical_only_does_not_answer_what_it_does_not_know(lexical_engine: Engine, question: str) -> None:
    assert lexical_engine.matcher.decide(question).action != "answer"


def test_unknown_words_are_reported(engine: Engine) -> None:
    assert engine.matcher.decide("쿠팡 지원 방법").unknown == ("쿠팡",)


def test_initials_only_answer_or_offer_the_entry(engine: Engine) -> None:
    decision = engine.matcher.decide("ㅈㅇㅂㅂ")
    assert decision.candidates[0].id == "apply"
    assert decision.id == "apply" or [o.id for o in decision.options][:1] == ["apply"], decision


def test_a_question_two_entries_answer_gets_one_of_them_or_both_offered(engine: Engine) -> None:
    decision = engine.matcher.decide("디에고는 어떤 일을 하나요?")
    if decision.action == "clarify":
        assert {"people", "team-storage"} <= {o.id for o in decision.options}
    else:
        assert decision.id in ("people", "team-storage"), decision


def test_candidates_are_ranked_and_scored(engine: Engine) -> None:
    decision = engine.matcher.decide("조직 문화가 궁금해요")
    scores = [c.score for c in decision.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    assert len(decision.candidates) == 5


@pytest.mark.parametrize(
    ("question", "language"),
    [("지원 방법", "ko"), ("how to apply", "en"), ("hadoop 팀", "ko"), ("wldnjs", "ko"), ("1234", "ko")],
)
def test_reply_language(engine: Engine, question: str, language: str) -> None:
    assert engine.matcher.decide(question).language == language


def test_keyboard_slip_reading_is_kept_only_when_better(engine: Engine) -> None:
    assert engine.matcher.decide("wldnjs qkdqjq").reading == "지원 방법"
    assert engine.matcher.decide("apply").reading == "apply"


def test_new_entry_is_matchable_without_other_keys() -> None:
    kb = parse(
        "languages: [ko]\napply_url: https://x.test\nentries:\n"
        "  - {id: lunch, questions: {ko: [점심 메뉴는 뭐예요]}, answer: {ko: 김치찌개}}\n"
        "  - {id: dinner, questions: {ko: [저녁 회식 있어요]}, answer: {ko: 없어요}}\n"
    )
    decision = Matcher(kb).decide("점심메뉴 뭐예요")
    assert decision.candidates[0].id == "lunch"
    assert decision.id == "lunch" or [o.id for o in decision.options] == ["lunch"], decision


def test_cpu_check_reads_flags() -> None:
    assert cpu_supports_engine("processor: 0\nflags\t\t: fpu sse avx2 fma\n")
    assert not cpu_supports_engine("processor: 0\nflags\t\t: fpu sse avx\n")
    assert not cpu_supports_engine("")


@pytest.mark.slow
def test_two_workers_with_two_model_copies_decide_exactly_as_one(kb, engine, xdg_cache) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bot.engine import Engine
    from bot.semantic import load_embedder

    embedder = load_embedder(True, xdg_cache / "faqbot", instances=2)
    if embedder is None:
        pytest.skip("no semantic layer on this CPU")
    questions = [
        "하둡 팀은 어떤 일을 해요?",
        "카카오 일하는 분위기 어때요",
        "how do i apply",
        "데이터 플랫폼 파트 소개해줘",
        "어떤 사람을 뽑나요",
        "기술적으로 어려운 점은?",
        "연봉은 얼마예요?",
        "wldnjs qkdqjq",
    ] * 3
    engine = Engine.build(kb, embedder)
    alone = [engine.matcher.decide(q) for q in questions]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(engine.matcher.decide, questions))
    assert [(d.action, d.id, d.candidates) for d in together] == [(d.action, d.id, d.candidates) for d in alone]


@pytest.mark.parametrize(
    "text", ["지원 방법 지원", "how do i apply at kakao", "하둡 팀은 뭐 해요 하둡", "a", "ㅈㅇ 방법"], ids=str
)
def test_cached_phrasing_arrays_hold_exactly_the_features_of_the_text(text: str) -> None:
    from bot.lexical import _FEATURE_IDS, _doc_arrays, features
    from bot.normalize import clean

    cleaned = clean(text)
    ids, counts = _doc_arrays(cleaned)
    names = {fid: key for key, fid in _FEATURE_IDS.items()}
    assert {names[i]: c for i, c in zip(ids.tolist(), counts.tolist(), strict=True)} == features(cleaned)


@pytest.mark.parametrize(
    "question",
    [
        "하둡 팀 말고 다른 팀은 뭐 해요?",
        "기반기술셀말고 다른 팀도 뽑아요?",
        "Not the Hadoop team, the other one",
        "anything except the culture?",
        "지원 안 할래요",
        "라인에 지원하려면 어떻게 해요?",
        "카카오뱅크 지원 방법",
        "대학원 지원 방법 알려줘",
        "What's the culture like at Google?",
    ],
)
def test_a_negation_or_another_organisation_is_never_answered_outright(engine: Engine, question: str) -> None:
    assert engine.matcher.decide(question).action != "answer"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("하둡 팀 말고 다른 팀은요?", ("말고",)),
        ("라인에 지원하려면?", ("라인에",)),
        ("I don't want to apply", ("n't",)),
        ("안녕하세요", ()),
        ("메타데이터도 관리해요?", ()),
        ("IT 회사 처음인데 지원해도 되나요?", ()),
        ("장애 나면 안 되는 서비스라 부담되겠네요?", ()),  # 안 + another verb negates what happens
        ("다른 회사에선 못 해보는 경험이 있어요?", ()),
        ("지원 안 할래요", ("안 할래",)),  # ... 안 + 하다 declines the thing itself
        ("못 하겠어요", ("못 하겠",)),
        ("너 사람이야?", ("너",)),  # put to the bot itself
        ("넌 이름이 뭐야", ("넌",)),
        ("can you review my resume?", ("can you review",)),  # work for the bot to do
        ("이력서 첨삭해 주세요", ("첨삭",)),
        ("can you tell me about the culture?", ()),
        ("Can you check whether they hire new grads?", ()),
        ("신입은 채용 안 해요?", ()),  # a question put negatively, not a decision
        ("하둡이랑 스토리지 차이", ("차이",)),  # a comparison: each topic answers for itself
        ("which is better, hadoop or spark?", ("which is better",)),
        ("기반기술셀은 개발만 해요 아니면 운영도 해요?", ()),  # 아니면 joins two alternatives, negates nothing
        ("왜 F1 미케닉이랑 비교해요?", ()),  # why the interview compares, not a comparison asked for
        ("why do they compare the team to F1 mechanics?", ()),
        ("하둡이랑 스토리지 비교해줘", ("비교",)),
        ("사람이랑 얘기하고 싶어요", ("사람이랑 얘기",)),  # a person instead of the bot
        ("상담원 연결해 주세요", ("상담원",)),
        ("can I talk to a real person?", ("talk to a real person",)),
        ("인터뷰한 사람들 누구예요?", ()),
    ],
)
def test_scope_words_are_whole_words(question: str, words: tuple[str, ...]) -> None:
    from bot.normalize import clean
    from bot.scope import blocked

    assert blocked(clean(question), question) == words


@pytest.mark.parametrize(
    "question", ["지원서에 뭘 써야 하나요?", "자소서 항목이 뭐예요?", "What should I write in my cover letter?"]
)
def test_what_to_write_in_an_application_is_not_in_the_interview(engine: Engine, question: str) -> None:
    decision = engine.matcher.decide(question)
    assert (decision.action, decision.missing) == ("fallback", "process")


@pytest.mark.parametrize(
    ("word", "verb"),
    [
        ("바뀌나요", True),
        ("풀렸어요", True),
        ("실렸던", True),
        ("바뀌려면", True),
        ("하드웨어", False),  # a loanword ending like 어: a noun
        ("화면", False),
        ("설치하나요", False),  # a noun + 하다: the noun is what is asked about
        ("설치했어요", False),
        ("배포돼요", False),
        ("대출", False),
        ("택시는", False),  # 는 ends nouns as often as verbs: not a verb ending
        ("mysql", False),
        ("바뀌면", True),  # a condition; 화면 and 라면 are everyday nouns
        ("측면", False),
        ("모르겠어서요", True),
        ("좋지만", True),
        ("원해요", True),  # one syllable + 하다 is a verb or adjective ...
        ("심한가요", True),
        ("설치해요", False),  # ... a longer noun + 하다 names what is asked about
        ("공부하면서", False),
        ("만족스러워하나요", True),
    ],
)
def test_verbs_are_told_from_nouns(word: str, verb: bool) -> None:
    from bot.vocabulary import is_predicate

    assert is_predicate(word) is verb


def test_an_unknown_verb_does_not_stop_an_answer_but_an_unknown_noun_does(engine: Engine) -> None:
    verb = engine.matcher.signals("기반기술셀은 요구사항이 자주 뒤집히나요?")
    noun = engine.matcher.signals("기반기술셀 스토리지 설치하나요?")
    assert verb is not None and noun is not None
    assert "뒤집히" in verb.unknown and verb.names == ()
    assert noun.names == ("설치",)
    assert engine.matcher.answerable(verb) and not engine.matcher.answerable(noun)


def test_a_question_is_compared_with_what_each_entry_says_as_well_as_with_its_phrasings(engine: Engine) -> None:
    # "꿈" is in no phrasing; DJ's quote in the data platform entry says MongoDB expertise is the dream.
    sig = engine.matcher.signals("몽고DB 전문가가 꿈이라는 사람", semantic=False)
    assert sig is not None and sig.passage is not None
    best = engine.kb.entries[int(np.argmax(sig.passage))].id
    assert best == "team-data-platform"
    assert engine.matcher.features(sig).shape == (len(engine.kb.entries), len(engine.matcher.policy.lexical.features))


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("지웡", True),  # a typo of 지원: no dictionary holds it
        ("보랑", True),
        ("주식", False),  # an everyday word one key from 주시: not a typo of it
        ("점심", False),  # ... nor 점 + 심 written together
        ("하둡팀", True),  # a known word with more written onto it
        ("지원방법", True),
        ("하둡설치방법", False),  # ... but only when what is written onto it is known too
    ],
)
def test_typos_are_forgiven_but_other_everyday_words_are_not(engine: Engine, word: str, known: bool) -> None:
    from bot.vocabulary import everyday_words

    assert len(everyday_words()) > 10_000
    assert engine.matcher.vocabulary.knows(word) is known


def test_a_close_call_between_topics_is_never_answered_outright(engine: Engine) -> None:
    from bot.matching import Matcher

    assert not Matcher.leads(np.asarray([0.5, 0.1, 0.05]))  # not likelier than the rest together
    assert not Matcher.leads(np.asarray([0.56, 0.37, 0.04]))  # a second entry shares it
    assert Matcher.leads(np.asarray([0.6, 0.19, 0.04]))
    assert Matcher.leads(np.asarray([0.94, 0.54, 0.0]))  # likely and well ahead, though the second is > half
    assert not Matcher.leads(np.asarray([0.72, 0.41, 0.15]))  # ahead by as much, but not likely enough
    assert not Matcher.leads(np.asarray([0.85, 0.58, 0.0]))  # likely, not far enough ahead
    assert not Matcher.leads(np.asarray([]))
    assert engine.matcher.decide("하둡이랑 스토리지").action == "clarify"
    assert engine.matcher.decide("하둡이랑 스토리지 차이").action != "answer"


@pytest.mark.parametrize(
    "question",
    [
        "지금도 뽑나요?",
        "are you still hiring?",
        "아직 뽑아요?",
        "언제까지 지원하면 좋아요?",
        # whether the posting is still open, said other ways: answering with what the posting is about, or
        # with how to apply, reads as "yes, it is open"
        "공고 아직 유효한가요?",
        "채용 아직 하나요?",
        "이 채용 끝났어요?",
        "공고 닫혔나요?",
        "아직 지원할 수 있나요?",
        "can I still apply?",
        "is the job posting still up?",
        "Has the position closed?",
    ],
)
def test_whether_hiring_is_still_open_is_a_date_the_interview_does_not_give(engine: Engine, question: str) -> None:
    decision = engine.matcher.decide(question)
    assert decision.action == "fallback" and decision.missing == "date"


def test_a_how_to_cue_is_found_inside_a_word_typed_without_spaces(engine: Engine) -> None:
    decision = engine.matcher.decide("하둡설치방법")
    assert decision.action == "fallback" and decision.missing == "howto"


def test_warming_on_two_threads_looks_at_every_phrasing_and_passage_once(engine: Engine) -> None:
    matcher = engine.matcher
    if matcher.embedder is None:  # pragma: no cover - machines without AVX2/FMA
        assert matcher.warm(threads=2) == 0
        return
    assert matcher.warm(pause=0.0, threads=2) == len(matcher._docs) + len(matcher._passages)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("how is the cultrue", "how is the culture"),  # two letters swapped: one slip
        ("how can I sumbit my aplication?", "how can i submit my application"),
        ("do they sit in the same office?", "do they sit in the same office"),  # same is a word, not a slip of name
    ],
)
def test_english_typos_are_corrected_but_everyday_words_are_not(engine: Engine, typed: str, read: str) -> None:
    sig = engine.matcher.signals(typed, semantic=False)
    assert sig is not None and sig.reading == read


@pytest.mark.parametrize(
    ("typed", "read", "entry"),
    [
        ("뮨화 어때요", "문화 어때요", "culture"),  # one slipped jamo inside a syllable
        ("하듑팀 뭐함", "하둡팀 뭐함", "team-hadoop"),  # ... with the team word written on
        ("지웡 어디서 해요", "지원 어디서 해요", "apply"),
    ],
)
def test_a_slipped_jamo_is_read_as_the_known_word(engine: Engine, typed: str, read: str, entry: str) -> None:
    sig = engine.matcher.signals(typed, semantic=False)
    assert sig is not None and (sig.reading, sig.how) == (read, "corrected")
    decision = engine.matcher.decide(typed)
    assert (decision.action, decision.id) == ("answer", entry)


@pytest.mark.parametrize(
    "question",
    [
        "카카오 이직률 어때요?",  # 이직 + 률 makes another word, not 하둡 + 팀
        "동기 모임은 이번주에 해요?",  # an everyday noun with a particle is that noun, not a slip of a known word
    ],
)
def test_a_word_made_of_a_known_word_and_more_is_not_known(engine: Engine, question: str) -> None:
    sig = engine.matcher.signals(question, semantic=False)
    assert sig is not None and sig.names
    assert engine.matcher.decide(question).action != "answer"


def test_applying_to_be_a_brunch_writer_is_another_kind_of_application(engine: Engine) -> None:
    decision = engine.matcher.decide("브런치 작가 신청 어떻게 해요?")
    assert decision.action != "answer"


@pytest.mark.parametrize("word", ["주식", "배불러", "말고요", "노래"])
def test_everyday_words_and_verbs_are_not_corrected_to_known_words(engine: Engine, word: str) -> None:
    # 배불러 is one jamo from 배울(러), 말고 from 맡고: neither is a misspelling ("그 팀 말고요" is a negation).
    assert engine.matcher.vocabulary.correct(word) == word


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("can I send my resume in English?", "process"),
        ("영문 이력서로 내도 돼요?", "process"),
        ("do they sit in the same office?", "place"),
        ("하루에 데이터가 얼마나 쌓여요?", "count"),
        ("how much traffic per second?", "count"),
        ("주로 쓰는 언어는 뭐예요?", "stack"),
        ("what tech do they use?", "stack"),
        ("파트별로 따로 지원해야 하나요?", "process"),
        ("컨퍼런스 참가 지원해 줘요?", "benefits"),
        ("분산 스토리지 추천해줘", "howto"),  # the storage cell's entry recommends no product
        ("recommend a distributed storage system", "howto"),
        ("인터뷰어는 누구예요?", "role"),  # not the interviewees, whose names the people entry holds
        ("인프라실장이 누구예요", "role"),
        ("거기 몇 명 있어요?", "count"),  # "거기": something named before, not the interviewees
        ("스토리지에 저장된 파일 수는요?", "count"),
        ("인프라실 전체 규모가 어떻게 돼요?", "count"),
        ("아직 지원 받고 있나요?", "date"),  # whether it is still open: the interview has a date, not a status
        # found by an outside probe: answered with the interviewees' "세 명", a team's page, or culture
        ("TO 몇명이에요", "count"),  # TO (티오): how many a team may hire
        ("하둡팀 TO 있어요?", "count"),
        ("카카오 직원 수", "count"),
        ("인프라실 조직도 보여줘", "count"),
        ("카카오 자기계발비", "benefits"),
        ("주 4.5일 근무 하나요", "benefits"),
        ("지금도 하둡 써요?", "date"),  # whether what the 2019 interview says is still so
        ("MongoDB 전문가 되셨어요?", "date"),
        ("is JG still at kakao?", "date"),
        ("트래픽 늘어나는 거 구체적으로 어떻게 처리해요?", "howto"),  # the interview never says how
        ("how exactly do they keep the services up?", "howto"),
        ("사진은 어느 서버에 저장돼요?", "place"),
        # Asked alone, a pointer (거기, 여기, there) names nothing the bot knows; "사람들" must not make it
        # the interviewees' entry, whose "세 명" would read as the team's size.
        ("거기 사람들 몇명이에요", "count"),
        ("그 팀 사람들은 몇 명이에요?", "count"),
        ("how many people work there?", "count"),
        ("여기 몇 명이에요?", "count"),
    ],
)
def test_more_facts_the_interview_does_not_give(engine: Engine, question: str, kind: str) -> None:
    decision = engine.matcher.decide(question)
    assert decision.action == "fallback" and decision.missing == kind


@pytest.mark.parametrize(
    "question",
    [
        "하둡 팀은 해외출장하게 되나요?",
        "스토리지 팀 배너광고 해요?",
        "기반기술셀 일지 공유해요?",
        "does the data platform team use R?",
    ],
)
def test_nouns_that_end_like_verbs_still_keep_a_question_from_an_answer(engine: Engine, question: str) -> None:
    assert engine.matcher.decide(question).action != "answer"


@pytest.mark.parametrize("question", ["이 글 누가 썼어요?", "who wrote this interview?"])
def test_who_wrote_it_is_the_interview_entry_which_says_who_published_it(engine: Engine, question: str) -> None:
    decision = engine.matcher.decide(question)  # 카카오, on brunch: not "the interview doesn't say"
    assert decision.missing is None and decision.candidates[0].id == "interview"


@pytest.mark.parametrize("question", ["어떤 기술적 도전이 있어요?", "what technical challenges do they face?"])
def test_technical_challenges_are_not_a_question_about_the_stack(engine: Engine, question: str) -> None:
    decision = engine.matcher.decide(question)
    assert decision.action == "answer" and decision.id == "challenges"


def test_the_shipped_vectors_are_what_the_model_computes(engine: Engine) -> None:
    # bot/<model>.seed.npz spares a fresh install embedding faq.yaml; it must hold the model's own vectors.
    embedder = engine.matcher.embedder
    if embedder is None:  # pragma: no cover - machines without AVX2/FMA
        pytest.skip("no embedding engine on this CPU")
    from bot.semantic import SEED_FILE, cache_key, read_vectors

    text = engine.kb.entries[0].phrasings()[0]
    shipped, legacy = read_vectors(SEED_FILE)
    assert not legacy  # one matrix: a fresh process reads it in milliseconds
    assert np.allclose(shipped[cache_key(text)], embedder.embed_query(text), atol=1e-6)


@pytest.mark.parametrize("question", ["어케 지웡함?", "하 둡 엔지니어링 파트", "ㅋㅋ 미안 다시, 데이터플랫폼 파트는?"])
def test_a_misspelt_word_with_a_casual_ending_or_a_space_inside_is_not_an_unknown_name(
    engine: Engine, question: str
) -> None:
    sig = engine.matcher.signals(question)
    assert sig is not None and sig.names == ()
    assert engine.matcher.signals("주식함?").names == ("주식함",)  # an everyday word is not a typo


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Someone from a team the question names: that team's entry names who was interviewed from it.
        ("하둡 팀 엔지니어 이름이 뭐예요?", "team-hadoop"),
        ("기반기술셀에서 나온 분 이름이 뭐예요?", "team-storage"),
        ("데이터플랫폼파트 개발자 이름 알려줘", "team-data-platform"),
        # The people pointed to, as a first message: the interviewees.
        ("세 사람 이름이 뭐예요?", "people"),
        ("이 분들 이름이 뭐예요?", "people"),
        # A name the interview does not give, of a team's system, lead or members, or of someone else.
        ("스토리지 시스템 이름이 뭐예요?", "!name"),
        ("하둡 클러스터 이름이 뭐예요?", "!name"),
        ("하둡 팀장 이름이 뭐예요?", "!role"),
        ("하둡 팀 팀원들 이름이 뭐예요?", "!name"),
        ("인사팀 사람 이름이 뭐예요?", "!name"),
        ("이 분야 이름이 뭐예요?", "!name"),
        ("JG 본명이 뭐예요?", "!realname"),
        ("하둡 팀 엔지니어 진짜 이름이 뭐예요?", "!realname"),
        ("하둡 팀 엔지니어 풀네임이 뭐예요?", "!realname"),
        ("하둡 팀 풀네임이 뭐예요?", "team-hadoop"),  # a team's full name is given
        ("하둡팀 엔지니어 이름이 뭐였죠", "team-hadoop"),
        ("기반기술셀 분 이름 알려줘요", "team-storage"),  # the team's name and 분, taken out together
        ("하둡 팀 모든 엔지니어 이름", "!name"),
        ("하둡 팀 엔지니어분 이름", "team-hadoop"),
        # Found by a stranger's review: someone of the team described otherwise, or all of them.
        ("하둡 팀 관리하는 사람 이름", "!name"),
        ("하둡 팀 채용 담당 분 이름", "!name"),
        ("하둡 팀 시니어 엔지니어 이름", "!name"),
        ("하둡 팀 사람 이름 다 알려줘", "!name"),
        # Found by a stranger's probes: a person named beside the name of something else or someone else.
        ("기반기술셀 개발자들이 만든 시스템 이름이 뭐예요?", "!name"),
        ("하둡 팀 엔지니어가 운영하는 클러스터 이름", "!name"),
        ("하둡 팀 다른 엔지니어 이름도 알려주세요", "!name"),
        ("하둡 팀 엔지니어들 이름 다 알려줘", "!name"),
        ("스토리지 팀 만든 사람 이름", "!name"),
    ],
)
def test_a_name_is_answered_by_the_entry_that_gives_it_and_only_then(
    engine: Engine, question: str, expected: str
) -> None:
    decision = engine.matcher.decide(question)
    if expected.startswith("!"):
        assert decision.action == "fallback" and decision.missing == expected[1:]
    else:
        assert decision.action == "answer" and decision.id == expected and decision.missing is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("하둡팀장점이 뭐예요?", None),  # 장점 (an advantage) after a team written together, not a team lead
        ("기반기술셀장점은?", None),
        ("어떤 팀 추천해주세요?", None),  # a team for the asker: who should apply
        ("would you recommend a team for me", None),
        ("책 추천해줘", "howto"),
        ("인터뷰한 사람들 실명은요?", "realname"),  # the people entry holds the names they go by
        ("인터뷰 몇년도꺼임?", "date"),  # which year: a date, not years of experience
        ("이거 언제 적 얘기야", "date"),
        ("어떤 포지션 채용 중이에요?", None),  # which positions, not whether hiring is still open
        ("아직 채용 중이에요?", "date"),
        ("어떤 포지션 채용 진행 중이에요?", None),
        ("채용 진행 중인가요?", "date"),
        ("저 아직 학생인데 지원해도 되나요?", None),  # still a student: not whether the posting is open
        ("can I still apply if I am a student?", None),
        # Found by a stranger's probes: the posting or hiring named beside 아직 or 끝, not asked whether it is open.
        ("공고 아직 안 읽었는데 어떤 포지션 뽑아요?", None),
        ("채용 아직 잘 모르겠는데 누구 뽑는 거예요?", None),
        ("공고 끝에 있는 지원 링크 주세요", None),
        ("모집 끝나기 전에 지원하려면 어디로 해요?", None),
        ("채용 끝나고 나서 연락 오나요?", None),
        # ... and what is still so of the asker, said before the question.
        ("저 지금도 회사 다니는데 지원해도 되나요?", None),
        ("아직도 경력이 없는데 지원 가능?", None),
        ("I still work at another company, can I apply?", None),
        ("I'm still working as a junior dev, can I apply?", None),
        ("채용종류가 뭐예요?", None),  # one key from 채용 종료: the status cues are matched only as typed
        ("what does the storage team do when the job is over", None),
        ("요즘도 JG님 하둡 팀에서 일하시는데 맞나요?", "date"),  # still so, asked: not a clause about the asker
        ("요즘도 MongoDB 쓰나요? 저는 몽고 좋아하는데 궁금합니다", "date"),
        ("채용은 끝났나요?", "date"),
        ("채용공고 아직 있어요?", "date"),
        ("can I still apply for this job?", "date"),
        ("is the recruitment over?", "date"),
        ("지금도 하둡 써요?", "date"),
        ("do they still use hadoop?", "date"),
        ("지금 열려 있는 포지션 있어요?", None),  # which positions are open
        ("저는 7년차 서버 개발자인데 지원 페이지 주소 있나요?", None),  # own years in passing; a web address
        ("5년차인데 지원 가능해요?", "experience"),  # ... but whether they are enough is a requirement
        ("저는 5년차인데 어디서 서류 넣으면 되나요?", None),
        ("5년차면 되나요?", "experience"),
        ("이미지 시스템 만드는 곳이 어디임", None),  # which team, not where its office is (어디임 ~ 어디있)
        ("회사 주소 알려줘", "place"),
        ("where's that office?", "place"),  # found by a stranger's review
        ("where is it?", "place"),
        ("where is the original interview?", None),
        ("이력서 잘 쓰는 법", "howto"),
        ("서류 뭐 내야 돼요?", "process"),
    ],
)
def test_what_a_question_asks_for_is_read_from_its_words(question: str, kind: str | None) -> None:
    from bot.facts import asks

    found = asks(clean(question))
    assert (kind in found) if kind else not (found & {"role", "howto", "date", "experience", "place"})
    assert "experience" not in found or kind == "experience" or "경력" in question


def test_the_words_that_ask_for_a_date_are_taken_out_whole() -> None:
    from bot.facts import without_cues

    assert without_cues("이 인터뷰 언제 적 얘기예요") == "이 인터뷰 얘기예요"
    assert "적응" in without_cues("언제 적응했어요")  # 언제 적 is a cue only as words of its own


def test_a_negation_typed_with_a_curly_apostrophe_is_a_negation() -> None:
    from bot.scope import blocked

    for typed in ("Why won’t the Hadoop team hire juniors?", "why wont the hadoop team hire juniors"):
        assert blocked(clean(typed), typed), typed


def test_an_unreadable_embedding_cache_is_ignored(tmp_path: Path, engine: Engine) -> None:
    if engine.matcher.embedder is None:  # pragma: no cover - machines without AVX2/FMA
        pytest.skip("no embedding engine on this CPU")
    from bot.semantic import MODEL_ID, E5Embedder

    (tmp_path / f"{MODEL_ID}.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 64)  # a zip header, then nothing
    embedder = E5Embedder(tmp_path)
    assert embedder.embed(["지원 방법"]).shape == (1, 384)


def test_a_question_put_to_the_bot_is_answered_only_by_an_entry_about_the_bot(engine: Engine) -> None:
    # The interview entry is asked "이 봇은 뭘 보고 답하는 거야?" in faq.yaml: it speaks for the bot.
    decision = engine.matcher.decide("너의 답변 근거는 뭐예요?")
    assert (decision.action, decision.id) == ("answer", "interview")
    for question in ("너 하둡 팀이야?", "너 사람이야?"):  # put to the bot, about what no entry says of it
        assert engine.matcher.decide(question).action != "answer", question


@pytest.mark.parametrize(
    "question",
    [
        "팀원들은 보통 5년차예요?",  # someone else's years: a fact the interview never gives
        "스토리지팀 아니면 다른 팀은 뭐해요?",  # 아니면 after a team: other than it
        "조식임?",  # an everyday word with a casual ending, not a slip of 조직임
        "무화과는 어때요?",  # 무화과 + 는, not a slip of 문화
        "회사 어디잇어요?",  # a place, with a slipped 있
        "데이터플랫폼파트 채용중인가요? 뭐 준비해요?",  # whether hiring is open; 뭐 belongs to the next question
        "보삼 어때요?",  # one slip from 보상 as from 보람: not corrected to either
        "저는 3년차 백엔드 개발자인데 경력직 채용 대상이에요?",  # whether their years are enough
    ],
)
def test_what_a_strangers_review_found_is_never_answered(engine: Engine, question: str) -> None:
    assert engine.matcher.decide(question).action != "answer"


@pytest.mark.parametrize("word", ["조식임", "문과임", "페이지님", "무화과는", "언재", "찾아가요", "한달"])
def test_real_words_with_endings_and_verb_forms_are_not_corrected(engine: Engine, word: str) -> None:
    assert engine.matcher.vocabulary.correct(word) == word


def test_chat_shorthand_in_words_of_its_own_is_still_spelled_out() -> None:
    from bot.facts import asks

    assert clean("ㅇㅋ ㄱㅅ") == "오케이 감사"
    assert "howto" not in asks(clean("글 잘 쓰는 개발자 좋아하나요?"))


@pytest.mark.parametrize("question", ["JG 님은 어느 팀이에요?", "장애 나면 절대 안 되는 시스템이죠?"])
def test_an_honorific_written_apart_and_adverbs_of_emphasis_name_nothing(engine: Engine, question: str) -> None:
    sig = engine.matcher.signals(question, semantic=False)
    assert sig is not None and sig.names == () and sig.unknown == ()


@pytest.mark.parametrize(
    ("typed", "read", "entry"),
    [
        ("데플팀은 뭐 해요?", "데이터플랫폼팀은 뭐 해요", "team-data-platform"),  # a team's name shortened
        ("하엔파 하는 일 알려줘", "하둡엔지니어링파트 하는 일 알려줘", "team-hadoop"),
        ("ㅈㅇ 방법 알려줘", "지원 방법 알려줘", "apply"),  # initials for the word faq.yaml uses most with them
        ("플인실 뭐 하는 곳이에요?", "플랫폼인프라실 뭐 하는 곳이에요", "org"),  # an entry title's organisation
    ],
)
def test_shortened_names_and_initials_are_read_as_the_words_meant(
    engine: Engine, typed: str, read: str, entry: str
) -> None:
    sig = engine.matcher.signals(typed, semantic=False)
    assert sig is not None and (sig.reading, sig.how) == (read, "corrected") and sig.names == ()
    assert engine.matcher.decide(typed).id == entry


def test_initials_that_are_chat_shorthand_or_stand_for_several_words_are_left_alone(engine: Engine) -> None:
    vocabulary = engine.matcher.vocabulary
    assert vocabulary.correct("ㄱㄱ") == "ㄱㄱ"  # 고고 (go go), not a word of faq.yaml
    assert vocabulary.correct("ㅊㅊ") == "ㅊㅊ"  # 추천 or 채취...: no word faq.yaml uses twice as often


@pytest.mark.parametrize(
    "question",
    [
        "데이터 플랫 폼 파트 소개해줘",  # a space typed inside a known word
        "커리어 성장 측면에서는 어때요",  # words that frame a question (측면, 특징, 유형) name nothing
        "잘 맞는 사람 유형이나 특징 있어요?",
        "지금 회사에서 혼자 개발하거든요 카카오는 동료한테 배울 수 있어요?",  # a verb ending in 거든(요)
    ],
)
def test_framing_words_split_words_and_verbs_are_not_unknown_names(engine: Engine, question: str) -> None:
    sig = engine.matcher.signals(question, semantic=False)
    assert sig is not None and sig.names == ()


@pytest.mark.parametrize(
    "question",
    [
        "지원 페이지가 크롬에서 안 열려요",  # a problem report, not a question about applying
        "인터뷰 글이 로그인 안 되면 안 보여요?",
        "the apply page won't load on my phone",
        "이력서 좀 봐줄래?",  # a request for work
        "카카오T 대리운전 기사 지원은 어떻게 해요?",  # another kind of application
        # found by a stranger's review: a subsidy, and 작가 with the copula or a particle after it
        "저 카카오 T 기사인데 카카오 지원금 어디서 받아요?",
        "저 카카오톡 이모티콘 작가인데 지원 어떻게 해요?",
        "브런치 작가로 지원하려면 어떻게 해요?",
    ],
)
def test_problem_reports_requests_and_other_applications_are_never_answered(engine: Engine, question: str) -> None:
    assert engine.matcher.decide(question).action != "answer"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("몽고디비가 뭐예요?", "team-data-platform"),  # a technology's definition: the interview never gives one
        ("하둡 뭐임", "team-hadoop"),
        ("What is MongoDB?", "team-data-platform"),
        ("카프카란 무엇인가요?", None),  # no topic is near
    ],
)
def test_what_a_technology_is_is_not_covered(engine: Engine, question: str, topic: str | None) -> None:
    decision = engine.matcher.decide(question)
    assert (decision.action, decision.missing) == ("fallback", "definition")
    if topic is not None:
        assert decision.candidates[0].id == topic


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("기반기술셀이 뭐예요?", "team-storage"),  # a team, not a technology
        ("What is the Hadoop Engineering Part?", "team-hadoop"),
        ("F1 미케닉 비유는 무슨 뜻이에요?", "org"),  # faq.yaml's org entry is asked what it means
    ],
)
def test_what_a_team_is_or_what_the_interview_means_is_answered(engine: Engine, question: str, entry: str) -> None:
    decision = engine.matcher.decide(question)
    assert (decision.action, decision.id) == ("answer", entry)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("컬쳐는 어때요", "문화는 어때요"),  # a loanword read as the word faq.yaml uses for it
        ("워크라이프밸런스 괜찮아요?", "워라밸 괜찮아요"),  # ... or as its spelling faq.yaml knows
        ("어플라이 링크", "지원 링크"),
    ],
)
def test_loanwords_are_read_as_the_words_faq_yaml_uses(engine: Engine, typed: str, read: str) -> None:
    sig = engine.matcher.signals(typed, semantic=False)
    assert sig is not None and sig.reading == read and sig.names == ()


def test_a_technology_named_in_hangul_is_never_read_as_a_generic_word(engine: Engine) -> None:
    # 샤딩 is 분할 in the loanword list, but faq.yaml does not speak of 분할: 샤딩 stays an unknown name.
    sig = engine.matcher.signals("몽고디비 샤딩 어떻게 해요", semantic=False)
    assert sig is not None and "샤딩" in sig.names


def test_the_last_clause_is_what_is_asked() -> None:
    from bot.normalize import main_clause
    from bot.vocabulary import is_filler

    def content(word: str) -> bool:
        return not is_filler(word)

    assert main_clause("기반기술셀 넣어보려는데 어디서 지원함", content) == "어디서 지원함"
    assert main_clause("하둡 파트 가고 싶으면 어디서 지원해요", content) == "어디서 지원해요"
    # The last clause names nothing: the context is kept with it.
    assert main_clause("지원하고 싶은데 어떻게 하면 될까요", content) == "지원하고 싶은데 어떻게 하면 될까요"
    assert main_clause("문화 어때요", content) == "문화 어때요"
    # A sentence that ends before another one (no punctuation in chat): the last one is asked.
    assert main_clause("글 보고 도전해보고 싶어졌어요 어떻게 지원하죠", content) == "어떻게 지원하죠"
    assert main_clause("필요해요 뭐가 필요해요", content) == "뭐가 필요해요"


def test_chat_initials_for_which_before_a_word_and_how_is_it_at_the_end() -> None:
    from bot.normalize import clean

    assert clean("성장할수잇는 곳인가요") == "성장할수있는 곳인가요"  # 있 without its double consonant
    assert clean("서비스와 인프라를 잇는 역할인가요?") == "서비스와 인프라를 잇는 역할인가요"  # 잇다: connect
    assert clean("ty bot") == "thanks bot"
    assert clean("do they use R?") == "do they use r"  # R the language, not "are"
    assert clean("분위기 ㅇㄸ 궁금해요") == "분위기 어때 궁금해요"  # a verb after it: 어때
    assert clean("하둡팀 T.O 있어요?") == "하둡팀 채용 인원 있어요"  # TO in Korean chat
    assert clean("how to 지원해요?") == "how to 지원해요"  # ... not "how to"

    assert clean("ㅇㄸ 사람 원해요?") == "어떤 사람 원해요"
    assert clean("분위기 ㅇㄸ?") == "분위기 어때"
    assert clean("분위기 ㅇㄸ ㅋㅋ") == "분위기 어때"  # laughter is not a word after it


def test_a_problem_report_followed_by_a_question_is_that_question(engine: Engine) -> None:
    sig = engine.matcher.signals("지원하기 버튼이 안 보여요. 지원 링크 다시 알려줄 수 있어요?")
    assert sig is not None and sig.blocked == ()
    assert engine.matcher.signals("지원하기 버튼이 안 보여요").blocked == ("안 보여",)


def test_the_entry_asked_most_like_the_question_gets_most_of_the_vote(engine: Engine) -> None:
    sig = engine.matcher.signals("지원 방법 알려주세요", semantic=False)
    assert sig is not None and sig.vote is not None
    assert sig.vote.sum() == pytest.approx(1.0)
    assert engine.kb.entries[int(np.argmax(sig.vote))].id == "apply"


def test_no_one_topic_is_likely_but_the_offered_ones_together_are(engine: Engine) -> None:
    decision = engine.matcher.decide("what do the teams do")
    assert decision.action == "clarify"
    assert {"team-hadoop", "team-data-platform"} <= {o.id for o in decision.options}


def test_kakaos_share_price_is_not_a_question_about_kakao(engine: Engine) -> None:
    sig = engine.matcher.signals("카카오 주가 어때요", semantic=False)  # 주가 (a share price), not 주 + 가
    assert sig is not None and "주가" in sig.blocked
    assert engine.matcher.decide("카카오 주가 어때요").action != "answer"


@pytest.mark.parametrize(
    "question",
    [
        "저 스타트업에서 4년째 백엔드 하는데 관심이 생겨서요 지원은 어디서 해요?",  # a number, a verb's reason
        "트래픽 안 터지게 운영하는 게 힘들지 않아요?",  # a verb in -게
        "저 DBA로 일하는데 데이터플랫폼파트는 딱 어떤 팀이에요?",  # the asker's work, an adverb
        "근무 분위기 ㅇㄸ?",  # chat shorthand for 어때
        "저 같은 사람 지원해도 될까요? 묵묵히 일하는 스타일입니다",  # an adverb in -히, a noun + 입니다
        "윗사람한테도 자유롭게 말하는 분위기예요?",  # an adverb in -롭게
        "안녕하세요 채용 관련해서 몇 가지 여쭤보려구요",  # a counter, a verb in -려구요
        "아까 그 링크 다시 알려줄래?",  # 아까: earlier
        "데이터가 매일 늘어나는데 그걸 제대로 감당할 수 있어요?",  # 그걸 = 그것을; 제대로 is not 제대 + 로
        "JG said something about solving problems?",
        "주니어인데 넣어봐도 될까 신입은 안 되는 거죠?",  # a verb in -ㄹ까
        "주니어 티 벗고 싶은데 환경 어때요",  # a verb joined to what follows with -고
        "카카오 조직문화 좋나염",  # 요 typed as 염
        "도전적인 일 하고 싶은데 여긴 어때요",  # 여긴 = 여기는
        "DB팀 소개 ㄱ",  # ㄱ: go on
        "보람이 없을까봐요",  # a worry in -ㄹ까봐
        "대용량 처리 좋아하긴 하는데 저랑 맞을까요?",  # X하긴 하는데
        "do you deal with big data and high traffic?",  # an English adjective says how, not what
        "can I grow my skills there?",  # the texts say "skilled"
        "하둡 엔지니어는 어떤 역활이에요?",  # a common misspelling
        "하둡 관련이었던거 같은데 무슨 팀이에요?",  # the copula's endings after a known word
        "팀 분위기라든가 문화가 궁금해요",
    ],
)
def test_context_numbers_and_verbs_are_not_unknown_names(engine: Engine, question: str) -> None:
    sig = engine.matcher.signals(question, semantic=False)
    assert sig is not None and sig.names == ()


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("카카오톡 선물하기 했는데 환불 어떻게 해요?", "환불"),  # the unknown noun is in the question itself
        ("배민 다니는데 거기 야근 많아요?", "야근"),
        ("기반기술셀은 무슨 언어로 개발해요? Go? C++?", "언어"),  # "Go? C++?" is no clause to go by
        ("is the storage team nice", "nice"),  # praise is no description of the team's work
        ("is kakao famous?", "famous"),
        ("Is the hadoop team small?", "small"),  # its size, which the team's answer does not hold
        # Unknown nouns in context before the question count too: two strangers' reviews of rules that
        # let context about the asker go found the asker's context naming the subject as often ("저
        # 엘라스틱서치 운영하는데 기반기술셀에서도 운영하나요?")
        ("저 엘라스틱서치 운영하는데 기반기술셀에서도 운영하나요?", "엘라스틱서치"),
        ("저 톡서랍 쓰는데 기반기술셀에서 개발해요?", "톡서랍"),
        ("판교역인데 어디로 가면 돼요?", "판교역"),
        ("Ceph 쓴다던데 기반기술셀 어떤 팀이에요?", "ceph"),
        ("저 출장가야 할까봐 걱정인데 하둡팀은 어때요?", "출장"),
        ("선물하기 환불하려면 어디서 해요?", "환불하려면"),
        ("저 택배 기사인데 어디로 가면 돼요?", "택배"),
        ("기반기술셀에서 암호화하긴 해요?", "암호화하긴"),  # a noun + 하긴 names the noun
    ],
)
def test_names_in_what_is_asked_still_count(engine: Engine, question: str, name: str) -> None:
    sig = engine.matcher.signals(question, semantic=False)
    assert sig is not None and name in sig.names
    assert engine.matcher.decide(question).action != "answer"


@pytest.mark.parametrize(
    "word",
    [
        *("자기소개서", "교과서", "이력서", "부서", "광고", "공고", "설치하고", "장염"),
        # found by a stranger's review of the rules for -고, -염, -ㄹ지 and -하게
        *("배너광고", "유출사고", "정보보호연구", "물품창고", "턱수염", "주식이고", "일지", "학술지", "엘지"),
        *("설치하게", "출장하게"),
        "설치하긴",  # a noun + 하긴 names the noun, as 설치하게 does
    ],
)
def test_nouns_that_end_like_a_verb_are_still_nouns(word: str) -> None:
    from bot.vocabulary import is_predicate

    assert not is_predicate(word)


@pytest.mark.parametrize(
    "question",
    [
        "문화란 뭐예요?",  # a word of the topics, not a technology
        "What is culture?",
        "기반기술이 무슨 뜻이에요?",
        "하둡팀 서비스가 뭐예요?",  # an everyday thing, not a technology
        "What does DJ mean by growth?",  # what the interview means
        "지원 홈페이지가 뭐예요?",
    ],
)
def test_only_a_technology_is_a_definition_question(engine: Engine, question: str) -> None:
    assert engine.matcher.decide(question).missing != "definition"


@pytest.mark.parametrize(
    "question",
    [
        "지금 회사에서 성장이 안 보여서 지원하려고 하는데 어떤 사람을 뽑나요?",  # told on the way to a question
        "하둡 클러스터가 먹통 되면 어떻게 해요?",  # a what-if
    ],
)
def test_a_problem_told_on_the_way_to_a_question_is_no_problem_report(engine: Engine, question: str) -> None:
    sig = engine.matcher.signals(question, semantic=False)
    assert sig is not None and not ({"안 보여", "먹통"} & set(sig.blocked))


def test_a_problem_report_stays_one_with_a_sentence_after_it(engine: Engine) -> None:
    assert engine.matcher.decide("브런치 글이 안 열려요. 확인 부탁드립니다.").action != "answer"
    assert engine.matcher.decide("브런치가 IE에서 안 열려요. ㅠㅠ").action != "answer"


@pytest.mark.parametrize("word", ["ㅇㄷ", "ㅇㅈ", "ㄱㄴ", "ㅂㄹ"])
def test_initials_of_question_words_and_chat_shorthand_are_never_spelled(engine: Engine, word: str) -> None:
    assert engine.matcher.vocabulary.correct(word) == word


@pytest.mark.parametrize("question", ["레퍼럴 있어요?", "피플팀 사람들 누구예요?", "그로스 조직은 뭐해요?"])
def test_loanwords_with_another_meaning_are_not_read_as_faq_words(engine: Engine, question: str) -> None:
    # Referrals, an HR team, growth hacking: not 추천 (who should apply), the interviewees, career growth.
    assert engine.matcher.decide(question).action != "answer"


@pytest.mark.parametrize("question", ["도움말", "help"])
def test_asking_for_help_gets_what_the_bot_can_answer(engine: Engine, question: str) -> None:
    decision = engine.matcher.decide(question)  # not the thanks entry's "도움이 됐다니 기뻐요"
    assert (decision.action, decision.id) == ("answer", "greeting")


def test_what_is_asked_of_a_named_team_is_measured_apart_from_its_name(lexical_engine: Engine) -> None:
    matcher = lexical_engine.matcher
    ids = [e.id for e in matcher.kb.entries]
    sig = matcher.signals("데이터플랫폼파트 채용 중이에요?", semantic=False)
    assert sig is not None and sig.nameless is not None
    # The team's name matches its own entry best; what is asked of it (채용 중이에요?) is hiring.
    assert ids[int(np.argmax(sig.lexical))] == "team-data-platform"
    assert ids[int(np.argmax(sig.nameless))] == "hiring"
    plain = matcher.signals("지원 어떻게 해요?", semantic=False)
    assert plain is not None and plain.nameless is None  # it names nobody: the lexical scores hold

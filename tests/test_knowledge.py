import re
import textwrap
from pathlib import Path

import pytest

from bot.errors import KnowledgeBaseError
from bot.knowledge import KnowledgeBase, load, parse
from tests.conftest import FAQ, INTERVIEW, ROOT

VALID = """\
version: 1
languages: [ko, en]
apply_url: http://kko.to/VS1FS4x00
people:
  diego: {name: Diego, team: {ko: 기반기술셀, en: storage}}
entries:
  - id: apply
    questions:
      ko: [지원은 어떻게 하나요]
      en: [How do I apply]
    answer: {ko: 링크에서 지원하세요, en: Apply at the link}
    quotes:
      - {by: diego, text: 꿈을 갖고 있어요}
    related: [culture]
  - id: culture
    questions:
      ko: [문화는 어때요]
    answer: {ko: 수평문화, en: horizontal}
source: kakao-interview.txt
"""


def problems(text: str) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as info:
        parse(textwrap.dedent(text), "faq.yaml", base=ROOT)
    return [str(p) for p in info.value.problems]


def test_shipped_file_is_valid_and_has_the_required_entries(kb: KnowledgeBase) -> None:
    required = {
        "apply",
        "hiring",
        "org",
        "team-storage",
        "team-hadoop",
        "team-data-platform",
        "culture",
        "growth",
        "challenges",
        "motivation",
        "fit",
        "people",
        "greeting",
        "thanks",
    }
    assert required <= {e.id for e in kb.entries}
    assert kb.apply_url == "http://kko.to/VS1FS4x00"
    for entry in kb.entries:
        assert set(entry.answer) == {"ko", "en"}, entry.id
        assert entry.questions.get("ko") and entry.questions.get("en"), entry.id


def test_every_quote_is_verbatim_from_the_project_copy_of_the_interview(kb: KnowledgeBase) -> None:
    source = re.sub(r"\s+", "", INTERVIEW.read_text(encoding="utf-8").partition("\n---\n")[2])
    quotes = [(e.id, q.text) for e in kb.entries for q in e.quotes]
    assert quotes
    for entry_id, text in quotes:
        assert re.sub(r"\s+", "", text) in source, f"{entry_id}: not in the interview: {text}"
    assert kb.interview is not None
    assert kb.interview.header["url"].startswith("https://brunch.co.kr/")
    assert kb.interview.header["date"] == "2019-09-10"


def test_a_made_up_quote_is_rejected_where_it_stands(tmp_path: Path) -> None:
    text = FAQ.read_text(encoding="utf-8")
    made_up = "재택근무는 주 3일까지 자유롭게 할 수 있어요"
    old = "        text: 유연한 근무환경, 서로 존중하는 수평문화"
    assert old in text
    bad = tmp_path / "faq.yaml"
    (tmp_path / "kakao-interview.txt").write_text(INTERVIEW.read_text(encoding="utf-8"), encoding="utf-8")
    bad.write_text(text.replace(old, f"        text: {made_up}\n      - by: dj\n{old}", 1), encoding="utf-8")
    line = bad.read_text(encoding="utf-8").splitlines().index(f"        text: {made_up}") + 1
    with pytest.raises(KnowledgeBaseError) as info:
        load(bad)
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (line, 15)
    assert problem.message.startswith("entry 'culture': quote by dj is not in the interview (closest: \"")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            ("source: kakao-interview.txt\n", ""),
            "faq.yaml:13:27: entry 'apply': quotes need 'source:' at the top, naming the interview text they are "
            "copied from",
            id="quotes without a source",
        ),
        pytest.param(
            ("source: kakao-interview.txt", "source: nowhere.txt"),
            "faq.yaml:19:9: source: the interview file '{root}/nowhere.txt' does not exist",
            id="a source that is not there",
        ),
        pytest.param(
            ("text: 꿈을 갖고 있어요", "text: \"데이터를   '안정적'으로\n        만드는\""),
            None,
            id="whitespace and typographic quotes are forgiven",
        ),
    ],
)
def test_quote_sources(change: tuple[str, str], expected: str | None) -> None:
    text = VALID.replace(*change)
    if expected is None:
        assert parse(text, "faq.yaml", base=ROOT).entry("apply").quotes
    else:
        assert problems(text) == [expected.format(root=ROOT)]


def test_minimal_entry_is_enough() -> None:
    kb = parse(VALID, base=ROOT)
    assert [e.id for e in kb.entries] == ["apply", "culture"]
    assert kb.entry("culture").title == {"ko": "문화는 어때요", "en": "문화는 어때요"}
    assert kb.entry("apply").quotes[0].by == ("diego",)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            ("    questions:\n      ko: [지원은", "    qustions:\n      ko: [지원은"),
            [
                "faq.yaml:7:5: entry 'apply': 'questions' is missing",
                "faq.yaml:8:5: entry 'apply': unknown key 'qustions' (did you mean 'questions'?); allowed: answer, "
                "browse, id, questions, quotes, related, title",
            ],
            id="unknown key with a hint",
        ),
        pytest.param(
            ("answer: {ko: 수평문화, en: horizontal}", "answer: {ko: 수평문화}"),
            ["faq.yaml:18:13: entry 'culture': answer: 'en' is missing"],
            id="missing language",
        ),
        pytest.param(
            ("  - id: culture", "  - id: apply"),
            [
                "faq.yaml:14:15: entry 'apply': related id 'culture' does not exist",
                "faq.yaml:15:9: entry 'apply': duplicate id (first used on line 7)",
            ],
            id="duplicate id",
        ),
        pytest.param(
            ("related: [culture]", "related: [cultur]"),
            ["faq.yaml:14:15: entry 'apply': related id 'cultur' does not exist (did you mean 'culture'?)"],
            id="related pointing nowhere",
        ),
        pytest.param(
            ("{by: diego,", "{by: diago,"),
            ["faq.yaml:13:14: entry 'apply': quote by 'diago', who is not under 'people' (did you mean 'diego'?)"],
            id="quote by nobody",
        ),
        pytest.param(
            ("ko: [문화는 어때요]", "ko: ['']"),
            ["faq.yaml:17:12: entry 'culture': a 'ko' phrasing is empty"],
            id="empty phrasing",
        ),
        pytest.param(
            ("ko: [문화는 어때요]", 'ko: ["지원은  어떻게 하나요!"]'),
            ["faq.yaml:17:12: entry 'culture': phrasing '지원은  어떻게 하나요!' is also under entry 'apply'"],
            id="same phrasing under two entries",
        ),
        pytest.param(
            ("      en: [How do I apply]", "      en: [How do I apply"),
            ["faq.yaml:11:11: YAML syntax error: while parsing a flow sequence expected ',' or ']', but got ':'"],
            id="yaml syntax error",
        ),
        pytest.param(
            ("apply_url: http://kko.to/VS1FS4x00", "apply_url: kko.to"),
            ["faq.yaml:3:12: apply_url: 'kko.to' is not an http(s) link"],
            id="bad link",
        ),
    ],
)
def test_problems_carry_file_line_column(edit: tuple[str, str], expected: list[str]) -> None:
    old, new = edit
    assert old in VALID
    assert problems(VALID.replace(old, new, 1)) == expected


def test_all_problems_are_reported_at_once() -> None:
    text = VALID.replace("qustions", "x").replace("questions:\n      ko: [문화", "qustions:\n      ko: [문화")
    text = text.replace("related: [culture]", "related: [nowhere]")
    found = problems(text)
    assert len(found) == 3
    assert all(p.startswith("faq.yaml:") for p in found)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    assert problems("") == ["faq.yaml:1:1: the file is empty; it needs 'languages', 'apply_url' and 'entries'"]
    with pytest.raises(KnowledgeBaseError) as info:
        load(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}:1:1: file not found"

"""The faqbot command as a user runs it: exit codes, stdout, stderr.

Commands run in-process through ``main(argv)`` (fast, and the same code path); one smoke test starts
the real console script as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAQ, ROOT, copy_faq


@pytest.fixture
def cache_env(engine, xdg_cache: Path) -> dict[str, str]:
    """The session's warm embedding cache (the engine fixture fills it)."""
    return {"XDG_CACHE_HOME": str(xdg_cache)}


@pytest.mark.slow
def test_the_console_script_runs_as_a_subprocess(cache_env: dict) -> None:
    env = {**os.environ, **cache_env}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "조직 문화는 어떤가요?"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "— DJ (데이터플랫폼파트)" in result.stdout


def test_check_valid_file(faqbot) -> None:
    result = faqbot("check")
    assert result.returncode == 0
    assert result.stdout.startswith("faq.yaml: ok: 15 entries, ")
    assert result.stdout.rstrip().endswith("languages: ko, en")


def test_check_reports_every_problem_and_exits_1(faqbot, tmp_path: Path) -> None:
    broken = FAQ.read_text(encoding="utf-8").replace(
        "    questions:\n      ko:\n        - 지원은 어디서", "    qustions:\n      ko:\n        - 지원은 어디서", 1
    )
    broken = broken.replace("related: [hiring, fit]", "related: [hiring, fitt]", 1)
    path = copy_faq(tmp_path, broken)
    result = faqbot("check", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    at = broken.splitlines().index("  - id: apply") + 1  # the line of the entry, then of the misspelt key
    assert len(lines) == 3
    assert lines[0] == f"{path}:{at}:5: entry 'apply': 'questions' is missing"
    assert lines[1].startswith(f"{path}:{at + 2}:5: entry 'apply': unknown key 'qustions' (did you mean 'questions'?)")
    assert lines[2].startswith(f"{path}:") and "related id 'fitt' does not exist (did you mean 'fit'?)" in lines[2]
    assert result.stderr == f"{path}: 3 problems\n"


def test_ask_prints_the_answer_with_quote_and_link(faqbot, cache_env: dict) -> None:
    result = faqbot("ask", "조직 문화는 어떤가요?", env_extra=cache_env)
    assert result.returncode == 0, result.stderr
    assert "수평문화" in result.stdout
    assert "— DJ (데이터플랫폼파트)" in result.stdout
    assert "http://kko.to/VS1FS4x00" in result.stdout


def test_ask_fallback_is_honest_and_offers_the_link(faqbot, cache_env: dict) -> None:
    result = faqbot("ask", "What's", "the", "weather", "like", "in", "Seoul?", env_extra=cache_env)
    assert result.returncode == 0
    assert result.stdout.startswith("Sorry, I don't know the answer to that.")
    assert "Apply: http://kko.to/VS1FS4x00" in result.stdout
    result = faqbot("ask", "What", "is", "the", "salary?", env_extra=cache_env)
    assert result.stdout.startswith("The interview says nothing about salary or pay, so I can't answer that.")
    assert "Apply: http://kko.to/VS1FS4x00" in result.stdout


def test_ask_jsonl_shape(faqbot, cache_env: dict) -> None:
    stdin = "지원 방법\n연봉은 얼마예요?\n기반기술셀 팀원 수가 어떻게 돼요?\n\n"
    result = faqbot("ask", "--jsonl", stdin=stdin, env_extra=cache_env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["action"] for r in rows] == ["answer", "fallback", "fallback", "fallback"]
    assert rows[0]["id"] == "apply" and rows[1]["id"] is None and rows[2]["id"] is None
    # "The interview doesn't say": a fallback with the entry the question is about first.
    assert rows[2]["candidates"][0]["id"] == "team-storage"
    questions = ["지원 방법", "연봉은 얼마예요?", "기반기술셀 팀원 수가 어떻게 돼요?", ""]
    for row, question in zip(rows, questions, strict=True):
        assert set(row) == {"question", "action", "id", "score", "candidates", "stage"}
        assert row["stage"] in ("lexical", "embedding")
        assert row["question"] == question
        assert isinstance(row["score"], float)
        assert len(row["candidates"]) <= 5
        assert all(set(c) == {"id", "score"} for c in row["candidates"])
    assert rows[0]["candidates"][0]["id"] == "apply"


def test_ask_without_question_is_a_user_error(faqbot) -> None:
    result = faqbot("ask")
    assert result.returncode == 1
    assert result.stderr.startswith("faqbot: give a question")


def test_missing_faq_is_a_one_line_error(faqbot, tmp_path: Path) -> None:
    result = faqbot("ask", "--faq", str(tmp_path / "none.yaml"), "hi")
    assert result.returncode == 1
    assert result.stderr == f"faqbot: {tmp_path / 'none.yaml'}:1:1: file not found\n"


def test_bad_config_is_a_one_line_error(faqbot, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\nmode = "carrier-pigeon"\n', encoding="utf-8")
    result = faqbot("check", "--config", str(config))
    assert result.returncode == 1
    assert (
        result.stderr == f'faqbot: {config}: [telegram] mode must be "polling" or "webhook", not \'carrier-pigeon\'\n'
    )


def test_usage_errors_exit_2(faqbot) -> None:
    assert faqbot().returncode == 2
    assert faqbot("frobnicate").returncode == 2
    result = faqbot("ask", "--help")
    assert result.returncode == 0 and "--jsonl" in result.stdout


def test_chat_numbers_pick_options(faqbot, cache_env: dict) -> None:
    result = faqbot("chat", stdin="topics\n1\n", env_extra=cache_env)
    assert result.returncode == 0, result.stderr
    assert "답할 수 있는 주제예요" in result.stdout
    assert "  1. 지원 방법" in result.stdout
    assert "카카오 플랫폼/인프라실 경력 개발자 영입에 아래 링크에서 지원할 수 있어요" in result.stdout


def test_eval_prints_the_table(faqbot, cache_env: dict, tmp_path: Path) -> None:
    labelled = tmp_path / "set.tsv"
    labelled.write_text(
        "# expected\tquestion\napply\t지원은 어떻게 하나요\nculture\t회사 문화 어때요\n-\t오늘 날씨 어때\n"
        "!team-hadoop\t하둡 팀은 몇 명이에요?\n",
        encoding="utf-8",
    )
    result = faqbot("eval", str(labelled), "--show-errors", env_extra=cache_env)
    assert result.returncode == 0, result.stderr
    assert f"{labelled}: 4 questions" in result.stdout
    assert "right (answered with an expected id)" in result.stdout
    assert "answered (wrong)" in result.stdout
    assert "said it is not covered" in result.stdout
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text("nosuch\t지원은 어떻게 하나요\n", encoding="utf-8")
    result = faqbot("eval", str(unknown), env_extra=cache_env)
    assert result.returncode == 1 and "ids not in" in result.stderr and "nosuch" in result.stderr


def test_options_count_wherever_they_stand(faqbot, tmp_path: Path) -> None:
    broken = copy_faq(tmp_path, FAQ.read_text(encoding="utf-8").replace("apply_url:", "apply_ur1:", 1))
    before = faqbot("--faq", str(broken), "check")
    after = faqbot("check", "--faq", str(broken))
    assert before.returncode == after.returncode == 1
    assert before.stdout == after.stdout and "unknown key 'apply_ur1'" in before.stdout


NUL = "entries:\n  - id: a\x00b\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "{path}:1:1: file not found", id="missing"),
        pytest.param("folder", "{path}:1:1: is a folder, not a file; give the path of faq.yaml", id="a folder"),
        pytest.param(
            b"languages: [ko]\napply_url: https://x.test\nentries:\n  - id: caf\xe9\n",
            "{path}:4:12: not UTF-8 text (byte 0xe9); save the file as UTF-8",
            id="not UTF-8, at the byte",
        ),
        pytest.param(NUL, "{path}:2:10: character U+0000 is not allowed in YAML; remove it", id="a NUL, where it is"),
        pytest.param("[" * 20_000, "{path}:1:1: YAML nested too deeply to be a knowledge base", id="nested too deep"),
        pytest.param(b"#" * (5 * 1024 * 1024 + 1), "{path}:1:1: larger than 5 MB; is this the right file?", id="50 MB"),
    ],
)
@pytest.mark.parametrize("command", ["check", "ask", "chat"])
def test_an_unusable_faq_file_is_one_line_and_exit_1(
    faqbot, tmp_path: Path, command: str, content: str | bytes | None, expected: str
) -> None:
    path = tmp_path / "faq.yaml"
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    args = {
        "check": ["check", str(path)],
        "ask": ["ask", "--faq", str(path), "hi"],
        "chat": ["chat", "--faq", str(path)],
    }
    result = faqbot(*args[command])
    assert result.returncode == 1
    message = expected.format(path=path)
    lines = (result.stdout + result.stderr).splitlines()
    assert message in lines or f"faqbot: {message}" in lines, lines
    assert "Traceback" not in result.stderr


def test_kakao_takes_listen_and_port(faqbot) -> None:
    result = faqbot("kakao", "--port", "70000")
    assert (result.returncode, result.stderr) == (1, "faqbot: --port 70000: use a port from 0 to 65535\n")
    assert "--listen" in faqbot("kakao", "--help").stdout


def test_ask_jsonl_turns_bytes_that_are_not_utf8_into_valid_json(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[faq]\npath = "{FAQ}"\n[matching]\nsemantic = false\n', encoding="utf-8")
    stdin = b"\xff\xfe bad bytes\n" + "지원 방법\n".encode()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--jsonl", "--config", str(config)],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line.decode("utf-8", "strict")) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == ["\ufffd\ufffd bad bytes", "지원 방법"]
    assert rows[1]["id"] == "apply"


def test_a_secret_of_the_wrong_type_is_not_printed_back(faqbot, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[kakao]\nsecret = 73195512840917\n", encoding="utf-8")
    result = faqbot("check", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr == f"faqbot: {config}: [kakao] secret must be a str, not int\n"
    assert "73195512840917" not in result.stderr + result.stdout


def test_jsonl_lines_of_a_conversation_keep_their_context(faqbot) -> None:
    lines = [
        json.dumps({"conversation": "c1", "question": "하둡 팀은 뭐 해요?"}, ensure_ascii=False),
        json.dumps({"conversation": "c2", "question": "지원은 어떻게 해요?"}, ensure_ascii=False),
        json.dumps({"conversation": "c1", "question": "그 팀은 몇 명이에요?"}, ensure_ascii=False),
        "그 팀은 몇 명이에요?",  # a plain line stays a question on its own
        json.dumps({"conversation": 7, "question": 3}),
        "{not json",
    ]
    result = faqbot("ask", "--jsonl", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 6
    assert [r.get("action") for r in rows[:3]] == ["answer", "answer", "fallback"]
    assert rows[2]["question"] == "그 팀은 몇 명이에요?" and rows[2]["candidates"][0]["id"] == "team-hadoop"
    assert set(rows[2]) == set(rows[0]) == {"question", "action", "id", "score", "candidates", "stage"}  # one shape
    assert rows[3]["candidates"][0]["id"] != "team-hadoop" or rows[3]["action"] == "fallback"
    assert rows[4] == {"line": 5, "error": 'expected {"conversation": "<id>", "question": "<text>"}'}
    assert rows[5]["question"] == "{not json"


def test_eval_scores_a_conversation_file_first_turns_and_follow_ups_apart(faqbot, tmp_path: Path) -> None:
    labelled = tmp_path / "chats.tsv"
    labelled.write_text(
        "# conversation<TAB>expected<TAB>question\n"
        "a\tteam-hadoop\t하둡 팀은 뭐 해요?\n"
        "a\t!team-hadoop\t그 팀은 몇 명이에요?\n"
        "a\t!team-storage\t기반기술셀은요?\n"  # the same question, about another team
        "b\tapply\t지원은 어떻게 해요?\n",
        encoding="utf-8",
    )
    result = faqbot("eval", str(labelled))
    assert result.returncode == 0
    assert result.stdout.startswith(f"{labelled}: 4 questions in 2 conversations, knowledge base faq.yaml")
    first, follow = result.stdout.split("follow-up turns:")
    assert "  right (answered with an expected id)         2  100.0%" in first
    assert "  said it is not covered                       2  100.0%" in follow
    broken = tmp_path / "broken.tsv"
    broken.write_text("a\tapply\t지원?\nb\tapply\n", encoding="utf-8")
    result = faqbot("eval", str(broken))
    assert result.returncode == 1
    assert result.stderr == f"faqbot: {broken}:2:1: expected 'conversation<TAB>ids<TAB>question'\n"


def test_jsonl_conversation_lines_that_cannot_be_read_get_an_error_row(faqbot) -> None:
    lines = [
        '{"conversation": "c1", "question": "\\ud800"}',  # a lone surrogate, as JSON may carry
        '{"conversation": ' + "9" * 5000 + ', "question": "지원"}',  # a number too long to read
        '{"conversation": 1, "question": "하둡 팀은 뭐 해요?"}',
        '{"conversation": "1", "question": "그 팀 연봉은요?"}',  # not conversation 1 ...
        "그 팀 연봉은요?",  # ... so the same as asked on its own
    ]
    result = faqbot("ask", "--jsonl", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["question"] == "?" and rows[0]["action"] == "fallback"
    assert rows[1] == {"line": 2, "error": 'expected {"conversation": "<id>", "question": "<text>"}'}
    assert rows[2]["id"] == "team-hadoop"
    assert rows[3] == rows[4]

"""The SQLite store: migrations, what is kept (and hashed), retention, and failures that never block answering."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bot.outcomes import Feedback, Outcome
from bot.store import MIGRATIONS, Store, migrate
from tests.conftest import query


def outcome(action: str = "fallback", question: str = "연봉은 얼마예요?", user: str = "42", at: float | None = None):
    entry = "culture" if action == "answer" else None
    return Outcome("telegram", user, "ko", action, entry, 61.234, question, at=at or time.time())


def test_migrations_on_memory_are_recorded_and_applied_once() -> None:
    with contextlib.closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
        assert migrate(conn) == [v for v, _, _ in MIGRATIONS]
        assert migrate(conn) == []
        rows = conn.execute("SELECT version, name FROM migrations ORDER BY version").fetchall()
        assert rows == [(v, n) for v, n, _ in MIGRATIONS]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"outcomes", "feedback", "state", "seen_updates", "migrations"} <= tables


def test_an_older_database_file_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)")
    conn.executescript(MIGRATIONS[0][2])
    conn.execute("INSERT INTO migrations VALUES (1, 'outcomes and feedback', 0)")
    conn.execute(
        "INSERT INTO outcomes (at, channel, user_hash, language, action, score) "
        "VALUES (1, 'telegram', 'h', 'ko', 'answer', 90)"
    )
    conn.close()
    store = Store(path)
    try:
        assert [r.action for r in store.outcomes()] == ["answer"]  # old rows survive
        versions = [r[0] for r in query(path, "SELECT version FROM migrations ORDER BY version")]
        assert versions == [v for v, _, _ in MIGRATIONS]
        assert query(path, "PRAGMA journal_mode")[0][0] == "wal"
    finally:
        store.close()


def test_question_text_is_kept_only_where_recruiters_need_it_and_users_are_hashed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    try:
        store.record(outcome("answer", "회사 분위기는요?"))
        store.record(outcome("clarify", "하둡이랑 스토리지"))
        store.record(outcome("fallback", "연봉은 얼마예요?"))
        store.feedback(Feedback("telegram", "42", "culture", -1))
        store.flush()
        rows = store.outcomes()
        assert [(r.action, r.question) for r in rows] == [
            ("answer", None),
            ("clarify", "하둡이랑 스토리지"),
            ("fallback", "연봉은 얼마예요?"),
        ]
        assert rows[0].score == 61.23
        assert store.votes() == {"culture": (0, 1)}
        hashes = {r[0] for r in query(tmp_path / "s.sqlite3", "SELECT user_hash FROM outcomes")}
        assert hashes == {store.hash_user("telegram", "42")}
        assert re.fullmatch(r"[0-9a-f]{32}", next(iter(hashes)))  # a hash, not the id
    finally:
        store.close()
    other = Store(tmp_path / "other.sqlite3")
    try:
        assert other.hash_user("telegram", "42") != store.hash_user("telegram", "42")  # salt per database
    finally:
        other.close()


def test_purge_blanks_old_question_text_and_keeps_the_counts(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    now = time.time()
    try:
        store.record(outcome(question="오래된 질문", at=now - 40 * 86400))
        store.record(outcome(question="최근 질문", at=now - 2 * 86400))
        store.flush()
        assert store.purge(30, now=now) == 1
        assert [r.question for r in store.outcomes()] == [None, "최근 질문"]
        assert store.purge(30, now=now) == 0
    finally:
        store.close()


def test_answered_updates_survive_a_restart(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    for update_id in (5, 6, 7):
        store.mark_seen("telegram", update_id)
    store.close()
    store = Store(tmp_path / "s.sqlite3")
    try:
        assert sorted(store.seen("telegram")) == [5, 6, 7]
        assert store.seen("kakao") == []
    finally:
        store.close()


def test_a_locked_database_never_blocks_recording_and_is_logged_once(tmp_path: Path, caplog) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        # Recording only queues: were it to wait for the lock, these 300 calls would take 300 busy
        # timeouts (1 s each) and the test would time out.
        for i in range(300):
            store.record(outcome(question=f"q{i}"))
            if i % 100 == 0:
                time.sleep(0.05)  # let the writer try (and fail) several batches
        store.flush(timeout=10)
        errors = [r for r in caplog.records if r.levelno == logging.ERROR and "cannot write" in r.getMessage()]
        assert len(errors) == 1
        assert "database is locked" in errors[0].getMessage()
        blocker.execute("ROLLBACK")
        store.record(outcome(question="after"))
        store.flush()
        assert [r.question for r in store.outcomes()] == ["after"]
        assert "writing works again" in caplog.text
    finally:
        blocker.close()
        store.close()


def test_a_read_only_database_keeps_the_bot_answering(tmp_path: Path, caplog) -> None:
    Store(tmp_path / "s.sqlite3").close()
    store = Store(f"file:{tmp_path / 's.sqlite3'}?mode=ro")
    try:
        for _ in range(3):
            store.record(outcome())
            store.flush()
        errors = [r for r in caplog.records if "cannot write" in r.getMessage()]
        assert len(errors) == 1 and "readonly" in errors[0].getMessage()
    finally:
        store.close()


def test_a_full_queue_drops_rows_and_says_so_once(tmp_path: Path, caplog) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path, queue_size=5)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        for _ in range(50):
            store.record(outcome())
        assert caplog.text.count("write queue is full") == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        store.close()


@pytest.mark.parametrize("path", [":memory:"])
def test_memory_store_works_for_trying_things(path: str) -> None:
    store = Store(path)
    try:
        store.record(outcome())
        store.flush()
        assert len(store.outcomes()) == 1
    finally:
        store.close()


def test_a_salt_from_outside_the_database_is_used_and_not_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3", salt="from-the-environment")
    try:
        assert store.hash_user("telegram", "42") == Store.hash_with("from-the-environment", "telegram", "42")
    finally:
        store.close()
    stored = query(tmp_path / "s.sqlite3", "SELECT value FROM state WHERE key = 'salt'")
    assert stored == []  # nothing in the file gives the salt away


def test_two_processes_opening_one_new_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys; from bot.store import Store; Store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "shared.sqlite3")], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    versions = query(tmp_path / "shared.sqlite3", "SELECT version FROM migrations")
    assert sorted(v for (v,) in versions) == [v for v, _, _ in MIGRATIONS]
    assert query(tmp_path / "shared.sqlite3", "SELECT value FROM state WHERE key = 'salt'") == []
    reopened = Store(tmp_path / "shared.sqlite3")
    reopened.close()
    key = (tmp_path / "shared.sqlite3.key").read_text(encoding="ascii").strip()
    assert reopened.salt == key and re.fullmatch(r"[0-9a-f]{32}", key)  # the four made and kept one key
    assert [p.name for p in tmp_path.iterdir() if ".key." in p.name] == []  # no drafts left


def test_a_value_sqlite_cannot_hold_drops_that_row_only_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    store = Store(":memory:")
    try:
        with caplog.at_level(logging.ERROR, logger="bot.store"):
            store.record(outcome(question="\ud800 lone surrogate"))  # e.g. {"utterance": "\ud800"} on Kakao
            store.record(outcome(question="fine"))
            store.flush()
            store.record(Outcome("telegram", "\udfff", "ko", "fallback", None, 2.0**64, "next"))
            store.record(outcome(question="still written"))
            store.flush()
        questions = [r.question for r in store.outcomes()]
        assert "fine" in questions and "still written" in questions
        assert "\ud800 lone surrogate" not in questions
        refused = [r for r in caplog.records if "cannot store were dropped" in r.getMessage()]
        assert len(refused) == 1  # said once, not per row
    finally:
        store.close()


def test_a_new_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "faqbot.sqlite3"
    store = Store(path)
    try:
        store.record(outcome())
        store.flush()
    finally:
        store.close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_user_ids_are_hashed_with_a_key_kept_outside_the_database(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    try:
        store.record(Outcome("telegram", "1234567", "ko", "answer", "apply", 90.0, "지원"))
        store.flush()
    finally:
        store.close()
    key_file = tmp_path / "s.sqlite3.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = key_file.read_text(encoding="ascii").strip()
    assert key.encode() not in db.read_bytes()  # a copy of the database alone holds no key
    [(stored,)] = query(db, "SELECT user_hash FROM outcomes")
    # Without the key, trying every 7-digit id finds nothing; with it, the id is what was hashed.
    assert stored == hmac.new(key.encode(), b"telegram:1234567", hashlib.sha256).hexdigest()[:32]
    assert stored not in {hashlib.sha256(f"telegram:{n}".encode()).hexdigest()[:32] for n in range(1234500, 1234600)}


def test_a_key_an_older_version_kept_in_the_database_is_moved_out(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    Store(db).close()
    (tmp_path / "old.sqlite3.key").unlink()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO state VALUES ('salt', 'an-old-salt')")
    conn.commit()
    conn.close()
    store = Store(db)
    try:
        assert store.salt == "an-old-salt"
    finally:
        store.close()
    assert (tmp_path / "old.sqlite3.key").read_text(encoding="ascii").strip() == "an-old-salt"
    assert query(db, "SELECT value FROM state WHERE key = 'salt'") == []


def test_a_deleted_database_file_is_made_again_and_says_so(tmp_path: Path, caplog) -> None:
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    try:
        store.record(Outcome("telegram", "1", "ko", "answer", "apply", 90.0, "지원"))
        store.flush()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        store.record(Outcome("telegram", "2", "ko", "fallback", None, 10.0, "점심 뭐 먹지"))
        store.flush()
        assert [r.question for r in store.outcomes()] == ["점심 뭐 먹지"]
    finally:
        store.close()
    assert query(db, "SELECT question FROM outcomes") == [("점심 뭐 먹지",)]  # on disk, not in a lost file
    assert caplog.text.count("the database file was removed or replaced") == 1
    assert db.stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to read the database as a user who cannot write beside it",
)
def test_a_database_another_user_can_only_read_is_reported_on() -> None:
    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        db = folder / "f.sqlite3"
        store = Store(db)
        store.record(Outcome("telegram", "1", "ko", "fallback", None, 10.0, "점심 뭐 먹지"))
        store.close()
        os.chown(db, 65534, 65534)  # nobody may read it, but not write in its folder (no -shm file)
        folder.chmod(0o555)
        code = "import sys; from bot.store import Store; print(Store(sys.argv[1]).outcomes()[0].question)"
        done = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-c",
                code,
                f"file:{db}?mode=ro",
            ],
            capture_output=True,
            text=True,
            cwd="/tmp",
            timeout=60,
        )
        assert (done.returncode, done.stdout.strip()) == (0, "점심 뭐 먹지"), done.stderr
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)

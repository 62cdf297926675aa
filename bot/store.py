"""SQLite store of question outcomes and 👍/👎 feedback (standard library sqlite3, WAL mode).

- Schema changes are numbered migrations, recorded in the `migrations` table as they are applied.
- Channels write through the Recorder interface: record() and feedback() only queue the row; a writer
  thread inserts in batches. A locked, full or read-only database never blocks or breaks answering: the
  rows are dropped and the problem is logged once (again only after writing has worked in between).
- User ids are stored only as HMAC-SHA256 digests under a key kept outside the database: the
  FAQBOT_SALT environment variable, else the file `<database>.key` (0600), made on first run. A copy
  of the database alone cannot tell which user asked what (Telegram ids are small integers: a plain
  or salted hash of one is reversed by trying them all). A key an older version kept inside the
  database is moved out to that file.
- Question text is kept only where recruiters need it (clarify, fallback, too long) and is blanked
  after `retention_days` by purge(), which the running bot calls daily.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.outcomes import Feedback, Outcome

logger = logging.getLogger(__name__)

KEEP_TEXT = frozenset({"clarify", "fallback", "too_long"})  # outcomes whose question text recruiters read

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "outcomes and feedback",
        """
        CREATE TABLE outcomes (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            channel TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            language TEXT NOT NULL,
            action TEXT NOT NULL,
            entry_id TEXT,
            score REAL NOT NULL,
            question TEXT
        );
        CREATE INDEX outcomes_at ON outcomes (at);
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            channel TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1))
        );
        CREATE INDEX feedback_at ON feedback (at);
        CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        2,
        "updates already answered, so a restart never answers one twice",
        """
        CREATE TABLE seen_updates (
            channel TEXT NOT NULL,
            update_id INTEGER NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (channel, update_id)
        ) WITHOUT ROWID;
        """,
    ),
]


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the migrations this database lacks, each in its own transaction; returns their numbers.

    Each step takes the write lock (BEGIN IMMEDIATE) and checks again what is applied, so two processes
    starting on one database (the Telegram bot and the Kakao server) never apply a migration twice.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
    )
    applied = []
    for version, name, sql in MIGRATIONS:
        with conn:  # one transaction per migration: a failure leaves the previous ones in place
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute("SELECT 1 FROM migrations WHERE version = ?", (version,)).fetchone():
                continue
            for statement in (s.strip() for s in sql.split(";")):
                if statement:
                    conn.execute(statement)
            conn.execute("INSERT INTO migrations VALUES (?, ?, ?)", (version, name, time.time()))
        applied.append(version)
    return applied


@dataclass(frozen=True)
class Row:
    """One outcome as reports read it."""

    at: float
    channel: str
    language: str
    action: str
    entry_id: str | None
    score: float
    question: str | None


class Store:
    """The bot's database; implements bot.outcomes.Recorder."""

    def __init__(self, path: str | Path, queue_size: int = 10_000, salt: str | None = None) -> None:
        self.path = str(path)
        # One connection shared by the writer thread and readers, serialised by a lock (a ":memory:"
        # database exists only inside its connection).
        # A "file:...?mode=ro" URI opens an existing database read-only (reports, or a read-only mount).
        self._file = self.path != ":memory:" and not self.path.startswith("file:")
        self._lock = threading.Lock()
        with self._lock:
            self._conn, self._inode = self._open()
            self.salt = salt or self._key()
        self._queue: queue.Queue[tuple[str, tuple] | None] = queue.Queue(maxsize=queue_size)
        self._failing: str | None = None  # the problem already logged, until a write works again
        self._writer = threading.Thread(target=self._write_loop, name="faqbot-store", daemon=True)
        self._writer.start()

    # -- Recorder ---------------------------------------------------------------------------------

    def record(self, outcome: Outcome) -> None:
        """Queue one outcome (question text only where recruiters need it)."""
        question = outcome.question if outcome.action in KEEP_TEXT else None
        self._put(
            "INSERT INTO outcomes (at, channel, user_hash, language, action, entry_id, score, question) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                outcome.at,
                outcome.channel,
                self.hash_user(outcome.channel, outcome.user),
                outcome.language,
                outcome.action,
                outcome.entry_id,
                round(outcome.score, 2),
                question,
            ),
        )

    def feedback(self, feedback: Feedback) -> None:
        """Queue one vote."""
        self._put(
            "INSERT INTO feedback (at, channel, user_hash, entry_id, vote) VALUES (?, ?, ?, ?, ?)",
            (
                feedback.at,
                feedback.channel,
                self.hash_user(feedback.channel, feedback.user),
                feedback.entry_id,
                feedback.vote,
            ),
        )

    def mark_seen(self, channel: str, update_id: int) -> None:
        """Queue a note that an update was answered."""
        self._put("INSERT OR IGNORE INTO seen_updates VALUES (?, ?, ?)", (channel, update_id, time.time()))

    def seen(self, channel: str, limit: int = 5_000) -> list[int]:
        """The most recently answered update ids of a channel."""
        rows = self._read(
            "SELECT update_id FROM seen_updates WHERE channel = ? ORDER BY at DESC LIMIT ?", (channel, limit)
        )
        return [r[0] for r in rows]

    def hash_user(self, channel: str, user: str) -> str:
        """The keyed hash of a channel's user id (the id itself is never stored)."""
        return self.hash_with(self.salt, channel, user)

    @staticmethod
    def hash_with(key: str, channel: str, user: str) -> str:
        """The HMAC-SHA256 of a user id under a key (hex, 32 digits)."""
        message = f"{channel}:{user}".encode("utf-8", "surrogatepass")  # a lone surrogate still hashes
        return hmac.new(key.encode("utf-8", "surrogatepass"), message, hashlib.sha256).hexdigest()[:32]

    def outcomes(self, since: float = 0.0) -> list[Row]:
        """Outcomes from ``since`` (epoch seconds) on, oldest first."""
        rows = self._read(
            "SELECT at, channel, language, action, entry_id, score, question FROM outcomes WHERE at >= ? ORDER BY at",
            (since,),
        )
        return [Row(*r) for r in rows]

    def votes(self, since: float = 0.0) -> dict[str, tuple[int, int]]:
        """Entry id -> (👍 count, 👎 count) from ``since`` on."""
        rows = self._read(
            "SELECT entry_id, SUM(vote > 0), SUM(vote < 0) FROM feedback WHERE at >= ? GROUP BY entry_id", (since,)
        )
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    def purge(self, retention_days: float, now: float | None = None) -> int:
        """Blank question text older than the retention period and forget old update ids; rows blanked."""
        cutoff = (now or time.time()) - retention_days * 86_400
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            cur = self._conn.execute(
                "UPDATE outcomes SET question = NULL WHERE at < ? AND question IS NOT NULL", (cutoff,)
            )
            self._conn.execute("DELETE FROM seen_updates WHERE at < ?", ((now or time.time()) - 7 * 86_400,))
        return cur.rowcount

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far is written (or dropped)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)

    def close(self) -> None:
        """Write what is queued, then close the database."""
        self.flush()
        self._queue.put(None)
        self._writer.join(timeout=5)
        with self._lock:
            self._conn.close()

    # -- internals --------------------------------------------------------------------------------

    @staticmethod
    def _wal(conn: sqlite3.Connection) -> None:
        # Switching a new database to WAL needs it to itself and ignores the busy timeout: when another
        # process opens it at the same moment, wait for it (it may well switch it for us).
        for _ in range(100):
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.02)
        conn.execute("PRAGMA journal_mode=WAL")

    def _key(self) -> str:
        """The hashing key from `<database>.key`, made (0600) on first run; a key an older version kept in
        the database is moved there. An in-memory or read-only database gets one for this run only."""
        if not self._file:
            return secrets.token_hex(16)
        key_file = Path(self.path + ".key")
        row = self._conn.execute("SELECT value FROM state WHERE key = 'salt'").fetchone()
        if not key_file.exists():
            # Written whole under a private name, then linked in place: a process starting at the same
            # moment either sees no key file or a complete one (os.link fails if the name exists).
            draft = key_file.with_name(f"{key_file.name}.{secrets.token_hex(4)}")
            fd = os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write((row[0] if row else secrets.token_hex(16)) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(draft, key_file)
            draft.unlink()
        key = key_file.read_text(encoding="ascii").strip()
        if row is not None:
            self._conn.execute("DELETE FROM state WHERE key = 'salt'")
        return key

    def _read(self, sql: str, params: Iterable[object]) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _put(self, sql: str, params: tuple) -> None:
        try:
            self._queue.put_nowait((sql, params))
        except queue.Full:
            self._problem("write queue full", "the write queue is full (the database is too slow or stuck)")

    def _problem(self, key: str, message: str) -> None:
        if self._failing != key:
            self._failing = key
            logger.error(
                "store %s: %s; rows are dropped until it works again, the bot keeps answering", self.path, message
            )

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            batch = [item]
            while item is not None and len(batch) < 500:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                batch.append(item)
            rows = [b for b in batch if b is not None]
            try:
                if rows:
                    self._write(rows)
            except Exception:  # the writer must outlive anything one batch does; say so and go on
                logger.exception("store %s: writing a batch failed; it is dropped", self.path)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if batch[-1] is None:
                return

    def _open(self) -> tuple[sqlite3.Connection, int | None]:
        """A connection to the database, made and migrated if new, and the file's inode."""
        inode = None
        if self._file:
            # It holds question texts: readable by the bot's user only. SQLite gives its -wal and -shm
            # files the database file's permissions.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            inode = os.stat(self.path).st_ino
        conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=1.0, uri=self.path.startswith("file:")
        )
        if "mode=ro" in self.path:
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError as exc:
                # A WAL database in a folder we may not write to (a read-only mount, another user's
                # files): SQLite cannot make its shared-memory file. Read it as a snapshot instead.
                logger.info("store %s: %s; reading it as an unchanging snapshot", self.path, exc)
                conn.close()
                conn = sqlite3.connect(
                    self.path + "&immutable=1", check_same_thread=False, isolation_level=None, uri=True
                )
            return conn, inode
        if self._file:
            self._wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn)
        return conn, inode

    def _still_there(self) -> None:
        """Reopen the database if its file was deleted or replaced: SQLite would go on writing into the
        unlinked file, and every row since would be lost without a word (called with the lock held)."""
        if not self._file:
            return
        try:
            inode: int | None = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if inode == self._inode:
            return
        logger.error("store %s: the database file was removed or replaced; writing to a new one", self.path)
        self._conn.close()
        self._conn, self._inode = self._open()

    def _write(self, rows: list[tuple[str, tuple]]) -> None:
        refused: list[Exception] = []
        try:
            with self._lock:
                self._still_there()
            with self._lock, self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                for sql, params in rows:
                    try:
                        self._conn.execute(sql, params)
                    except (ValueError, OverflowError, TypeError) as exc:
                        # A value SQLite cannot hold (a lone surrogate, an integer of 2**63 or more): that row
                        # alone is dropped, the others are written.
                        refused.append(exc)
        except sqlite3.Error as exc:
            self._problem(str(exc), f"cannot write: {exc}")
            return
        if refused:
            self._problem(
                "refused", f"{len(refused)} row(s) with values SQLite cannot store were dropped ({refused[0]})"
            )
            return
        if self._failing is not None:
            logger.warning("store %s: writing works again", self.path)
            self._failing = None

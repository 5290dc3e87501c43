"""The history database file: its schema and migrations, opening it safely, and turning
SQLite's failures into one-line errors.

The schema version is ``PRAGMA user_version``; ``MIGRATIONS`` lists the steps from an empty file
to the current version, in order. A database written by a newer release is refused and left
untouched; a damaged one is moved aside to ``history.sqlite3.corrupt-<timestamp>`` and reported.
Files are created 0600 and folders 0700: transcripts and recordings are personal.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from questions.errors import HistoryError

DB_NAME = "history.sqlite3"
DB_SIDE_FILES = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT_S = 10.0


def database_files(path: Path) -> list[Path]:
    """The database and its journal files: never to be overwritten by a file we write."""
    return [path, *(path.with_name(path.name + suffix) for suffix in DB_SIDE_FILES)]


# Each entry moves the schema from version ``index`` to ``index + 1``; append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: sessions and attempts
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            mode TEXT NOT NULL CHECK (mode IN ('practice', 'drill', 'cli', 'review')),
            bank_id TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT
        )""",
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            transcript TEXT NOT NULL,
            words_json TEXT NOT NULL DEFAULT '[]',
            coverage REAL NOT NULL,
            concepts_json TEXT NOT NULL DEFAULT '[]',
            delivery_json TEXT,
            audio_path TEXT,
            model TEXT,
            duration_s REAL
        )""",
    ),
    (  # 2: which rubric produced each score (for rescore), and indexes for review queries
        "ALTER TABLE attempts ADD COLUMN rubric_version TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX attempts_by_session ON attempts(session_id)",
        "CREATE INDEX attempts_by_question ON attempts(question_id, created_at)",
    ),
    (  # 3: which bank (id and file hash) each answer was scored with; the score before a rescore
        "ALTER TABLE attempts ADD COLUMN bank_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE attempts ADD COLUMN bank_sha256 TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE attempts ADD COLUMN previous_json TEXT",
    ),
    (  # 4: mock interviews (a session mode; SQLite changes a CHECK only by copying the table),
        # and each answer's follow-up question and answer
        """CREATE TABLE sessions_v4 (
            id INTEGER PRIMARY KEY,
            mode TEXT NOT NULL
                CHECK (mode IN ('practice', 'drill', 'cli', 'review', 'interview')),
            bank_id TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT
        )""",
        "INSERT INTO sessions_v4 SELECT id, mode, bank_id, started_at, ended_at FROM sessions",
        "DROP TABLE sessions",
        "ALTER TABLE sessions_v4 RENAME TO sessions",
        "ALTER TABLE attempts ADD COLUMN follow_up_json TEXT",
    ),
    (  # 5: what speech recognition heard, kept when the user corrects the transcript
        "ALTER TABLE attempts ADD COLUMN heard TEXT",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryNewerError(HistoryError):
    """The database was written by a newer release of interview-sim."""


class HistoryCorruptError(HistoryError):
    """The database file is damaged; a backup copy was kept."""


class UnknownSessionError(HistoryError):
    """A session id that is not in the history."""


class UnknownAttemptError(HistoryError):
    """An attempt id that is not in the history."""


def _private_dir(folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)


def _private_file(path: Path) -> None:
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def unknown_session(session_id: int) -> UnknownSessionError:
    return UnknownSessionError(
        f"no session {session_id} in the history; 'interview-sim history' lists them"
    )


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 64 * 1024
    except OSError:
        return False


def _unwritable(path: Path, exc: OSError) -> HistoryError:
    if exc.errno == errno.ENOSPC or _disk_full(path):
        return HistoryError(f"{path}: the disk is full; free some space and retry")
    return HistoryError(
        f"{path.parent}: cannot write the history there ({exc.strerror or exc}); "
        "set INTERVIEW_SIM_HOME to a writable folder or fix its permissions"
    )


@contextmanager
def friendly_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise HistoryError(
                f"{path}: the history is busy (another interview-sim is writing); try again"
            ) from None
        if "full" in text or _disk_full(path):
            raise HistoryError(f"{path}: the disk is full; free some space and retry") from None
        if "readonly" in text or "unable to open" in text or "disk I/O" in text:
            raise HistoryError(
                f"{path}: cannot write the history ({text}); set INTERVIEW_SIM_HOME to a "
                "writable folder or fix its permissions"
            ) from None
        raise HistoryError(f"{path}: {text}") from None


# --- opening: connect, check, configure, migrate ----------------------------------------------


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the history file at ``path``."""
    try:
        with _umask(0o077), friendly_errors(path):
            _private_dir(path.parent)
            _private_dir(path.parent / "recordings")
            _private_file(path)
            conn = _connect(path)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        _check(conn, path)
        with friendly_errors(path):
            path.chmod(0o600)
            _configure(conn)
            _migrate(conn)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.chmod(0o600)
    except OSError as exc:
        conn.close()
        raise _unwritable(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return conn


def _check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a newer schema (untouched) and move a damaged file aside; reads only.

    Only damage moves the file: an ``OperationalError`` (locked, busy, disk full, I/O, no
    permission) says nothing about the file's contents and is reported as it is.
    """
    try:
        with friendly_errors(path):
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except HistoryError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        _corrupt(conn, path, str(exc))
    if version > SCHEMA_VERSION:
        raise HistoryNewerError(
            f"{path}: the history was written by a newer interview-sim (schema {version}, this "
            f"release knows up to {SCHEMA_VERSION}); it was left untouched: upgrade interview-sim"
        )
    try:
        with friendly_errors(path):
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
    except HistoryError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        _corrupt(conn, path, str(exc))
    if result != "ok":
        _corrupt(conn, path, str(result))


def _corrupt(conn: sqlite3.Connection, path: Path, reason: str) -> NoReturn:
    conn.close()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while backup.exists():
        counter += 1
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    os.replace(path, backup)
    backup.chmod(0o600)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, backup.with_name(backup.name + suffix))
    raise HistoryCorruptError(
        f"{path}: the history database is damaged ({reason}); it was moved to {backup} "
        "(try 'sqlite3 <backup> .recover' to rescue answers) and a new history starts next time"
    )


def _configure(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise HistoryError(
            f"cannot switch the history to WAL mode (got '{mode}'); is the disk full or the "
            "data folder read-only?"
        )
    conn.execute("PRAGMA synchronous = FULL")  # a finished answer survives power loss too
    conn.execute("PRAGMA foreign_keys = ON")


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply the missing migrations in one transaction; another process may race us.

    Foreign keys are off meanwhile: copying a table (migration 4) drops the old one, which
    with them on would delete every attempt of every session on the way."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
        return
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        orphans = len(conn.execute("PRAGMA foreign_key_check").fetchall())  # before: not ours
        for steps in MIGRATIONS[version:]:
            for statement in steps:
                conn.execute(statement)
        if len(conn.execute("PRAGMA foreign_key_check").fetchall()) > orphans:
            raise HistoryError("migrating the history would have lost answers; nothing changed")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        conn.execute("PRAGMA foreign_keys = ON")
        raise
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys = ON")

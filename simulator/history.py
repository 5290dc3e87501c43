"""The history store: every answer in SQLite, its audio as a file next to it.

``data_dir/history.sqlite3`` holds two tables, ``sessions`` and ``attempts``; recordings live in
``data_dir/recordings`` and attempts refer to them by path. The database runs in WAL mode with a
busy timeout, so the TUI and a CLI command may write at the same time; each answer is committed
in its own transaction the moment it is scored, so a crash keeps every finished answer.

The schema version is ``PRAGMA user_version``; ``MIGRATIONS`` lists the steps from an empty file
to the current version, in order. A database written by a newer release is refused and left
untouched; a damaged one is moved aside to ``history.sqlite3.corrupt-<timestamp>`` and reported.

Files are created 0600 and folders 0700: transcripts and recordings are personal.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

from models.transcriber import Transcript
from questions.bank import Question, QuestionSet
from questions.errors import SimulatorError
from questions.scoring import Coverage
from simulator import config
from simulator.judge import judge

DB_NAME = "history.sqlite3"
MODES = ("practice", "drill", "cli", "review")
BUSY_TIMEOUT_S = 10.0
SPARKS = "▁▂▃▄▅▆▇█"

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
)
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(SimulatorError):
    """A problem with the history database."""


class HistoryNewerError(HistoryError):
    """The database was written by a newer release of interview-sim."""


class HistoryCorruptError(HistoryError):
    """The database file is damaged; a backup copy was kept."""


class UnknownSessionError(HistoryError):
    """A session id that is not in the history."""


class UnknownAttemptError(HistoryError):
    """An attempt id that is not in the history."""


# --- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    id: int
    mode: str
    bank_id: str
    started_at: str
    ended_at: str | None
    attempt_count: int = 0
    mean_coverage: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AttemptRow:
    id: int
    session_id: int
    question_id: str
    created_at: str
    transcript: str
    words: list[dict[str, Any]]
    coverage: float
    concepts: list[dict[str, Any]]
    delivery: dict[str, Any] | None
    audio_path: str | None
    model: str | None
    rubric_version: str
    duration_s: float | None

    @property
    def missed(self) -> list[dict[str, Any]]:
        return [c for c in self.concepts if not c.get("covered")]

    @property
    def created(self) -> datetime:
        return parse_time(self.created_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class QuestionReview:
    """One question's record: coverage of every attempt, oldest first, and what it misses."""

    question_id: str
    coverages: list[float]
    times: list[str]
    best: float
    last: float
    missed_most: list[tuple[str, str, int]]  # (concept id, label, times missed), most first

    @property
    def trend(self) -> str:
        return sparkline(self.coverages)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"trend": self.trend}


# --- helpers ----------------------------------------------------------------------------------


def now_utc() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime | None = None) -> str:
    moment = moment or now_utc()
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(text: str) -> date:
    return parse_time(text).astimezone().date()


def sparkline(values: Sequence[float], lo: float = 0.0, hi: float = 1.0) -> str:
    """``▁▂▃▄▅▆▇█`` for values between ``lo`` and ``hi`` (coverage 0..1 by default)."""
    span = (hi - lo) or 1.0
    top = len(SPARKS) - 1
    return "".join(SPARKS[round(max(0.0, min(1.0, (v - lo) / span)) * top)] for v in values)


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


def _concepts_of(coverage: Coverage) -> list[dict[str, Any]]:
    concepts = coverage.to_dict()["concepts"]
    assert isinstance(concepts, list)
    return concepts


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- the store --------------------------------------------------------------------------------


class History:
    """The SQLite history; safe to share between threads, and between processes via WAL."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self.recordings_dir = path.parent / "recordings"
        self._lock = threading.RLock()

    # opening ----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None = None) -> History:
        """Open (creating and migrating as needed) the history at ``path`` or the default."""
        path = Path(path) if path else config.paths().data_dir / DB_NAME
        try:
            with _umask(0o077), _friendly_errors(path):
                _private_dir(path.parent)
                _private_dir(path.parent / "recordings")
                _private_file(path)
                conn = _connect(path)
        except OSError as exc:
            raise _unwritable(path, exc) from None
        try:
            _check(conn, path)
            with _friendly_errors(path):
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
        return cls(conn, path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._read("PRAGMA user_version")[0][0])

    # sessions ---------------------------------------------------------------------------------

    def start_session(self, mode: str, bank_id: str = "", *, at: datetime | None = None) -> int:
        if mode not in MODES:
            raise HistoryError(f"unknown session mode '{mode}'; one of: {', '.join(MODES)}")
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO sessions (mode, bank_id, started_at) VALUES (?, ?, ?)",
                (mode, bank_id, format_time(at)),
            )
            return int(cursor.lastrowid or 0)

    def end_session(self, session_id: int, *, at: datetime | None = None) -> None:
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE id = ?", (format_time(at), session_id)
            )
            if cursor.rowcount == 0:
                raise _unknown_session(session_id)

    def sessions(self) -> list[SessionRow]:
        """Every session, oldest first, with its number of attempts and mean coverage."""
        rows = self._read(
            "SELECT s.id, s.mode, s.bank_id, s.started_at, s.ended_at, COUNT(a.id), "
            "AVG(a.coverage) FROM sessions s LEFT JOIN attempts a ON a.session_id = s.id "
            "GROUP BY s.id ORDER BY s.started_at, s.id"
        )
        return [SessionRow(*row) for row in rows]

    def session(self, session_id: int) -> SessionRow:
        for row in self.sessions():
            if row.id == session_id:
                return row
        raise _unknown_session(session_id)

    def delete_session(self, session_id: int) -> int:
        """Delete a session, its attempts and their recordings; return the attempts deleted."""
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise _unknown_session(session_id)
            audio = [
                r[0]
                for r in conn.execute(
                    "SELECT audio_path FROM attempts WHERE session_id = ?", (session_id,)
                )
            ]
            count = conn.execute(
                "DELETE FROM attempts WHERE session_id = ?", (session_id,)
            ).rowcount
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        for name in audio:
            self._remove_recording(name)
        return int(count)

    # attempts ---------------------------------------------------------------------------------

    def add_attempt(
        self,
        session_id: int,
        question: Question,
        transcript: Transcript | str,
        coverage: Coverage,
        delivery: dict[str, Any] | None = None,
        audio_path: Path | str | None = None,
        model: str | None = None,
        *,
        at: datetime | None = None,
    ) -> int:
        """Store one scored answer in its own transaction (committed before this returns).

        The text stored is ``coverage.transcript``, the text its evidence spans index into;
        word timings, duration and (by default) the model name come from ``transcript``.
        """
        if isinstance(transcript, str):
            transcript = Transcript(transcript)
        words = transcript.to_dict()["words"]
        values = (
            session_id,
            question.id,
            format_time(at),
            coverage.transcript,  # the text the evidence spans index into
            _dumps(words),
            round(coverage.coverage, 4),
            _dumps(_concepts_of(coverage)),
            None if delivery is None else _dumps(delivery),
            None if audio_path is None else str(Path(audio_path).expanduser().absolute()),
            model or transcript.model or None,
            coverage.rubric_version,
            round(transcript.duration_s, 3) if transcript.duration_s else None,
        )
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise _unknown_session(session_id)
            cursor = conn.execute(
                "INSERT INTO attempts (session_id, question_id, created_at, transcript, "
                "words_json, coverage, concepts_json, delivery_json, audio_path, model, "
                "rubric_version, duration_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return int(cursor.lastrowid or 0)

    def attempts(
        self, session_id: int | None = None, question_id: str | None = None
    ) -> list[AttemptRow]:
        """Attempts oldest first, optionally of one session and/or one question."""
        where, params = [], []
        if session_id is not None:
            where.append("session_id = ?")
            params.append(session_id)
        if question_id is not None:
            where.append("question_id = ?")
            params.append(question_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._read(f"{_ATTEMPT_SELECT}{clause} ORDER BY created_at, id", params)
        return [_attempt(row) for row in rows]

    def attempt(self, attempt_id: int) -> AttemptRow:
        rows = self._read(f"{_ATTEMPT_SELECT} WHERE id = ?", (attempt_id,))
        if not rows:
            raise UnknownAttemptError(
                f"no attempt {attempt_id} in the history; 'interview-sim history' lists them"
            )
        return _attempt(rows[0])

    def score_log(self) -> list[tuple[str, str, float]]:
        """(question id, created_at, coverage) of every attempt, oldest first (for schedules)."""
        rows = self._read(
            "SELECT question_id, created_at, coverage FROM attempts ORDER BY created_at, id"
        )
        return [(r[0], r[1], float(r[2])) for r in rows]

    # maintenance ------------------------------------------------------------------------------

    def purge(self) -> int:
        """Delete every session, attempt and recording, then VACUUM; return attempts deleted."""
        with self._write() as conn:
            count = conn.execute("DELETE FROM attempts").rowcount
            conn.execute("DELETE FROM sessions")
        with self._lock, _friendly_errors(self.path):
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if self.recordings_dir.is_dir():
            for path in sorted(self.recordings_dir.rglob("*"), reverse=True):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink(missing_ok=True)
        return int(count)

    def rescore(
        self,
        questions: QuestionSet | Iterable[Question],
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Score every stored transcript again with the current rubrics; return rows changed.

        Attempts of questions no longer in any bank keep their old score.
        """
        by_id = {q.id: q for q in questions}
        rows = self._read(
            "SELECT id, question_id, transcript, coverage, concepts_json, "
            "rubric_version FROM attempts ORDER BY id"
        )
        updates = []
        for done, (aid, qid, text, old_cov, old_concepts, old_version) in enumerate(rows, 1):
            question = by_id.get(qid)
            if question is not None:
                result = judge(question, text)
                new = (
                    round(result.coverage, 4),
                    _dumps(_concepts_of(result)),
                    result.rubric_version,
                )
                if new != (old_cov, old_concepts, old_version):
                    updates.append((*new, aid))
            if progress:
                progress(done, len(rows))
        if updates:
            with self._write() as conn:
                conn.executemany(
                    "UPDATE attempts SET coverage = ?, concepts_json = ?, rubric_version = ? "
                    "WHERE id = ?",
                    updates,
                )
        return len(updates)

    def unfinished_recordings(self, recordings_dir: Path | None = None) -> list[Path]:
        """WAV files no attempt refers to (e.g. a crash mid-answer), oldest first."""
        folder = recordings_dir or self.recordings_dir
        if not folder.is_dir():
            return []
        known = {
            str(Path(r[0]).resolve())
            for r in self._read("SELECT audio_path FROM attempts WHERE audio_path IS NOT NULL")
        }
        found = [
            p
            for p in folder.rglob("*")
            if p.suffix.lower() == ".wav" and p.is_file() and str(p.resolve()) not in known
        ]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))

    def integrity(self) -> str:
        return str(self._read("PRAGMA integrity_check")[0][0])

    # review -----------------------------------------------------------------------------------

    def question_review(self, question_id: str) -> QuestionReview | None:
        attempts = self.attempts(question_id=question_id)
        if not attempts:
            return None
        return _review(question_id, attempts)

    def review(self) -> list[QuestionReview]:
        """A review of every question answered at least once, weakest last coverage first."""
        grouped: dict[str, list[AttemptRow]] = defaultdict(list)
        for attempt in self.attempts():
            grouped[attempt.question_id].append(attempt)
        reviews = [_review(qid, rows) for qid, rows in grouped.items()]
        return sorted(reviews, key=lambda r: (r.last, r.question_id))

    def section_trends(
        self, questions: QuestionSet | Iterable[Question]
    ) -> dict[str, list[tuple[date, float]]]:
        """Mean coverage per section per (local) day, oldest first; unknown ids go to '?'."""
        section_of = {q.id: q.section for q in questions}
        totals: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
        for qid, created, coverage in self.score_log():
            totals[section_of.get(qid, "?")][local_date(created)].append(coverage)
        return {
            section: [(day, sum(v) / len(v)) for day, v in sorted(days.items())]
            for section, days in totals.items()
        }

    # internals --------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE (waits on other writers), COMMIT or ROLLBACK."""
        with self._lock, _friendly_errors(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, _friendly_errors(self.path):
            return self._conn.execute(sql, params).fetchall()

    def _remove_recording(self, name: str | None) -> None:
        """Delete a recording only if it lives in our recordings folder (never a user's file)."""
        if not name:
            return
        path = Path(name).resolve()
        if path.is_relative_to(self.recordings_dir.resolve()):
            path.unlink(missing_ok=True)


_ATTEMPT_SELECT = (
    "SELECT id, session_id, question_id, created_at, transcript, words_json, coverage, "
    "concepts_json, delivery_json, audio_path, model, rubric_version, duration_s FROM attempts"
)


def _attempt(row: tuple[Any, ...]) -> AttemptRow:
    aid, sid, qid, created, text, words, coverage, concepts, delivery, *rest = row
    return AttemptRow(
        aid,
        sid,
        qid,
        created,
        text,
        json.loads(words or "[]"),
        float(coverage),
        json.loads(concepts or "[]"),
        json.loads(delivery) if delivery else None,
        *rest,
    )


def _review(question_id: str, attempts: list[AttemptRow]) -> QuestionReview:
    missed: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for attempt in attempts:
        for concept in attempt.missed:
            missed[concept["id"]] += 1
            labels[concept["id"]] = concept.get("label") or concept["id"]
    coverages = [a.coverage for a in attempts]
    return QuestionReview(
        question_id,
        coverages,
        [a.created_at for a in attempts],
        max(coverages),
        coverages[-1],
        [(cid, labels[cid], n) for cid, n in missed.most_common()],
    )


def _unknown_session(session_id: int) -> UnknownSessionError:
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
def _friendly_errors(path: Path) -> Iterator[None]:
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
        with _friendly_errors(path):
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
        with _friendly_errors(path):
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
    """Apply the missing migrations in one transaction; another process may race us."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for steps in MIGRATIONS[version:]:
            for statement in steps:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# --- the `score --save` entry point -----------------------------------------------------------


def save_cli_score(
    question: Question,
    transcript_text: str | Transcript,
    coverage: Coverage,
    audio_path: Path | str | None = None,
    model: str | None = None,
    delivery: dict[str, Any] | None = None,
) -> int:
    """Store a ``score --save`` result; return the attempt id.

    CLI scores share one session of mode "cli" per bank and local calendar day, whose
    ``ended_at`` moves to the latest save. A ``--audio`` file stays where the user keeps it:
    it is referenced, never copied, and never deleted by ``history delete`` or ``purge``.
    """
    with History.open() as history:
        session_id = _todays_cli_session(history, question.bank_id)
        attempt_id = history.add_attempt(
            session_id, question, transcript_text, coverage, delivery, audio_path, model
        )
        history.end_session(session_id)
        return attempt_id


def _todays_cli_session(history: History, bank_id: str) -> int:
    today = datetime.now().astimezone().date()
    for row in reversed(history.sessions()):
        if row.mode == "cli" and row.bank_id == bank_id and local_date(row.started_at) == today:
            return row.id
    return history.start_session("cli", bank_id)

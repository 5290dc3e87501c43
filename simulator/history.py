"""The history store: every answer in SQLite, its audio as a file next to it.

``data_dir/history.sqlite3`` holds two tables, ``sessions`` and ``attempts``; recordings live in
``data_dir/recordings`` and attempts refer to them by path. The database runs in WAL mode with a
busy timeout, so the TUI and a CLI command may write at the same time; each answer is committed
in its own transaction the moment it is scored, so a crash keeps every finished answer.

Opening, the schema and its migrations, and the one-line errors are in ``history_db``; review
statistics in ``review_stats``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from questions.bank import QuestionSet
from questions.scoring import Coverage
from simulator import config
from simulator.history_db import (
    DB_NAME,
    HistoryError,
    UnknownAttemptError,
    database_files,
    friendly_errors,
    open_database,
    unknown_session,
)
from simulator.history_rows import (
    AttemptRow,
    FollowUpRecord,
    NewAttempt,
    Rescored,
    SessionRow,
)
from simulator.judge import Judge
from simulator.timestamps import format_time

MODES = ("practice", "drill", "cli", "review", "interview")
FOLLOW_UP_AUDIO = "json_extract(follow_up_json, '$.audio_path')"  # a follow-up's recording
UNSCORABLE = "unscorable"  # recordings `recover` could not score: kept, not offered again


# --- helpers ----------------------------------------------------------------------------------


def default_path() -> Path:
    """Where the history lives unless a path is given."""
    return config.paths().data_dir / DB_NAME


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

    @property
    def files(self) -> list[Path]:
        """The database and its journal files: never to be overwritten by an export."""
        return database_files(self.path)

    # opening ----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None = None) -> History:
        """Open (creating and migrating as needed) the history at ``path`` or the default."""
        path = Path(path) if path else default_path()
        return cls(open_database(path), path)

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
                raise unknown_session(session_id)

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
        raise unknown_session(session_id)

    def delete_session(self, session_id: int) -> int:
        """Delete a session, its attempts and their recordings; return the attempts deleted."""
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise unknown_session(session_id)
            audio = [
                name
                for row in conn.execute(
                    f"SELECT audio_path, {FOLLOW_UP_AUDIO} FROM attempts WHERE session_id = ?",
                    (session_id,),
                )
                for name in row
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
        self, session_id: int, attempt: NewAttempt, *, at: datetime | None = None
    ) -> int:
        """Store one scored answer in its own transaction (committed before this returns)."""
        transcript, coverage = attempt.transcript, attempt.coverage
        path = attempt.audio_path
        values = (
            session_id,
            attempt.question.id,
            format_time(at),
            coverage.transcript,  # the text the evidence spans index into
            _dumps(transcript.to_dict()["words"]),
            round(coverage.coverage, 4),
            _dumps(_concepts_of(coverage)),
            None if attempt.delivery is None else _dumps(attempt.delivery.to_dict()),
            None if path is None else str(Path(path).expanduser().absolute()),
            transcript.model or None,
            coverage.rubric_version,
            round(transcript.duration_s, 3) if transcript.duration_s else None,
            attempt.question.bank_id,
            attempt.question.bank_sha256,
        )
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise unknown_session(session_id)
            cursor = conn.execute(
                "INSERT INTO attempts (session_id, question_id, created_at, transcript, "
                "words_json, coverage, concepts_json, delivery_json, audio_path, model, "
                "rubric_version, duration_s, bank_id, bank_sha256) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return int(cursor.lastrowid or 0)

    def add_follow_up(self, attempt_id: int, follow_up: FollowUpRecord) -> None:
        """Store the follow-up asked after an answer; the answer's own score is unchanged."""
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE attempts SET follow_up_json = ? WHERE id = ?",
                (_dumps(follow_up.to_dict()), attempt_id),
            )
            if cursor.rowcount == 0:
                raise UnknownAttemptError(f"no attempt {attempt_id} in the history")

    def correct(self, attempt_id: int, coverage: Coverage) -> AttemptRow:
        """Replace an answer's transcript with the user's correction of what recognition
        heard, scored as ``coverage``. The heard text is kept (``AttemptRow.heard``), once;
        a correction back to it clears the mark. The delivery figures stay: they come from
        the audio."""
        before = self.attempt(attempt_id)
        heard = before.transcript if before.heard is None else before.heard
        with self._write() as conn:
            conn.execute(
                "UPDATE attempts SET transcript = ?, coverage = ?, concepts_json = ?, "
                "rubric_version = ?, heard = ?, previous_json = NULL WHERE id = ?",
                (coverage.transcript, round(coverage.coverage, 4), _dumps(_concepts_of(coverage)),
                 coverage.rubric_version, None if coverage.transcript == heard else heard,
                 attempt_id),
            )  # fmt: skip
        return self.attempt(attempt_id)

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
        with self._lock, friendly_errors(self.path):
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
        questions: QuestionSet,
        judge: Judge,
        progress: Callable[[int, int], None] | None = None,
    ) -> Rescored:
        """Score every stored transcript again with the current version of the bank it was
        answered from; the score before is kept, so ``undo_rescore`` can put it back.

        An answer whose bank is no longer loaded is skipped (never scored against another
        bank's question of the same id). Answers saved before banks were recorded use their
        session's bank.
        """
        rows = self._read(
            "SELECT a.id, a.question_id, a.transcript, a.coverage, a.concepts_json, "
            "a.rubric_version, a.bank_sha256, COALESCE(NULLIF(a.bank_id, ''), s.bank_id) "
            "FROM attempts a JOIN sessions s ON s.id = a.session_id ORDER BY a.id"
        )
        updates, gone = [], 0
        for done, (aid, qid, text, cov, concepts, version, sha, bank_id) in enumerate(rows, 1):
            question = questions.find(bank_id, qid)
            if question is None:
                gone += 1
            else:
                result = judge.score(question, text)
                new = (round(result.coverage, 4), _dumps(_concepts_of(result)))
                if new != (cov, concepts) or result.rubric_version != version:
                    before = {"coverage": cov, "concepts": json.loads(concepts or "[]"),
                              "rubric_version": version, "bank_sha256": sha}  # fmt: skip
                    updates.append(
                        (*new, result.rubric_version, question.bank_sha256, bank_id,
                         _dumps(before), aid)
                    )  # fmt: skip
            if progress:
                progress(done, len(rows))
        with self._write() as conn:  # --undo goes back exactly one rescore: this one
            conn.execute("UPDATE attempts SET previous_json = NULL")
            conn.executemany(
                "UPDATE attempts SET coverage = ?, concepts_json = ?, rubric_version = ?, "
                "bank_sha256 = ?, bank_id = ?, previous_json = ? WHERE id = ?",
                updates,
            )
        return Rescored(len(rows), len(updates), gone)

    def undo_rescore(self) -> int:
        """Put back the score every rescored answer had before; return how many."""
        rows = self._read("SELECT id, previous_json FROM attempts WHERE previous_json IS NOT NULL")
        restored = []
        for aid, previous in rows:
            before = json.loads(previous)
            restored.append(
                (before["coverage"], _dumps(before["concepts"]), before["rubric_version"],
                 before["bank_sha256"], aid)
            )  # fmt: skip
        if restored:
            with self._write() as conn:
                conn.executemany(
                    "UPDATE attempts SET coverage = ?, concepts_json = ?, rubric_version = ?, "
                    "bank_sha256 = ?, previous_json = NULL WHERE id = ?",
                    restored,
                )
        return len(restored)

    def unfinished_recordings(self, recordings_dir: Path | None = None) -> list[Path]:
        """WAV files no attempt refers to (e.g. a crash mid-answer), oldest first."""
        folder = recordings_dir or self.recordings_dir
        if not folder.is_dir():
            return []
        known = {
            str(Path(name).resolve())
            for row in self._read(f"SELECT audio_path, {FOLLOW_UP_AUDIO} FROM attempts")
            for name in row
            if name
        }
        aside = folder / UNSCORABLE
        found = [
            p
            for p in folder.rglob("*")
            if p.suffix.lower() == ".wav"
            and p.is_file()
            and not p.is_relative_to(aside)
            and str(p.resolve()) not in known
        ]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))

    def set_aside(self, recording: Path) -> Path:
        """Move a recording that cannot be scored out of ``unfinished_recordings`` (kept, in
        the ``unscorable`` folder beside the others); return where it went."""
        aside = self.recordings_dir / UNSCORABLE
        aside.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = aside / recording.name
        os.replace(recording, target)
        return target

    def integrity(self) -> str:
        return str(self._read("PRAGMA integrity_check")[0][0])

    # internals --------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE (waits on other writers), COMMIT or ROLLBACK."""
        with self._lock, friendly_errors(self.path):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, friendly_errors(self.path):
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
    "concepts_json, delivery_json, audio_path, model, rubric_version, duration_s, bank_id, "
    "follow_up_json, heard FROM attempts"
)


def _attempt(row: tuple[Any, ...]) -> AttemptRow:
    aid, sid, qid, created, text, words, coverage, concepts, delivery, *rest, follow_up, heard = row
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
        FollowUpRecord.from_dict(json.loads(follow_up)) if follow_up else None,
        heard,
    )

"""The history store: round trips, migrations, refusal and corruption, crash and concurrency."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.transcriber import Transcript, Word
from questions.bank import QuestionSet, load_bank
from questions.scoring import score
from simulator import config, review_stats, schedule
from simulator.drawing import sparkline
from simulator.history import History
from simulator.history_db import (
    MIGRATIONS,
    SCHEMA_VERSION,
    HistoryCorruptError,
    HistoryError,
    HistoryNewerError,
    UnknownSessionError,
)
from simulator.history_rows import NewAttempt
from simulator.judge import terms_only
from simulator.score_cli import save_cli_score
from tests.answers import in_sentences
from tests.fakes import scored, some_delivery

ROOT = Path(__file__).resolve().parents[1]
GOOD = (
    "We never trust, always verify: as NIST SP 800-207 says, each user gets least privilege "
    "because there is no perimeter to hide behind."
)
WEAK = "I would ask the team."


def db_path() -> Path:
    return config.paths().data_dir / "history.sqlite3"


def add(
    history: History,
    bank: QuestionSet,
    sid: int,
    qid: str,
    text: str,
    audio_path: Path | None = None,
    at: datetime | None = None,
) -> int:
    return history.add_attempt(sid, scored(bank.get(qid), text, audio_path=audio_path), at=at)


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- round trips -----------------------------------------------------------------------------


def test_round_trip_of_a_session_and_an_attempt(bank: QuestionSet, tmp_path: Path) -> None:
    question = bank.get("beginner-01")
    words = (Word("Never", 0.5, 0.8, 0.9), Word("trust", 0.8, 1.1, 0.95))
    transcript = Transcript(GOOD, words, 12.5, "tiny.en")
    coverage = score(question, GOOD)
    audio = tmp_path / "a.wav"
    with History.open() as history:
        assert history.path == db_path() and history.schema_version == SCHEMA_VERSION
        sid = history.start_session("practice", question.bank_id)
        delivery = some_delivery(words_per_minute=140.0)
        attempt = NewAttempt(question, transcript, coverage, delivery, audio)
        aid = history.add_attempt(sid, attempt)
        history.end_session(sid)
    with History.open() as history:
        row = history.attempt(aid)
        (session,) = history.sessions()
    assert row.session_id == sid and row.question_id == "beginner-01"
    assert row.transcript == GOOD and row.coverage == round(coverage.coverage, 4)
    assert row.words[1] == {"text": "trust", "start": 0.8, "end": 1.1, "probability": 0.95}
    assert row.concepts == coverage.to_dict()["concepts"]
    assert row.delivery == delivery.to_dict() and row.audio_path == str(audio)
    assert row.model == "tiny.en" and row.duration_s == 12.5
    assert row.rubric_version == question.rubric_version
    assert session.mode == "practice" and session.ended_at and session.attempt_count == 1
    assert session.mean_coverage == pytest.approx(row.coverage)


def test_filters_errors_and_modes(bank: QuestionSet) -> None:
    with History.open() as history:
        one = history.start_session("drill", "zero-trust-ai")
        two = history.start_session("review")
        add(history, bank, one, "beginner-01", GOOD)
        add(history, bank, one, "beginner-02", WEAK)
        add(history, bank, two, "beginner-01", WEAK)
        assert len(history.attempts()) == 3
        assert len(history.attempts(session_id=one)) == 2
        assert [a.session_id for a in history.attempts(question_id="beginner-01")] == [one, two]
        assert len(history.attempts(session_id=two, question_id="beginner-02")) == 0
        with pytest.raises(HistoryError, match="unknown session mode"):
            history.start_session("karaoke")
        with pytest.raises(UnknownSessionError, match="no session 99"):
            add(history, bank, 99, "beginner-01", GOOD)
        with pytest.raises(UnknownSessionError):
            history.end_session(99)
        with pytest.raises(HistoryError, match="no attempt 42"):
            history.attempt(42)


# --- schema: migrations, newer, corrupt ------------------------------------------------------


def test_migrates_a_version_1_database(bank: QuestionSet) -> None:
    path = db_path()
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sessions VALUES (1, 'practice', 'zero-trust-ai', '2024-01-02', NULL)")
    conn.execute(
        "INSERT INTO attempts (session_id, question_id, created_at, transcript, coverage) "
        "VALUES (1, 'beginner-01', '2024-01-02T10:00:00+00:00', 'never trust', 0.2)"
    )
    conn.commit()
    conn.close()
    with History.open() as history:
        assert history.schema_version == SCHEMA_VERSION == 5
        (old,) = history.attempts()
        assert old.transcript == "never trust" and old.rubric_version == ""
        new = add(history, bank, 1, "beginner-01", GOOD)
        assert history.attempt(new).rubric_version == bank.get("beginner-01").rubric_version
        indexes = {r[0] for r in history._read("SELECT name FROM sqlite_master")}
        assert {"attempts_by_session", "attempts_by_question"} <= indexes
        done = history.rescore(bank, terms_only())  # the session's bank: zero-trust-ai
        assert (done.answers, done.changed, done.bank_gone) == (2, 1, 0)  # the old row changed


def test_newer_schema_is_refused_and_left_untouched() -> None:
    path = db_path()
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    path.chmod(0o644)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(HistoryNewerError, match=r"newer interview-sim.*left untouched"):
        History.open()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.sqlite3", "recordings"]


def test_garbage_file_is_backed_up_and_reported() -> None:
    path = db_path()
    path.parent.mkdir(parents=True)
    garbage = b"this is not a database, just some bytes\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(HistoryCorruptError) as caught:
        History.open()
    (backup,) = path.parent.glob("history.sqlite3.corrupt-*")
    message = str(caught.value)
    assert "damaged" in message and str(backup) in message and "\n" not in message
    assert backup.read_bytes() == garbage and stat.S_IMODE(backup.stat().st_mode) == 0o600
    with History.open() as history:  # a fresh history starts next time
        assert history.sessions() == []


def test_damaged_pages_fail_the_integrity_check(bank: QuestionSet) -> None:
    with History.open() as history:
        sid = history.start_session("practice")
        for _ in range(40):
            add(history, bank, sid, "beginner-01", GOOD * 20)
        history._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = db_path()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2 : page * 2 + 200] = b"\xff" * 200  # scribble over a b-tree page header
    path.write_bytes(bytes(data))
    with pytest.raises(HistoryCorruptError, match=r"moved to .*corrupt-"):
        History.open()
    assert list(path.parent.glob("history.sqlite3.corrupt-*"))


# --- crash safety, permissions, concurrency --------------------------------------------------

CRASH = """
    import os, signal, sys
    from questions.bank import QuestionSet, builtin_bank_paths
    from simulator.history import History
    from tests.fakes import scored
    q = QuestionSet.from_paths(builtin_bank_paths()).get("beginner-01")
    h = History.open(sys.argv[1])
    sid = h.start_session("practice", q.bank_id)
    for i in range(int(sys.argv[2])):
        text = f"answer {i}: never trust, always verify"
        h.add_attempt(sid, scored(q, text))
    h._conn.execute("BEGIN IMMEDIATE")  # attempt N+1 is being written when the process dies
    h._conn.execute(
        "INSERT INTO attempts (session_id, question_id, created_at, transcript, coverage) "
        "VALUES (?, 'beginner-01', 'x', 'half an answer', 0)", (sid,))
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_process_keeps_every_finished_answer() -> None:
    path = db_path()
    result = run_python(CRASH, str(path), "5")
    assert result.returncode == -9, result.stderr
    assert path.with_name("history.sqlite3-wal").exists()  # nothing checkpointed on the way out
    with History.open(path) as history:
        assert history.integrity() == "ok"
        texts = [a.transcript for a in history.attempts()]
        (session,) = history.sessions()
    assert texts == [f"answer {i}: never trust, always verify" for i in range(5)]
    assert session.ended_at is None  # an unfinished session, visible as such


def test_files_are_private(bank: QuestionSet, isolated_home: Path) -> None:
    with History.open() as history:
        add(history, bank, history.start_session("cli"), "beginner-01", GOOD)
        data = db_path().parent
        for folder in (isolated_home, data, data / "recordings"):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        files = list(data.glob("history.sqlite3*"))
        assert len(files) >= 2  # the database and its WAL
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


WRITER = """
    import sys, time
    from pathlib import Path
    from questions.bank import QuestionSet, builtin_bank_paths
    from simulator.history import History
    from tests.fakes import scored
    q = QuestionSet.from_paths(builtin_bank_paths()).get("beginner-01")
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.005)
    h = History.open(sys.argv[1])
    sid = h.start_session("drill", sys.argv[3])
    for i in range(25):
        text = f"{sys.argv[3]} {i}"
        h.add_attempt(sid, scored(q, text))
    h.end_session(sid)
    h.close()
"""


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = db_path()
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(path), str(go), name],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    with History.open(path) as history:
        assert history.integrity() == "ok"
        assert sorted(s.bank_id for s in history.sessions()) == ["left", "right"]
        for s in history.sessions():
            texts = [a.transcript for a in history.attempts(session_id=s.id)]
            assert texts == [f"{s.bank_id} {i}" for i in range(25)]


# --- recordings: delete, purge, unfinished ---------------------------------------------------


def _wav(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF....WAVE")
    return path


def test_delete_session_removes_rows_and_its_own_recordings(
    bank: QuestionSet, tmp_path: Path
) -> None:
    with History.open() as history:
        rec = history.recordings_dir
        keep, gone = history.start_session("practice"), history.start_session("practice")
        add(history, bank, keep, "beginner-01", GOOD, audio_path=_wav(rec / "keep.wav"))
        add(history, bank, gone, "beginner-01", GOOD, audio_path=_wav(rec / "gone.wav"))
        users_own = _wav(tmp_path / "my-answer.wav")  # from `score --audio FILE --save`
        add(history, bank, gone, "beginner-02", GOOD, audio_path=users_own)
        assert history.delete_session(gone) == 2
        assert [s.id for s in history.sessions()] == [keep]
        assert len(history.attempts()) == 1
        with pytest.raises(UnknownSessionError):
            history.delete_session(gone)
    assert (rec / "keep.wav").exists() and not (rec / "gone.wav").exists()
    assert users_own.exists()


def test_purge_deletes_every_row_and_recording(bank: QuestionSet) -> None:
    with History.open() as history:
        rec = history.recordings_dir
        sid = history.start_session("practice")
        for i in range(3):
            add(history, bank, sid, "beginner-01", GOOD, audio_path=_wav(rec / f"{i}.wav"))
        _wav(rec / "crashed.wav")
        assert history.purge() == 3
        assert history.sessions() == [] and history.attempts() == []
        assert history.integrity() == "ok"
    assert list(rec.iterdir()) == []
    raw = b"".join(p.read_bytes() for p in db_path().parent.glob("history.sqlite3*"))
    assert b"least privilege" not in raw  # VACUUM and a truncated WAL: the text is gone


def test_unfinished_recordings_are_the_unreferenced_wavs(bank: QuestionSet) -> None:
    with History.open() as history:
        rec = history.recordings_dir
        assert history.unfinished_recordings() == []
        sid = history.start_session("practice")
        add(history, bank, sid, "beginner-01", GOOD, audio_path=_wav(rec / "done.wav"))
        crashed = _wav(rec / "20240101-100000-beginner-02.wav")
        (rec / "notes.txt").write_text("not audio")
        assert history.unfinished_recordings() == [crashed]
        assert history.unfinished_recordings(rec / "missing") == []


# --- rescore, review, schedule, cli saves ----------------------------------------------------


def test_rescore_applies_the_current_rubric(bank: QuestionSet) -> None:
    current = bank.get("beginner-01")
    older = dataclasses.replace(current, concepts=current.concepts[:3])
    seen: list[tuple[int, int]] = []
    with History.open() as history:
        sid = history.start_session("practice")
        old = history.add_attempt(sid, scored(older, GOOD))
        add(history, bank, sid, "beginner-02", GOOD)
        retired = dataclasses.replace(older, id="retired-01")  # no longer in any bank
        history.add_attempt(sid, scored(retired, GOOD))
        judge = terms_only()
        done = history.rescore(bank, judge, lambda n, total: seen.append((n, total)))
        assert (done.answers, done.changed, done.bank_gone) == (3, 1, 1)  # retired: left alone
        row = history.attempt(old)
        assert row.rubric_version == current.rubric_version
        assert len(row.concepts) == len(current.concepts)
        assert row.coverage == round(score(current, GOOD).coverage, 4)
        assert history.rescore(bank, judge).changed == 0
        assert history.undo_rescore() == 0  # the last rescore changed nothing: nothing to undo
        history.add_attempt(sid, scored(older, GOOD))
        assert history.rescore(bank, judge).changed == 1  # only the new old-rubric row
        assert history.undo_rescore() == 1  # exactly that one goes back
        assert history.attempt(old).rubric_version == current.rubric_version
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_rescore_uses_the_bank_each_answer_was_given_from(
    bank: QuestionSet, tmp_path: Path
) -> None:
    """A user's bank that reuses a built-in id: its answers are rescored with its question,
    never the built-in one; and when the bank is gone they are left as they were."""
    mine = tmp_path / "mine.toml"
    concepts = "".join(
        f'[[questions.concepts]]\nid = "{c}"\nlabel = "{c}"\nterms = ["{c}"]\n'
        for c in ("knead", "proof", "bake")
    )
    mine.write_text(
        '[bank]\nid = "mine"\n[[questions]]\nid = "beginner-01"\nsection = "Mine"\n'
        'prompt = "How do you bake bread?"\nhint = "Knead the dough; proof it; bake it."\n'
        + concepts,
        encoding="utf-8",
    )
    both = QuestionSet([*bank.banks, load_bank(mine)])
    assert both.get("beginner-01").bank_id == "zero-trust-ai"  # the earlier bank wins by id
    own = both.find("mine", "beginner-01")
    assert own is not None and own.prompt == "How do you bake bread?"
    answer = "You knead the dough, let it proof overnight, then bake it hot."
    with History.open() as history:
        sid = history.start_session("practice", "mine")
        aid = history.add_attempt(sid, scored(own, answer))
        before = history.attempt(aid)
        assert before.bank_id == "mine" and before.coverage == 1.0
        assert history.rescore(both, terms_only()).changed == 0  # not scored as zero trust
        assert history.attempt(aid).coverage == 1.0
        done = history.rescore(bank, terms_only())  # the user's bank was removed
        assert done.bank_gone == 1 and history.attempt(aid).coverage == 1.0


def test_review_data_and_sparkline(bank: QuestionSet) -> None:
    day = datetime(2024, 6, 1, 12, tzinfo=UTC)
    with History.open() as history:
        sid = history.start_session("practice")
        add(history, bank, sid, "beginner-01", WEAK, at=day)
        add(history, bank, sid, "beginner-01", GOOD, at=day + timedelta(days=1))
        add(history, bank, sid, "beginner-01", "never trust", at=day + timedelta(days=2))
        add(history, bank, sid, "intermediate-01", WEAK, at=day + timedelta(days=2))
        review = review_stats.question_review(history, "beginner-01")
        assert review_stats.question_review(history, "nope") is None
        trends = review_stats.section_trends(history, bank)
        overall = review_stats.review(history)
    assert review is not None and len(review.coverages) == 3
    assert review.best == max(review.coverages) > review.last == review.coverages[-1]
    top_id, _, count = review.missed_most[0]
    assert count >= 2 and top_id in {c.id for c in bank.get("beginner-01").concepts}
    assert len(review.trend) == 3 and review.trend[0] == "▁"
    assert [d for d, _ in trends["Beginner"]] == sorted(d for d, _ in trends["Beginner"])
    assert len(trends["Beginner"]) == 3 and set(trends) == {"Beginner", "Intermediate"}
    assert overall[0].question_id == "intermediate-01"  # weakest last answer first
    assert sparkline([0, 0.5, 1]) == "▁▅█" and sparkline([]) == ""
    assert sparkline([5, 10], lo=0, hi=10) == "▅█"


def test_schedule_is_weakest_and_most_overdue_first(bank: QuestionSet) -> None:
    now = datetime(2024, 6, 10, 12, tzinfo=UTC)

    def on(day: int) -> datetime:
        return datetime(2024, 6, day, 12, tzinfo=UTC)

    def answer(qid: str, day: int, good: bool = True) -> None:
        question = bank.get(qid)
        text = in_sentences(c.terms[0] for c in question.concepts) if good else WEAK
        history.add_attempt(sid, scored(question, text), at=on(day))

    with History.open() as history:
        sid = history.start_session("drill")
        answer("beginner-01", 1, good=False)  # box 1, due June 2
        answer("beginner-02", 1)
        answer("beginner-02", 3, good=False)  # demoted: box 1, due June 4
        answer("beginner-03", 8)  # box 2, due June 10 (now)
        for day in (1, 4, 9):  # promoted on time each time: box 4, due June 17
            answer("beginner-04", day)
        for _ in range(3):  # crammed in a row: only the first counts, box 2, due June 11
            answer("beginner-05", 9)
        ids = [f"beginner-0{i}" for i in range(1, 7)]
        due = schedule.due_questions(history, ids, now)
        cards = {c.question_id: c for c in schedule.queue(history, ids, now)}
        full = [c.question_id for c in schedule.queue(history, ids, now)]
    assert due == ["beginner-01", "beginner-02", "beginner-06", "beginner-03"]
    assert full == [*due, "beginner-05", "beginner-04"]
    assert cards["beginner-04"].box == 4 and cards["beginner-05"].box == 2
    assert cards["beginner-06"].box == 0 and cards["beginner-06"].attempts == 0
    assert schedule.due_questions(history_stub([]), ["a", "b"]) == ["a", "b"]


def history_stub(log: list[tuple[str, str, float]]) -> schedule.ScoreSource:
    class Stub:
        def score_log(self) -> list[tuple[str, str, float]]:
            return log

    return Stub()


def test_save_cli_score_shares_one_session_a_day(bank: QuestionSet) -> None:
    question = bank.get("beginner-01")
    first = save_cli_score(scored(question, GOOD))
    delivery = some_delivery(words_per_minute=120.0)
    spoken = Transcript(WEAK, model="tiny.en")
    second = save_cli_score(
        NewAttempt(question, spoken, score(question, WEAK), delivery, Path("/tmp/x.wav"))
    )
    with History.open() as history:
        (session,) = history.sessions()
        row = history.attempt(second)
    assert second > first and session.mode == "cli" and session.attempt_count == 2
    assert session.bank_id == "zero-trust-ai" and session.ended_at
    assert row.model == "tiny.en" and row.delivery == delivery.to_dict()
    assert row.audio_path == "/tmp/x.wav"

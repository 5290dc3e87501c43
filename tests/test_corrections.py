"""Correcting a misheard transcript: judged again on what was said, what was heard kept."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from questions.bank import QuestionSet
from simulator import cli
from simulator.corrections import CorrectionError, correct_transcript
from simulator.export import export_csv, export_markdown
from simulator.history import History
from simulator.history_rows import FollowUpRecord
from simulator.judge import terms_only
from tests.fakes import heard, scored, some_delivery

HEARD = "We keep every secret in Hashek or Mold and rotate them."
SAID = "We keep every secret in HashiCorp Vault and rotate them."
DELIVERY = some_delivery(words_per_minute=142.0, comments=("Good pace: 142 words a minute.",))


def spoken(history: History, bank: QuestionSet, text: str = HEARD, bank_id: str = "") -> int:
    question = bank.get("intermediate-10")
    question = dataclasses.replace(question, bank_id=bank_id or question.bank_id)
    sid = history.start_session("practice", question.bank_id)
    return history.add_attempt(sid, heard(question, text, delivery=DELIVERY))


def test_a_misheard_answer_is_judged_again_on_what_was_said(bank: QuestionSet) -> None:
    judge = terms_only()
    with History.open() as history:
        aid = spoken(history, bank)
        before = history.attempt(aid)
        done = correct_transcript(history, bank, judge, aid, f"  {SAID}\n")
        assert done.before == before
        assert done.gained == ["Vault / cloud-native secret store"] and done.lost == []
        assert done.after.coverage > before.coverage
        assert done.after.transcript == SAID and done.after.heard == HEARD
        assert done.after.corrected and not before.corrected
        # What came from the audio stays: timings, delivery, the recording, the model.
        kept = ("words", "delivery", "audio_path", "model", "created_at", "duration_s")
        assert all(getattr(done.after, f) == getattr(before, f) for f in kept)
        # A second correction keeps what was heard, not the first correction.
        again = correct_transcript(history, bank, judge, aid, SAID + " Never in notebooks.")
        assert again.after.heard == HEARD and again.before.transcript == SAID
        # A rescore judges the corrected text, and its undo never brings the heard score back.
        history.rescore(bank, judge)
        history.undo_rescore()
        assert history.attempt(aid).coverage == again.after.coverage
    with History.open() as reopened:  # stored, not held in memory
        assert reopened.attempt(aid).heard == HEARD
        back = correct_transcript(reopened, bank, judge, aid, HEARD)
        assert not back.after.corrected and back.after.coverage == before.coverage
        assert back.lost == ["Vault / cloud-native secret store"]


def test_the_score_with_a_follow_up_counts_the_correction(bank: QuestionSet) -> None:
    question = bank.get("intermediate-10")
    vault, dynamic, rotation = (c.id for c in question.concepts[:3])
    weights = {c.id: c.weight for c in question.concepts}
    with History.open() as history:
        aid = spoken(history, bank)
        recovered = (dynamic,)
        said = "short-lived credentials"
        history.add_follow_up(aid, FollowUpRecord(dynamic, "", "And?", said, recovered, 0.33))
        done = correct_transcript(history, bank, terms_only(), aid, SAID)
    assert done.after.follow_up is not None and done.after.follow_up.recovered == recovered
    made = weights[vault] + weights[dynamic] + weights[rotation]
    assert done.after.follow_up.coverage_with == round(made / sum(weights.values()), 4)


def test_what_cannot_be_corrected_is_one_clear_line(bank: QuestionSet) -> None:
    judge = terms_only()
    with History.open() as history:
        aid = spoken(history, bank)
        with pytest.raises(CorrectionError, match="empty; type what you said"):
            correct_transcript(history, bank, judge, aid, " \n\t")
        sid = history.start_session("practice", "zero-trust-ai")
        typed = history.add_attempt(sid, scored(bank.get("beginner-01"), "never trust"))
        with pytest.raises(CorrectionError, match="was typed, so nothing was misheard"):
            correct_transcript(history, bank, judge, typed, "never trust, always verify")
        gone = spoken(history, bank, bank_id="a-removed-bank")
        with pytest.raises(CorrectionError, match="no longer loaded"):
            correct_transcript(history, bank, judge, gone, SAID)
        assert history.attempt(aid).heard is None  # nothing changed by a refusal
        assert history.attempt(gone).transcript == HEARD


def test_history_correct_on_the_command_line_and_in_exports(
    capsys: pytest.CaptureFixture[str], bank: QuestionSet
) -> None:
    with History.open() as history:
        aid = spoken(history, bank)
    assert cli.main(["history", "correct", str(aid), "--text", SAID]) == 0
    out = capsys.readouterr().out
    assert "now credited: Vault / cloud-native secret store" in out
    assert "What recognition heard is kept" in out
    assert cli.main(["history"]) == 0
    assert "(transcript corrected)" in capsys.readouterr().out
    assert cli.main(["history", "correct", "999", "--text", SAID]) == 1
    assert "no attempt 999" in capsys.readouterr().err
    assert cli.main(["history", "--json"]) == 0
    stored = json.loads(capsys.readouterr().out)["sessions"][0]["attempts"][0]
    assert (stored["transcript"], stored["heard"]) == (SAID, HEARD)
    with History.open() as history:
        sessions = history.sessions()
        attempts = {s.id: history.attempts(session_id=s.id) for s in sessions}
    questions = {q.id: q for q in bank}
    assert f"> {HEARD}" in export_markdown(sessions, attempts, questions)
    (row,) = csv.DictReader(io.StringIO(export_csv(sessions, attempts, questions)))
    assert (row["transcript"], row["heard"]) == (SAID, HEARD)


@pytest.mark.parametrize("command", ["score", "correct"])
def test_stdin_that_is_not_utf8_is_one_line_and_saves_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, bank: QuestionSet,
    command: str,
) -> None:  # fmt: skip
    with History.open() as history:
        aid = spoken(history, bank)
    latin1 = io.TextIOWrapper(
        io.BytesIO("Clé à molette".encode("latin-1")), "utf-8", "surrogateescape"
    )
    monkeypatch.setattr("sys.stdin", latin1)  # how Python reads bytes that are not UTF-8
    if command == "score":
        argv = ["score", "--question", "intermediate-10", "--text", "-", "--save"]
    else:
        argv = ["history", "correct", str(aid), "--text", "-"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: the answer is not UTF-8 text; save it as UTF-8" in err
    with History.open() as history:
        assert [(a.id, a.transcript, a.heard) for a in history.attempts()] == [(aid, HEARD, None)]

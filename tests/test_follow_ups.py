"""Follow-up questions and the mock interview, with fakes: which point is asked about, that
the first answer's score never moves, and that every interface carries both parts."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from audio.fakes import ScriptedSpeaker, WavFedRecorder
from questions.bank import Concept, Question, QuestionSet
from questions.follow_up import FORMS, choose_follow_up, missed_only
from questions.scoring import score
from simulator import cli
from simulator.console import ConsoleRound
from simulator.history import History
from simulator.judge import terms_only
from simulator.report_card import render, report_card
from simulator.round_devices import BackgroundModel, Devices
from simulator.round_events import FollowedUp
from simulator.rounds import Round, RoundConfig, plan_interview, plan_round
from tests.fakes import ScriptedTranscriber, loud_spans, tone_wav

QUESTION = Question(
    "q-1", "Test", "How do services trust each other?", "Use mTLS; rotate keys; log calls.", 60,
    (
        Concept("mtls", "Mutual TLS", 3.0, ("mutual TLS", "mTLS")),
        Concept("rotation", "Key rotation", 2.0, ("rotate keys", "key rotation")),
        Concept("logging", "Call logging", 1.0, ("log every call",)),
        Concept("vault", "Secret store", 2.0, ("HashiCorp Vault",), "", "Where do the keys live?"),
    ),
)  # fmt: skip


def test_the_heaviest_missed_point_is_asked_about() -> None:
    result = score(QUESTION, "We rotate keys every day and log every call.")
    follow_up = choose_follow_up(QUESTION, result)
    assert follow_up is not None and follow_up.concept.id == "mtls"
    assert "mutual TLS" in follow_up.prompt  # the label, as it reads in a sentence
    assert follow_up.prompt in [f.format(point="mutual TLS") for f in FORMS]
    assert choose_follow_up(QUESTION, result) == follow_up  # the same omission, the same words


def test_a_bank_s_own_follow_up_text_is_used_and_minor_points_are_let_go() -> None:
    result = score(QUESTION, "Everything speaks mutual TLS, and we rotate keys.")
    follow_up = choose_follow_up(QUESTION, result)
    assert follow_up is not None and follow_up.prompt == "Where do the keys live?"
    only_logging_missed = score(QUESTION, "mTLS everywhere, we rotate keys, HashiCorp Vault.")
    assert choose_follow_up(QUESTION, only_logging_missed) is None  # weight 1 < median 2
    assert choose_follow_up(QUESTION, only_logging_missed, min_weight=1.0) is not None


def test_nothing_is_asked_when_everything_was_covered() -> None:
    complete = score(QUESTION, "mTLS, we rotate keys, log every call, keys in HashiCorp Vault.")
    assert complete.coverage == 1.0 and choose_follow_up(QUESTION, complete) is None


def test_the_follow_up_answer_is_judged_on_the_missed_points_only() -> None:
    first = score(QUESTION, "We rotate keys every day.")
    missed = missed_only(QUESTION, first)
    assert [c.id for c in missed.concepts] == ["mtls", "logging", "vault"]


def voice_round(tmp_path: Path, config: RoundConfig, history: History) -> Round:
    """A round whose microphone plays a tone and whose transcriber hears what the test sets."""
    wav = tone_wav(tmp_path / "a.wav", 1.0)
    transcriber = ScriptedTranscriber("")
    devices = Devices(
        ScriptedSpeaker(), WavFedRecorder(wav, speed=0, silence_stop_s=None),
        BackgroundModel(lambda: transcriber),
    )  # fmt: skip
    plan = plan_round([QUESTION], history, config.mode, order="fixed")
    recordings = tmp_path / "rec"
    return Round(plan, config, devices, history, terms_only(), recordings, detect_speech=loud_spans)


def test_a_spoken_follow_up_is_saved_beside_the_answer_it_follows(tmp_path: Path) -> None:
    events: list[object] = []
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd = voice_round(tmp_path, RoundConfig.practice(follow_ups=1), history)
        transcriber = rnd.devices.model.get()  # type: ignore[union-attr]
        rnd.on_event = events.append
        transcriber.text = "We rotate keys every day and log every call."  # type: ignore[attr-defined]
        answer = rnd.answer_by_voice(QUESTION)
        assert answer is not None and answer.coverage.coverage == pytest.approx(3 / 8)
        follow_up = rnd.follow_up_for(answer)
        assert follow_up is not None and follow_up.concept.id == "mtls"
        assert rnd.ask_follow_up(answer, follow_up) == ""
        transcriber.text = "Oh, and every service speaks mutual TLS."  # type: ignore[attr-defined]
        later = rnd.follow_up_by_voice(answer, follow_up)
        rnd.close()
        (stored,) = history.attempts()
        assert history.unfinished_recordings(tmp_path / "rec") == []  # both recordings known
    assert later is not None and later.follow_up is not None
    assert later.coverage.coverage == answer.coverage.coverage  # the first answer never moves
    assert later.follow_up.recovered == ("mtls",)
    assert later.coverage_with_follow_up == pytest.approx(6 / 8)
    assert rnd.follow_up_for(later) is None  # one follow-up per question
    assert stored.coverage == round(3 / 8, 4) and stored.follow_up is not None
    assert stored.follow_up.recovered == ("mtls",) and stored.follow_up.coverage_with == 0.75
    assert stored.follow_up.audio_path and Path(stored.follow_up.audio_path).is_file()
    assert isinstance(events[-1], FollowedUp) and rnd.answers == [later]
    assert rnd.devices.speaker.said[-1] == follow_up.prompt  # type: ignore[attr-defined]


def test_follow_ups_can_be_turned_off(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd = voice_round(tmp_path, RoundConfig.practice(follow_ups=0), history)
        answer = rnd.answer_typed(QUESTION, "We rotate keys.")
        assert rnd.follow_up_for(answer) is None
        rnd.close()


def typed_round(tmp_path: Path, bank: QuestionSet, mode: str, history: History) -> Round:
    devices = Devices(ScriptedSpeaker(), None, None, "asked for with --typed")
    if mode == "interview":
        plan, config = plan_interview(list(bank), history, 6), RoundConfig.interview()
    else:
        plan = plan_round([bank.get("beginner-01")], history, mode, order="fixed")
        config = RoundConfig.practice(follow_ups=1)
    return Round(plan, config, devices, history, terms_only(), tmp_path)


def test_the_console_asks_the_follow_up_and_reads_its_answer(
    tmp_path: Path, bank: QuestionSet
) -> None:
    keys = io.StringIO(
        "Never trust, always verify, because the perimeter is gone.\n"
        "We give each service least privilege and verify every request.\n"
    )
    out = io.StringIO()
    with History.open(tmp_path / "h.sqlite3") as history:
        ConsoleRound(typed_round(tmp_path, bank, "practice", history), out, keys).run()
        (stored,) = history.attempts()
    text = out.getvalue()
    assert "Follow-up:" in text and "Follow-up recovered:" in text and "with the follow-up" in text
    assert stored.follow_up is not None and stored.follow_up.recovered
    assert stored.follow_up.coverage_with > stored.coverage


def test_a_mock_interview_walks_the_sections_and_ends_with_a_report_card(
    tmp_path: Path, bank: QuestionSet
) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        plan = plan_interview(list(bank), history, 6)
        assert [q.section for q in plan.questions] == [
            "Beginner", "Intermediate", "Advanced", "Scenario-Based", "AI Workflow & Tools",
            "Behavioral",
        ]  # fmt: skip
        short = plan_interview(list(bank), history, 3)
        assert [q.section for q in short.questions] == ["Beginner", "Advanced", "Behavioral"]
        answers = "".join(f"{q.prompt[:40]} and zero trust.\n\n" for q in plan.questions)
        out = io.StringIO()
        rnd = typed_round(tmp_path, bank, "interview", history)
        ConsoleRound(rnd, out, io.StringIO(answers)).run()
        (session,) = history.sessions()
    text = out.getvalue()
    assert "Mock interview: 6 questions" in text and "This is a mock interview" in text
    assert "Coverage" not in text.split("Report card")[0]  # no feedback until the end
    assert "Report card" in text and "Most worth studying:" in text
    assert "This is your first mock interview" in text
    assert session.mode == "interview" and session.attempt_count == 6


def test_the_report_card_compares_with_the_last_interview(
    tmp_path: Path, bank: QuestionSet
) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        for text in ("nothing useful", "never trust, always verify: NIST SP 800-207"):
            rnd = typed_round(tmp_path, bank, "interview", history)
            rnd.open()
            for question in rnd.plan.questions[:2]:
                rnd.answer_typed(question, text)
            card = report_card(rnd.answers, rnd.previous_interview())
            rnd.close()
    assert card.previous is not None and card.first >= card.previous
    assert "Since your last mock interview:" in render(card)


def test_score_json_says_what_would_be_asked(capsys: pytest.CaptureFixture[str]) -> None:
    text = "Zero trust means we never trust, always verify, as NIST SP 800-207 puts it."
    code = cli.main(["score", "--question", "beginner-01", "--text", text, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and set(data["follow_up"]) == {"concept", "label", "prompt"}
    full = (
        "Never trust, always verify; the network perimeter is gone; NIST SP 800-207 says "
        "verify every request continuously with least privilege."
    )
    complete = cli.main(["score", "--question", "beginner-01", "--json", "--text", full])
    assert complete == 0 and json.loads(capsys.readouterr().out)["follow_up"] is None


def test_a_bank_concept_may_carry_its_follow_up(tmp_path: Path) -> None:
    from questions.bank import load_bank

    path = tmp_path / "b.toml"
    concepts = "".join(
        f'[[questions.concepts]]\nid = "c{n}"\nlabel = "C{n}"\nterms = ["term {n}"]\n'
        f'follow_up = "And what about {n}?"\n'
        for n in range(3)
    )
    path.write_text('[[questions]]\nid = "q"\nsection = "S"\nprompt = "P?"\nhint = "H."\n'
                    + concepts, encoding="utf-8")  # fmt: skip
    concept = load_bank(path).questions[0].concepts[1]
    assert concept.follow_up == "And what about 1?"
    assert replace(concept, follow_up="").follow_up == ""


def test_history_and_every_export_carry_both_parts(
    bank: QuestionSet, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = io.StringIO(
        "Never trust, always verify, because the perimeter is gone.\n"
        "We give each service least privilege and verify every request.\n"
    )
    with History.open() as history:
        ConsoleRound(
            typed_round(Path("unused"), bank, "practice", history), io.StringIO(), keys
        ).run()
    capsys.readouterr()
    assert cli.main(["export", "--format", "md"]) == 0
    markdown = capsys.readouterr().out
    assert "**Follow-up:**" in markdown and "coverage with the follow-up" in markdown
    assert cli.main(["export", "--format", "json"]) == 0
    (attempt,) = json.loads(capsys.readouterr().out)["sessions"][0]["attempts"]
    assert attempt["follow_up"]["recovered"] and attempt["follow_up"]["prompt"]
    assert cli.main(["export", "--format", "csv"]) == 0
    import csv

    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert row["follow_up_prompt"] and float(row["coverage_with_follow_up"]) > float(
        row["coverage"]
    )
    assert cli.main(["history"]) == 0
    assert "with follow-up" in capsys.readouterr().out

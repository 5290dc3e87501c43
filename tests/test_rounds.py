"""The round service with fakes: whole practice rounds and drills, spoken and typed, as the
console and the TUI drive it; and the proof that it needs no interface library."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from audio.fakes import ScriptedSpeaker, WavFedRecorder
from audio.ports import AudioError
from questions.bank import Question, QuestionSet
from questions.follow_up import choose_follow_up
from simulator.console import ConsoleRound
from simulator.history import History
from simulator.judge import Judge, terms_only
from simulator.round_devices import BackgroundModel, Devices
from simulator.round_events import Listening, Problem, RoundEvent, Scored, Spoken, Transcribing
from simulator.rounds import Round, RoundConfig, plan_round
from tests.fakes import ScriptedTranscriber, loud_spans, tone_wav

ROOT = Path(__file__).resolve().parents[1]
SAID = "We run Istio so every call between services uses mutual TLS with short lived certificates"


def spoken_round(
    tmp_path: Path, bank: QuestionSet, history: History, config: RoundConfig, ids: list[str]
) -> tuple[Round, list[RoundEvent]]:
    events: list[RoundEvent] = []
    wav = tone_wav(tmp_path / "answer.wav", 1.5)
    devices = Devices(
        ScriptedSpeaker(),
        WavFedRecorder(wav, speed=0, silence_stop_s=None),
        BackgroundModel(lambda: ScriptedTranscriber(SAID)),
    )
    plan = plan_round([bank.get(i) for i in ids], history, config.mode, order="fixed")
    rnd = Round(
        plan, config, devices, history, terms_only(), tmp_path / "recordings",
        on_event=events.append, detect_speech=loud_spans,
    )  # fmt: skip
    return rnd, events


def test_a_spoken_practice_round_of_three_questions(tmp_path: Path, bank: QuestionSet) -> None:
    ids = ["intermediate-07", "beginner-01", "advanced-06"]
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd, events = spoken_round(tmp_path, bank, history, RoundConfig.practice(), ids)
        rnd.open()
        for question in rnd.plan.questions:
            assert rnd.ask(question) == ""
            answer = rnd.answer_by_voice(question)
            assert answer is not None and answer.question is question
        rnd.close()
        stored = history.attempts()
        session = history.session(stored[0].session_id)
    assert [type(e) for e in events] == [Spoken, Listening, Transcribing, Scored] * 3
    answers = rnd.answers
    assert [a.question.id for a in answers] == ids
    first = answers[0]
    assert {c.concept.id for c in first.coverage.covered} >= {"service-mesh", "cert-rotation"}
    assert first.transcript.words and first.recording is not None
    assert first.recording.path.is_file() and first.recording.stopped_by == "end_of_input"
    assert first.delivery.words == len(SAID.split())
    assert [a.attempt_id for a in answers] == [s.id for s in stored]
    assert [s.audio_path for s in stored] == [str(a.recording.path) for a in answers]  # type: ignore[union-attr]
    assert session.mode == "practice" and session.ended_at is not None
    assert rnd.devices.speaker.said == [q.prompt for q in rnd.plan.questions]  # type: ignore[attr-defined]


def test_a_misheard_answer_corrected_in_the_round_is_judged_again(
    tmp_path: Path, bank: QuestionSet
) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd, _ = spoken_round(tmp_path, bank, history, RoundConfig.practice(), ["intermediate-07"])
        question = rnd.plan.questions[0]
        first = rnd.answer_by_voice(question)
        assert first is not None and not first.corrected
        said = SAID + ". Unlike plain TLS, both the client and the server authenticate."
        fixed = rnd.correct(first, said)
        stored = history.attempt(first.attempt_id)
    assert fixed.corrected and rnd.answers == [fixed]  # the summary counts the corrected score
    assert fixed.transcript is first.transcript  # what was heard stays the transcript
    assert fixed.coverage.transcript == said and fixed.coverage.coverage > first.coverage.coverage
    assert (stored.transcript, stored.heard, stored.coverage) == (
        said, SAID, round(fixed.coverage.coverage, 4)
    )  # fmt: skip


def test_a_drill_is_the_same_service_configured_otherwise(
    tmp_path: Path, bank: QuestionSet
) -> None:
    config = RoundConfig.drill(prepare_s=5)
    assert (config.prepare_s, config.retries, config.advance_after_s) == (5, False, 2.0)
    assert RoundConfig.practice().prepare_s is None and RoundConfig.practice().retries
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd, events = spoken_round(tmp_path, bank, history, config, ["beginner-02", "beginner-03"])
        for question in rnd.plan.questions:
            rnd.ask(question)
            rnd.answer_by_voice(question)
        rnd.close()
        (session,) = history.sessions()
    assert session.mode == "drill" and session.attempt_count == 2
    assert [type(e) for e in events].count(Scored) == 2


def test_stop_ends_the_answer_and_it_is_still_judged(tmp_path: Path, bank: QuestionSet) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd, _ = spoken_round(tmp_path, bank, history, RoundConfig.practice(), ["beginner-01"])
        rnd.devices.recorder = WavFedRecorder(  # real time: long enough to be stopped
            tone_wav(tmp_path / "long.wav", 60.0), speed=1.0, silence_stop_s=None
        )
        question = rnd.plan.questions[0]
        rnd.stop()  # asked while the question was being read: ends the answer once it starts
        early = rnd.answer_by_voice(question)
        rnd.on_event = lambda event: rnd.stop() if isinstance(event, Listening) else None
        answer = rnd.answer_by_voice(question)
        rnd.close()
    for recorded in (early, answer):
        assert recorded is not None and recorded.recording is not None
        assert recorded.recording.stopped_by == "manual" and recorded.recording.duration_s < 60


class PreparingJudge(Judge):
    """A terms-only judge that notes what it was asked to prepare, and can fail at it."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(lambda: None)
        self.prepared: list[tuple[str, ...]] = []
        self.fail = fail

    def prepare(self, question: Question) -> None:
        self.prepared.append(tuple(c.id for c in question.concepts))
        if self.fail:
            raise RuntimeError("no memory left for the rubric")
        super().prepare(question)


@pytest.mark.parametrize("fail", [False, True])
def test_the_rubric_is_built_while_the_answer_is_recorded(
    tmp_path: Path, bank: QuestionSet, fail: bool
) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd, _ = spoken_round(tmp_path, bank, history, RoundConfig.practice(), ["beginner-01"])
        rnd.judge = judge = PreparingJudge(fail)
        question = rnd.plan.questions[0]
        answer = rnd.answer_by_voice(question)
        assert answer is not None  # a failure to prepare is not the answer's problem
        follow_up = choose_follow_up(question, answer.coverage)
        assert follow_up is not None
        rnd.follow_up_by_voice(answer, follow_up)
        rnd.close()
    missed = tuple(r.concept.id for r in answer.coverage.missed)
    assert judge.prepared == [tuple(c.id for c in question.concepts), missed]


def test_typed_answers_need_no_microphone_and_no_model(tmp_path: Path, bank: QuestionSet) -> None:
    def no_microphone() -> None:
        raise AudioError("no input device found")

    devices = Devices.open(ScriptedSpeaker, no_microphone, lambda: ScriptedTranscriber(""))
    assert devices.recorder is None and devices.model is None
    assert devices.typed_reason == "no input device found"
    with History.open(tmp_path / "h.sqlite3") as history:
        plan = plan_round(list(bank)[:2], history, "practice", order="fixed")
        rnd = Round(plan, RoundConfig.practice(), devices, history, terms_only(), tmp_path)
        answer = rnd.answer_typed(plan.questions[0], "  never trust, always verify  ")
        rnd.close()
        (stored,) = history.attempts()
    assert rnd.typed and answer.recording is None and answer.coverage.coverage > 0
    assert answer.transcript.text == "never trust, always verify" and stored.model == "typed"


def test_a_recording_that_cannot_start_is_a_problem_not_a_crash(
    tmp_path: Path, bank: QuestionSet
) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        rnd, events = spoken_round(tmp_path, bank, history, RoundConfig.practice(), ["beginner-01"])
        rnd.devices.model = BackgroundModel(lambda: (_ for _ in ()).throw(RuntimeError("gone")))
        assert rnd.answer_by_voice(rnd.plan.questions[0]) is None
        rnd.close()
        assert history.attempts() == []
    assert isinstance(events[-1], Problem) and "Cannot record: gone" in events[-1].text


def test_a_voice_that_breaks_goes_silent_once_and_the_round_goes_on(
    tmp_path: Path, bank: QuestionSet
) -> None:
    class BrokenSpeaker(ScriptedSpeaker):
        def say(self, text: str) -> None:
            raise AudioError("the sound server went away")

    with History.open(tmp_path / "h.sqlite3") as history:
        rnd, events = spoken_round(tmp_path, bank, history, RoundConfig.practice(), ["beginner-01"])
        rnd.devices.speaker = BrokenSpeaker()
        question = rnd.plan.questions[0]
        assert "sound server went away" in rnd.ask(question)
        assert rnd.ask(question) == ""  # said once; silent from then on
        rnd.close()
    assert [e.problem != "" for e in events if isinstance(e, Spoken)] == [True, False]


def test_plans_weakest_first_fixed_or_shuffled(tmp_path: Path, bank: QuestionSet) -> None:
    pool = list(bank)[:10]
    with History.open(tmp_path / "h.sqlite3") as history:
        assert plan_round(pool, history, "practice", 3, "fixed").questions == tuple(pool[:3])
        shuffled = plan_round(pool, history, "drill", 10, "shuffle", seed=1).questions
        assert sorted(q.id for q in shuffled) == sorted(q.id for q in pool)
        assert list(shuffled) != pool
        assert len(plan_round(pool, history, "practice", None, "weakest").questions) == 5


def test_the_console_round_renders_the_events(tmp_path: Path, bank: QuestionSet) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        config = RoundConfig.drill(prepare_s=0)  # records at once, stops by itself
        rnd, _ = spoken_round(tmp_path, bank, history, config, ["intermediate-07", "beginner-01"])
        out = io.StringIO()
        answers = ConsoleRound(rnd, out, io.StringIO()).run()
        assert len(answers) == 2 and len(history.attempts()) == 2
    text = out.getvalue()
    assert text.count("Recording…") == 2 and text.count("Transcribing the last words") == 2
    assert "✓ Service mesh" in text and "Round summary" in text


def test_the_console_round_ends_cleanly_when_input_runs_out(
    tmp_path: Path, bank: QuestionSet
) -> None:
    devices = Devices(ScriptedSpeaker(), None, None, "asked for with --typed")
    with History.open(tmp_path / "h.sqlite3") as history:
        plan = plan_round(list(bank)[:3], history, "practice", order="fixed")
        rnd = Round(plan, RoundConfig.practice(), devices, history, terms_only(), tmp_path)
        out = io.StringIO()
        answers = ConsoleRound(rnd, out, io.StringIO("never trust, always verify\n")).run()
        assert len(answers) == 1 and len(history.attempts()) == 1
        assert history.sessions()[0].ended_at is not None
    assert "No more input; every finished answer is saved." in out.getvalue()


ROUND_WITHOUT_AN_INTERFACE = """
import json, sys, tempfile
from pathlib import Path
from audio.fakes import ScriptedSpeaker, WavFedRecorder
from questions.bank import QuestionSet, builtin_bank_paths
from simulator.history import History
from simulator.judge import terms_only
from simulator.round_devices import BackgroundModel, Devices
from simulator.rounds import Round, RoundConfig, plan_round
from tests.fakes import ScriptedTranscriber, loud_spans, tone_wav

folder = Path(tempfile.mkdtemp())
bank = QuestionSet.from_paths(builtin_bank_paths())
wav = tone_wav(folder / "a.wav", 1.0)
done = {}
for config in (RoundConfig.practice(), RoundConfig.drill(10)):
    devices = Devices(ScriptedSpeaker(), WavFedRecorder(wav, speed=0, silence_stop_s=None),
                      BackgroundModel(lambda: ScriptedTranscriber("we use mutual TLS")))
    with History.open(folder / "h.sqlite3") as history:
        plan = plan_round(list(bank)[:3], history, config.mode, 3, "fixed")
        rnd = Round(plan, config, devices, history, terms_only(), folder, detect_speech=loud_spans)
        for question in plan.questions:
            rnd.ask(question)
            rnd.answer_by_voice(question)
        rnd.close()
        done[config.mode] = len(history.attempts(session_id=rnd.session_id))
print(json.dumps({"answers": done, "textual": any(m.startswith("textual") for m in sys.modules)}))
"""


def test_rounds_run_without_importing_textual() -> None:
    """A practice round and a drill of three questions each, in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", ROUND_WITHOUT_AN_INTERFACE],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {"answers": {"practice": 3, "drill": 3}, "textual": False}


@pytest.mark.parametrize("order", ["weakest", "fixed", "shuffle"])
def test_every_order_plans_a_round(tmp_path: Path, bank: QuestionSet, order: str) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        assert len(plan_round(list(bank), history, "practice", 4, order).questions) == 4

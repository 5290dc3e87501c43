"""A round of questions, run end to end by one service that every interface shares.

``Round`` asks a question (text to speech), takes the answer (recorded and transcribed while
it is spoken, or typed), judges it (coverage and delivery) and saves it (committed to the
history before the result is reported). It reports what happens as typed events and returns a
typed result, ``ScoredAnswer``. Practice and drill are two ``RoundConfig``s of the same service;
the console round (``simulator.console``) and the TUI's round screen only render events and
send commands, so the two cannot drift apart.

Blocking calls (``ask``, ``answer_by_voice``) are meant for a worker thread; ``stop`` and
``stop_speaking`` may be called from any thread.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from audio.ports import AudioError, Recorder, RecordingResult
from models.streaming import StreamingTranscriber
from models.transcriber import Transcript, speech_spans
from questions.bank import Question
from questions.follow_up import FollowUp, choose_follow_up, missed_only
from simulator.config import Settings
from simulator.corrections import correct_answer
from simulator.delivery import analyse
from simulator.history import History
from simulator.history_rows import FollowUpRecord, NewAttempt
from simulator.judge import Judge
from simulator.review_stats import previous_interview
from simulator.round_devices import Devices
from simulator.round_events import (
    FollowedUp,
    FollowUpResult,
    Listening,
    Live,
    Problem,
    RoundEvent,
    Scored,
    ScoredAnswer,
    Spoken,
    Timings,
    Transcribing,
)
from simulator.schedule import due_questions

ADVANCE_AFTER_S = 2.0  # a drill's score stays up this long before the next question
DEFAULT_COUNT = 5
INTERVIEW_COUNT = 6
ORDERS = ("weakest", "fixed", "shuffle")
SpeechDetector = Callable[[np.ndarray], list[tuple[int, int]]]


# --- what a round is -----------------------------------------------------------------------


@dataclass(frozen=True)
class RoundConfig:
    """What makes practice, drill and a mock interview differ; every answer stops at its
    question's time limit."""

    mode: str  # "practice", "drill" or "interview"
    prepare_s: float | None = None  # recording starts by itself after this; None: on command
    retries: bool = True  # the same question may be answered again
    advance_after_s: float | None = None  # go on by itself after the score; None: on command
    follow_ups: int = 0  # follow-up questions at most, per question
    follow_up_min_weight: float | None = None  # None: the question's median weight
    feedback: bool = True  # show each answer's result at once (an interview waits to the end)

    @classmethod
    def practice(cls, follow_ups: int = 0, min_weight: float | None = None) -> RoundConfig:
        return cls("practice", follow_ups=follow_ups, follow_up_min_weight=min_weight)

    @classmethod
    def drill(cls, prepare_s: float) -> RoundConfig:
        return cls("drill", prepare_s, retries=False, advance_after_s=ADVANCE_AFTER_S)

    @classmethod
    def for_mode(cls, mode: str, settings: Settings) -> RoundConfig:
        """Practice, drill or interview, as the settings ask for them."""
        if mode == "drill":
            return cls.drill(settings.drill_prepare_s)
        weight = settings.follow_up_min_weight
        if mode == "interview":
            return cls.interview(settings.follow_ups, weight)
        return cls.practice(settings.follow_ups, weight)

    @classmethod
    def interview(cls, follow_ups: int = 1, min_weight: float | None = None) -> RoundConfig:
        return cls(
            "interview", retries=False, follow_ups=follow_ups,
            follow_up_min_weight=min_weight, feedback=False,
        )  # fmt: skip


@dataclass(frozen=True)
class RoundPlan:
    mode: str
    questions: tuple[Question, ...]


def plan_round(
    questions: Sequence[Question],
    history: History,
    mode: str,
    count: int | None = DEFAULT_COUNT,
    order: str = "weakest",
    seed: int | None = None,
) -> RoundPlan:
    """The questions of a round: the spaced-repetition queue (weakest and due first), the
    bank's order, or shuffled."""
    pool = list(questions)
    count = count or DEFAULT_COUNT
    if order == "weakest":
        by_id = {q.id: q for q in pool}
        chosen = [by_id[qid] for qid in due_questions(history, list(by_id))][:count]
        chosen = chosen or pool[:count]
    else:
        if order == "shuffle":
            random.Random(seed).shuffle(pool)
        chosen = pool[:count]
    return RoundPlan(mode, tuple(chosen))


def plan_interview(
    questions: Sequence[Question], history: History, count: int = INTERVIEW_COUNT
) -> RoundPlan:
    """A mock interview: ``count`` questions walking from the bank's first (easiest)
    sections to its last (scenarios, behaviour), spread evenly over them, the weakest
    question of each section first."""
    sections = list(dict.fromkeys(q.section for q in questions))
    if not sections:
        return RoundPlan("interview", ())
    due = {qid: n for n, qid in enumerate(due_questions(history, [q.id for q in questions]))}
    pools = {
        name: sorted(
            (q for q in questions if q.section == name), key=lambda q: due.get(q.id, len(due))
        )
        for name in sections
    }
    if count >= len(sections):
        picks = [sections[n % len(sections)] for n in range(count)]
    else:  # evenly spaced, the first and the last section always in
        step = (len(sections) - 1) / max(1, count - 1)
        picks = [sections[round(n * step)] for n in range(count)]
    chosen: list[Question] = []
    for name in sorted(picks, key=sections.index):
        left = [q for q in pools[name] if q not in chosen]
        if left:
            chosen.append(left[0])
    return RoundPlan("interview", tuple(chosen))


# --- the service -------------------------------------------------------------------------------


class Round:
    """Runs a plan's questions through the devices, the judge and the history."""

    def __init__(
        self,
        plan: RoundPlan,
        config: RoundConfig,
        devices: Devices,
        history: History,
        judge: Judge,
        recordings_dir: Path,
        on_event: Callable[[RoundEvent], None] | None = None,
        detect_speech: SpeechDetector = speech_spans,
    ) -> None:
        self.plan = plan
        self.config = config
        self.devices = devices
        self.history = history
        self.judge = judge
        self.recordings_dir = recordings_dir
        self.on_event: Callable[[RoundEvent], None] = on_event or (lambda event: None)
        self.detect_speech = detect_speech
        self.answers: list[ScoredAnswer] = []
        self.session_id: int | None = None
        speaker = devices.speaker
        self.silent_reason = "" if speaker.available else speaker.reason
        self._stream: StreamingTranscriber | None = None
        self._stop = threading.Event()
        self._closed = False
        self._abandoned = False

    @property
    def typed(self) -> bool:
        return self.devices.recorder is None

    # -- the round's life ----------------------------------------------------------------------

    def open(self) -> int:
        """Start the history session the answers are saved in."""
        bank_id = self.plan.questions[0].bank_id if self.plan.questions else ""
        self.session_id = self.history.start_session(self.config.mode, bank_id)
        return self.session_id

    def close(self) -> None:
        """End the session (every answer is already saved) and let the devices go."""
        self.stop()
        self.devices.speaker.stop()
        self.devices.speaker.close()
        if self.session_id is not None and not self._closed:
            self._closed = True
            self.history.end_session(self.session_id)

    def abandon(self) -> None:
        """The interface is going away: an answer being recorded is kept on disk for
        ``interview-sim recover`` but not judged now; the session is ended."""
        self._abandoned = True
        self.stop()
        with contextlib.suppress(Exception):  # quitting: nothing to report to
            self.close()

    # -- asking --------------------------------------------------------------------------------

    def ask(self, question: Question) -> str:
        """Read the question aloud (blocks until it has been said, or ``stop_speaking``).
        A failing voice goes silent for the rest of the round; the reason is returned once."""
        return self._say(question, question.prompt)

    def introduce(self) -> str:
        """A mock interview's opening, read aloud; returns its text."""
        questions = self.plan.questions
        minutes = round(sum(q.time_limit_s for q in questions) * 1.5 / 60)
        text = (
            f"Hello, and thanks for making the time. This is a mock interview: {len(questions)} "
            f"questions, about {minutes} minutes in all, starting with the basics and ending "
            "with scenarios and your own experience. Answer as you would on the day. I may "
            "ask a follow-up now and then, and you will get my feedback at the end."
        )
        if not self.silent_reason:
            with contextlib.suppress(Exception):  # a voice that fails shows up at the question
                self.devices.speaker.say(text)
        return text

    def previous_interview(self) -> float | None:
        """The last other mock interview's first-answer coverage (for the report card)."""
        return previous_interview(self.history, self.session_id)

    def stop_speaking(self) -> None:
        self.devices.speaker.stop()

    # -- answering -----------------------------------------------------------------------------

    def answer_by_voice(self, question: Question) -> ScoredAnswer | None:
        """Record until ``stop()``, silence or the time limit; transcribe, judge and save.

        Returns None when recording could not start (a ``Problem`` event says why); a
        recording that failed part-way is still judged and saved from what it kept.
        """
        heard = self._record(question, question.vocabulary(), question)
        if heard is None:
            return None
        transcript, result, last_words_s = heard
        return self._save(question, transcript, result, last_words_s)

    def answer_typed(self, question: Question, text: str) -> ScoredAnswer:
        transcript = Transcript(text.strip(), (), 0.0, "typed")
        return self._save(question, transcript, None, 0.0)

    # -- following up --------------------------------------------------------------------------

    def follow_up_for(self, answer: ScoredAnswer) -> FollowUp | None:
        """What the interviewer asks after ``answer`` (None: nothing to ask, or enough asked)."""
        if self.config.follow_ups < 1 or answer.follow_up is not None:
            return None
        return choose_follow_up(
            answer.question, answer.coverage, min_weight=self.config.follow_up_min_weight
        )

    def ask_follow_up(self, answer: ScoredAnswer, follow_up: FollowUp) -> str:
        """Read the follow-up aloud, as ``ask`` reads a question."""
        return self._say(answer.question, follow_up.prompt)

    def follow_up_by_voice(self, answer: ScoredAnswer, follow_up: FollowUp) -> ScoredAnswer | None:
        """Record the follow-up's answer (the same controls as an answer), judge it against
        the concepts the first answer missed, and save it with that answer."""
        missed = missed_only(answer.question, answer.coverage)
        heard = self._record(answer.question, missed.vocabulary(), missed)
        if heard is None:
            return None
        transcript, result, _ = heard
        return self._save_follow_up(answer, follow_up, transcript, result)

    def follow_up_typed(self, answer: ScoredAnswer, follow_up: FollowUp, text: str) -> ScoredAnswer:
        transcript = Transcript(text.strip(), (), 0.0, "typed")
        return self._save_follow_up(answer, follow_up, transcript, None)

    def stop(self) -> None:
        """End the answer being recorded (the recording is kept and judged)."""
        self._stop.set()

    def live(self, question: Question) -> Live | None:
        recorder, stream = self.devices.recorder, self._stream
        if recorder is None or stream is None or not recorder.recording:
            return None
        return Live(
            recorder.level, recorder.elapsed_s, question.time_limit_s, stream.partial_text()
        )

    # -- internals ------------------------------------------------------------------------------

    def _say(self, question: Question, text: str) -> str:
        problem = ""
        if not self.silent_reason:
            try:
                self.devices.speaker.say(text)
            except Exception as exc:  # AudioError, or an engine that broke: go on silently
                self.silent_reason = problem = f"cannot speak: {exc}"
        self.on_event(Spoken(question, problem))
        return problem

    def _record(
        self, question: Question, vocabulary: list[str], judged: Question
    ) -> tuple[Transcript, RecordingResult, float] | None:
        """Record one answer and transcribe its last words: the transcript, the recording,
        and how long the last words took after it ended. None: nothing to judge. While it
        records, the rubric it will be ``judged`` against is built, so the result does not
        wait for that once the answer ends."""
        recorder = self.devices.recorder
        assert recorder is not None and self.devices.model is not None
        try:
            path = self._start(question, recorder, vocabulary)
        except Exception as exc:
            self.on_event(Problem(f"Cannot record: {exc}"))
            return None
        self.on_event(Listening(question, path))
        with contextlib.suppress(Exception):  # judging reports any real problem itself
            self.judge.prepare(judged)
        result: RecordingResult | None = None
        try:
            while result is None:
                result = recorder.stop() if self._stop.is_set() else recorder.wait(timeout=0.1)
            self._stop.clear()  # a stop asked for before this began still ended it
        except AudioError as exc:
            self._stop.clear()
            result = getattr(exc, "result", None)
            self.on_event(Problem(str(exc) if result else f"Recording failed: {exc}", bool(result)))
            if result is None:
                self._stream = None
                return None
        stream, self._stream = self._stream, None
        if self._abandoned:
            return None
        self.on_event(Transcribing(question, result.stopped_by))
        ended = time.perf_counter()
        assert stream is not None
        transcript = stream.finish()
        return transcript, result, time.perf_counter() - ended

    def _save_follow_up(
        self,
        answer: ScoredAnswer,
        follow_up: FollowUp,
        transcript: Transcript,
        recording: RecordingResult | None,
    ) -> ScoredAnswer:
        question = answer.question
        judged = self.judge.score(missed_only(question, answer.coverage), transcript.text)
        recovered = tuple(r.concept.id for r in judged.covered)
        total = sum(c.weight for c in question.concepts) or 1.0
        earned = sum(r.concept.weight for r in answer.coverage.covered)
        earned += sum(r.concept.weight for r in judged.covered)
        result = FollowUpResult(follow_up, transcript, judged, recovered, earned / total, recording)
        record = FollowUpRecord(
            follow_up.concept.id, follow_up.concept.label, follow_up.prompt, judged.transcript,
            recovered, round(result.coverage_with, 4), tuple(judged.to_dict()["concepts"]),
            str(recording.path) if recording else None,
        )  # fmt: skip
        self.history.add_follow_up(answer.attempt_id, record)
        updated = replace(answer, follow_up=result)
        self.answers = [updated if a is answer else a for a in self.answers]
        self.on_event(FollowedUp(updated))
        return updated

    def correct(self, answer: ScoredAnswer, text: str) -> ScoredAnswer:
        """``answer`` with what recognition misheard corrected by the user: judged again and
        saved in its place (``simulator.corrections``); what was heard stays its transcript."""
        done = correct_answer(self.history, answer.question, self.judge, answer.attempt_id, text)
        follow_up = answer.follow_up
        if follow_up is not None and done.after.follow_up is not None:
            follow_up = replace(follow_up, coverage_with=done.after.follow_up.coverage_with)
        updated = replace(answer, coverage=done.coverage, follow_up=follow_up)
        self.answers = [updated if a is answer else a for a in self.answers]
        return updated

    def _start(self, question: Question, recorder: Recorder, vocabulary: list[str]) -> Path:
        assert self.devices.model is not None
        self.recordings_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S%f")[:-3]  # ms: a quick retry is new
        path = self.recordings_dir / f"{stamp}-{question.id}.wav"
        self._stream = StreamingTranscriber(
            self.devices.model.get(), vocabulary, detect_speech=self.detect_speech
        )
        recorder.start(path, time_limit_s=question.time_limit_s, on_block=self._stream.feed)
        return path

    def _save(
        self,
        question: Question,
        transcript: Transcript,
        recording: RecordingResult | None,
        last_words_s: float,
    ) -> ScoredAnswer:
        clock = time.perf_counter()
        coverage = self.judge.score(question, transcript.text)
        judged = time.perf_counter()
        delivery = analyse(
            transcript, question.time_limit_s, recording.duration_s if recording else None
        )
        analysed = time.perf_counter()
        if self.session_id is None:
            self.open()
        assert self.session_id is not None
        attempt = NewAttempt(
            question, transcript, coverage, delivery, recording.path if recording else None
        )
        attempt_id = self.history.add_attempt(self.session_id, attempt)  # committed now
        timings = Timings(
            last_words_s, judged - clock, analysed - judged, time.perf_counter() - analysed
        )
        answer = ScoredAnswer(
            question, transcript, coverage, delivery, recording, timings, attempt_id
        )
        self.answers.append(answer)
        self.on_event(Scored(answer))
        return answer

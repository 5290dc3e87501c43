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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from audio.ports import AudioError, Recorder, RecordingResult, Speaker
from models.streaming import StreamingTranscriber, speech_spans
from models.transcriber import Transcriber, Transcript
from questions.bank import Question
from questions.scoring import Coverage
from simulator.delivery import Delivery, analyse
from simulator.history import History, NewAttempt
from simulator.judge import Judge
from simulator.schedule import due_questions

ADVANCE_AFTER_S = 2.0  # a drill's score stays up this long before the next question
DEFAULT_COUNT = 5
ORDERS = ("weakest", "fixed", "shuffle")
SpeechDetector = Callable[[np.ndarray], list[tuple[int, int]]]


# --- what a round is -----------------------------------------------------------------------


@dataclass(frozen=True)
class RoundConfig:
    """What makes practice and drill differ; both stop an answer at its time limit."""

    mode: str  # "practice" or "drill"
    prepare_s: float | None = None  # recording starts by itself after this; None: on command
    retries: bool = True  # the same question may be answered again
    advance_after_s: float | None = None  # go on by itself after the score; None: on command

    @classmethod
    def practice(cls) -> RoundConfig:
        return cls("practice")

    @classmethod
    def drill(cls, prepare_s: float) -> RoundConfig:
        return cls("drill", prepare_s, retries=False, advance_after_s=ADVANCE_AFTER_S)


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


# --- what it reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class Timings:
    """Where the time between the end of an answer and its saved score went, in seconds."""

    last_words_s: float = 0.0  # transcribing what was not transcribed while speaking
    judging_s: float = 0.0
    delivery_s: float = 0.0
    saving_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.last_words_s + self.judging_s + self.delivery_s + self.saving_s


@dataclass(frozen=True)
class ScoredAnswer:
    """One answer, judged and saved."""

    question: Question
    transcript: Transcript  # with word timings when it was spoken
    coverage: Coverage  # per concept: covered or not, and the words that earned it
    delivery: Delivery
    recording: RecordingResult | None  # None for a typed answer
    timings: Timings
    attempt_id: int

    @property
    def ready_after_s(self) -> float:
        """From the end of the answer to the saved score."""
        return self.timings.total_s


@dataclass(frozen=True)
class Spoken:
    """The question has been read aloud (or could not be: ``problem`` says why)."""

    question: Question
    problem: str


@dataclass(frozen=True)
class Listening:
    """Recording has started; the transcript streams while the candidate speaks."""

    question: Question
    path: Path


@dataclass(frozen=True)
class Transcribing:
    """Recording has ended (``stopped_by``: manual, silence, time_limit, error...)."""

    question: Question
    stopped_by: str


@dataclass(frozen=True)
class Scored:
    answer: ScoredAnswer


@dataclass(frozen=True)
class Problem:
    """Something failed; ``text`` is for the user. ``kept``: the answer was still saved."""

    text: str
    kept: bool = False


RoundEvent = Spoken | Listening | Transcribing | Scored | Problem


@dataclass(frozen=True)
class Live:
    """The answer as it is being recorded, for a level meter and a running transcript."""

    level: float
    elapsed_s: float
    limit_s: float
    partial: str


# --- devices ---------------------------------------------------------------------------------


class BackgroundModel:
    """Loads the transcriber on a worker thread so the first question is read out meanwhile."""

    def __init__(self, build: Callable[[], Transcriber]):
        self._build = build
        self._ready = threading.Event()
        self._value: Transcriber | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._load, name="model-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            transcriber = self._build()
            load = getattr(transcriber, "load", None)
            if load:
                load()
            self._value = transcriber
        except BaseException as exc:
            self._error = exc
        finally:
            self._ready.set()

    def get(self, timeout: float = 300.0) -> Transcriber:
        if not self._ready.wait(timeout):
            raise TimeoutError("the speech model took too long to load")
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


@dataclass
class Devices:
    """The voice, the microphone (None: answers are typed, ``typed_reason`` says why) and
    the speech model loading in the background."""

    speaker: Speaker
    recorder: Recorder | None
    model: BackgroundModel | None
    typed_reason: str = ""

    @classmethod
    def open(
        cls,
        make_speaker: Callable[[], Speaker],
        make_recorder: Callable[[], Recorder | None],
        load_transcriber: Callable[[], Transcriber],
        typed_reason: str = "",
    ) -> Devices:
        """The voice and the microphone, then the speech model loading in the background
        (while the first question is read). A missing microphone is a reason to type, not an
        error; so is ``typed_reason`` (the microphone is then not even opened)."""
        speaker = make_speaker()
        recorder: Recorder | None = None
        reason = typed_reason
        if not reason:
            try:
                recorder = make_recorder()
                reason = "" if recorder is not None else "no microphone was found"
            except AudioError as exc:
                reason = str(exc)
        model = BackgroundModel(load_transcriber) if recorder is not None else None
        return cls(speaker, recorder, model, reason)


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
        problem = ""
        if not self.silent_reason:
            try:
                self.devices.speaker.say(question.prompt)
            except Exception as exc:  # AudioError, or an engine that broke: go on silently
                self.silent_reason = problem = f"cannot speak: {exc}"
        self.on_event(Spoken(question, problem))
        return problem

    def stop_speaking(self) -> None:
        self.devices.speaker.stop()

    # -- answering -----------------------------------------------------------------------------

    def answer_by_voice(self, question: Question) -> ScoredAnswer | None:
        """Record until ``stop()``, silence or the time limit; transcribe, judge and save.

        Returns None when recording could not start (a ``Problem`` event says why); a
        recording that failed part-way is still judged and saved from what it kept.
        """
        recorder = self.devices.recorder
        assert recorder is not None and self.devices.model is not None
        self._stop.clear()
        try:
            path = self._start(question, recorder)
        except Exception as exc:
            self.on_event(Problem(f"Cannot record: {exc}"))
            return None
        self.on_event(Listening(question, path))
        result: RecordingResult | None = None
        try:
            while result is None:
                result = recorder.stop() if self._stop.is_set() else recorder.wait(timeout=0.1)
        except AudioError as exc:
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
        return self._save(question, transcript, result, time.perf_counter() - ended)

    def answer_typed(self, question: Question, text: str) -> ScoredAnswer:
        transcript = Transcript(text.strip(), (), 0.0, "typed")
        return self._save(question, transcript, None, 0.0)

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

    def _start(self, question: Question, recorder: Recorder) -> Path:
        assert self.devices.model is not None
        self.recordings_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S%f")[:-3]  # ms: a quick retry is new
        path = self.recordings_dir / f"{stamp}-{question.id}.wav"
        self._stream = StreamingTranscriber(
            self.devices.model.get(), question.vocabulary(), detect_speech=self.detect_speech
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

"""One practice round as a plain state machine: ask -> record -> transcribe -> score.

It receives every device and model through the interfaces in ``audio.ports`` and
``models.transcriber``, so tests run whole rounds with fakes in milliseconds.
"""

from __future__ import annotations

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
from simulator.judge import judge


@dataclass(frozen=True)
class Answer:
    question: Question
    transcript: Transcript
    coverage: Coverage
    recording: RecordingResult | None  # None for a typed answer
    ready_after_s: float  # from the end of the answer to the score


def choose_questions(
    questions: Sequence[Question], count: int | None, order: str, seed: int | None = None
) -> list[Question]:
    chosen = list(questions)
    if order == "shuffle":
        random.Random(seed).shuffle(chosen)
    return chosen[:count] if count else chosen


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


class Session:
    """Runs questions through a speaker, a recorder and a transcriber."""

    def __init__(
        self,
        speaker: Speaker,
        recorder: Recorder | None,
        model: BackgroundModel | None,  # None: typed answers only, no model to load
        recordings_dir: Path,
        detect_speech: Callable[[np.ndarray], list[tuple[int, int]]] = speech_spans,
    ):
        self.detect_speech = detect_speech
        self.speaker = speaker
        self.recorder = recorder
        self.model = model
        self.recordings_dir = recordings_dir
        self.stream: StreamingTranscriber | None = None
        self.silent_reason = "" if speaker.available else speaker.reason

    def ask(self, question: Question) -> str:
        """Read the question aloud; on a speaker failure go silent and return why (once)."""
        if self.silent_reason:
            return ""
        try:
            self.speaker.say(question.prompt)
        except AudioError as exc:
            self.silent_reason = f"cannot speak: {exc}"
            return self.silent_reason
        return ""

    def start_recording(self, question: Question, time_limit_s: float | None = None) -> Path:
        """Begin recording; the transcript streams while the candidate speaks."""
        assert self.recorder is not None and self.model is not None
        self.recordings_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S%f")[:-3]  # ms: a quick retry is new
        path = self.recordings_dir / f"{stamp}-{question.id}.wav"
        self.stream = StreamingTranscriber(
            self.model.get(), question.vocabulary(), detect_speech=self.detect_speech
        )
        self.recorder.start(
            path, time_limit_s=time_limit_s or question.time_limit_s, on_block=self.stream.feed
        )
        return path

    def finish_recording(self, question: Question, result: RecordingResult) -> Answer:
        assert self.stream is not None
        ended = time.perf_counter()
        transcript = self.stream.finish()
        coverage = judge(question, transcript.text)
        self.stream = None
        return Answer(question, transcript, coverage, result, time.perf_counter() - ended)

    def typed(self, question: Question, text: str) -> Answer:
        transcript = Transcript(text.strip(), (), 0.0, "typed")
        return Answer(question, transcript, judge(question, text), None, 0.0)

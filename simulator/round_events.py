"""What the round service reports: its events, and the scored answer each question ends in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audio.ports import RecordingResult
from models.transcriber import Transcript
from questions.bank import Question
from questions.follow_up import FollowUp
from questions.scoring import Coverage
from simulator.delivery import Delivery


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
class FollowUpResult:
    """The follow-up asked after an answer, and how its answer did on the missed points."""

    follow_up: FollowUp
    transcript: Transcript
    coverage: Coverage  # against the concepts the first answer missed, only
    recovered: tuple[str, ...]  # concept ids the follow-up answer made
    coverage_with: float  # the question's coverage counting what it recovered
    recording: RecordingResult | None


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
    follow_up: FollowUpResult | None = None  # the first answer's score never changes

    @property
    def corrected(self) -> bool:
        """The user corrected what recognition heard: ``transcript`` is what it heard,
        ``coverage.transcript`` the corrected text that was judged."""
        return self.coverage.transcript != self.transcript.text

    @property
    def coverage_with_follow_up(self) -> float:
        return self.follow_up.coverage_with if self.follow_up else self.coverage.coverage

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


@dataclass(frozen=True)
class FollowedUp:
    """The follow-up's answer is judged and saved; ``answer`` carries both parts."""

    answer: ScoredAnswer


RoundEvent = Spoken | Listening | Transcribing | Scored | FollowedUp | Problem


@dataclass(frozen=True)
class Live:
    """The answer as it is being recorded, for a level meter and a running transcript."""

    level: float
    elapsed_s: float
    limit_s: float
    partial: str

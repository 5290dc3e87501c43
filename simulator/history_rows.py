"""The history's rows as dataclasses: what is stored for a session, an answer and its
follow-up, and what a rescore did. Dicts appear only at the JSON edge (``to_dict``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from models.transcriber import Transcript
from questions.bank import Question
from questions.scoring import Coverage
from simulator.delivery import Delivery
from simulator.timestamps import parse_time


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
class Rescored:
    """What ``History.rescore`` did."""

    answers: int
    changed: int
    bank_gone: int  # answers whose bank is no longer loaded: left as they were


@dataclass(frozen=True)
class NewAttempt:
    """One scored answer to store. The stored text is ``coverage.transcript`` (what the
    evidence spans index into); word timings, duration and model come from ``transcript``."""

    question: Question
    transcript: Transcript
    coverage: Coverage
    delivery: Delivery | None = None
    audio_path: Path | None = None  # a recording in our folder, or a user's --audio file


@dataclass(frozen=True)
class FollowUpRecord:
    """The follow-up question asked after an answer, and what its answer recovered."""

    concept: str  # the concept id it asked about
    label: str
    prompt: str
    transcript: str
    recovered: tuple[str, ...]  # ids of the concepts the follow-up answer made
    coverage_with: float  # the question's coverage counting what the follow-up recovered
    concepts: tuple[dict[str, Any], ...] = ()  # the missed concepts as judged in the follow-up
    audio_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"recovered": list(self.recovered), "concepts": list(self.concepts)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FollowUpRecord:
        return cls(
            str(data["concept"]), str(data["label"]), str(data["prompt"]),
            str(data["transcript"]), tuple(data.get("recovered", ())),
            float(data["coverage_with"]), tuple(data.get("concepts", ())),
            data.get("audio_path"),
        )  # fmt: skip


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
    bank_id: str = ""  # the bank it was answered from ("" before release 0.2 recorded it)
    follow_up: FollowUpRecord | None = None
    heard: str | None = None  # what recognition heard, when the user corrected the transcript

    @property
    def corrected(self) -> bool:
        return self.heard is not None

    @property
    def missed(self) -> list[dict[str, Any]]:
        return [c for c in self.concepts if not c.get("covered")]

    @property
    def created(self) -> datetime:
        return parse_time(self.created_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

"""Review statistics over the history: each question's record and what it misses most,
coverage trends per section, and the figures drills are compared on."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from questions.bank import Question, QuestionSet
from simulator.drawing import sparkline
from simulator.history import History
from simulator.history_rows import AttemptRow
from simulator.timestamps import local_date


@dataclass(frozen=True)
class QuestionReview:
    """One question's record: coverage of every attempt, oldest first, and what it misses."""

    question_id: str
    coverages: list[float]
    times: list[str]
    best: float
    last: float
    missed_most: list[tuple[str, str, int]]  # (concept id, label, times missed), most first

    @property
    def trend(self) -> str:
        return sparkline(self.coverages)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"trend": self.trend}


def question_review(history: History, question_id: str) -> QuestionReview | None:
    attempts = history.attempts(question_id=question_id)
    if not attempts:
        return None
    return _review(question_id, attempts)


def review(history: History) -> list[QuestionReview]:
    """A review of every question answered at least once, weakest last coverage first."""
    grouped: dict[str, list[AttemptRow]] = defaultdict(list)
    for attempt in history.attempts():
        grouped[attempt.question_id].append(attempt)
    reviews = [_review(qid, rows) for qid, rows in grouped.items()]
    return sorted(reviews, key=lambda r: (r.last, r.question_id))


def section_trends(
    history: History, questions: QuestionSet | Iterable[Question]
) -> dict[str, list[tuple[date, float]]]:
    """Mean coverage per section per (local) day, oldest first; unknown ids go to '?'."""
    section_of = {q.id: q.section for q in questions}
    totals: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for qid, created, coverage in history.score_log():
        totals[section_of.get(qid, "?")][local_date(created)].append(coverage)
    return {
        section: [(day, sum(v) / len(v)) for day, v in sorted(days.items())]
        for section, days in totals.items()
    }


def _review(question_id: str, attempts: list[AttemptRow]) -> QuestionReview:
    missed: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for attempt in attempts:
        for concept in attempt.missed:
            missed[concept["id"]] += 1
            labels[concept["id"]] = concept.get("label") or concept["id"]
    coverages = [a.coverage for a in attempts]
    return QuestionReview(
        question_id,
        coverages,
        [a.created_at for a in attempts],
        max(coverages),
        coverages[-1],
        [(cid, labels[cid], n) for cid, n in missed.most_common()],
    )


@dataclass(frozen=True)
class DrillFigures:
    """What a drill session is compared on."""

    answers: int
    mean_coverage: float
    over_time: int
    mean_first_word_s: float | None

    @classmethod
    def of(
        cls, coverages: Sequence[float], over: Sequence[bool], first: Sequence[float | None]
    ) -> DrillFigures | None:
        if not coverages:
            return None
        known = [f for f in first if f is not None]
        return cls(
            len(coverages),
            sum(coverages) / len(coverages),
            sum(over),
            sum(known) / len(known) if known else None,
        )


def previous_drill(history: History, current: int | None) -> DrillFigures | None:
    """The most recent other drill session with answers, from the history (a DB read)."""
    earlier = [
        s for s in history.sessions() if s.mode == "drill" and s.id != current and s.attempt_count
    ]
    if not earlier:
        return None
    attempts = history.attempts(session_id=earlier[-1].id)
    deliveries = [a.delivery or {} for a in attempts]
    return DrillFigures.of(
        [a.coverage for a in attempts],
        [bool(d.get("over_time")) for d in deliveries],
        [d.get("time_to_first_word_s") for d in deliveries],
    )


def previous_interview(history: History, current: int | None) -> float | None:
    """The mean first-answer coverage of the latest other mock interview, if any."""
    earlier = [
        s
        for s in history.sessions()
        if s.mode == "interview" and s.id != current and s.attempt_count
    ]
    return earlier[-1].mean_coverage if earlier else None

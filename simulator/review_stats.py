"""Review statistics over the history: each question's record and what it misses most, and
coverage trends per section."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from questions.bank import Question, QuestionSet
from simulator.drawing import sparkline
from simulator.history import AttemptRow, History
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

"""A weakest-first practice queue: a five-box Leitner schedule over question ids.

The schedule is computed from the attempts in the history (no table of its own), replaying each
question's attempts oldest first:

- the first attempt puts a question in box 1;
- coverage >= ``PROMOTE_AT`` moves it up one box (at most box 5), but only when the attempt was
  made once the question was due, so answering the same question five times in a row does not
  send it to box 5;
- coverage < ``DEMOTE_BELOW`` sends it back to box 1, whenever it happens;
- anything in between keeps its box.

A question is due ``INTERVAL_DAYS[box]`` after its last attempt. The queue puts due questions
first: lowest box first, known weaknesses (box 1) before unseen questions, then the most
overdue, then the lowest last coverage; questions not yet due follow in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from simulator.timestamps import now_utc, parse_time

BOXES = 5
PROMOTE_AT = 0.8
DEMOTE_BELOW = 0.5
INTERVAL_DAYS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}


class ScoreSource(Protocol):
    def score_log(self) -> list[tuple[str, str, float]]: ...


@dataclass(frozen=True)
class Card:
    """Where one question stands; ``box`` 0 means never answered."""

    question_id: str
    box: int
    due: datetime | None  # None: never answered, due now
    last_coverage: float | None
    attempts: int

    def is_due(self, now: datetime) -> bool:
        return self.due is None or self.due <= now

    def sort_key(self, now: datetime) -> tuple[int, int, int, float, float, str]:
        due = self.due or now
        overdue = (now - due).total_seconds()
        box = self.box or 1  # unseen questions rank with box 1, after the known weak ones
        return (
            0 if self.is_due(now) else 1,
            box,
            0 if self.box else 1,
            -overdue,
            self.last_coverage if self.last_coverage is not None else 0.0,
            self.question_id,
        )


def next_box(box: int, coverage: float, on_time: bool) -> int:
    if box == 0:
        box = 1
        on_time = True
    if coverage < DEMOTE_BELOW:
        return 1
    if coverage >= PROMOTE_AT and on_time:
        return min(box + 1, BOXES)
    return box


def cards(log: Iterable[tuple[str, str, float]], question_ids: Sequence[str]) -> list[Card]:
    """Replay (question id, created_at, coverage) rows, oldest first, into one card per id."""
    state: dict[str, Card] = {qid: Card(qid, 0, None, None, 0) for qid in question_ids}
    for qid, created, coverage in log:
        card = state.get(qid)
        if card is None:
            continue  # a question no longer in any bank
        when = parse_time(created)
        box = next_box(card.box, coverage, card.due is None or when >= card.due)
        due = when + timedelta(days=INTERVAL_DAYS[box])
        state[qid] = Card(qid, box, due, coverage, card.attempts + 1)
    return list(state.values())


def queue(
    history: ScoreSource, all_question_ids: Sequence[str], now: datetime | None = None
) -> list[Card]:
    """Every question, due ones first in weakest / most overdue order."""
    now = _aware(now)
    return sorted(cards(history.score_log(), all_question_ids), key=lambda c: c.sort_key(now))


def due_questions(
    history: ScoreSource, all_question_ids: Sequence[str], now: datetime | None = None
) -> list[str]:
    """Ids of the questions due now (unseen ones included), weakest and most overdue first."""
    now = _aware(now)
    return [c.question_id for c in queue(history, all_question_ids, now) if c.is_due(now)]


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return now_utc()
    return now if now.tzinfo else now.astimezone()

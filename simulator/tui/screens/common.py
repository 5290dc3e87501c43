"""What every screen shares: the injected services, the round plan, and worker messages."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from textual.message import Message

from audio.ports import Player, Recorder, Speaker
from models.transcriber import Transcriber
from questions.bank import Question, QuestionSet
from simulator.config import Settings
from simulator.history import History
from simulator.schedule import due_questions
from simulator.session import choose_questions


@dataclass
class Services:
    """Everything the interface uses from outside; ``run_tui`` builds the real ones."""

    questions: QuestionSet
    history: History
    settings: Settings
    settings_path: Path
    recordings_dir: Path
    make_speaker: Callable[[Settings], Speaker]
    # A recorder, or None (typed answers); an AudioError's message says why there is none.
    make_recorder: Callable[[Settings], Recorder | None]
    load_transcriber: Callable[[Settings], Transcriber]
    make_player: Callable[[], Player] | None = None
    list_devices: Callable[[], list[tuple[str, str]]] = field(default=lambda: [])
    clock: Callable[[], float] = time.monotonic
    detect_speech: Callable[[np.ndarray], list[tuple[int, int]]] | None = None

    def question(self, question_id: str) -> Question | None:
        try:
            return self.questions.get(question_id)
        except Exception:
            return None


@dataclass(frozen=True)
class RoundPlan:
    mode: str  # "practice" or "drill"
    questions: tuple[Question, ...]


def plan_round(
    services: Services,
    mode: str,
    sections: Sequence[str] = (),
    count: int | None = 5,
    order: str = "weakest",
    seed: int | None = None,
) -> RoundPlan:
    """The questions of a round, chosen as ``interview-sim practice`` chooses them."""
    wanted = set(sections)
    pool = [q for q in services.questions if not wanted or q.section in wanted]
    if order == "weakest":
        by_id = {q.id: q for q in pool}
        due = due_questions(services.history, list(by_id))
        chosen = [by_id[qid] for qid in due][:count] or pool[:count]
    else:
        chosen = choose_questions(pool, count, order, seed)
    return RoundPlan(mode, tuple(chosen))


@dataclass
class WorkerFailed(Message):
    """A background job failed; ``text`` is shown to the user."""

    bubble = False
    text: str


@dataclass
class Loaded(Message):
    """A background read finished; ``what`` names it, ``value`` is the data."""

    bubble = False
    what: str
    value: Any

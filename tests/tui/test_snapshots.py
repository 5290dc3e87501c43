"""SVG snapshots of the main screens at 80x24 (pytest-textual-snapshot).

Regenerate after a deliberate change with ``pytest tests/tui --snapshot-update`` and look at
the SVGs in ``tests/tui/__snapshots__``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from models.transcriber import Transcript
from questions.bank import QuestionSet
from questions.scoring import Coverage
from simulator.round_events import ScoredAnswer, Timings
from simulator.tui.screens.attempt import AttemptScreen
from simulator.tui.screens.practice import PracticeScreen
from simulator.tui.screens.review import ReviewScreen
from simulator.tui.screens.settings import SettingsScreen
from simulator.tui.screens.summary import SummaryScreen
from tests.fakes import some_delivery
from tests.tui.conftest import plain, seed_history, shown, wait_for

SIZE = (80, 24)


def finished(
    bank: QuestionSet, qid: str, coverage: float, answer_s: float, over: bool, first_s: float
) -> ScoredAnswer:
    """A scored answer with exactly these figures, for the drill summary."""
    delivery = some_delivery(answer_s=answer_s, over_time=over, time_to_first_word_s=first_s)
    result = Coverage(qid, coverage, (), "", "")
    return ScoredAnswer(bank.get(qid), Transcript(""), result, delivery, None, Timings(), 0)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def test_home(snap_compare: Any, rig_factory: Any, bank: QuestionSet) -> None:
    app, rig = rig_factory()
    seed_history(rig.history, bank)

    async def ready(pilot: Any) -> None:
        await wait_for(pilot, lambda: "×" in plain(app.screen.query_one("#recent")))

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_practice_result_typed(snap_compare: Any, rig_factory: Any) -> None:
    app, _ = rig_factory(microphone=False)

    async def answer(pilot: Any) -> None:
        app.start_mode("practice", sections=["Beginner"], count=2, order="fixed")
        await wait_for(pilot, lambda: shown(app, PracticeScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.state == "ready")
        screen.query_one(
            "#typed", Input
        ).value = "Never trust, always verify. The perimeter is gone with cloud and remote work."
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.state == "result")

    assert snap_compare(app, terminal_size=SIZE, run_before=answer)


def test_review(snap_compare: Any, rig_factory: Any, bank: QuestionSet) -> None:
    app, rig = rig_factory(mode="review")
    seed_history(rig.history, bank)

    async def loaded(pilot: Any) -> None:
        await wait_for(pilot, lambda: shown(app, ReviewScreen))
        attempts = app.screen.query_one("#attempts", OptionList)
        await wait_for(pilot, lambda: attempts.option_count == 1)

    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_attempt(snap_compare: Any, rig_factory: Any, bank: QuestionSet) -> None:
    app, rig = rig_factory()
    seed_history(rig.history, bank)
    last = rig.history.attempts()[-1].id

    async def opened(pilot: Any) -> None:
        screen = AttemptScreen(last)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.attempt is not None)

    assert snap_compare(app, terminal_size=SIZE, run_before=opened)


def test_settings(snap_compare: Any, rig_factory: Any) -> None:
    app, _ = rig_factory()

    async def opened(pilot: Any) -> None:
        await pilot.press("f2")
        await wait_for(pilot, lambda: shown(app, SettingsScreen))
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=opened)


def test_help(snap_compare: Any, rig_factory: Any) -> None:
    app, _ = rig_factory()
    assert snap_compare(app, terminal_size=SIZE, press=["question_mark"])


def test_drill_summary(snap_compare: Any, rig_factory: Any, bank: QuestionSet) -> None:
    app, rig = rig_factory()
    seed_history(rig.history, bank)  # holds the previous drill to compare with
    rows = [
        finished(bank, "beginner-01", 0.82, 71.5, False, 1.2),
        finished(bank, "beginner-02", 0.35, 90.0, True, 4.1),
    ]

    async def opened(pilot: Any) -> None:
        screen = SummaryScreen("drill", rows, None, 215.0)
        app.push_screen(screen)
        await wait_for(pilot, lambda: "previous" in plain(screen.query_one("#summary-compare")))

    assert snap_compare(app, terminal_size=SIZE, run_before=opened)

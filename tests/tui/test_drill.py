"""Timed drills with a controlled clock: countdown, automatic start, hard stop, summary."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from questions.bank import QuestionSet
from simulator.config import Settings
from simulator.rounds import ADVANCE_AFTER_S, RoundPlan
from simulator.tui.screens.drill import DrillScreen
from simulator.tui.screens.summary import SummaryScreen
from tests.tui.conftest import plain, seed_history, shown, wait_for

pytestmark = pytest.mark.anyio  # Pilot tests run on asyncio through anyio's plugin


async def test_drill_counts_down_records_by_itself_and_summarises(
    rig_factory: Any, bank: QuestionSet
) -> None:
    app, rig = rig_factory(settings=Settings(drill_prepare_s=5), tone_s=2.5)
    seed_history(rig.history, bank)  # holds one earlier drill to compare with
    short = replace(bank.get("beginner-01"), time_limit_s=1)  # the tone outlasts the limit
    plan = RoundPlan("drill", (short, bank.get("beginner-02")))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = DrillScreen(plan)
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.state == "preparing")
        assert "Prepare:  5.0 s" in plain(screen.query_one("#status"))
        rig.clock.advance(3)
        await pilot.pause(0.25)
        assert screen.state == "preparing" and not rig.starts
        assert "Prepare:  2.0 s" in plain(screen.query_one("#status"))
        rig.clock.advance(2)  # preparation over: recording starts by itself
        await wait_for(pilot, lambda: screen.state == "scored")
        assert rig.starts[0]["time_limit_s"] == 1
        first = rig.history.attempts()[-1]
        assert first.question_id == "beginner-01" and abs((first.duration_s or 0) - 1.0) < 0.15

        await pilot.pause(0.2)
        assert screen.index == 0  # the score stays up until the clock moves on
        rig.clock.advance(ADVANCE_AFTER_S)
        await wait_for(pilot, lambda: screen.index == 1 and screen.state == "preparing")
        assert not hasattr(screen, "action_retry")  # drills have no retries
        await pilot.press("space")  # start now
        await wait_for(pilot, lambda: screen.state == "scored")
        rig.clock.advance(ADVANCE_AFTER_S)
        await wait_for(pilot, lambda: shown(app, SummaryScreen))
        summary = app.screen
        await wait_for(
            pilot, lambda: "previous drill" in plain(summary.query_one("#summary-compare"))
        )
        totals = plain(summary.query_one("#summary-totals"))
        assert "Total time" in totals and "over time" in totals
        assert "beginner-02" in str(summary.query_one("#summary-table").content.columns[0]._cells)
        await pilot.pause(0.1)  # let the new screen settle before the app shuts down
    drills = [s for s in rig.history.sessions() if s.mode == "drill"]
    assert len(drills) == 2 and drills[-1].attempt_count == 2 and drills[-1].ended_at

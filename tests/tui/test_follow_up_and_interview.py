"""The TUI asks follow-ups in practice rounds and runs mock interviews (typed answers)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from simulator.tui.screens.interview import InterviewScreen
from simulator.tui.screens.practice import PracticeScreen
from simulator.tui.screens.summary import SummaryScreen
from tests.tui.conftest import plain, shown, wait_for

pytestmark = pytest.mark.anyio

PARTLY = "Never trust, always verify. The perimeter is gone with cloud and remote work."


async def type_answer(pilot: Any, screen: Any, text: str) -> None:
    typed = screen.query_one("#typed", Input)
    await wait_for(pilot, lambda: typed.display and not typed.disabled)
    typed.value = text
    await pilot.press("enter")


async def test_practice_asks_a_follow_up_and_keeps_both_scores(rig_factory: Any) -> None:
    app, rig = rig_factory(microphone=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_mode("practice", sections=["Beginner"], count=1, order="fixed")
        await wait_for(pilot, lambda: shown(app, PracticeScreen))
        screen = app.screen
        await type_answer(pilot, screen, PARTLY)
        await wait_for(pilot, lambda: screen.state == "result")
        assert screen.follow_up is not None
        assert "Follow-up:" in plain(screen.query_one("#status", Static))
        await wait_for(pilot, lambda: rig.speaker.said[-1] == screen.follow_up.prompt)
        await pilot.press("f")
        await wait_for(pilot, lambda: screen.state == "follow_up_ready")
        await type_answer(pilot, screen, "NIST SP 800-207 asks us to verify every request.")
        await wait_for(pilot, lambda: screen.state == "result" and screen.follow_up is None)
        assert "Recovered:" in plain(screen.query_one("#follow-up", Static))
        (attempt,) = rig.history.attempts()
        assert attempt.follow_up is not None and attempt.follow_up.recovered
        assert attempt.follow_up.coverage_with > attempt.coverage  # the first score stays


async def test_a_mock_interview_follows_up_and_ends_with_the_report_card(
    rig_factory: Any,
) -> None:
    app, rig = rig_factory(microphone=False)
    async with app.run_test(size=(100, 40)) as pilot:
        app.start_mode("interview", count=2)
        await wait_for(pilot, lambda: shown(app, InterviewScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.state == "ready")
        assert rig.speaker.said[0].startswith("Hello, and thanks for making the time.")
        await type_answer(pilot, screen, PARTLY)
        await wait_for(pilot, lambda: screen.state == "follow_up_ready")
        assert not screen.query_one("#result").display  # no feedback during the interview
        await type_answer(pilot, screen, "")  # skipped
        await wait_for(pilot, lambda: screen.index == 1 and screen.state == "ready")
        await type_answer(pilot, screen, "I would talk to the team about it.")
        await wait_for(pilot, lambda: screen.state == "follow_up_ready")
        await type_answer(pilot, screen, "We would also keep an audit log of every decision.")
        await wait_for(pilot, lambda: shown(app, SummaryScreen))
        summary = app.screen
        await wait_for(pilot, lambda: "Report card" in plain(summary.query_one("#summary-table")))
        card = plain(summary.query_one("#summary-table"))
        assert "with follow-up" in card and "Most worth studying:" in card
        (session,) = rig.history.sessions()
        assert session.mode == "interview" and session.attempt_count == 2

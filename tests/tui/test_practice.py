"""Practice rounds driven through the Textual interface, with fakes for every device."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static, TextArea

from questions.bank import QuestionSet
from simulator.tui.screens.correction import CorrectionScreen
from simulator.tui.screens.practice import PracticeScreen
from simulator.tui.screens.summary import SummaryScreen
from simulator.tui.widgets.result import ResultView
from tests.tui.conftest import plain, shown, wait_for

pytestmark = pytest.mark.anyio  # Pilot tests run on asyncio through anyio's plugin


def _text(screen: Any, selector: str) -> str:
    return plain(screen.query_one(selector, Static))


async def answered_once(app: Any, pilot: Any, count: int) -> PracticeScreen:
    """A Beginner practice round of ``count`` questions, the first answered by voice."""
    app.start_mode("practice", sections=["Beginner"], count=count, order="fixed")
    await wait_for(pilot, lambda: shown(app, PracticeScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.state == "ready")
    await pilot.press("r")
    await wait_for(pilot, lambda: screen.state == "result")
    return screen


async def test_practice_round_end_to_end(rig_factory: Any, bank: QuestionSet) -> None:
    app, rig = rig_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_mode("practice", sections=["Beginner"], count=2, order="fixed")
        await wait_for(pilot, lambda: shown(app, PracticeScreen))
        screen = app.screen
        assert isinstance(screen, PracticeScreen)
        await wait_for(pilot, lambda: screen.state == "ready")
        first = bank.get("beginner-01")
        assert rig.speaker.said == [first.prompt]
        assert "Question 1/2" in str(screen.query_one("#card").border_title)

        await pilot.press("r")
        await wait_for(pilot, lambda: screen.state == "result")
        attempts = rig.history.attempts()
        assert [a.question_id for a in attempts] == ["beginner-01"]
        assert attempts[0].coverage > 0.3 and attempts[0].audio_path
        assert attempts[0].delivery and "comments" in attempts[0].delivery
        assert rig.starts[0]["time_limit_s"] == first.time_limit_s
        result = screen.query_one(ResultView)
        assert result.display
        assert "Coverage" in _text(result, "#coverage")
        assert "✓" in _text(result, "#concepts")

        await pilot.press("p")  # play back the answer
        await wait_for(pilot, lambda: rig.player.played == [attempts[0].audio_path])

        await pilot.press("t")  # retry: a second attempt of the same question
        assert screen.state == "ready" and not result.display
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.state == "result")
        assert [a.question_id for a in rig.history.attempts()] == ["beginner-01"] * 2

        await pilot.press("n")
        await wait_for(pilot, lambda: screen.state == "ready" and screen.index == 1)
        assert rig.speaker.said[-1] == bank.get("beginner-02").prompt

        await pilot.press("escape")  # end the round early
        await wait_for(pilot, lambda: shown(app, SummaryScreen))
        session = rig.history.sessions()[-1]
        assert session.mode == "practice" and session.ended_at and session.attempt_count == 2
        await pilot.pause(0.1)  # let the summary settle before the app shuts down


async def test_stop_key_skip_key_and_live_panel(rig_factory: Any) -> None:
    app, rig = rig_factory(tone_s=3.0, speed=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        rig.speaker.seconds_per_word = 1.0  # a long reading, cut short by the skip key
        app.start_mode("practice", sections=["Beginner"], count=1, order="fixed")
        await wait_for(pilot, lambda: shown(app, PracticeScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.state == "asking" and rig.speaker.said)
        await pilot.pause(0.05)
        await pilot.press("k")
        await wait_for(pilot, lambda: screen.state == "ready", timeout=3)
        assert rig.speaker.stops >= 1
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.state == "recording")
        await wait_for(pilot, lambda: rig.recorders[0].elapsed_s > 0.3)
        await pilot.pause(0.15)
        assert "REC" in plain(screen.query_one("#live"))
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.state == "result")
        assert len(rig.history.attempts()) == 1


async def test_no_microphone_means_typed_answers(rig_factory: Any) -> None:
    app, rig = rig_factory(microphone=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_mode("practice", sections=["Beginner"], count=1, order="fixed")
        await wait_for(pilot, lambda: shown(app, PracticeScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.state == "ready")
        notice = _text(screen, "#notice")
        assert "No microphone, so answers are typed" in notice
        assert "no input device found" in notice
        typed = screen.query_one("#typed", Input)
        assert typed.display and typed.has_focus
        await pilot.press("enter")  # empty: nothing is saved
        assert screen.state == "ready"
        typed.value = "Never trust, always verify: the perimeter is gone."
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.state == "result")
        (attempt,) = rig.history.attempts()
        assert attempt.audio_path is None and attempt.coverage > 0
        assert "Typed answer" in _text(screen.query_one(ResultView), "#coverage")
        assert not screen.check_action("play", ())


async def test_quitting_mid_round_keeps_finished_answers(rig_factory: Any) -> None:
    app, rig = rig_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await answered_once(app, pilot, count=3)
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.state == "ready")
        await pilot.press("ctrl+q")
    assert len(rig.history.attempts()) == 1
    assert rig.history.sessions()[-1].ended_at is not None


async def test_a_misheard_answer_is_corrected_right_after_it(
    rig_factory: Any, bank: QuestionSet
) -> None:
    heard = "Zero trust means we check every request, whatever network it comes from."
    app, rig = rig_factory(answer=heard)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await answered_once(app, pilot, count=1)
        first = screen.last_answer
        asked = screen.follow_up
        assert first is not None and asked is not None  # a weak answer: the interviewer asks
        await pilot.press("e")
        await wait_for(pilot, lambda: shown(app, CorrectionScreen))
        area = app.screen.query_one("#corrected", TextArea)
        said = heard + " We never trust and always verify, as NIST SP 800-207 says."
        area.text = said
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.last_answer is not first)
        fixed = screen.last_answer
        assert fixed.corrected and fixed.coverage.coverage > first.coverage.coverage
        assert screen.round.answers == [fixed]  # the summary counts the corrected score
        assert screen.follow_up != asked  # it asked about a point the answer made after all
        result = screen.query_one(ResultView)
        assert "Transcript corrected by you" in _text(result, "#coverage")
        assert f"Heard before you corrected it: {heard}" in _text(result, "#transcript")
        (stored,) = rig.history.attempts()
        assert (stored.transcript, stored.heard) == (said, heard)

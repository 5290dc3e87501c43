"""Review navigation, settings saved to disk, the help screen and the command palette."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Input, OptionList, Select, TabbedContent, TextArea

from questions.bank import QuestionSet
from simulator.config import Settings
from simulator.tui.screens.attempt import AttemptScreen, CompareScreen, QuestionScreen
from simulator.tui.screens.correction import CorrectionScreen
from simulator.tui.screens.help import HelpScreen
from simulator.tui.screens.home import HomeScreen
from simulator.tui.screens.review import ReviewScreen
from simulator.tui.screens.settings import SettingsScreen
from tests.fakes import heard, scored
from tests.tui.conftest import plain, seed_history, shown, wait_for

pytestmark = pytest.mark.anyio  # Pilot tests run on asyncio through anyio's plugin


async def test_review_sessions_attempts_compare_and_trends(
    rig_factory: Any, bank: QuestionSet
) -> None:
    app, rig = rig_factory(mode="review")
    seed_history(rig.history, bank)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: shown(app, ReviewScreen))
        review = app.screen
        sessions = review.query_one("#sessions", OptionList)
        attempts = review.query_one("#attempts", OptionList)
        await wait_for(pilot, lambda: sessions.option_count == 3 and attempts.option_count == 1)
        assert "practice" in str(sessions.get_option_at_index(0).prompt)  # newest first
        sessions.focus()
        await pilot.press("down", "down")  # the oldest session: two attempts
        await wait_for(pilot, lambda: attempts.option_count == 2)
        await pilot.press("enter")
        assert attempts.has_focus
        await pilot.press("enter")
        await wait_for(pilot, lambda: shown(app, AttemptScreen))
        attempt = app.screen
        await wait_for(pilot, lambda: attempt.attempt is not None)
        assert attempt.attempt.question_id == "beginner-01"
        assert "never trust always verify" in plain(attempt.query_one("#transcript"))
        assert not attempt.check_action("play", ())  # typed: no recording to play
        assert attempt.check_action("compare", ())
        await pilot.press("c")
        await wait_for(pilot, lambda: shown(app, CompareScreen))
        compare = app.screen
        assert compare.left.created_at < compare.right.created_at
        assert "→" in compare.sub_title
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is review)

        review.query_one(TabbedContent).active = "tab-questions"
        table = review.query_one("#questions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: shown(app, QuestionScreen))
        question = app.screen
        listing = question.query_one("#question-attempts", OptionList)
        await wait_for(pilot, lambda: listing.option_count >= 1)
        assert "tries" in plain(question.query_one("#question-trend"))
        await pilot.press("escape")
        review.query_one(TabbedContent).active = "tab-sections"
        await pilot.pause(0.05)
        assert "Beginner" in plain(review.query_one("#section-trends"))


async def test_a_misheard_transcript_is_corrected_and_judged_again(
    rig_factory: Any, bank: QuestionSet
) -> None:
    app, rig = rig_factory(mode="review")
    question = bank.get("intermediate-10")
    sid = rig.history.start_session("practice", question.bank_id)
    misheard = "We keep every secret in Hashek or Mold and rotate them."
    aid = rig.history.add_attempt(sid, heard(question, misheard))
    typed = rig.history.add_attempt(sid, scored(question, "We rotate secrets."))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: shown(app, ReviewScreen))
        app.push_screen(AttemptScreen(typed))
        await wait_for(pilot, lambda: shown(app, AttemptScreen) and app.screen.attempt is not None)
        assert not app.screen.check_action("correct", ())  # typed: nothing was misheard
        await pilot.press("escape")
        app.push_screen(AttemptScreen(aid))
        await wait_for(pilot, lambda: shown(app, AttemptScreen) and app.screen.attempt is not None)
        attempt = app.screen
        before = attempt.attempt.coverage
        await pilot.press("e")
        await wait_for(pilot, lambda: shown(app, CorrectionScreen))
        area = app.screen.query_one("#corrected", TextArea)
        assert area.text == misheard and area.has_focus
        area.text = misheard.replace("Hashek or Mold", "HashiCorp Vault")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: attempt.attempt is not None and attempt.attempt.corrected)
        assert app.screen is attempt and attempt.attempt.coverage > before
        assert attempt.attempt.heard == misheard
        said = plain(attempt.query_one("#transcript"))
        assert "HashiCorp Vault" in said and f"Heard before you corrected it: {misheard}" in said
        assert "corrected by you" in plain(attempt.query_one("#coverage"))
        await pilot.press("e")
        await wait_for(pilot, lambda: shown(app, CorrectionScreen))
        await pilot.press("escape")  # cancelled: nothing judged, nothing stored
        await wait_for(pilot, lambda: app.screen is attempt)
        assert rig.history.attempt(aid).transcript.endswith("HashiCorp Vault and rotate them.")


async def test_settings_are_saved(rig_factory: Any) -> None:
    app, _rig = rig_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: shown(app, SettingsScreen))
        screen = app.screen
        device = screen.query_one("#input_device", Select)
        voice = screen.query_one("#voice", Select)
        model = screen.query_one("#model", Select)
        await wait_for(pilot, lambda: len(device._options) >= 3 and len(voice._options) >= 3)
        assert [value for _, value in model._options] == ["tiny.en", "base"]  # only installed
        device.value = "Laptop mic"
        voice.value = "en-gb"  # offered because it is installed; nothing else can be typed
        screen.query_one("#rate_wpm", Input).value = "150"
        screen.query_one("#silence_stop_s", Input).value = "2.5"
        screen.query_one("#drill_prepare_s", Input).value = "x"
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        path = app.services.settings_path
        assert not path.exists()  # a bad number is refused, nothing written
        screen.query_one("#drill_prepare_s", Input).value = "4"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: path.exists() and app.services.settings.drill_prepare_s == 4)
        saved = Settings.load(path)
        assert (saved.input_device, saved.voice, saved.rate_wpm) == ("Laptop mic", "en-gb", 150)
        assert (saved.silence_stop_s, saved.drill_prepare_s, saved.model) == (2.5, 4, "tiny.en")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_help_and_command_palette(rig_factory: Any) -> None:
    app, _ = rig_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+p")
        await pilot.press(*"review history")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: shown(app, ReviewScreen))


async def test_home_starts_the_chosen_mode(rig_factory: Any, bank: QuestionSet) -> None:
    app, rig = rig_factory()
    seed_history(rig.history, bank)
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        await wait_for(pilot, lambda: "×" in plain(home.query_one("#recent")))
        assert "Beginner" in plain(home.query_one("#progress"))
        await pilot.press("v")
        await wait_for(pilot, lambda: shown(app, ReviewScreen))
        await pilot.press("escape")
        await pilot.click("#mode-drill")
        await pilot.click("#start")
        await wait_for(pilot, lambda: getattr(app.screen, "mode", "") == "drill")
        assert len(app.screen.plan.questions) == 5

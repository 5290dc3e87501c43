"""A timed drill: preparation countdown, recording starts by itself, hard stop, no retries."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from simulator.round_events import ScoredAnswer
from simulator.rounds import RoundPlan
from simulator.tui.screens.round import RoundScreen
from simulator.tui.widgets.render import coverage_line


class DrillScreen(RoundScreen):
    mode = "drill"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "stop", "Done early", id="drill.stop"),
        Binding("space", "start_now", "Start now", id="drill.start_now"),
    ]
    ALLOWED: ClassVar[dict[str, set[str]]] = {
        "stop": {"recording"},
        "start_now": {"preparing"},
    }

    def __init__(self, plan: RoundPlan) -> None:
        super().__init__(plan)
        self.prepare_until = 0.0
        self.advance_at: float | None = None

    def after_spoken(self) -> None:
        if self.typed:
            self.set_state("ready", "Type your answer below and press Enter.")
            return
        self.prepare_until = self.services.clock() + (self.config.prepare_s or 0.0)
        self.set_state("preparing", self._prepare_text())

    def _prepare_text(self) -> str:
        left = max(0.0, self.prepare_until - self.services.clock())
        return f"Prepare: {left:4.1f} s — recording starts by itself (space: start now)"

    def recording_status(self) -> str:
        return f"Recording — hard stop at {self.question.time_limit_s} s (s if you are done early)."

    def tick(self) -> None:
        now = self.services.clock()
        if self.state == "preparing":
            if now >= self.prepare_until:
                self.start_recording()
            else:
                self.query_one("#status", Static).update(Text(self._prepare_text()))
        elif self.state == "scored" and self.advance_at is not None and now >= self.advance_at:
            self.advance_at = None
            self.advance()

    def answer_ready(self, answer: ScoredAnswer) -> None:
        line = coverage_line(answer.coverage.coverage)
        if answer.delivery.over_time:
            line.append("  over time", style="bold")
        line.append("  — next question…", style="dim")
        self.advance_at = self.services.clock() + (self.config.advance_after_s or 0.0)
        self.set_state("scored")
        self.query_one("#status", Static).update(line)

    def recover_after_failure(self, text: str) -> None:
        """A drill has no second try: say what failed and go on, as after a score."""
        self.advance_at = self.services.clock() + (self.config.advance_after_s or 0.0)
        self.set_state("scored", f"{text} — next question…")

    def action_stop(self) -> None:
        self.stop_answer()

    def action_start_now(self) -> None:
        self.prepare_until = self.services.clock()

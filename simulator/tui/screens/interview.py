"""A mock interview: an opening, questions from the basics to scenarios and experience, a
follow-up where an answer left out something important, no feedback until the report card."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import Static

from simulator.round_events import ScoredAnswer
from simulator.rounds import RoundPlan
from simulator.tui.screens.round import RoundScreen


class InterviewScreen(RoundScreen):
    mode = "interview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "record", "Answer", id="interview.record"),
        Binding("s", "stop", "Done", id="interview.stop"),
    ]
    ALLOWED: ClassVar[dict[str, set[str]]] = {
        "record": {"asking", "ready", "follow_up_ready"},
        "stop": {"recording"},
    }

    def __init__(self, plan: RoundPlan) -> None:
        super().__init__(plan)
        self.sub_title = f"Mock interview · {len(plan.questions)} questions"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "record" and self.typed:
            return False
        return super().check_action(action, parameters)

    @work(thread=True, exclusive=True, group="speak", exit_on_error=False)
    def _introduce(self) -> None:
        assert self.round is not None
        self.app.call_from_thread(self._show_opening, self.round.introduce())

    def show_question(self, index: int, *, speak: bool = True) -> None:
        """The first question comes after the interviewer's opening."""
        if index == 0 and speak and self.state == "setup":
            self.set_state("opening", "The interviewer is introducing the interview… (k skips)")
            self._speaking = True
            self._introduce()
            return
        super().show_question(index, speak=speak)

    def _show_opening(self, text: str) -> None:
        self._speaking = False
        if self.state != "opening":  # ended meanwhile
            return
        notice = self.query_one("#notice", Static)
        lines = [str(notice.content), text] if notice.display else [text]
        notice.update("\n".join(lines))
        notice.display = True
        super().show_question(0)

    def after_spoken(self) -> None:
        if self.typed:
            self.set_state("ready", "Type your answer below and press Enter.")
        else:
            budget = self.question.time_limit_s
            self.set_state("ready", f"Press r to answer; you have {budget} s. s when you are done.")

    def recording_status(self) -> str:
        return f"Answering — {self.question.time_limit_s} s budget (s when you are done)."

    def answer_ready(self, answer: ScoredAnswer) -> None:
        if self.follow_up is not None:
            self.ask_follow_up()  # no feedback: the interviewer just asks
        else:
            self.next_question()

    def followed_up(self, answer: ScoredAnswer) -> None:
        self.next_question()

    def next_question(self) -> None:
        self.set_state("scored", "Thank you.")
        self.advance()

    def action_record(self) -> None:
        if self.state == "follow_up_ready":
            self.start_follow_up_recording()
        elif not self.typed:
            self.start_recording()

    def action_stop(self) -> None:
        self.stop_answer()

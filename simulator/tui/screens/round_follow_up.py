"""The follow-up part of a round on screen: read the follow-up aloud, take its answer like any
answer (recorded, or typed; an empty line skips it), and report it back to the round screen."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import Input

from questions.follow_up import FollowUp
from simulator.round_events import ScoredAnswer
from simulator.rounds import Round
from simulator.tui.screens.common import WorkerFailed


class FollowUpSteps:
    """Mixed into ``RoundScreen``; uses its round, state and widgets."""

    round: Round | None
    answering_follow_up: bool
    last_answer: ScoredAnswer | None
    follow_up: FollowUp | None
    typed: bool
    _speaking: bool
    set_state: Any
    stop_speech: Any
    query_one: Any
    post_message: Any
    followed_up: Any

    def ask_follow_up(self) -> None:
        """Read the pending follow-up aloud; once it has been said, it is answered like a
        question (the round screen moves to "follow_up_ready")."""
        self._open_typed_answer()
        self.set_state("follow_up_asking", f"Follow-up: {self.follow_up.prompt}")  # type: ignore[union-attr]
        self.speak_follow_up()

    def speak_follow_up(self) -> None:
        """Read the pending follow-up aloud, leaving the screen as it is."""
        assert self.last_answer is not None and self.follow_up is not None
        self.stop_speech()
        self._speaking = True
        self._speak_follow_up(self.last_answer, self.follow_up)

    def take_follow_up(self) -> None:
        """Answer the follow-up (already read aloud) now."""
        self._open_typed_answer()
        self.set_state("follow_up_ready", self.follow_up_status())

    def _open_typed_answer(self) -> None:
        if self.typed:
            typed = self.query_one("#typed", Input)
            typed.disabled, typed.display, typed.value = False, True, ""
            typed.placeholder = "Your answer to the follow-up, then Enter (empty: skip)"
            typed.focus()

    def follow_up_status(self) -> str:
        assert self.follow_up is not None
        how = "type your answer below" if self.typed else "r records your answer"
        return f"Follow-up: {self.follow_up.prompt}  ({how})"

    def start_follow_up_recording(self) -> None:
        assert self.last_answer is not None and self.follow_up is not None
        self.answering_follow_up = True
        self.stop_speech()
        self.set_state("starting", "Starting the microphone…")
        self._record_follow_up(self.last_answer, self.follow_up)

    def _submit_follow_up(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        answer, follow_up = self.last_answer, self.follow_up
        assert answer is not None and follow_up is not None
        self.stop_speech()
        event.input.disabled = True
        if not text:  # skipped
            self.follow_up = None
            self.followed_up(answer)
            return
        self.answering_follow_up = True
        self.set_state("transcribing", "Scoring your answer to the follow-up…")
        self._typed_follow_up(answer, follow_up, text)

    @work(thread=True, exclusive=True, group="speak", exit_on_error=False)
    def _speak_follow_up(self, answer: ScoredAnswer, follow_up: FollowUp) -> None:
        assert self.round is not None
        self.round.ask_follow_up(answer, follow_up)  # reports Spoken

    @work(thread=True, exclusive=True, group="record", exit_on_error=False)
    def _record_follow_up(self, answer: ScoredAnswer, follow_up: FollowUp) -> None:
        assert self.round is not None
        try:
            self.round.follow_up_by_voice(answer, follow_up)
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot score the follow-up: {exc}"))

    @work(thread=True, exclusive=True, group="record", exit_on_error=False)
    def _typed_follow_up(self, answer: ScoredAnswer, follow_up: FollowUp, text: str) -> None:
        assert self.round is not None
        try:
            self.round.follow_up_typed(answer, follow_up, text)
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot score the follow-up: {exc}"))

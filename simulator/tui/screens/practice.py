"""A practice round: record when ready, see the result, retry or go on."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType

from simulator.round_events import ScoredAnswer
from simulator.tui.screens.common import Loaded, WorkerFailed
from simulator.tui.screens.correction import CorrectionScreen
from simulator.tui.screens.round import RoundScreen
from simulator.tui.widgets.result import ResultData, ResultView


class PracticeScreen(RoundScreen):
    mode = "practice"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "record", "Record", id="practice.record"),
        Binding("s", "stop", "Stop", id="practice.stop"),
        Binding("a", "replay", "Read again", id="practice.replay"),
        Binding("f", "follow_up", "Follow-up", id="practice.follow_up"),
        Binding("t", "retry", "Retry", id="practice.retry"),
        Binding("p", "play", "Play answer", id="practice.play"),
        Binding("n", "next", "Next", id="practice.next"),
        Binding("e", "correct", "Correct transcript", id="practice.correct"),
    ]
    ALLOWED: ClassVar[dict[str, set[str]]] = {
        "record": {"asking", "ready", "follow_up_ready"},
        "follow_up": {"result"},
        "stop": {"recording"},
        "replay": {"asking", "ready", "result"},
        "retry": {"result"},
        "play": {"result"},
        "next": {"asking", "ready", "result"},
        "correct": {"result"},
    }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "record" and self.typed:
            return False
        spoken = self.last_answer is not None and self.last_answer.recording is not None
        if action in ("play", "correct") and not spoken:
            return False
        if action == "follow_up" and self.follow_up is None:
            return False
        return super().check_action(action, parameters)

    def after_spoken(self) -> None:
        if self.typed:
            self.set_state("ready", "Type your answer below and press Enter.")
        else:
            self.set_state("ready", "Press r to record; s stops (or just stop talking).")

    def recording_status(self) -> str:
        return "Recording — press s to stop, or just stop talking."

    def answer_ready(self, answer: ScoredAnswer) -> None:
        self.show_result(answer)
        self.set_state("result", self._result_status())
        if self.follow_up is not None:
            self.speak_follow_up()

    def _result_status(self) -> str:
        if self.follow_up is not None:
            return (
                f"Follow-up: {self.follow_up.prompt}\nf answer it · t retry · p play back · n next"
            )
        return "Saved. t retry · p play back · n next · Esc end"

    def followed_up(self, answer: ScoredAnswer) -> None:
        self.show_result(answer)
        self.set_state("result", "Saved with the follow-up. t retry · p play back · n next")

    def show_result(self, answer: ScoredAnswer) -> None:
        result = self.query_one("#result", ResultView)
        result.show(ResultData.from_answer(answer))
        result.display = True
        result.focus()

    # --- actions ---------------------------------------------------------------------------

    def action_record(self) -> None:
        if self.state == "follow_up_ready":
            self.start_follow_up_recording()
        elif not self.typed:
            self.start_recording()

    def action_follow_up(self) -> None:
        if self.follow_up is not None:
            self.query_one("#result").display = False
            self.take_follow_up()

    def action_stop(self) -> None:
        self.stop_answer()

    def action_replay(self) -> None:
        if self.round is not None:
            self.speak()

    def action_retry(self) -> None:
        self.show_question(self.index, speak=False)

    def action_play(self) -> None:
        answer = self.last_answer
        if answer is not None and answer.recording is not None:
            self._play(str(answer.recording.path))

    def action_next(self) -> None:
        self.stop_speech()
        self.advance()

    def action_correct(self) -> None:
        answer = self.last_answer
        if answer is not None and answer.recording is not None:
            screen = CorrectionScreen(answer.coverage.transcript)
            self.app.push_screen(screen, lambda text: self._judge_again(answer, text))

    def _judge_again(self, answer: ScoredAnswer, text: str | None) -> None:
        if text is not None:
            self._save_correction(answer, text)

    @work(thread=True, exclusive=True, group="correct", exit_on_error=False)
    def _save_correction(self, answer: ScoredAnswer, text: str) -> None:
        try:
            assert self.round is not None
            self.post_message(Loaded("corrected", (answer, self.round.correct(answer, text))))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot judge the correction: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        before, after = message.value
        if self.last_answer is not before or self.state != "result":
            return  # the round moved on; the correction is saved all the same
        self.last_answer = after
        self.show_result(after)
        if after.follow_up is None and self.round is not None:  # not answered yet
            asked, self.follow_up = self.follow_up, self.round.follow_up_for(after)
            self.set_state("result", self._result_status())
            if self.follow_up is not None and self.follow_up != asked:
                self.speak_follow_up()  # the point it asked about was made after all
        self.notify(
            f"{before.coverage.coverage:.0%} → {after.coverage.coverage:.0%}", title="Judged again"
        )

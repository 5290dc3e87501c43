"""What practice rounds and timed drills share on screen: a view over the round service.

The service (``simulator.rounds.Round``) does the work: speaking, recording, transcribing,
judging and saving. This screen calls it from thread workers (``_setup``, ``_speak``,
``_record``, ``_typed``, ``_end``), turns its events into messages, and shows them; the
practice and drill screens decide what happens between questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from questions.bank import Question
from questions.follow_up import FollowUp
from simulator.round_events import (
    FollowedUp,
    Listening,
    Problem,
    RoundEvent,
    Scored,
    ScoredAnswer,
    Spoken,
    Transcribing,
)
from simulator.rounds import Round, RoundConfig, RoundPlan
from simulator.tui.screens.common import Services, WorkerFailed
from simulator.tui.screens.round_follow_up import FollowUpSteps
from simulator.tui.screens.summary import SummaryScreen
from simulator.tui.widgets.card import LivePanel, QuestionCard
from simulator.tui.widgets.result import ResultView


@dataclass
class SetupDone(Message):
    silent_reason: str  # why questions are not spoken ("" when they are)
    typed_reason: str  # why answers are typed ("" when there is a microphone)


@dataclass
class Reported(Message):
    """An event of the round service, delivered on the screen's thread."""

    event: RoundEvent


@dataclass
class RoundEnded(Message):
    pass


class RoundScreen(FollowUpSteps, Screen[None]):
    """Asks the plan's questions one by one; subclasses decide what happens between them."""

    mode: ClassVar[str] = "practice"
    AUTO_FOCUS = None  # keys go to the screen's bindings unless answers are typed
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "end", "End round", id="round.end"),
        Binding("k", "skip_speech", "Skip reading", id="round.skip_speech"),
    ]
    # which actions each state allows (others are hidden from the footer)
    ALLOWED: ClassVar[dict[str, set[str]]] = {}

    def __init__(self, plan: RoundPlan) -> None:
        super().__init__()
        self.plan = plan
        self.index = 0
        self.state = "setup"
        self.round: Round | None = None
        self.typed_reason = ""
        self.last_answer: ScoredAnswer | None = None
        self.follow_up: FollowUp | None = None  # asked about the last answer, not yet answered
        self.started_at = 0.0
        self._speaking = False
        self._finish_pending = False  # Esc while answering: keep that answer, then end
        self._closing = False  # ended (or the app quit) before the round was set up
        self._config: RoundConfig | None = None
        self.answering_follow_up = False
        count = len(plan.questions)
        self.sub_title = f"{self.mode.capitalize()} · {count} question{'s' * (count != 1)}"

    # --- helpers ---------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    @property
    def config(self) -> RoundConfig:
        """The round's configuration, fixed when it starts (Settings apply to the next one)."""
        if self._config is None:
            self._config = RoundConfig.for_mode(self.mode, self.services.settings)
        return self._config

    @property
    def question(self) -> Question:
        return self.plan.questions[self.index]

    @property
    def answers(self) -> list[ScoredAnswer]:
        return self.round.answers if self.round is not None else []

    @property
    def typed(self) -> bool:
        return self.round is None or self.round.typed

    def set_state(self, state: str, status: str = "") -> None:
        self.state = state
        if status:
            self.query_one("#status", Static).update(Text(status))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skip_speech":
            return self._speaking
        if action == "retry" and not self.config.retries:
            return False
        allowed = self.ALLOWED.get(action)
        if allowed is None:
            return True
        return self.state in allowed

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield QuestionCard(id="card")
        yield Static(id="notice")
        yield Static(id="status")
        yield LivePanel(id="live")
        yield Input(placeholder="Type your answer and press Enter", id="typed", disabled=True)
        yield ResultView(id="result")
        yield Footer()

    def on_mount(self) -> None:
        self.started_at = self.services.clock()
        self.set_state("setup", "Getting the voice, microphone and speech model ready…")
        for name in ("#live", "#typed", "#result"):
            self.query_one(name).display = False
        self.set_interval(0.1, self._tick)
        self._setup()

    # --- workers: each calls the round service and reports back ----------------------------

    @work(thread=True, exclusive=True, group="setup", exit_on_error=False)
    def _setup(self) -> None:
        s = self.services
        try:
            devices = s.devices()
            extra = {"detect_speech": s.detect_speech} if s.detect_speech else {}
            rnd = Round(
                self.plan,
                self.config,
                devices,
                s.history,
                s.judge,
                s.recordings_dir,
                on_event=lambda event: self.post_message(Reported(event)),
                **extra,  # type: ignore[arg-type]
            )
            if self._closing:  # Esc or quit while the devices were being set up
                rnd.abandon()
                return
            rnd.open()
            self.round = rnd
            self.post_message(SetupDone(rnd.silent_reason, devices.typed_reason))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot start the round: {exc}"))

    @work(thread=True, exclusive=True, group="speak", exit_on_error=False)
    def _speak(self, question: Question) -> None:
        assert self.round is not None
        self.round.ask(question)  # reports Spoken

    @work(thread=True, exclusive=True, group="record", exit_on_error=False)
    def _record(self, question: Question) -> None:
        assert self.round is not None
        try:
            self.round.answer_by_voice(question)
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot score the answer: {exc}"))

    @work(thread=True, exclusive=True, group="record", exit_on_error=False)
    def _typed(self, question: Question, text: str) -> None:
        assert self.round is not None
        try:
            self.round.answer_typed(question, text)
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot score the answer: {exc}"))

    @work(thread=True, exclusive=True, group="play", exit_on_error=False)
    def _play(self, path: str) -> None:
        factory = self.services.make_player
        if factory is None:
            self.post_message(WorkerFailed("No sound output to play the answer on."))
            return
        try:
            factory().play(path)  # type: ignore[arg-type]
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot play the answer: {exc}"))

    @work(thread=True, exclusive=True, group="end", exit_on_error=False)
    def _end(self) -> None:
        try:
            if self.round is not None:
                self.round.close()
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot close the session: {exc}"))
        self.post_message(RoundEnded())

    # --- what the round reports --------------------------------------------------------------

    def on_setup_done(self, message: SetupDone) -> None:
        self.typed_reason = message.typed_reason
        lines = []
        if message.silent_reason:
            lines.append(f"Questions are shown, not spoken: {message.silent_reason}")
        if message.typed_reason:
            lines.append(f"No microphone, so answers are typed: {message.typed_reason}")
        notice = self.query_one("#notice", Static)
        notice.update(Text("\n".join(lines)))
        notice.display = bool(lines)
        if not self.plan.questions:
            self.set_state("done", "No questions match this choice.")
            return
        self.show_question(0)

    def on_reported(self, message: Reported) -> None:
        match message.event:
            case Spoken(question=question, problem=problem):
                self._spoken(question, problem)
            case Listening():
                self.set_state("recording", self.recording_status())
                self.query_one("#live").display = True
            case Transcribing(stopped_by=stopped_by):
                why = {"silence": "you stopped talking", "time_limit": "time is up"}
                reason = why.get(stopped_by, "stopped")
                self.set_state("transcribing", f"Recording ended ({reason}). Transcribing…")
            case Problem(text=text, kept=kept):
                self.notify(text, severity="error", timeout=8, markup=False)
                if not kept:
                    self._failed(text)
            case Scored(answer=answer):
                self._scored(answer)
            case FollowedUp(answer=answer):
                self.follow_up = None
                self.answering_follow_up = False
                self.last_answer = answer
                self.query_one("#live").display = False
                self.query_one("#typed").display = False
                if self._finish_pending:
                    self.set_state("scored")
                    self.finish()
                else:
                    self.followed_up(answer)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", timeout=8, markup=False)
        self._failed(message.text)

    def _failed(self, text: str) -> None:
        if self._finish_pending:
            self.set_state("scored")
            self.finish()
        elif self.state in ("setup",):
            self.set_state("done", text)
        elif self.state in ("starting", "recording", "transcribing"):
            self.query_one("#live").display = False
            self.recover_after_failure(text)

    def recover_after_failure(self, text: str) -> None:
        """An answer could not be taken: let the candidate give it again, the same way."""
        if self.answering_follow_up:
            self.answering_follow_up = False
            self.take_follow_up()
            return
        if self.typed:
            typed = self.query_one("#typed", Input)
            typed.disabled, typed.display = False, True
            typed.focus()
            self.set_state("ready", f"{text} — type your answer again")
        else:
            self.set_state("ready", f"{text} — press r to try again")

    def _spoken(self, question: Question, problem: str) -> None:
        """Reading ended. Only the reading of the question now on screen moves the round on
        (a reading cut short by "next" reports too, for the question before)."""
        self._speaking = False
        self.refresh_bindings()
        if problem:
            self.notify(f"Questions are shown, not spoken from now on: {problem}", markup=False)
        if question is self.question and self.state == "asking":
            self.after_spoken()
        elif question is self.question and self.state == "follow_up_asking":
            self.set_state("follow_up_ready", self.follow_up_status())

    def _scored(self, answer: ScoredAnswer) -> None:
        self.last_answer = answer
        self.follow_up = self.round.follow_up_for(answer) if self.round else None
        self.query_one("#live").display = False
        self.query_one("#typed").display = False
        if self._finish_pending:
            self.set_state("scored")
            self.finish()
        else:
            self.answer_ready(answer)

    def on_round_ended(self, message: RoundEnded) -> None:
        total = self.services.clock() - self.started_at
        for _ in range(len(self.app.screen_stack)):  # close help or a palette opened on top
            if self.app.screen is self or len(self.app.screen_stack) < 2:
                break
            self.app.pop_screen()
        session_id = self.round.session_id if self.round else None
        self.app.switch_screen(SummaryScreen(self.mode, self.answers, session_id, total))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.state in ("follow_up_asking", "follow_up_ready"):
            self._submit_follow_up(event)
            return
        if self.state not in ("asking", "ready"):
            return
        text = event.value.strip()
        if not text:
            self.notify("Type an answer first (or press Escape to end the round).", markup=False)
            return
        self.stop_speech()
        event.input.disabled = True
        self.set_state("transcribing", "Scoring your answer…")
        self._typed(self.question, text)

    # --- the round -------------------------------------------------------------------------

    def show_question(self, index: int, *, speak: bool = True) -> None:
        self.index = index
        self.query_one("#card", QuestionCard).show(
            self.question, index + 1, len(self.plan.questions)
        )
        self.query_one("#result").display = False
        self.query_one("#live").display = False
        typed = self.query_one("#typed", Input)
        typed.disabled = not self.typed
        typed.display = self.typed
        if self.typed:
            typed.value = ""
            typed.focus()
        if speak:
            self.set_state(
                "asking", "Reading the question aloud…" + ("" if self.typed else " (k skips)")
            )
            self.speak()
        else:
            self.after_spoken()

    def start_recording(self) -> None:
        self.stop_speech()
        self.set_state("starting", "Starting the microphone (and the speech model)…")
        self._record(self.question)

    def speak(self) -> None:
        """Read the current question aloud in a worker (stopping any reading in progress)."""
        self.stop_speech()
        self._speaking = True
        self.refresh_bindings()
        self._speak(self.question)

    def stop_speech(self) -> None:
        if self.round is not None and self._speaking:
            self.round.stop_speaking()

    def stop_answer(self) -> None:
        if self.round is not None:
            self.round.stop()

    def finish(self) -> None:
        if self.state == "done":
            return
        if self.round is None:
            self._closing = True  # setup is still running: it lets the devices go
        if self.state in ("starting", "recording", "transcribing"):
            self._finish_pending = True
            self.stop_answer()
            self.query_one("#status", Static).update(Text("Saving this answer, then ending…"))
            return
        self.stop_speech()
        self.set_state("done", "Saving…")
        self._end()

    def advance(self) -> None:
        if self.index + 1 < len(self.plan.questions):
            self.show_question(self.index + 1)
        else:
            self.finish()

    def _tick(self) -> None:
        if self.state == "recording" and self.round is not None:
            live = self.round.live(self.question)
            if live is not None:
                self.query_one("#live", LivePanel).show(
                    live.level,
                    live.elapsed_s,
                    live.limit_s,
                    live.partial,
                    countdown=self.mode == "drill",
                )
        self.tick()

    def on_unmount(self) -> None:
        """Quitting mid-round: an answer being recorded stays on disk for ``recover``; every
        finished answer is already saved."""
        self._closing = True
        if self.round is not None:
            self.round.abandon()

    # --- hooks for practice and drill ------------------------------------------------------

    def after_spoken(self) -> None:
        raise NotImplementedError

    def answer_ready(self, answer: ScoredAnswer) -> None:
        raise NotImplementedError

    def followed_up(self, answer: ScoredAnswer) -> None:
        """The follow-up was answered (or skipped); ``answer`` carries both parts."""
        raise NotImplementedError

    def recording_status(self) -> str:
        return "Recording…"

    def tick(self) -> None:
        return None

    # --- actions ---------------------------------------------------------------------------

    def action_end(self) -> None:
        self.finish()

    def action_skip_speech(self) -> None:
        self.stop_speech()

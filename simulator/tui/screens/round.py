"""What practice rounds and timed drills share: devices, speaking, recording, saving.

Every blocking call runs in a thread worker that reports back with a small message:
``_setup`` (speaker, microphone, model loading in the background), ``_speak`` (TTS),
``_record`` (microphone until a stop key, silence or the time limit, then the last words are
transcribed), ``_save`` (score + delivery + History, committed before the result is shown).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import get_current_worker

from audio.ports import AudioError, RecordingResult
from questions.bank import Question
from simulator.delivery import Delivery, analyse
from simulator.session import Answer, BackgroundModel, Session
from simulator.tui.screens.common import RoundPlan, Services, WorkerFailed
from simulator.tui.widgets.card import LivePanel, QuestionCard
from simulator.tui.widgets.result import ResultView


@dataclass
class SetupDone(Message):
    silent_reason: str  # why questions are not spoken ("" when they are)
    typed_reason: str  # why answers are typed ("" when there is a microphone)


@dataclass
class Spoken(Message):
    problem: str
    replay: bool


@dataclass
class RecordingStarted(Message):
    pass


@dataclass
class RecordingEnded(Message):
    stopped_by: str


@dataclass
class AnswerSaved(Message):
    answer: Answer
    delivery: Delivery
    attempt_id: int


@dataclass
class RoundEnded(Message):
    pass


@dataclass(frozen=True)
class AnswerSummary:
    """One answered question, as the end-of-round summary shows it."""

    question_id: str
    coverage: float
    answer_s: float | None
    over_time: bool
    first_word_s: float | None


class RoundScreen(Screen[None]):
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
        self.session: Session | None = None
        self.session_id: int | None = None
        self.typed_reason = ""
        self.answers: list[AnswerSummary] = []
        self.last_answer: Answer | None = None
        self.started_at = 0.0
        self._stop_requested = threading.Event()
        self._leaving = False
        self._session_ended = False
        self._speaking = False
        self._finish_pending = False  # Esc while answering: keep that answer, then end
        count = len(plan.questions)
        self.sub_title = f"{self.mode.capitalize()} · {count} question{'s' * (count != 1)}"

    # --- helpers ---------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    @property
    def question(self) -> Question:
        return self.plan.questions[self.index]

    def set_state(self, state: str, status: str = "") -> None:
        self.state = state
        if status:
            self.query_one("#status", Static).update(Text(status))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skip_speech":
            return self._speaking
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

    # --- workers ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="setup", exit_on_error=False)
    def _setup(self) -> None:
        s = self.services
        try:
            model = BackgroundModel(lambda: s.load_transcriber(s.settings))  # loads meanwhile
            speaker = s.make_speaker(s.settings)
            try:
                recorder = s.make_recorder(s.settings)
                reason = "" if recorder is not None else "no microphone was found"
            except AudioError as exc:
                recorder, reason = None, str(exc)
            extra: dict[str, Any] = {}
            if s.detect_speech is not None:
                extra["detect_speech"] = s.detect_speech
            self.session = Session(speaker, recorder, model, s.recordings_dir, **extra)
            bank_id = self.plan.questions[0].bank_id if self.plan.questions else ""
            self.session_id = s.history.start_session(self.plan.mode, bank_id)
            silent = "" if speaker.available else speaker.reason
            self.post_message(SetupDone(silent, reason))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot start the round: {exc}"))

    @work(thread=True, exclusive=True, group="speak", exit_on_error=False)
    def _speak(self, question: Question, replay: bool) -> None:
        assert self.session is not None
        try:
            problem = self.session.ask(question)
        except Exception as exc:  # ask() handles AudioError; anything else: go on silently
            problem = f"cannot speak: {exc}"
        self.post_message(Spoken(problem, replay))

    @work(thread=True, exclusive=True, group="record", exit_on_error=False)
    def _record(self, question: Question) -> None:
        session = self.session
        assert session is not None and session.recorder is not None
        recorder = session.recorder
        worker = get_current_worker()
        try:
            session.start_recording(question, question.time_limit_s)
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot record: {exc}"))
            return
        self.post_message(RecordingStarted())
        result: RecordingResult | None = None
        try:
            while result is None:
                if self._stop_requested.is_set() or worker.is_cancelled:
                    result = recorder.stop()
                else:
                    result = recorder.wait(timeout=0.1)
        except AudioError as exc:
            kept = getattr(exc, "result", None)
            if kept is None:
                self.post_message(WorkerFailed(f"Recording failed: {exc}"))
                return
            self.post_message(WorkerFailed(str(exc)))
            result = kept
        if self._leaving or worker.is_cancelled:
            return  # the WAV stays on disk; `interview-sim recover` can score it
        self.post_message(RecordingEnded(result.stopped_by))
        try:
            answer = session.finish_recording(question, result)
            self._save(answer)
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot score the answer: {exc}"))

    @work(thread=True, exclusive=True, group="record", exit_on_error=False)
    def _typed(self, question: Question, text: str) -> None:
        assert self.session is not None
        try:
            self._save(self.session.typed(question, text))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot score the answer: {exc}"))

    def _save(self, answer: Answer) -> None:
        """Score delivery and commit the attempt at once (runs in a worker thread)."""
        q, rec = answer.question, answer.recording
        delivery = analyse(answer.transcript, q.time_limit_s, rec.duration_s if rec else None)
        assert self.session_id is not None
        attempt_id = self.services.history.add_attempt(
            self.session_id,
            q,
            answer.transcript,
            answer.coverage,
            delivery.to_dict(),
            rec.path if rec else None,
            answer.transcript.model,
        )
        self.post_message(AnswerSaved(answer, delivery, attempt_id))

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
            if self.session_id is not None and not self._session_ended:
                self._session_ended = True
                self.services.history.end_session(self.session_id)
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot close the session: {exc}"))
        self.post_message(RoundEnded())

    # --- message handlers ------------------------------------------------------------------

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

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", timeout=8, markup=False)
        if self._finish_pending:
            self.set_state("scored")
            self.finish()
        elif self.state in ("setup",):
            self.set_state("done", message.text)
        elif self.state in ("starting", "recording", "transcribing"):
            self.set_state("ready", f"{message.text} — press r to try again")
            self.query_one("#live").display = False

    def on_spoken(self, message: Spoken) -> None:
        self._speaking = False
        self.refresh_bindings()
        if message.problem:
            self.notify(
                f"Questions are shown, not spoken from now on: {message.problem}", markup=False
            )
        if not message.replay and self.state == "asking":
            self.after_spoken()

    def on_recording_started(self, message: RecordingStarted) -> None:
        self.set_state("recording", self.recording_status())
        self.query_one("#live").display = True

    def on_recording_ended(self, message: RecordingEnded) -> None:
        why = {"silence": "you stopped talking", "time_limit": "time is up"}.get(
            message.stopped_by, "stopped"
        )
        self.set_state("transcribing", f"Recording ended ({why}). Transcribing the last words…")

    def on_answer_saved(self, message: AnswerSaved) -> None:
        d = message.delivery
        self.last_answer = message.answer
        self.answers.append(
            AnswerSummary(
                message.answer.question.id,
                message.answer.coverage.coverage,
                d.answer_s,
                d.over_time,
                d.time_to_first_word_s,
            )
        )
        self.query_one("#live").display = False
        self.query_one("#typed").display = False
        if self._finish_pending:
            self.set_state("scored")
            self.finish()
        else:
            self.answer_ready(message)

    def on_round_ended(self, message: RoundEnded) -> None:
        from simulator.tui.screens.summary import SummaryScreen

        total = self.services.clock() - self.started_at
        for _ in range(len(self.app.screen_stack)):  # close help or a palette opened on top
            if self.app.screen is self or len(self.app.screen_stack) < 2:
                break
            self.app.pop_screen()
        self.app.switch_screen(SummaryScreen(self.mode, self.answers, self.session_id, total))

    def on_input_submitted(self, event: Input.Submitted) -> None:
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
            self.speak(replay=False)
        else:
            self.after_spoken()

    @property
    def typed(self) -> bool:
        return self.session is None or self.session.recorder is None

    def start_recording(self) -> None:
        self.stop_speech()
        self._stop_requested.clear()
        self.set_state("starting", "Starting the microphone (and the speech model)…")
        self._record(self.question)

    def speak(self, *, replay: bool) -> None:
        """Read the current question aloud in a worker (stopping any reading in progress)."""
        self.stop_speech()
        self._speaking = True
        self.refresh_bindings()
        self._speak(self.question, replay)

    def stop_speech(self) -> None:
        if self.session is not None and self._speaking:
            self.session.speaker.stop()

    def finish(self) -> None:
        if self.state == "done":
            return
        if self.state in ("starting", "recording", "transcribing"):
            self._finish_pending = True
            self._stop_requested.set()
            self.query_one("#status", Static).update(Text("Saving this answer, then ending…"))
            return
        self.stop_speech()
        self._stop_requested.set()
        self.set_state("done", "Saving…")
        self._end()

    def advance(self) -> None:
        if self.index + 1 < len(self.plan.questions):
            self.show_question(self.index + 1)
        else:
            self.finish()

    def _tick(self) -> None:
        session = self.session
        if self.state == "recording" and session is not None and session.recorder is not None:
            rec = session.recorder
            partial = session.stream.partial_text() if session.stream else ""
            self.query_one("#live", LivePanel).show(
                rec.level,
                rec.elapsed_s,
                self.question.time_limit_s,
                partial,
                countdown=self.mode == "drill",
            )
        self.tick()

    def on_unmount(self) -> None:
        """Quitting mid-round: stop devices; every finished answer is already saved."""
        self._leaving = True
        self._stop_requested.set()
        session = self.session
        if session is not None:
            session.speaker.stop()
            session.speaker.close()
        if self.session_id is not None and not self._session_ended:
            self._session_ended = True
            with contextlib.suppress(Exception):
                self.services.history.end_session(self.session_id)

    # --- hooks for practice and drill ------------------------------------------------------

    def after_spoken(self) -> None:
        raise NotImplementedError

    def answer_ready(self, message: AnswerSaved) -> None:
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

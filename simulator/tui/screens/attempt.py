"""One stored attempt (with playback), two attempts side by side, one question's trend."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from simulator import review_stats
from simulator.corrections import TYPED, Correction, correct_transcript
from simulator.history_rows import AttemptRow
from simulator.tui.screens.common import Loaded, Services, WorkerFailed
from simulator.tui.screens.correction import CorrectionScreen
from simulator.tui.widgets.labels import attempt_label
from simulator.tui.widgets.render import trend
from simulator.tui.widgets.result import ResultData, ResultView


class _HistoryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="attempt.back"),
    ]

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    def hint(self, question_id: str) -> str:
        question = self.services.question(question_id)
        return question.hint if question else ""

    def prompt(self, question_id: str) -> str:
        question = self.services.question(question_id)
        if question is None:
            return f"{question_id} (no longer in any bank)"
        return f"{question.id} · {question.section}\n{question.prompt}"

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", markup=False)

    def action_back(self) -> None:
        self.dismiss()


class AttemptScreen(_HistoryScreen):
    """Transcript with highlights, concepts, delivery; p plays, c compares with the previous,
    e corrects what recognition misheard (the answer is judged again)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play", id="attempt.play"),
        Binding("c", "compare", "Compare with previous", id="attempt.compare"),
        Binding("e", "correct", "Correct transcript", id="attempt.correct"),
    ]

    def __init__(self, attempt_id: int) -> None:
        super().__init__()
        self.attempt_id = attempt_id
        self.attempt: AttemptRow | None = None
        self.previous: AttemptRow | None = None
        self.sub_title = f"Attempt {attempt_id}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="attempt-question", classes="card")
        yield ResultView(id="result")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="attempt", exit_on_error=False)
    def _load(self) -> None:
        h = self.services.history
        try:
            attempt = h.attempt(self.attempt_id)
            same = h.attempts(question_id=attempt.question_id)
            earlier = [a for a in same if (a.created_at, a.id) < (attempt.created_at, attempt.id)]
            later = [a for a in same if a.id != attempt.id and a not in earlier]
            other = earlier[-1] if earlier else (later[0] if later else None)
            self.post_message(Loaded("attempt", (attempt, other)))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot read the attempt: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "corrected":
            self._corrected(message.value)
            return
        self.attempt, self.previous = message.value
        assert self.attempt is not None
        self.query_one("#attempt-question", Static).update(
            Text(self.prompt(self.attempt.question_id))
        )
        data = ResultData.from_attempt(self.attempt, self.hint(self.attempt.question_id))
        self.query_one("#result", ResultView).show(data)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "play":
            return bool(self.attempt and self.attempt.audio_path)
        if action == "compare":
            return self.previous is not None
        if action == "correct":
            return bool(self.attempt and self.attempt.model != TYPED)
        return True

    @work(thread=True, exclusive=True, group="play", exit_on_error=False)
    def _play(self, path: str) -> None:
        factory = self.services.make_player
        try:
            if factory is None:
                raise RuntimeError("no sound output")
            factory().play(path)  # type: ignore[arg-type]
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot play the answer: {exc}"))

    def action_play(self) -> None:
        if self.attempt and self.attempt.audio_path:
            self._play(self.attempt.audio_path)

    def action_compare(self) -> None:
        if self.attempt and self.previous:
            self.app.push_screen(CompareScreen(self.previous, self.attempt))

    def action_correct(self) -> None:
        if self.attempt:
            self.app.push_screen(CorrectionScreen(self.attempt.transcript), self._judge_again)

    def _judge_again(self, text: str | None) -> None:
        if text is not None:
            self._save_correction(text)

    @work(thread=True, exclusive=True, group="correct", exit_on_error=False)
    def _save_correction(self, text: str) -> None:
        s = self.services
        try:
            done = correct_transcript(s.history, s.questions, s.judge, self.attempt_id, text)
            self.post_message(Loaded("corrected", done))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot judge the correction: {exc}"))

    def _corrected(self, done: Correction) -> None:
        self.notify(done.change, title="Judged again", markup=False)
        self._load()


class CompareScreen(_HistoryScreen):
    """Two attempts of the same question side by side, older left."""

    def __init__(self, left: AttemptRow, right: AttemptRow) -> None:
        super().__init__()
        self.left, self.right = sorted((left, right), key=lambda a: (a.created_at, a.id))
        delta = self.right.coverage - self.left.coverage
        self.sub_title = (
            f"Compare · {self.left.coverage:.0%} → {self.right.coverage:.0%} ({delta:+.0%})"
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.prompt(self.left.question_id)), classes="card")
        with Horizontal(id="compare"):
            for side in (self.left, self.right):
                with Vertical(classes="compare-side"):
                    yield ResultView(ResultData.from_attempt(side, ""), classes="compare-result")
        yield Footer()


class QuestionScreen(_HistoryScreen):
    """Every attempt of one question, its trend, and what it misses most."""

    def __init__(self, question_id: str) -> None:
        super().__init__()
        self.question_id = question_id
        self.sub_title = f"Question {question_id}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.prompt(self.question_id)), classes="card")
        yield Static(id="question-trend")
        yield OptionList(id="question-attempts")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="question", exit_on_error=False)
    def _load(self) -> None:
        h = self.services.history
        try:
            data = (
                review_stats.question_review(h, self.question_id),
                h.attempts(question_id=self.question_id),
            )
            self.post_message(Loaded("question", data))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot read the history: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        review, attempts = message.value
        text = Text()
        if review is not None:
            text.append(f"{len(review.coverages)} tries · last {review.last:.0%}")
            text.append(f" · best {review.best:.0%}  ")
            text.append_text(trend(review.coverages[-30:]))
            if review.missed_most:
                missed = ", ".join(f"{label} ({n}×)" for _, label, n in review.missed_most[:3])
                text.append(f"\nMissed most: {missed}", style="dim")
        self.query_one("#question-trend", Static).update(text)
        listing = self.query_one("#question-attempts", OptionList)
        listing.clear_options()
        listing.add_options(Option(attempt_label(a), id=str(a.id)) for a in attempts[::-1])
        if listing.option_count:
            listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected, "#question-attempts")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(AttemptScreen(int(event.option.id)))

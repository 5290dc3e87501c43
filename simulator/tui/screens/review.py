"""Review: sessions -> attempts -> one attempt; per-question and per-section trends."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from simulator import review_stats
from simulator.history_rows import SessionRow
from simulator.review_stats import QuestionReview
from simulator.tui.screens.attempt import AttemptScreen, QuestionScreen
from simulator.tui.screens.common import Loaded, Services, WorkerFailed
from simulator.tui.widgets.labels import attempt_label, fit, session_label
from simulator.tui.widgets.render import bar, level_colour, trend

ID_COLUMN = 24  # the Questions table's id column; longer ids are cut with an ellipsis


class ReviewScreen(Screen[None]):
    SUB_TITLE = "Review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="review.back"),
        Binding("f5", "reload", "Reload", id="review.reload"),
    ]

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="review-tabs"):
            with TabPane("Sessions", id="tab-sessions"), Horizontal(id="review-lists"):
                yield OptionList(id="sessions")
                yield OptionList(id="attempts")
            with TabPane("Questions", id="tab-questions"):
                yield DataTable(id="questions", cursor_type="row", zebra_stripes=True)
            with TabPane("Sections", id="tab-sections"):
                yield Static(id="section-trends")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sessions").border_title = "Sessions"
        self.query_one("#attempts").border_title = "Attempts (Enter opens)"
        table = self.query_one("#questions", DataTable)
        table.add_columns("question", "tries", "last", "best", "trend")
        self.query_one("#sessions").focus()  # Enter opens a session at once, not the tab bar
        self.action_reload()

    def action_reload(self) -> None:
        self._load_overview()

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _load_overview(self) -> None:
        h = self.services.history
        try:
            sessions = [s for s in h.sessions() if s.attempt_count][::-1]
            data = (
                sessions,
                review_stats.review(h),
                review_stats.section_trends(h, self.services.questions),
            )
            self.post_message(Loaded("overview", data))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot read the history: {exc}"))

    @work(thread=True, exclusive=True, group="attempts", exit_on_error=False)
    def _load_attempts(self, session_id: int) -> None:
        try:
            rows = self.services.history.attempts(session_id=session_id)
            self.post_message(Loaded("attempts", rows))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot read the history: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "overview":
            self._show_overview(*message.value)
        elif message.what == "attempts":
            attempts = self.query_one("#attempts", OptionList)
            attempts.clear_options()
            attempts.add_options(Option(attempt_label(a), id=str(a.id)) for a in message.value)
            if attempts.option_count:
                attempts.highlighted = 0

    def _show_overview(
        self,
        sessions: list[SessionRow],
        reviews: list[QuestionReview],
        sections: dict[str, list[tuple[Any, float]]],
    ) -> None:
        listing = self.query_one("#sessions", OptionList)
        listing.clear_options()
        if sessions:
            listing.add_options(Option(session_label(s), id=str(s.id)) for s in sessions)
            listing.highlighted = 0
        else:
            listing.add_option(Option(Text("No answers yet.", style="dim"), disabled=True))
        table = self.query_one("#questions", DataTable)
        table.clear()
        for r in reviews:
            table.add_row(
                fit(r.question_id, ID_COLUMN),
                str(len(r.coverages)),
                Text(f"{r.last:.0%}", style=level_colour(r.last)),
                f"{r.best:.0%}",
                trend(r.coverages[-20:]),
                key=r.question_id,
            )
        text = Text()
        for section, days in sections.items():
            values = [v for _, v in days]
            text.append(f"{section:<22} ")
            text.append(f"{values[-1]:4.0%} ", style=level_colour(values[-1]))
            text.append_text(bar(values[-1], 12))
            text.append("  ")
            text.append_text(trend(values[-20:]))
            text.append("\n")
        self.query_one("#section-trends", Static).update(
            text or Text("No answers yet.", style="dim")
        )

    @on(OptionList.OptionHighlighted, "#sessions")
    def _session_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._load_attempts(int(event.option.id))

    @on(OptionList.OptionSelected, "#sessions")
    def _session_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#attempts").focus()

    @on(OptionList.OptionSelected, "#attempts")
    def _attempt_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(AttemptScreen(int(event.option.id)))

    @on(DataTable.RowSelected, "#questions")
    def _question_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(QuestionScreen(str(event.row_key.value)))

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", markup=False)

    def action_back(self) -> None:
        self.dismiss()

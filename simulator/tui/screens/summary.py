"""The end of a round: coverage per question; for drills, times and the previous drill."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from simulator.report_card import render, report_card
from simulator.review_stats import DrillFigures, previous_drill, previous_interview
from simulator.round_events import ScoredAnswer
from simulator.tui.screens.common import Loaded, Services, WorkerFailed
from simulator.tui.screens.review import ReviewScreen
from simulator.tui.widgets.render import bar, level_colour


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


class SummaryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "home", "Home", id="summary.home"),
        Binding("v", "review", "Review", id="summary.review"),
    ]

    def __init__(
        self, mode: str, answers: Sequence[ScoredAnswer], session_id: int | None, total_s: float
    ) -> None:
        super().__init__()
        self.mode = mode
        self.answers = list(answers)
        self.session_id = session_id
        self.total_s = total_s
        titles = {"drill": "Drill summary", "interview": "Report card"}
        self.sub_title = titles.get(mode, "Round summary")

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="summary"):
            yield Static(self._table(), id="summary-table")
            yield Static(self._totals(), id="summary-totals")
            yield Static(id="summary-compare")
        yield Footer()

    def on_mount(self) -> None:
        if self.mode in ("drill", "interview"):
            self._load_previous()

    def _table(self) -> Table | Text:
        if not self.answers:
            return Text("No answers in this round; nothing was saved.", style="dim")
        table = Table(box=None, expand=False, padding=(0, 1))
        table.add_column("question")
        table.add_column("coverage", min_width=26)
        if self.mode == "drill":
            table.add_column("time", justify="right")
            table.add_column("1st word", justify="right")
        for a in self.answers:
            coverage, delivery = a.coverage.coverage, a.delivery
            cov = Text(f"{coverage:4.0%} ", style=level_colour(coverage))
            cov.append_text(bar(coverage, 20))
            row: list[Text | str] = [a.question.id, cov]
            if self.mode == "drill":
                answer_s = _seconds(delivery.answer_s) + (" ⚠" if delivery.over_time else "")
                row += [answer_s, _seconds(delivery.time_to_first_word_s)]
            table.add_row(*row)
        return table

    def _figures(self) -> DrillFigures | None:
        return DrillFigures.of(
            [a.coverage.coverage for a in self.answers],
            [a.delivery.over_time for a in self.answers],
            [a.delivery.time_to_first_word_s for a in self.answers],
        )

    def _totals(self) -> Text:
        now = self._figures()
        if now is None:
            return Text("")
        text = Text(f"\nAverage coverage {now.mean_coverage:.0%} over {now.answers} answers")
        if self.mode == "drill":
            minutes, seconds = divmod(round(self.total_s), 60)
            text.append(f"\nTotal time {minutes}:{seconds:02d} · over time {now.over_time}")
            text.append(f" · mean time to first word {_seconds(now.mean_first_word_s)}")
        text.append("\nEvery answer is saved. Enter: home · v: review", style="dim")
        return text

    @work(thread=True, exclusive=True, group="summary", exit_on_error=False)
    def _load_previous(self) -> None:
        try:
            if self.mode == "interview":
                before = previous_interview(self.services.history, self.session_id)
                card = render(report_card(self.answers, before))
                self.post_message(Loaded("card", card))
                return
            figures = previous_drill(self.services.history, self.session_id)
            self.post_message(Loaded("previous", figures))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot read the history: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "card":
            self.query_one("#summary-table", Static).update(Text(message.value))
            self.query_one("#summary-totals", Static).update(
                Text("Every answer is saved. Enter: home · v: review", style="dim")
            )
            return
        before: DrillFigures | None = message.value
        now = self._figures()
        target = self.query_one("#summary-compare", Static)
        if before is None or now is None:
            target.update(Text("\nNo earlier drill to compare with.", style="dim"))
            return
        delta = now.mean_coverage - before.mean_coverage
        text = Text("\nCompared with your previous drill: ", style="bold")
        style = level_colour(0.8 if delta >= 0 else 0.0)
        text.append(f"coverage {before.mean_coverage:.0%} → {now.mean_coverage:.0%} ")
        text.append(f"({delta:+.0%})", style=f"bold {style}")
        text.append(f"\nover time {before.over_time} → {now.over_time}")
        text.append(
            f" · first word {_seconds(before.mean_first_word_s)} → "
            f"{_seconds(now.mean_first_word_s)}"
        )
        target.update(text)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", markup=False)

    def action_home(self) -> None:
        self.dismiss()

    def action_review(self) -> None:
        self.app.switch_screen(ReviewScreen())

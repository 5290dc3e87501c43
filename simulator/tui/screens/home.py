"""Home: choose mode, sections, count and order; recent sessions and progress at a glance."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Header,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)

from simulator import review_stats
from simulator.history_rows import SessionRow
from simulator.tui.screens.common import Loaded, Services, WorkerFailed
from simulator.tui.widgets.labels import session_label
from simulator.tui.widgets.render import bar, level_colour, trend

COUNTS = [("3", 3), ("5", 5), ("10", 10), ("all", 0)]
ORDERS = [("weakest", "weakest"), ("in order", "fixed"), ("shuffled", "shuffle")]


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "start('practice')", "Practice", id="home.practice"),
        Binding("d", "start('drill')", "Drill", id="home.drill"),
        Binding("i", "start('interview')", "Interview", id="home.interview"),
        Binding("v", "start('review')", "Review", id="home.review"),
    ]

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        sections = self.services.questions.sections()
        yield Header()
        with Horizontal(id="home"):
            with Vertical(id="home-form"):
                with RadioSet(id="mode"):
                    yield RadioButton("Practice", value=True, id="mode-practice")
                    yield RadioButton("Drill", id="mode-drill")
                    yield RadioButton("Interview", id="mode-interview")
                    yield RadioButton("Review", id="mode-review")
                yield SelectionList[str](*((s, s) for s in sections), id="sections")
                with Horizontal(id="home-options"):
                    yield Select(COUNTS, value=5, allow_blank=False, id="count")
                    yield Select(ORDERS, value="weakest", allow_blank=False, id="order")
                yield Button("Start", variant="primary", id="start")
            with Vertical(id="home-stats"):
                yield Static(id="recent")
                yield Static(id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{len(self.services.questions)} questions"
        self.query_one("#mode").border_title = "Mode"
        self.query_one("#sections").border_title = "Sections (none ticked = all)"
        self.query_one("#home-options").border_title = "Questions · order"
        self.query_one("#recent").border_title = "Last sessions"
        self.query_one("#progress").border_title = "Progress by section"
        self.query_one("#start").focus()
        self._load_stats()

    def on_screen_resume(self) -> None:
        self._load_stats()

    @work(thread=True, exclusive=True, group="home", exit_on_error=False)
    def _load_stats(self) -> None:
        h = self.services.history
        try:
            recent = [s for s in h.sessions() if s.attempt_count][-6:][::-1]
            trends = review_stats.section_trends(h, self.services.questions)
            self.post_message(Loaded("stats", (recent, trends)))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot read the history: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        recent, trends = message.value
        self._show_stats(recent, trends)

    def _show_stats(self, recent: list[SessionRow], trends: dict[str, Any]) -> None:
        text = Text()
        for row in recent:
            text.append_text(session_label(row))
            text.append("\n")
        text.rstrip()
        self.query_one("#recent", Static).update(
            text or Text("No sessions yet: start a practice round.", style="dim")
        )
        progress = Text()
        for section in self.services.questions.sections():
            values = [v for _, v in trends.get(section, [])]
            progress.append(f"{section[:15]:<15} ")
            if not values:
                progress.append("not practised\n", style="dim")
                continue
            progress.append(f"{values[-1]:4.0%} ", style=level_colour(values[-1]))
            progress.append_text(bar(values[-1], 6))
            progress.append(" ")
            progress.append_text(trend(values[-6:]))
            progress.append("\n")
        progress.rstrip()
        self.query_one("#progress", Static).update(progress)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", markup=False)

    # --- starting --------------------------------------------------------------------------

    def chosen_mode(self) -> str:
        pressed = self.query_one("#mode", RadioSet).pressed_button
        return (pressed.id or "mode-practice").removeprefix("mode-") if pressed else "practice"

    def options(self) -> dict[str, Any]:
        count = self.query_one("#count", Select).value
        order = self.query_one("#order", Select).value
        return {
            "sections": list(self.query_one("#sections", SelectionList).selected),
            "count": int(count) if isinstance(count, int) and count > 0 else None,
            "order": order if isinstance(order, str) else "weakest",
        }

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start(self.chosen_mode())

    def action_start(self, mode: str) -> None:
        self.app.start_mode(mode, **self.options())  # type: ignore[attr-defined]

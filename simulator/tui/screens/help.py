"""The help screen: what each key does, where."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("Anywhere", "?", "this help"),
    ("", "ctrl+p", "command palette: every main action"),
    ("", "f2", "settings"),
    ("", "ctrl+q", "quit (finished answers are always saved)"),
    ("Home", "p / d / i / v", "start practice / drill / mock interview / review"),
    ("Practice", "r / s", "record / stop (or just stop talking)"),
    ("", "k / a", "skip the reading / read the question again"),
    ("", "f", "answer the follow-up the interviewer asked"),
    ("", "t / p / n", "retry / play your answer / next question"),
    ("", "e", "fix a misheard transcript (judged again)"),
    ("", "esc", "end the round"),
    ("Interview", "r / s", "answer / done (feedback comes in the report card)"),
    ("Drill", "space", "start recording before the countdown ends"),
    ("", "s", "done early (the time limit stops you anyway)"),
    ("Review", "enter", "open a session, an attempt, a question"),
    ("", "p / c", "play the attempt / compare with the one before"),
    ("", "e", "fix a misheard transcript (judged again)"),
    ("Settings", "ctrl+s", "save"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 1), show_header=False)
        table.add_column(style="bold")
        table.add_column(style="bold")
        table.add_column()
        for where, key, what in KEYS:
            table.add_row(where, key, what)
        with VerticalScroll(id="help"):
            yield Static(table)
            yield Static(
                "Typed answers are used when there is no microphone; the screen says why.",
                classes="dim",
            )

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
        self.query_one("#help").border_subtitle = "esc closes"

    def action_close(self) -> None:
        self.dismiss()

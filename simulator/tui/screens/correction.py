"""The dialog in which a spoken answer's transcript is corrected: what recognition misheard,
typed as it was said. Ctrl+S judges the answer again on it; esc leaves it as it is."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea


class CorrectionScreen(ModalScreen[str | None]):
    """Returns the corrected text, or None when cancelled or left unchanged."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Judge again", id="correction.save"),
        Binding("escape", "cancel", "Cancel", id="correction.cancel"),
    ]

    def __init__(self, transcript: str) -> None:
        super().__init__()
        self.transcript = transcript

    def compose(self) -> ComposeResult:
        with Vertical(id="correction"):
            yield Static(
                "Fix only the words recognition got wrong; what it heard is kept beside "
                "your correction.",
                classes="dim",
            )
            yield TextArea(self.transcript, id="corrected", soft_wrap=True)

    def on_mount(self) -> None:
        box = self.query_one("#correction")
        box.border_title = "Correct the transcript"
        box.border_subtitle = "ctrl+s judges it again · esc cancels"
        self.query_one("#corrected", TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one("#corrected", TextArea).text
        if not text.strip():
            self.notify("The transcript is empty: type what you said.", severity="warning")
            return
        self.dismiss(None if text == self.transcript else text)

    def action_cancel(self) -> None:
        self.dismiss(None)

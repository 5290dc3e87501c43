"""Settings: microphone, voice, rate, model, silence stop, drill preparation; saved as TOML."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select

from simulator.config import Settings
from simulator.tui.screens.common import Loaded, Services, WorkerFailed

DEFAULT_DEVICE = "(system default)"


class SettingsScreen(Screen[None]):
    SUB_TITLE = "Settings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "back", "Back", id="settings.back"),
    ]

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        s = self.services.settings
        device = s.input_device or DEFAULT_DEVICE
        yield Header()
        with VerticalScroll(id="settings-form"):
            yield self._row(
                "Microphone",
                Select([(device, device)], value=device, allow_blank=False, id="input_device"),
            )
            yield self._row("Voice", Input(s.voice or "", placeholder="espeak default", id="voice"))
            yield self._row(
                "Rate (words/min)", Input(str(s.rate_wpm), type="integer", id="rate_wpm")
            )
            yield self._row("Speech model", Input(s.model, placeholder="tiny.en", id="model"))
            yield self._row(
                "Silence stop (s, 0 off)",
                Input(f"{s.silence_stop_s:g}", type="number", id="silence_stop_s"),
            )
            yield self._row(
                "Drill prepare (s)",
                Input(str(s.drill_prepare_s), type="integer", id="drill_prepare_s"),
            )
            yield Button("Save", variant="primary", id="save")
        yield Footer()

    @staticmethod
    def _row(label: str, field: Select[str] | Input) -> Horizontal:
        return Horizontal(Label(label, classes="settings-label"), field, classes="settings-row")

    def on_mount(self) -> None:
        self._load_devices()

    @work(thread=True, exclusive=True, group="devices", exit_on_error=False)
    def _load_devices(self) -> None:
        try:
            self.post_message(Loaded("devices", self.services.list_devices()))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot list microphones: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "devices":
            select = self.query_one("#input_device", Select)
            current = select.value
            options = [(DEFAULT_DEVICE, DEFAULT_DEVICE), *message.value]
            if current not in {value for _, value in options}:
                options.append((f"{current} (saved, not found)", str(current)))
            select.set_options(options)
            select.value = current
        elif message.what == "saved":
            self.services.settings = message.value
            self.notify("Settings saved; they apply from the next round.", markup=False)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", markup=False)

    def read_form(self) -> Settings:
        """The settings as entered; ValueError names the field that is wrong."""

        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value.strip()

        def number(name: str, label: str, low: float, high: float) -> float:
            try:
                value = float(text(name))
            except ValueError:
                raise ValueError(f"{label}: enter a number") from None
            if not low <= value <= high:
                raise ValueError(f"{label}: between {low:g} and {high:g}")
            return value

        device = self.query_one("#input_device", Select).value
        return replace(
            self.services.settings,
            input_device=None if device in (DEFAULT_DEVICE, Select.BLANK) else str(device),
            voice=text("voice") or None,
            rate_wpm=int(number("rate_wpm", "Rate", 80, 400)),
            model=text("model") or "tiny.en",
            silence_stop_s=number("silence_stop_s", "Silence stop", 0, 60),
            drill_prepare_s=int(number("drill_prepare_s", "Drill prepare", 0, 120)),
        )

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            settings = self.read_form()
        except ValueError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self._save(settings)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def _save(self, settings: Settings) -> None:
        try:
            settings.save(self.services.settings_path)
            self.post_message(Loaded("saved", settings))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot save the settings: {exc}"))

    def action_back(self) -> None:
        self.dismiss()

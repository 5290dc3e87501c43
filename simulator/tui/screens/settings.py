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
DEFAULT_VOICE = "(espeak default)"


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
        device = str(s.input_device) if s.input_device is not None else DEFAULT_DEVICE
        voice = s.voice or DEFAULT_VOICE
        yield Header()
        with VerticalScroll(id="settings-form"):
            yield self._row(
                "Microphone",
                Select([(device, device)], value=device, allow_blank=False, id="input_device"),
            )
            yield self._row(
                "Voice", Select([(voice, voice)], value=voice, allow_blank=False, id="voice")
            )
            yield self._row(
                "Rate (words/min)", Input(str(s.rate_wpm), type="integer", id="rate_wpm")
            )
            yield self._row(
                "Speech model",
                Select([(s.model, s.model)], value=s.model, allow_blank=False, id="model"),
            )
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
        self._load_choices()

    @work(thread=True, exclusive=True, group="devices", exit_on_error=False)
    def _load_choices(self) -> None:
        """What exists on this machine: microphones, voices, installed speech models."""
        s = self.services
        for what, listing, default in (
            ("input_device", s.list_devices, DEFAULT_DEVICE),
            ("voice", s.list_voices, DEFAULT_VOICE),
            ("model", s.list_models, None),
        ):
            try:
                options = [(label, value) for label, value in listing()]
            except Exception as exc:
                self.post_message(WorkerFailed(f"Cannot list the {what.replace('_', ' ')}s: {exc}"))
                continue
            if default is not None:
                options.insert(0, (default, default))
            self.post_message(Loaded(what, options))

    def on_loaded(self, message: Loaded) -> None:
        if message.what in ("input_device", "voice", "model"):
            select = self.query_one(f"#{message.what}", Select)
            current = str(select.value)
            options = list(message.value)
            if current not in {value for _, value in options}:
                options.append((f"{current} (saved, not found)", current))
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

        def chosen(name: str, default: str | None = None) -> str | None:
            value = self.query_one(f"#{name}", Select).value
            return None if value in (default, Select.BLANK) else str(value)

        return replace(
            self.services.settings,
            input_device=chosen("input_device", DEFAULT_DEVICE),
            voice=chosen("voice", DEFAULT_VOICE),
            rate_wpm=int(number("rate_wpm", "Rate", 80, 400)),
            model=chosen("model") or "tiny.en",
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

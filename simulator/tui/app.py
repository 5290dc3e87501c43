"""The Textual application: injected services, mode switching, command palette, and
``run_tui``, which wires the real adapters (espeak, the microphone, Whisper, SQLite)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from audio.ports import Player, Recorder, Speaker
from models.transcriber import Transcriber
from questions.bank import QuestionSet
from simulator import config
from simulator.config import Settings
from simulator.history import History
from simulator.tui.screens.common import Loaded, RoundPlan, Services, WorkerFailed, plan_round
from simulator.tui.screens.drill import DrillScreen
from simulator.tui.screens.help import HelpScreen
from simulator.tui.screens.home import HomeScreen
from simulator.tui.screens.practice import PracticeScreen
from simulator.tui.screens.review import ReviewScreen
from simulator.tui.screens.round import RoundScreen
from simulator.tui.screens.settings import SettingsScreen


class InterviewCommands(Provider):
    """The main actions in the command palette (ctrl+p)."""

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self.app
        assert isinstance(app, InterviewApp)
        return [
            ("Practice round", partial(app.start_mode, "practice"), "5 questions, weakest first"),
            ("Timed drill", partial(app.start_mode, "drill"), "countdown, hard stop, no retries"),
            ("Review history", partial(app.start_mode, "review"), "sessions, attempts, trends"),
            ("Settings", app.action_settings, "microphone, voice, model, timings"),
            ("Help: keys", app.action_help, "what every key does"),
            ("Toggle light/dark", app.action_toggle_dark, "switch between light and dark"),
        ]

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)


class InterviewApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "interview-sim"
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {InterviewCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("f2", "settings", "Settings", id="app.settings"),
    ]

    def __init__(
        self,
        *,
        questions: QuestionSet,
        history: History,
        settings: Settings,
        speaker_factory: Callable[[Settings], Speaker],
        recorder_factory: Callable[[Settings], Recorder | None],
        transcriber_loader: Callable[[Settings], Transcriber],
        player_factory: Callable[[], Player] | None = None,
        list_devices: Callable[[], list[tuple[str, str]]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        settings_path: Path | None = None,
        recordings_dir: Path | None = None,
        detect_speech: Callable[[np.ndarray], list[tuple[int, int]]] | None = None,
        mode: str | None = None,
        sections: Sequence[str] = (),
        count: int | None = 5,
        order: str = "weakest",
    ) -> None:
        super().__init__()
        paths = config.paths()
        self.services = Services(
            questions=questions,
            history=history,
            settings=settings,
            settings_path=settings_path or paths.config_file,
            recordings_dir=recordings_dir or history.recordings_dir,
            make_speaker=speaker_factory,
            make_recorder=recorder_factory,
            load_transcriber=transcriber_loader,
            make_player=player_factory,
            list_devices=list_devices or (lambda: []),
            clock=clock,
            detect_speech=detect_speech,
        )
        self.initial = (mode, {"sections": list(sections), "count": count, "order": order})

    def get_default_screen(self) -> Screen[Any]:
        return HomeScreen()

    def on_mount(self) -> None:
        mode, options = self.initial
        if mode:
            self.start_mode(mode, **options)

    # --- modes -----------------------------------------------------------------------------

    def in_round(self) -> bool:
        return any(isinstance(s, RoundScreen) for s in self.screen_stack)

    def start_mode(
        self,
        mode: str,
        sections: Sequence[str] = (),
        count: int | None = 5,
        order: str = "weakest",
    ) -> None:
        """Start practice, drill or review (from home, the palette or ``run_tui``)."""
        if self.in_round():
            self.notify("Finish or end the current round first (Esc).", markup=False)
            return
        if mode == "review":
            self.push_screen(ReviewScreen())
        elif mode in ("practice", "drill"):
            self._plan(mode, tuple(sections), count, order)
        else:
            self.notify(f"Unknown mode {mode!r}", severity="error", markup=False)

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _plan(self, mode: str, sections: tuple[str, ...], count: int | None, order: str) -> None:
        try:  # "weakest" reads the history
            plan = plan_round(self.services, mode, sections, count, order)
            self.post_message(Loaded("plan", plan))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot choose the questions: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "plan":
            plan: RoundPlan = message.value
            if not plan.questions:
                self.notify("No questions match this choice.", severity="warning", markup=False)
            elif not self.in_round():
                screen = DrillScreen(plan) if plan.mode == "drill" else PracticeScreen(plan)
                self.push_screen(screen)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.notify(message.text, severity="error", timeout=8, markup=False)

    # --- actions ---------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_settings(self) -> None:
        if self.in_round():
            self.notify("Settings can be changed between rounds.", markup=False)
        elif not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"


def run_tui(args: argparse.Namespace, mode: str | None = None) -> int:
    """Start the full-screen interface with the real adapters (called by ``simulator.cli``).

    ``args`` may carry ``bank``, ``model``, ``typed``, ``section``, ``count`` and ``order``
    (as ``interview-sim practice`` has them); ``mode`` opens practice, drill or review at once.
    """
    from audio.ports import AudioError
    from simulator.cli import build_transcriber, load_questions

    settings_path = config.paths().config_file
    settings = Settings.load(settings_path)
    questions = load_questions(getattr(args, "bank", None))
    section = getattr(args, "section", None)
    sections = sorted({q.section for q in questions.in_section(section)}) if section else []
    typed = bool(getattr(args, "typed", False))

    def make_speaker(s: Settings) -> Speaker:
        from audio.tts import make_speaker as real_speaker

        return real_speaker(s.voice, s.rate_wpm)

    def make_recorder(s: Settings) -> Recorder | None:
        if typed:
            raise AudioError("asked for with --typed")
        from audio.recorder import SoundDeviceRecorder, find_device

        find_device(s.input_device)  # AudioError with the reason when there is no microphone
        return SoundDeviceRecorder(s.input_device, s.silence_stop_s or None)

    def load_transcriber(s: Settings) -> Transcriber:
        return build_transcriber(args)  # type: ignore[no-any-return]

    def make_player() -> Player:
        from audio.player import SoundDevicePlayer

        return SoundDevicePlayer()

    def list_devices() -> list[tuple[str, str]]:
        from audio.recorder import list_input_devices

        return [
            (f"{d.name}{' (default)' if d.is_default else ''}", d.name)
            for d in list_input_devices()
        ]

    history = History.open()
    try:
        app = InterviewApp(
            questions=questions,
            history=history,
            settings=settings,
            speaker_factory=make_speaker,
            recorder_factory=make_recorder,
            transcriber_loader=load_transcriber,
            player_factory=make_player,
            list_devices=list_devices,
            settings_path=settings_path,
            recordings_dir=config.paths().recordings_dir,
            mode=mode,
            sections=sections,
            count=getattr(args, "count", None) or 5,
            order=getattr(args, "order", None) or "weakest",
        )
        app.run()
    finally:
        history.close()
    return int(app.return_code or 0)

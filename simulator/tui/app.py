"""The Textual application: injected services, mode switching, command palette, and
``run_tui``, which runs it on the composed adapters (``simulator.compose``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from simulator.compose import Composition
from simulator.rounds import INTERVIEW_COUNT, RoundPlan, plan_interview, plan_round
from simulator.tui.screens.common import Loaded, Services, WorkerFailed
from simulator.tui.screens.drill import DrillScreen
from simulator.tui.screens.help import HelpScreen
from simulator.tui.screens.home import HomeScreen
from simulator.tui.screens.interview import InterviewScreen
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
            (
                "Mock interview",
                partial(app.start_mode, "interview", count=INTERVIEW_COUNT),
                "6 questions, follow-ups, a report card at the end",
            ),
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
        services: Services,
        *,
        mode: str | None = None,
        sections: Sequence[str] = (),
        count: int | None = 5,
        order: str = "weakest",
    ) -> None:
        super().__init__()
        self.services = services
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
        elif mode in ("practice", "drill", "interview"):
            self._plan(mode, tuple(sections), count, order)
        else:
            self.notify(f"Unknown mode {mode!r}", severity="error", markup=False)

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _plan(self, mode: str, sections: tuple[str, ...], count: int | None, order: str) -> None:
        try:  # "weakest" reads the history
            wanted = set(sections)
            pool = [q for q in self.services.questions if not wanted or q.section in wanted]
            if mode == "interview":
                plan = plan_interview(pool, self.services.history, count or INTERVIEW_COUNT)
            else:
                plan = plan_round(pool, self.services.history, mode, count, order)
            self.post_message(Loaded("plan", plan))
        except Exception as exc:
            self.post_message(WorkerFailed(f"Cannot choose the questions: {exc}"))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "plan":
            plan: RoundPlan = message.value
            if not plan.questions:
                self.notify("No questions match this choice.", severity="warning", markup=False)
            elif not self.in_round():
                screens = {"drill": DrillScreen, "interview": InterviewScreen}
                self.push_screen(screens.get(plan.mode, PracticeScreen)(plan))

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


def run_tui(
    app: Composition,
    mode: str | None = None,
    sections: Sequence[str] = (),
    count: int | None = None,
    order: str = "weakest",
) -> int:
    """Start the full-screen interface on the composed adapters; ``mode`` opens practice,
    drill or review at once (as ``interview-sim practice`` and friends do)."""
    with app.open_history() as history:
        tui = InterviewApp(
            Services.of(app, history),
            mode=mode,
            sections=sections,
            count=count or 5,
            order=order,
        )
        tui.run()
    return int(tui.return_code or 0)

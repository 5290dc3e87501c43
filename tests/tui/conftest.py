"""Fakes and helpers for the Textual interface tests: no sound device, no model, no TTS."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot

from audio.fakes import ScriptedSpeaker, WavFedRecorder
from audio.ports import AudioError
from questions.bank import QuestionSet
from simulator.config import Settings
from simulator.history import History
from simulator.judge import terms_only
from simulator.tui.app import InterviewApp
from simulator.tui.screens.common import Services
from tests.fakes import ScriptedTranscriber, loud_spans, scored, some_delivery, tone_wav

ANSWER = (
    "Zero trust means never trust always verify because the network perimeter is gone "
    "so we verify every request continuously"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakePlayer:
    played: list[str] = field(default_factory=list)

    def play(self, path: Any) -> None:
        self.played.append(str(path))

    def stop(self) -> None:
        return None


@dataclass
class Rig:
    """What a test may inspect after driving the app."""

    history: History
    speaker: ScriptedSpeaker
    player: FakePlayer
    clock: FakeClock
    settings: Settings
    recorders: list[WavFedRecorder] = field(default_factory=list)
    starts: list[dict[str, Any]] = field(default_factory=list)


class SpyRecorder(WavFedRecorder):
    """A WAV-fed recorder that remembers how it was started."""

    def __init__(self, starts: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._starts = starts

    def start(self, path: Path, **kwargs: Any) -> None:
        self._starts.append(kwargs)
        super().start(path, **kwargs)


@pytest.fixture
def rig_factory(
    tmp_path: Path, bank: QuestionSet
) -> Iterator[Callable[..., tuple[InterviewApp, Rig]]]:
    opened: list[History] = []

    def make(
        *,
        microphone: bool = True,
        tone_s: float = 1.0,
        speed: float = 0.0,
        settings: Settings | None = None,
        answer: str = ANSWER,
        history: History | None = None,
        **app_kwargs: Any,
    ) -> tuple[InterviewApp, Rig]:
        if history is None:
            history = History.open(tmp_path / "data" / "history.sqlite3")
            opened.append(history)
        rig = Rig(history, ScriptedSpeaker(), FakePlayer(), FakeClock(), settings or Settings())
        wav = tone_wav(tmp_path / "answer.wav", tone_s)

        def recorder(s: Settings) -> WavFedRecorder:
            if not microphone:
                raise AudioError("no input device found (plug in a microphone)")
            made = SpyRecorder(rig.starts, wav, speed=speed, silence_stop_s=None)
            rig.recorders.append(made)
            return made

        services = Services(
            load_questions=lambda: bank,
            history=history,
            settings=rig.settings,
            settings_path=tmp_path / "config" / "config.toml",
            recordings_dir=tmp_path / "recordings",
            judge=terms_only(),
            make_speaker=lambda s: rig.speaker,
            make_recorder=recorder,
            load_transcriber=lambda s: ScriptedTranscriber(answer),
            make_player=lambda: rig.player,
            list_devices=lambda: [("USB mic (default)", "USB mic"), ("Laptop mic", "Laptop mic")],
            list_voices=lambda: [("English (Great Britain)", "en-gb"), ("English (US)", "en-us")],
            list_models=lambda: [("tiny.en", "tiny.en"), ("base", "base")],
            clock=rig.clock,
            detect_speech=loud_spans,
        )
        app = InterviewApp(services, **app_kwargs)
        return app, rig

    yield make
    for history in opened:
        history.close()


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (workers report through messages)."""
    deadline = time.monotonic() + timeout
    while not _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


def shown(app: Any, screen_type: type) -> bool:
    """The app shows a screen of this type, composed and mounted (its widgets can be queried)."""
    return isinstance(app.screen, screen_type) and app.screen.is_mounted


def _holds(condition: Callable[[], bool]) -> bool:
    try:
        return bool(condition())
    except NoMatches:  # the screen is still composing
        return False


def seed_history(history: History, bank: QuestionSet) -> None:
    """Two practice sessions and a drill on fixed dates, for review tests and snapshots."""
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    answers = [
        ("practice", ["beginner-01", "beginner-02"], ["never trust always verify", "identity"]),
        (
            "drill",
            ["beginner-01"],
            ["we never trust, always verify, the perimeter is gone, and we give least privilege"],
        ),
        ("practice", ["beginner-01"], [ANSWER]),
    ]
    for day, (mode, ids, texts) in enumerate(answers):
        at = start + timedelta(days=day)
        sid = history.start_session(mode, "zero-trust-ai", at=at)
        for k, (qid, text) in enumerate(zip(ids, texts, strict=True)):
            question = bank.get(qid)
            delivery = some_delivery(
                comments=("Good pace: 140 words a minute.",),
                over_time=False,
                time_to_first_word_s=1.5 + k,
            )
            history.add_attempt(
                sid, scored(question, text, delivery=delivery), at=at + timedelta(minutes=k + 1)
            )
        history.end_session(sid, at=at + timedelta(minutes=10))


def plain(widget: Any) -> str:
    """The text a Static (or subclass) was last given, without styles."""
    content = widget.content
    return str(getattr(content, "plain", content))

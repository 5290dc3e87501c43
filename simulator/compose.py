"""Composition: the one place that builds real adapters from the settings.

``compose()`` reads the settings once and returns a ``Composition``: the question banks, the
history, the judge, and factories for the voice, the microphone, the speech model and the
speaker output. Command-line commands and the TUI receive it and never build an adapter
themselves; tests build a ``Composition`` of fakes the same way.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from audio.ports import AudioError, Player, Recorder, Speaker
from models.transcriber import Transcriber
from questions.bank import Question, QuestionSet, bank_files_in, builtin_bank_paths, load_bank
from simulator import config
from simulator.config import Settings
from simulator.history import History
from simulator.judge import Judge
from simulator.round_devices import Devices


@dataclass
class Composition:
    """Everything a command or a screen uses from outside the core. The question banks are
    read on first use, so a command that needs none (``doctor``, ``models``) works even when
    a bank in the user's folder is broken."""

    load_questions: Callable[[], QuestionSet]
    settings: Settings
    settings_path: Path
    recordings_dir: Path
    judge: Judge
    make_speaker: Callable[[Settings], Speaker]
    # A recorder, or None (typed answers); an AudioError's message says why there is none.
    make_recorder: Callable[[Settings], Recorder | None]
    load_transcriber: Callable[[Settings], Transcriber]
    open_history: Callable[[], History] = History.open
    make_player: Callable[[], Player] | None = None
    list_devices: Callable[[], list[tuple[str, str]]] = field(default=lambda: [])
    list_voices: Callable[[], list[tuple[str, str]]] = field(default=lambda: [])
    list_models: Callable[[], list[tuple[str, str]]] = field(default=lambda: [])
    clock: Callable[[], float] = time.monotonic
    detect_speech: Callable[[np.ndarray], list[tuple[int, int]]] | None = None
    warn: Callable[[str], None] = field(default=lambda text: _stderr(f"warning: {text}"))

    @cached_property
    def questions(self) -> QuestionSet:
        questions = self.load_questions()
        for warning in questions.warnings:  # unknown fields, an id another bank already has
            self.warn(warning)
        return questions

    def question(self, question_id: str) -> Question | None:
        try:
            return self.questions.get(question_id)
        except Exception:
            return None

    def devices(self, typed_reason: str = "") -> Devices:
        """The voice, the microphone (or why answers are typed: ``typed_reason`` asks for
        that) and the speech model, loading in the background."""
        s = self.settings
        return Devices.open(
            lambda: self.make_speaker(s),
            lambda: self.make_recorder(s),
            lambda: self.load_transcriber(s),
            typed_reason,
        )

    def transcriber(self) -> Transcriber:
        """The speech model for commands that transcribe files (loaded once per command)."""
        return self.load_transcriber(self.settings)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def load_questions(bank: str | None) -> QuestionSet:
    """The bank given with --bank, or the built-in banks plus the user's own folder."""
    if bank:
        return QuestionSet([load_bank(bank)])
    paths = builtin_bank_paths() + bank_files_in(config.paths().banks_dir)
    return QuestionSet.from_paths(paths)


def compose(
    bank: str | None = None,
    model: str | None = None,
    allow_download: bool = False,
    typed: bool = False,
) -> Composition:
    """The real adapters, from the settings file and the command line's overrides."""
    paths = config.paths()
    settings = Settings.load(paths.config_file)

    def make_speaker(s: Settings) -> Speaker:
        from audio.tts import make_speaker as real_speaker

        return real_speaker(s.voice, s.rate_wpm)

    def make_recorder(s: Settings) -> Recorder | None:
        if typed:
            raise AudioError("asked for with --typed")
        from audio.devices import find_device
        from audio.recorder import SoundDeviceRecorder

        find_device(s.input_device)  # AudioError with the reason when there is no microphone
        return SoundDeviceRecorder(s.input_device, s.silence_stop_s or None)

    def load_transcriber(s: Settings) -> Transcriber:
        from models.registry import resolve_model
        from models.transcriber import WhisperTranscriber

        resolved = resolve_model(
            model or s.model, paths.models_dir, allow_download=allow_download or s.allow_download
        )
        return WhisperTranscriber(
            resolved, device=s.device, compute_type=s.compute_type, keep_fillers=s.keep_fillers
        )

    def make_player() -> Player:
        from audio.player import SoundDevicePlayer

        return SoundDevicePlayer()

    def list_devices() -> list[tuple[str, str]]:
        from audio.devices import list_input_devices

        return [
            (f"{d.name}{' (default)' if d.is_default else ''}", d.name)
            for d in list_input_devices()
        ]

    def list_voices() -> list[tuple[str, str]]:
        from audio.tts import Pyttsx3Speaker, make_speaker

        speaker = make_speaker(settings.voice, settings.rate_wpm)
        try:
            if not isinstance(speaker, Pyttsx3Speaker):
                return []
            return [(name, vid) for vid, name in speaker.voices()]
        finally:
            speaker.close()

    def list_models() -> list[tuple[str, str]]:
        from models.registry import model_statuses

        return [(s.name, s.name) for s in model_statuses(paths.models_dir) if s.installed]

    return Composition(
        load_questions=lambda: load_questions(bank),
        settings=settings,
        settings_path=paths.config_file,
        recordings_dir=paths.recordings_dir,
        judge=Judge(),
        make_speaker=make_speaker,
        make_recorder=make_recorder,
        load_transcriber=load_transcriber,
        make_player=make_player,
        list_devices=list_devices,
        list_voices=list_voices,
        list_models=list_models,
    )

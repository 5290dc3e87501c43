"""The interfaces the application uses for sound; real adapters and fakes implement them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from questions.errors import AudioError as AudioError  # the audio layer's error, re-exported

SAMPLE_RATE = 16_000  # what the recorder delivers and Whisper expects: 16 kHz mono float32


class Speaker(Protocol):
    """Reads text aloud. ``say`` returns when the speech has really finished (or was stopped)."""

    available: bool
    reason: str  # why it is silent, when not available

    def say(self, text: str) -> None: ...

    def stop(self) -> None:
        """Interrupt the current utterance (skip); safe to call from any thread."""
        ...

    def save(self, text: str, path: Path) -> Path:
        """Synthesize to a WAV file that is complete when this returns."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RecordingResult:
    path: Path  # the 16 kHz mono 16-bit WAV, complete
    duration_s: float
    stopped_by: str  # "manual", "silence", "time_limit", "error", "end_of_input" (fakes)
    speech_started_s: float | None  # when speech was first detected, if it was


BlockHandler = Callable[
    [np.ndarray], None
]  # 16 kHz mono float32 block, called off the audio thread


class Recorder(Protocol):
    """Records one answer into a WAV file that grows as audio arrives."""

    def start(
        self,
        path: Path,
        *,
        time_limit_s: float | None = None,
        on_block: BlockHandler | None = None,
    ) -> None:
        """Begin recording into ``path``; ``on_block`` gets every 16 kHz block (streaming)."""
        ...

    @property
    def level(self) -> float:
        """The latest input level, 0..1 (RMS scaled for a meter)."""
        ...

    @property
    def elapsed_s(self) -> float: ...

    def stop(self) -> RecordingResult:
        """Stop now (manual stop) and return the finished recording."""
        ...

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        """Block until the recording ends by itself (silence or time limit), or timeout."""
        ...


class Player(Protocol):
    def play(self, path: Path) -> None: ...

    def stop(self) -> None: ...

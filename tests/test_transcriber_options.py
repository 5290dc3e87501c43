"""What the transcriber asks of faster-whisper, whichever model it runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from models.registry import ResolvedModel
from models.transcriber import SAMPLE_RATE, WhisperTranscriber


class OptionsSpy:
    """Stands in for a loaded model: keeps the options of each call, hears nothing."""

    def __init__(self) -> None:
        self.options: list[dict[str, Any]] = []

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[Any], None]:
        self.options.append(options)
        return iter([]), None


@pytest.mark.parametrize("name", ["tiny.en", "base", "/home/me/models/whisper-small"])
def test_every_model_is_told_the_answer_is_english(name: str) -> None:
    """A multilingual model left to guess heard a noisy English answer as Welsh."""
    spy = OptionsSpy()
    whisper = WhisperTranscriber(ResolvedModel(name, "never loaded", "test", False))
    whisper._whisper = spy
    whisper.transcribe(np.full(2 * SAMPLE_RATE, 0.1, np.float32), ["mTLS"])
    assert spy.options and all(o["language"] == "en" for o in spy.options)
    assert spy.options[0]["temperature"] == 0.0  # deterministic, for every model too

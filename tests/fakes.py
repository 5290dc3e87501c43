"""Fakes shared by the tests: a transcriber that returns a fixed sentence, a stand-in for the
voice-activity detector, and WAV files of a tone."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from models.transcriber import Transcript, Word
from questions.bank import Question
from questions.scoring import score
from simulator.delivery import Delivery, analyse
from simulator.history_rows import NewAttempt


class ScriptedTranscriber:
    """Returns a fixed sentence for any audio that has some energy in it."""

    model_name = "scripted"

    def __init__(self, text: str):
        self.text = text
        self.calls: list[tuple[float, tuple[str, ...]]] = []

    def transcribe(
        self,
        audio: np.ndarray,
        vocabulary: Sequence[str] = (),
        prompt: str = "",
        fast: bool = False,
    ) -> Transcript:
        self.calls.append((len(audio) / 16000, tuple(vocabulary)))
        if not np.any(np.abs(audio) > 0.01):
            return Transcript("", (), len(audio) / 16000, self.model_name)
        words = tuple(
            Word(w, i * 0.3, i * 0.3 + 0.25, 0.9) for i, w in enumerate(self.text.split())
        )
        return Transcript(self.text, words, len(audio) / 16000, self.model_name)

    def transcribe_file(self, path: Path, vocabulary: Sequence[str] = ()) -> Transcript:
        raise NotImplementedError


def loud_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """A stand-in for the VAD: any audio above a small level is 'speech'."""
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return [(int(loud[0]), int(loud[-1]) + 1)] if len(loud) else []


def tone_wav(path: Path, seconds: float, silence_after: float = 0.0) -> Path:
    t = np.arange(int(16000 * seconds)) / 16000
    audio = 0.3 * np.sin(2 * np.pi * 220 * t)
    audio = np.concatenate([audio, np.zeros(int(16000 * silence_after))])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((audio * 32767).astype("<i2").tobytes())
    return path


def scored(question: Question, text: str, **kw: Any) -> NewAttempt:
    """A typed answer judged by terms only, ready for ``History.add_attempt``."""
    return NewAttempt(question, Transcript(text, model="typed"), score(question, text), **kw)


def some_delivery(**figures: Any) -> Delivery:
    """Delivery figures for tests that store them (the rest as for an empty answer)."""
    return replace(analyse(Transcript(""), 60), **figures)


def heard(question: Question, text: str, **kw: Any) -> NewAttempt:
    """A spoken answer as the app stores it: a model's name, word timings, a recording."""
    words = tuple(Word(w, 0.3 * i, 0.3 * i + 0.25, 0.9) for i, w in enumerate(text.split()))
    transcript = Transcript(text, words, 0.3 * len(words), "tiny.en")
    return NewAttempt(question, transcript, score(question, text), audio_path=Path("a.wav"), **kw)

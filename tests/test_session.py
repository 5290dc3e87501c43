"""Whole practice rounds with fakes: a WAV-fed microphone and a scripted transcriber."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from audio.fakes import ScriptedSpeaker, WavFedRecorder
from models.transcriber import Transcript, Word
from questions.bank import QuestionSet
from simulator.session import BackgroundModel, Session, choose_questions


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


def test_round_with_fakes_scores_and_keeps_the_recording(tmp_path: Path, bank: QuestionSet) -> None:
    question = bank.get("intermediate-07")
    transcriber = ScriptedTranscriber("We run Istio so every call uses mutual TLS")
    speaker = ScriptedSpeaker()
    recorder = WavFedRecorder(tone_wav(tmp_path / "in.wav", 1.5), speed=0)
    session = Session(
        speaker, recorder, BackgroundModel(lambda: transcriber), tmp_path / "rec", loud_spans
    )
    session.ask(question)
    path = session.start_recording(question)
    result = recorder.wait(timeout=10)
    assert result is not None
    answer = session.finish_recording(question, result)
    assert speaker.said == [question.prompt]
    assert answer.coverage.coverage > 0.2
    assert {c.concept.id for c in answer.coverage.covered} >= {"service-mesh"}
    assert path.is_file() and path.parent == tmp_path / "rec"
    assert abs(result.duration_s - 1.5) < 0.15
    assert transcriber.calls and all(v for _, v in transcriber.calls)  # biased with the rubric


def test_typed_answer_and_question_order(bank: QuestionSet, tmp_path: Path) -> None:
    session = Session(
        ScriptedSpeaker(), None, BackgroundModel(lambda: ScriptedTranscriber("")), tmp_path
    )
    answer = session.typed(bank.get("beginner-01"), "never trust, always verify")
    assert answer.recording is None and answer.coverage.coverage > 0
    pool = list(bank)
    assert choose_questions(pool, 3, "fixed") == pool[:3]
    shuffled = choose_questions(pool, 50, "shuffle", seed=1)
    assert sorted(q.id for q in shuffled) == sorted(q.id for q in pool) and shuffled != pool


def test_model_errors_surface_from_the_background_loader() -> None:
    def broken() -> ScriptedTranscriber:
        raise RuntimeError("no model")

    loader = BackgroundModel(broken)
    try:
        loader.get(timeout=5)
    except RuntimeError as exc:
        assert "no model" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("the loader hid the error")

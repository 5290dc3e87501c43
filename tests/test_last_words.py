"""What the user waits for after the answer ends (the last words) is decoded once, greedily,
and only up to the end of the speech: no second decoding window for the silence after it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from models.registry import ResolvedModel
from models.streaming import TAIL_PAD_S, StreamingTranscriber
from models.transcriber import SAMPLE_RATE, Transcript, WhisperTranscriber

NOT_LOADED = ResolvedModel("tiny.en", "never loaded", "test", False)


def segment(text: str, start: float, end: float) -> SimpleNamespace:
    return SimpleNamespace(
        text=text, start=start, end=end, words=[], compression_ratio=1.2,
        no_speech_prob=0.01, avg_logprob=-0.2,
    )  # fmt: skip


class WindowedWhisper:
    """faster-whisper's lazy segments: the next window is decoded only when pulled."""

    def __init__(self, *segments: SimpleNamespace):
        self.segments = segments
        self.pulled = 0

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[Any], None]:
        def lazily() -> Iterator[Any]:
            for s in self.segments:
                self.pulled += 1
                yield s

        return lazily(), None


def whisper_with(*segments: SimpleNamespace) -> tuple[WhisperTranscriber, WindowedWhisper]:
    transcriber = WhisperTranscriber(NOT_LOADED)
    fake = WindowedWhisper(*segments)
    transcriber._whisper = fake
    return transcriber, fake


LAST_WORDS = (
    segment("Continuously from the session, basically.", 0.0, 2.7),
    segment("please.", 2.7, 3.0),  # what a second window over the padding invents
)


def test_the_last_words_stop_decoding_once_the_transcript_reaches_their_end() -> None:
    audio = np.full(3 * SAMPLE_RATE, 0.1, np.float32)
    transcriber, fake = whisper_with(*LAST_WORDS)
    assert transcriber.transcribe(audio, fast=True).text == LAST_WORDS[0].text
    assert fake.pulled == 1


def test_words_after_an_early_segment_end_are_still_decoded() -> None:
    audio = np.full(6 * SAMPLE_RATE, 0.1, np.float32)
    transcriber, fake = whisper_with(
        segment("First the identity.", 0.0, 2.0), segment("Then the device.", 3.0, 5.9)
    )
    assert transcriber.transcribe(audio, fast=True).text == "First the identity. Then the device."
    assert fake.pulled == 2


def test_whole_answers_are_decoded_to_the_end() -> None:
    """A loop in the last window is what makes a whole answer decode again, so it is read."""
    transcriber, fake = whisper_with(*LAST_WORDS)
    transcriber.transcribe(np.full(3 * SAMPLE_RATE, 0.1, np.float32))
    assert fake.pulled == 2


class RecordingTranscriber:
    model_name = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple[float, bool]] = []

    def transcribe(
        self, audio: np.ndarray, vocabulary: Sequence[str] = (), prompt: str = "",
        fast: bool = False,
    ) -> Transcript:  # fmt: skip
        self.calls.append((len(audio) / SAMPLE_RATE, fast))
        return Transcript("last words", (), len(audio) / SAMPLE_RATE, self.model_name)

    def transcribe_file(self, path: Path, vocabulary: Sequence[str] = ()) -> Transcript:
        raise NotImplementedError


def loud_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """A stand-in VAD: one span over the samples that are not silent."""
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return [(int(loud[0]), int(loud[-1]) + 1)] if len(loud) else []


def test_the_last_words_are_decoded_greedily_without_the_silence_after_them() -> None:
    model = RecordingTranscriber()
    # min_piece_s so long that nothing is committed while feeding: only the end decodes.
    stream = StreamingTranscriber(model, min_piece_s=60, detect_speech=loud_spans)
    stream.feed(np.full(int(1.5 * SAMPLE_RATE), 0.1, np.float32))
    stream.feed(np.zeros(SAMPLE_RATE, np.float32))
    transcript = stream.finish()
    assert model.calls == [(1.5 + TAIL_PAD_S, True)]
    assert transcript.text == "last words" and transcript.duration_s == 2.5


def test_an_answer_that_ends_in_silence_only_decodes_nothing_more() -> None:
    model = RecordingTranscriber()
    stream = StreamingTranscriber(model, min_piece_s=60, detect_speech=loud_spans)
    stream.feed(np.zeros(2 * SAMPLE_RATE, np.float32))
    assert stream.finish().text == "" and model.calls == []


def test_without_a_worker_each_piece_is_decoded_when_its_pause_is_fed() -> None:
    """``background=False`` (benchmarks): the same pieces as a worker that keeps up, decided
    by the audio alone, so a benchmark run gives the same transcript every time."""
    model = RecordingTranscriber()
    stream = StreamingTranscriber(
        model, min_piece_s=2, max_piece_s=8, detect_speech=loud_spans, background=False
    )
    stream.feed(np.full(3 * SAMPLE_RATE, 0.1, np.float32))
    assert model.calls == []  # no pause yet: nothing to cut
    stream.feed(np.zeros(SAMPLE_RATE, np.float32))
    assert model.calls == [(3.1, False)]  # cut 0.1 s into the pause, beam search
    assert stream.partial_text() == "last words"
    stream.feed(np.full(2 * SAMPLE_RATE, 0.1, np.float32))
    transcript = stream.finish()
    assert model.calls == [(3.1, False), (2.9, True)]  # the last words, greedily
    assert transcript.text == "last words last words" and transcript.duration_s == 6.0

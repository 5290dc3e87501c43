"""Speech the decoder passed over is decoded again: biasing sometimes makes Whisper call a
whole 30 s window silence, or write one sentence for a segment that spans the window, and
the rest of the answer would be lost (measured: biased transcripts of clean spoken answers
had 8 % fewer words than unbiased ones, some lost most of the answer)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np

from models.registry import ResolvedModel
from models.transcriber import MISSED_SPEECH_S, SAMPLE_RATE, WhisperTranscriber

NOT_LOADED = ResolvedModel("tiny.en", "never loaded", "test", False)


def segment(start: float, *words: str, step: float = 0.5) -> SimpleNamespace:
    """A segment whose words follow each other from ``start``, ``step`` seconds each."""
    timed = [
        SimpleNamespace(word=" " + w, start=start + i * step, end=start + (i + 1) * step,
                        probability=0.9)
        for i, w in enumerate(words)
    ]  # fmt: skip
    end = timed[-1].end if timed else start
    return SimpleNamespace(
        text=" ".join(words), start=start, end=end, words=timed, compression_ratio=1.2,
        no_speech_prob=0.01, avg_logprob=-0.2,
    )  # fmt: skip


class ScriptedWhisper:
    """Answers each decoding call with the next script entry; records what it was given."""

    def __init__(self, *replies: list[SimpleNamespace]) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[float, str | None]] = []  # seconds of audio, hotwords

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Iterator[Any], None]:
        self.calls.append((len(audio) / SAMPLE_RATE, options.get("hotwords")))
        return iter(self.replies.pop(0) if self.replies else []), None


def speech_everywhere(audio: np.ndarray) -> list[tuple[int, int]]:
    return [(0, len(audio))] if len(audio) else []


def transcriber(fake: ScriptedWhisper, vad: Any = speech_everywhere) -> WhisperTranscriber:
    whisper = WhisperTranscriber(NOT_LOADED, detect_speech=vad)
    whisper._whisper = fake
    return whisper


AUDIO = np.full(10 * SAMPLE_RATE, 0.1, np.float32)


def test_speech_after_the_words_stopped_is_decoded_again_and_put_in_its_place() -> None:
    fake = ScriptedWhisper(
        [segment(0.0, "First", "the", "identity.")],  # then nothing for 8.5 s of speech
        [segment(0.2, "Then", "the", "device.")],
    )
    heard = transcriber(fake).transcribe(AUDIO, ["mTLS"])
    assert heard.text == "First the identity. Then the device."
    assert fake.calls[1] == (10 - 1.5, "mTLS")  # only the part that was skipped, biased
    assert heard.words[3].text == "Then" and heard.words[3].start == 1.5 + 0.2


def test_speech_still_missing_is_decoded_without_the_bias() -> None:
    fake = ScriptedWhisper(
        [segment(8.0, "Finally", "the", "audit.")],  # a window called silence: 0-8 s lost
        [],  # the same again with the bias
        [segment(0.0, "We", "start", "with", "identity.")],
    )
    heard = transcriber(fake).transcribe(AUDIO, ["mTLS"])
    assert heard.text == "We start with identity. Finally the audit."
    assert [hotwords for _, hotwords in fake.calls] == ["mTLS", "mTLS", None]


def test_a_pause_is_not_decoded_again() -> None:
    fake = ScriptedWhisper([segment(0.0, "First."), segment(8.0, "Then.")])
    heard = transcriber(fake, vad=lambda audio: []).transcribe(AUDIO, ["mTLS"])
    assert heard.text == "First. Then." and len(fake.calls) == 1


def test_a_short_gap_between_words_is_left_alone() -> None:
    spoken = [segment(0.0, *(f"word{i}" for i in range(18)), step=0.5)]  # 9 s, then a short gap
    spoken.append(segment(9.0 + MISSED_SPEECH_S * 0.9, "end."))
    fake = ScriptedWhisper(spoken)
    audio = np.full(int((9.0 + MISSED_SPEECH_S) * SAMPLE_RATE) + 8000, 0.1, np.float32)
    transcriber(fake).transcribe(audio, ["mTLS"])
    assert len(fake.calls) == 1


def test_the_benchmark_can_measure_without_decoding_again() -> None:
    fake = ScriptedWhisper([segment(0.0, "First", "the", "identity.")])
    whisper = transcriber(fake)
    whisper.redecode_skipped = False
    assert whisper.transcribe(AUDIO, ["mTLS"]).text == "First the identity."
    assert len(fake.calls) == 1


def test_speech_under_an_echo_loop_is_decoded_again() -> None:
    """A loop of prompt words ("NIST zero trust, NIST zero trust, ...") stands where speech
    was skipped: it is dropped as an echo, so the speech under it is decoded again."""
    loop = segment(2.0, *["NIST", "zero", "trust,"] * 4, step=0.5)  # 2-8 s
    fake = ScriptedWhisper(
        [segment(0.0, "First", "identity."), loop],
        [segment(0.1, "Then", "the", "device", "posture.")],
    )
    heard = transcriber(fake).transcribe(AUDIO, ["NIST zero trust"])
    assert heard.text == "First identity. Then the device posture."
    assert fake.calls[1][0] == 10 - 1.0  # from the last real word to the end

"""Bad and unusual audio given to ``score --audio`` / ``transcribe``: one clear line or a
correct transcript, never a traceback."""

from __future__ import annotations

import json
import struct
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from audio.resample import resample
from audio.wavfile import read_wav
from models.registry import resolve_model
from models.transcriber import MAX_AUDIO_S, WhisperTranscriber
from simulator import cli
from simulator.compose import Composition
from tests.reliability.conftest import STRONG, one_line_error, run_cli, tone
from tests.speech_fixtures import espeak_wav

# --- refused with one line (no model needed: the audio is refused before it loads) -----------


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = run_cli("score", "--question", "beginner-01", "--audio", str(empty))
    assert result.returncode == 1
    assert "the file is empty" in one_line_error(result.stderr)


def test_non_audio_bytes(tmp_path: Path) -> None:
    junk = tmp_path / "notes.wav"
    junk.write_bytes(bytes(range(256)) * 64)
    result = run_cli("transcribe", str(junk))
    assert result.returncode == 1
    assert "cannot decode audio" in one_line_error(result.stderr)


def test_wav_cut_inside_its_header(tmp_path: Path, tone_wav) -> None:
    cut = tmp_path / "cut.wav"
    cut.write_bytes(tone_wav(2.0).read_bytes()[:30])
    result = run_cli("score", "--question", "beginner-01", "--audio", str(cut))
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert "cannot decode audio" in line or "no audio samples" in line


def _hour_of_silence(path: Path) -> Path:
    """A valid 16 kHz mono 16-bit WAV of one hour (sparse on disk: 115 MB of zeros)."""
    data_bytes = 3600 * 16000 * 2
    header = b"".join(
        [
            b"RIFF",
            struct.pack("<I", 36 + data_bytes),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16),
            b"data",
            struct.pack("<I", data_bytes),
        ]
    )
    with path.open("wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + data_bytes)
    return path


def test_hour_long_file_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    hour = _hour_of_silence(tmp_path / "hour.wav")
    result = run_cli("score", "--question", "beginner-01", "--audio", str(hour), rss=True)
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert f"longer than {MAX_AUDIO_S // 60} minutes" in line
    # The whole hour as float32 alone would be 230 MB; the refusal stays near the baseline.
    assert result.peak_rss_mb is not None and result.peak_rss_mb < 250, result.peak_rss_mb


def test_wav_of_unknown_length_is_decoded_in_chunks_up_to_the_limit(tmp_path: Path) -> None:
    """A streamed WAV (sizes 0xFFFFFFFF: "unknown") cannot be refused from its header: the
    decoder streams it into one buffer and stops as soon as it passes the limit."""
    from models.transcriber import TranscriptionError, load_audio

    path = tmp_path / "streamed.wav"
    header = b"".join(
        [
            b"RIFF",
            struct.pack("<I", 0xFFFFFFFF),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16),
            b"data",
            struct.pack("<I", 0xFFFFFFFF),
        ]
    )
    path.write_bytes(header + (tone(3.0) * 32767).astype("<i2").tobytes())
    assert len(load_audio(path, max_seconds=5)) == 3 * 16000  # the header's "37 hours" is no bar
    with pytest.raises(TranscriptionError, match="longer than"):
        load_audio(path, max_seconds=2)


# --- unusual but valid audio: transcribed (the real model) ------------------------------------


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> WhisperTranscriber:
    whisper = WhisperTranscriber(resolve_model("tiny.en", tmp_path_factory.mktemp("models")))
    whisper.load()
    return whisper


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, int]:
    """The strong answer spoken by espeak-ng, as float mono samples and their rate."""
    data, rate = read_wav(espeak_wav(STRONG, tmp_path_factory.mktemp("speech")))
    return data[:, 0], rate


@pytest.fixture
def via_cli(
    transcriber: WhisperTranscriber, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> Iterator[object]:
    """``score --audio FILE --json`` through the CLI, sharing one loaded model."""
    monkeypatch.setattr(Composition, "transcriber", lambda self: transcriber)

    def score_file(path: Path) -> dict[str, object]:
        code = cli.main(["score", "--question", "beginner-01", "--audio", str(path), "--json"])
        out, err = capsys.readouterr()
        assert code == 0 and "Traceback" not in err, err
        return json.loads(out)

    yield score_file


def _write_pcm(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    frames = np.repeat(samples[:, None], channels, axis=1) if channels > 1 else samples
    pcm = np.clip(np.round(np.asarray(frames) * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def _write_float(path: Path, samples: np.ndarray, rate: int) -> Path:
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)  # WAVE_FORMAT_IEEE_FLOAT
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"fact" + struct.pack("<II", 4, len(samples))
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def _heard(result: dict[str, object]) -> None:
    text = str(result["transcript"]).lower()
    assert "trust" in text and float(result["coverage"]) > 0.2, result  # type: ignore[arg-type]


@pytest.mark.model
def test_stereo_wav(tmp_path: Path, speech, via_cli) -> None:
    samples, rate = speech
    _heard(via_cli(_write_pcm(tmp_path / "stereo.wav", samples, rate, channels=2)))


@pytest.mark.model
def test_8_khz_wav(tmp_path: Path, speech, via_cli) -> None:
    samples, rate = speech
    _heard(via_cli(_write_pcm(tmp_path / "8k.wav", resample(samples, rate, 8000), 8000)))


@pytest.mark.model
def test_96_khz_wav(tmp_path: Path, speech, via_cli) -> None:
    samples, rate = speech
    _heard(via_cli(_write_pcm(tmp_path / "96k.wav", resample(samples, rate, 96000), 96000)))


@pytest.mark.model
def test_float_wav(tmp_path: Path, speech, via_cli) -> None:
    samples, rate = speech
    _heard(via_cli(_write_float(tmp_path / "float.wav", samples, rate)))


@pytest.mark.model
def test_clipped_speech_is_still_transcribed(tmp_path: Path, speech, via_cli) -> None:
    samples, rate = speech
    loud = np.clip(samples * 8.0, -1.0, 1.0)
    assert np.mean(np.abs(loud) >= 0.999) > 0.05  # really clipped
    _heard(via_cli(_write_pcm(tmp_path / "clipped.wav", loud, rate)))


@pytest.mark.model
def test_truncated_wav_keeps_what_is_there(tmp_path: Path, speech, via_cli) -> None:
    samples, rate = speech
    whole = _write_pcm(tmp_path / "whole.wav", samples, rate).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: 44 + (len(whole) - 44) // 2 + 1])  # half the data, odd byte count
    result = via_cli(cut)
    assert "trust" in str(result["transcript"]).lower(), result


@pytest.mark.model
def test_silence_only(tmp_path: Path, via_cli) -> None:
    silent = _write_pcm(tmp_path / "silence.wav", np.zeros(16000 * 5, np.float32), 16000)
    result = via_cli(silent)
    assert result["transcript"] == "" and result["coverage"] == 0

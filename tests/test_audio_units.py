"""Fast audio tests that need no sound device and no TTS engine."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

import audio.tts as tts
from audio.block_sink import BlockSink, meter_level
from audio.fakes import ScriptedSpeaker, WavFedRecorder
from audio.ports import SAMPLE_RATE, AudioError
from audio.recorder import RecordingError
from audio.resample import Resampler, resample, to_mono
from audio.wavfile import IncrementalWavWriter, read_wav_16k_mono, write_wav
from tests.waiting import wait_until


def tone(seconds: float, rate: int = SAMPLE_RATE, freq: float = 440.0, amp: float = 0.3):
    t = np.arange(round(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    return np.zeros(round(seconds * rate), dtype=np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


# --- WAV writer / reader ----------------------------------------------------------------


def header_sizes(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()[:44]
    return struct.unpack("<I", raw[4:8])[0], struct.unpack("<I", raw[40:44])[0]


def test_wav_writer_is_valid_after_each_flush(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    writer = IncrementalWavWriter(path, sync_interval_s=3600)
    assert header_sizes(path) == (36, 0)
    for i in range(1, 4):
        writer.write(tone(0.25))
        writer.flush()
        with wave.open(str(path)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, SAMPLE_RATE)
            assert w.getnframes() == i * 4000
        assert header_sizes(path) == (36 + i * 8000, i * 8000)
        assert path.stat().st_size == 44 + i * 8000
    writer.close()
    np.testing.assert_allclose(read_wav_16k_mono(path), np.tile(tone(0.25), 3), atol=1e-4)


def test_wav_writer_syncs_header_about_every_interval(tmp_path: Path) -> None:
    path = tmp_path / "b.wav"
    writer = IncrementalWavWriter(path, sync_interval_s=3600)
    writer.write(tone(0.1))
    assert writer.frames_synced == 0  # not yet: less than an interval has passed
    writer.sync_interval_s = 0  # the interval is over
    writer.write(tone(0.1))
    assert writer.frames_synced == writer.frames_written == 3200
    assert header_sizes(path)[1] == 6400
    writer.close()


def test_wav_writer_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "killed.wav"
    script = f"""
import os, time
import numpy as np
from audio.wavfile import IncrementalWavWriter
w = IncrementalWavWriter({str(path)!r})
for i in range(25):  # 0.1 s blocks in real time for 2.5 s, then die without closing
    w.write(np.full(1600, (i + 1) / 100, dtype=np.float32))
    print(w.frames_synced, flush=True)  # what the header promises after this block
    time.sleep(0.1)
os.kill(os.getpid(), 9)
"""
    proc = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True)
    assert proc.returncode == -9, proc.stderr.decode()
    synced = int(proc.stdout.split()[-1])
    with wave.open(str(path)) as w:
        frames = w.getnframes()
    got = read_wav_16k_mono(path)
    assert len(got) == frames
    assert frames == synced >= 1600  # every synced block survives; 2.5 s of writes synced some
    assert frames % 1600 == 0
    expected = np.repeat((np.arange(frames // 1600) + 1) / 100, 1600)
    np.testing.assert_allclose(got, expected, atol=1e-4)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_read_wav_handles_widths_rates_and_stereo(tmp_path: Path, width: int) -> None:
    rate = 44_100
    left = tone(1.0, rate, 1000.0, 0.5)
    stereo = np.stack([left, left], axis=1)
    scale = {1: 127, 2: 32767, 3: 8388607, 4: 2147483647}[width]
    ints = np.round(stereo * scale).astype(np.int64).reshape(-1)
    if width == 1:
        raw = (ints + 128).astype(np.uint8).tobytes()
    elif width == 3:
        u = ints & 0xFFFFFF
        raw = np.stack([u & 0xFF, (u >> 8) & 0xFF, (u >> 16) & 0xFF], axis=1)
        raw = raw.astype(np.uint8).tobytes()
    else:
        raw = ints.astype(f"<i{width}").tobytes()
    path = tmp_path / f"w{width}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    got = read_wav_16k_mono(path)
    assert got.dtype == np.float32
    assert len(got) == SAMPLE_RATE
    middle = got[2000:-2000]
    assert peak_hz(middle, SAMPLE_RATE) == pytest.approx(1000, abs=2)
    assert rms(middle) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_read_wav_errors_are_audio_errors(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="not found"):
        read_wav_16k_mono(tmp_path / "missing.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(AudioError, match="not a PCM WAV"):
        read_wav_16k_mono(bad)


# --- resampler ----------------------------------------------------------------------------


@pytest.mark.parametrize("src_rate", [48_000, 44_100, 22_050, 8_000])
def test_resampler_keeps_frequency_and_amplitude(src_rate: int) -> None:
    x = tone(2.0, src_rate, 1000.0, 0.5)
    y = resample(x, src_rate)
    assert len(y) == 2 * SAMPLE_RATE
    middle = y[4000:-4000]
    assert peak_hz(middle, SAMPLE_RATE) == pytest.approx(1000, abs=1)
    assert np.max(np.abs(middle)) == pytest.approx(0.5, abs=0.005)
    assert rms(middle) == pytest.approx(0.5 / np.sqrt(2), rel=0.005)


@pytest.mark.parametrize("src_rate", [48_000, 44_100])
def test_resampler_blockwise_equals_one_shot(src_rate: int) -> None:
    rng = np.random.default_rng(1)
    x = (0.3 * rng.standard_normal(src_rate * 2)).astype(np.float32)
    one_shot = resample(x, src_rate)
    r = Resampler(src_rate)
    parts, pos = [], 0
    while pos < len(x):
        n = int(rng.integers(1, 6000))
        parts.append(r.process(x[pos : pos + n]))
        pos += n
    parts.append(r.flush())
    blockwise = np.concatenate(parts)
    assert len(blockwise) == len(one_shot)
    np.testing.assert_allclose(blockwise, one_shot, atol=1e-6)


def test_resampler_filters_out_what_16k_cannot_hold() -> None:
    # 10 kHz is above the 8 kHz output Nyquist: it must not fold back as a 6 kHz alias
    y = resample(tone(1.0, 48_000, 10_000.0, 0.5), 48_000)
    assert rms(y[1000:-1000]) < 1e-3
    kept = resample(tone(1.0, 48_000, 6_000.0, 0.5), 48_000)  # passband survives
    assert rms(kept[1000:-1000]) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def test_resampler_same_rate_passes_through_and_mono_mixdown() -> None:
    x = tone(0.1)
    np.testing.assert_array_equal(Resampler(SAMPLE_RATE).process(x), x)
    stereo = np.stack([np.ones(4), -np.ones(4) * 0.5], axis=1)
    np.testing.assert_allclose(to_mono(stereo), np.full(4, 0.25))
    assert to_mono(np.ones((3, 1))).shape == (3,)


# --- WavFedRecorder and the shared block sink -----------------------------------------


@pytest.fixture
def answer_wav(tmp_path: Path) -> Path:
    """0.5 s quiet, 2 s 'speech' (a tone), 1 s quiet, at 48 kHz stereo like a real mic."""
    mono = np.concatenate([silence(0.5, 48_000), tone(2.0, 48_000), silence(1.0, 48_000)])
    path = tmp_path / "answer.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48_000)
        pcm = np.round(np.stack([mono, mono], axis=1) * 32767).astype("<i2")
        w.writeframes(pcm.tobytes())
    return path


def test_wav_fed_recorder_delivers_every_block_and_writes_16k(
    tmp_path: Path, answer_wav: Path
) -> None:
    blocks: list[np.ndarray] = []
    rec = WavFedRecorder(answer_wav, speed=0)
    rec.start(tmp_path / "out.wav", on_block=blocks.append)
    result = rec.wait(timeout=10)
    assert result is not None and result.stopped_by == "end_of_input"
    assert result.duration_s == pytest.approx(3.5, abs=1e-3)
    streamed = np.concatenate(blocks)
    on_disk = read_wav_16k_mono(result.path)
    assert len(streamed) == len(on_disk) == 3.5 * SAMPLE_RATE
    np.testing.assert_allclose(streamed, on_disk, atol=1e-4)
    with wave.open(str(result.path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, SAMPLE_RATE, 2)
    assert result.speech_started_s == pytest.approx(0.5, abs=0.11)


def test_wav_fed_recorder_level_follows_the_signal(tmp_path: Path, answer_wav: Path) -> None:
    rec = WavFedRecorder(answer_wav, speed=0)
    levels: list[float] = []
    rec.start(tmp_path / "out.wav", on_block=lambda block: levels.append(rec.level))
    result = rec.wait(timeout=30)
    assert result is not None and result.stopped_by == "end_of_input"
    # 0.1 s blocks: 0.5 s quiet, 2 s tone, 1 s quiet
    assert levels[:5] == [0.0] * 5
    assert levels[6:24] == pytest.approx([meter_level(0.3 / np.sqrt(2))] * 18, abs=0.02)
    assert max(levels[26:]) == 0.0
    assert rec.level == 0.0  # nothing is recording now


def test_wav_fed_recorder_stops_on_silence_after_speech(tmp_path: Path, answer_wav: Path) -> None:
    rec = WavFedRecorder(answer_wav, speed=0, silence_stop_s=1.5)
    rec.start(tmp_path / "out.wav")
    result = rec.wait(timeout=10)
    assert result is not None
    assert result.stopped_by == "silence"
    assert result.duration_s == pytest.approx(2.5 + 1.5, abs=0.15)  # speech ends at 2.5 s


def test_no_silence_stop_before_speech_and_clicks_are_not_speech(tmp_path: Path) -> None:
    click = np.concatenate([silence(1.0), tone(0.1, amp=0.8), silence(3.0)])
    src = write_wav(tmp_path / "click.wav", click)
    rec = WavFedRecorder(src, speed=0, silence_stop_s=1.0)
    rec.start(tmp_path / "out.wav")
    result = rec.wait(timeout=10)
    assert result is not None
    assert result.stopped_by == "end_of_input"
    assert result.speech_started_s is None


def test_speech_over_steady_noise_is_detected(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    noise = (0.01 * rng.standard_normal(6 * SAMPLE_RATE)).astype(np.float32)  # -40 dBFS room
    noise[SAMPLE_RATE : 3 * SAMPLE_RATE] += tone(2.0, amp=0.2)
    src = write_wav(tmp_path / "noisy.wav", noise)
    rec = WavFedRecorder(src, speed=0, silence_stop_s=2.0)
    rec.start(tmp_path / "out.wav")
    result = rec.wait(timeout=10)
    assert result is not None and result.stopped_by == "silence"
    assert result.speech_started_s == pytest.approx(1.0, abs=0.11)
    assert result.duration_s == pytest.approx(5.0, abs=0.15)


def test_wav_fed_recorder_time_limit(tmp_path: Path, answer_wav: Path) -> None:
    rec = WavFedRecorder(answer_wav, speed=4.0)
    rec.start(tmp_path / "out.wav", time_limit_s=1.23)
    result = rec.wait(timeout=10)
    assert result is not None and result.stopped_by == "time_limit"
    assert result.duration_s == pytest.approx(1.23, abs=1e-3)
    assert len(read_wav_16k_mono(result.path)) == round(1.23 * SAMPLE_RATE)


def test_wav_fed_recorder_manual_stop_and_restart(tmp_path: Path, answer_wav: Path) -> None:
    rec = WavFedRecorder(answer_wav, speed=1.0)
    rec.start(tmp_path / "one.wav")
    with pytest.raises(AudioError, match="already recording"):
        rec.start(tmp_path / "two.wav")
    wait_until(lambda: rec.elapsed_s >= 0.2, "0.2 s of the answer")
    result = rec.stop()
    assert result.stopped_by == "manual"
    assert 0.2 <= result.duration_s < 3.5  # stopped before the end of the 3.5 s file
    assert len(read_wav_16k_mono(result.path)) == round(result.duration_s * SAMPLE_RATE)
    assert rec.stop() == result  # idempotent
    rec.start(tmp_path / "two.wav", time_limit_s=0.2)
    again = rec.wait(timeout=5)
    assert again is not None and again.stopped_by == "time_limit"


def test_missing_source_is_an_audio_error(tmp_path: Path) -> None:
    rec = WavFedRecorder(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="not found"):
        rec.start(tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


class FailingSource(WavFedRecorder):
    """Delivers half the file, then reports the device gone, like an unplugged mic."""

    def _feed(self) -> None:
        half = len(self._data) // 2
        for pos in range(0, half, 4800):
            self._put(self._data[pos : min(pos + 4800, half)].copy())
        self._fail("the microphone stopped delivering audio (unplugged?)")


def test_source_failure_keeps_what_was_recorded(tmp_path: Path, answer_wav: Path) -> None:
    rec = FailingSource(answer_wav, speed=0)
    rec.start(tmp_path / "out.wav")
    with pytest.raises(RecordingError, match="unplugged") as caught:
        rec.wait(timeout=10)
    assert isinstance(caught.value, AudioError)
    result = caught.value.result
    assert result.stopped_by == "error"
    assert result.duration_s == pytest.approx(1.75, abs=0.01)
    assert len(read_wav_16k_mono(result.path)) == round(1.75 * SAMPLE_RATE)
    assert rec.error is not None


def test_failing_on_block_handler_does_not_stop_recording(tmp_path: Path) -> None:
    def broken(block: np.ndarray) -> None:
        raise ValueError("bug in the consumer")

    sink = BlockSink(tmp_path / "s.wav", 48_000, on_block=broken)
    for _ in range(5):
        assert sink.feed(tone(0.1, 48_000)) is None
    result = sink.close("manual")
    assert result.duration_s == pytest.approx(0.5, abs=1e-3)


def test_missing_portaudio_is_an_audio_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from audio import devices, recorder

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import now raises ImportError
    with pytest.raises(AudioError, match="libportaudio2"):
        devices.list_input_devices()
    with pytest.raises(AudioError, match="libportaudio2"):
        recorder.SoundDeviceRecorder().start(Path(os.devnull))


# --- speakers -----------------------------------------------------------------------------


def test_make_speaker_falls_back_to_silent_when_engine_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_espeak() -> None:
        raise AudioError(f"no TTS engine: {tts.ESPEAK_HINT}")

    monkeypatch.setattr(tts, "_worker", None)
    monkeypatch.setattr(tts, "_load_engine", no_espeak)
    speaker = tts.make_speaker()
    assert isinstance(speaker, tts.SilentSpeaker)
    assert speaker.available is False
    assert "apt-get install espeak-ng" in speaker.reason
    assert "\n" not in speaker.reason
    speaker.say("Tell me about zero trust.")  # returns: nothing to wait for, nothing raised
    speaker.stop()
    speaker.close()
    with pytest.raises(AudioError):
        speaker.save("x", Path(os.devnull))


def test_make_speaker_falls_back_on_unexpected_engine_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash() -> None:
        raise RuntimeError("could not initialize espeak")

    monkeypatch.setattr(tts, "_worker", None)
    monkeypatch.setattr(tts, "_load_engine", crash)
    speaker = tts.make_speaker(voice="whatever", rate_wpm=150)
    assert speaker.available is False
    assert "could not initialize espeak" in speaker.reason


def test_scripted_speaker_records_and_can_be_interrupted(tmp_path: Path) -> None:
    speaker = ScriptedSpeaker(seconds_per_word=100.0)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (speaker.say("one two three four"), done.set()))
    thread.start()
    wait_until(lambda: speaker.said, "say() to begin")
    speaker.stop()
    assert done.wait(30.0)  # 400 s of "speech" cut short
    assert speaker.said == ["one two three four"]
    path = speaker.save("hello there", tmp_path / "q.wav")
    assert len(read_wav_16k_mono(path)) == round(0.6 * SAMPLE_RATE)

"""Real espeak-ng TTS and a real (virtual) sound card through PulseAudio null sinks."""

from __future__ import annotations

import subprocess
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from audio.devices import find_device, list_input_devices
from audio.player import SoundDevicePlayer
from audio.ports import SAMPLE_RATE, AudioError
from audio.recorder import RecordingError, SoundDeviceRecorder
from audio.tts import Pyttsx3Speaker, make_speaker
from audio.wavfile import read_wav, read_wav_16k_mono

try:  # the fixture lives in a helper module; import it so pytest can see it
    from virtual_audio import VirtualAudio, running_virtual_audio, virtual_audio
except ImportError:  # tests/ imported as a package
    from tests.virtual_audio import VirtualAudio, running_virtual_audio, virtual_audio  # noqa: F401

from tests.waiting import wait_until

QUESTION = "Explain how zero trust changes network segmentation in a large enterprise."
LONG = " ".join(["Never trust, always verify, and authenticate every single request."] * 6)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def grown(capture: Path, size: int, by: int = 48_000) -> bool:
    """The monitor capture has grown ``by`` bytes past ``size`` (0.5 s at 48 kHz, 16 bit)."""
    return capture.exists() and capture.stat().st_size > size + by


def voiced_span_s(x: np.ndarray, threshold: float = 0.01) -> tuple[float, float]:
    """First and last 0.1 s block whose RMS exceeds ``threshold`` (start s, end s)."""
    blocks = x[: len(x) // 1600 * 1600].reshape(-1, 1600)
    loud = np.flatnonzero(np.sqrt(np.mean(blocks.astype(np.float64) ** 2, axis=1)) > threshold)
    assert loud.size, "nothing audible was recorded"
    return loud[0] / 10, (loud[-1] + 1) / 10


@pytest.fixture(scope="module")
def speaker(virtual_audio: VirtualAudio) -> Pyttsx3Speaker:
    s = make_speaker(rate_wpm=175)
    assert isinstance(s, Pyttsx3Speaker), f"espeak TTS must work here: {s.reason}"
    return s


@pytest.fixture
def tone_wav(tmp_path: Path) -> Path:
    """2.0 s of 440 Hz at 48 kHz stereo, the candidate's "answer"."""
    rate = 48_000
    t = np.arange(2 * rate) / rate
    mono = 0.3 * np.sin(2 * np.pi * 440 * t)
    pcm = np.round(np.stack([mono, mono], axis=1) * 32767).astype("<i2")
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


# --- TTS ----------------------------------------------------------------------------------


@pytest.mark.tts
def test_save_back_to_back_gives_complete_wavs(
    speaker: Pyttsx3Speaker, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    texts = [QUESTION, "Short answer.", LONG, QUESTION, "What is least privilege?", LONG]
    lengths_s = []
    for i, text in enumerate(texts):
        path = speaker.save(text, tmp_path / f"q{i}.wav")  # no waiting in between
        data, rate = read_wav(path)
        assert rate > 0 and data.shape[1] == 1
        assert path.stat().st_size == 44 + len(data) * 2  # header counts every byte
        assert rms(data[:, 0]) > 0.02, f"silent WAV for {text!r}"
        lengths_s.append(len(data) / rate)
    assert lengths_s[0] == pytest.approx(lengths_s[3], abs=0.05)  # same text, same audio
    assert lengths_s[2] == pytest.approx(lengths_s[5], abs=0.05)
    assert lengths_s[1] < 2.0 < lengths_s[0] < lengths_s[2]
    assert not list(tmp_path.glob(".*tmp*"))  # temp files renamed into place
    assert "Audio saved" not in capfd.readouterr().out  # the driver's chatter is silenced


@pytest.mark.tts
def test_voices_and_rate_are_selectable(speaker: Pyttsx3Speaker, tmp_path: Path) -> None:
    voices = speaker.voices()
    ids = [vid for vid, _ in voices]
    assert voices and all(isinstance(name, str) and name for _, name in voices)
    english = next(v for v in ids if v.endswith("/en-us") or v.endswith("/en"))
    fast = Pyttsx3Speaker(voice=english, rate_wpm=300)
    slow = Pyttsx3Speaker(voice=english, rate_wpm=120)
    try:
        quick = wav_seconds(fast.save(QUESTION, tmp_path / "fast.wav"))
        slowly = wav_seconds(slow.save(QUESTION, tmp_path / "slow.wav"))
    finally:
        fast.close()
        slow.close()
    assert slowly > 1.6 * quick
    with pytest.raises(AudioError, match="unknown TTS voice"):
        Pyttsx3Speaker(voice="klingon-imperial")


@pytest.mark.tts
@pytest.mark.sound
def test_say_blocks_for_the_utterance_and_reaches_the_speaker(
    speaker: Pyttsx3Speaker,
    virtual_audio: VirtualAudio,
    tmp_path: Path,
) -> None:
    expected = wav_seconds(speaker.save(QUESTION, tmp_path / "ref.wav"))
    capture = tmp_path / "speaker.wav"
    parec = subprocess.Popen(
        ["parec", "-d", "speaker.monitor", "--file-format=wav", "--channels=1", str(capture)],
        env=virtual_audio.env,
    )
    try:
        wait_until(lambda: grown(capture, 0), "the speaker monitor to start capturing")
        started = time.monotonic()
        speaker.say(QUESTION)
        took = time.monotonic() - started
        at_end = capture.stat().st_size
        wait_until(lambda: grown(capture, at_end), "half a second more of the monitor")
    finally:
        parec.terminate()
        parec.wait(timeout=5)
    assert took >= expected - 0.1, (took, expected)  # say() blocks until it has been played
    heard = read_wav_16k_mono(capture)
    start, end = voiced_span_s(heard)
    assert end - start == pytest.approx(expected, abs=0.6)


@pytest.mark.tts
@pytest.mark.sound
def test_stop_interrupts_say_from_another_thread(
    speaker: Pyttsx3Speaker,
    virtual_audio: VirtualAudio,
) -> None:
    finished = threading.Event()
    worker = threading.Thread(target=lambda: (speaker.say(LONG), finished.set()), daemon=True)
    worker.start()
    wait_until(lambda: speaker._playback is not None, "the long question to start playing")
    playing = speaker._playback
    speaker.stop()
    # The utterance lasts about 20 s: a say() that ignored stop() would still be talking.
    assert finished.wait(10.0), "say() did not return after stop()"
    assert playing is not None and playing.cancelled.is_set()
    speaker.say("Next question.")  # the speaker still works after a stop
    assert speaker._playback is None


# --- microphone ---------------------------------------------------------------------------


@pytest.mark.sound
def test_virtual_microphone_is_listed(virtual_audio: VirtualAudio) -> None:
    devices = list_input_devices()
    assert any(d.is_default for d in devices)
    default = find_device(None)
    assert default.channels >= 1 and default.default_samplerate > 0
    assert find_device(default.index) == default
    assert find_device(default.name) == default


@pytest.mark.sound
def test_recorder_records_what_is_played_into_the_mic(
    virtual_audio: VirtualAudio,
    tone_wav: Path,
    tmp_path: Path,
) -> None:
    blocks: list[np.ndarray] = []
    levels: list[float] = []
    rec = SoundDeviceRecorder(silence_stop_s=None)

    def heard(block: np.ndarray) -> None:
        blocks.append(block)
        levels.append(rec.level)

    rec.start(tmp_path / "answer.wav", on_block=heard)
    wait_until(lambda: rec.elapsed_s >= 0.5, "half a second of quiet before the answer")
    virtual_audio.play_into_mic(tone_wav, wait=True)
    after = rec.elapsed_s
    wait_until(lambda: rec.elapsed_s >= after + 0.5, "half a second of quiet after it")
    result = rec.stop()
    assert result.stopped_by == "manual"
    with wave.open(str(result.path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, SAMPLE_RATE, 2)
    audio = read_wav_16k_mono(result.path)
    assert len(audio) == round(result.duration_s * SAMPLE_RATE)
    start, end = voiced_span_s(audio)
    assert end - start == pytest.approx(2.0, abs=0.3)  # the whole tone, no frames dropped
    assert start >= 0.4 and len(audio) / SAMPLE_RATE >= end + 0.4
    assert rms(audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]) > 0.1
    assert max(levels) > 0.5
    assert sum(len(b) for b in blocks) == len(audio)
    assert result.speech_started_s == pytest.approx(start, abs=0.2)


@pytest.mark.sound
def test_recorder_stops_by_itself_after_silence(
    virtual_audio: VirtualAudio,
    tone_wav: Path,
    tmp_path: Path,
) -> None:
    rec = SoundDeviceRecorder(silence_stop_s=1.0)
    rec.start(tmp_path / "answer.wav", time_limit_s=20)
    wait_until(lambda: rec.elapsed_s >= 0.5, "half a second of quiet before the tone")
    virtual_audio.play_into_mic(tone_wav, wait=True)
    result = rec.wait(timeout=10)
    assert result is not None, "no silence stop"
    assert result.stopped_by == "silence"
    assert result.speech_started_s is not None
    _, end = voiced_span_s(read_wav_16k_mono(result.path))
    assert result.duration_s == pytest.approx(end + 1.0, abs=0.25)


@pytest.mark.sound
def test_recorder_time_limit(
    virtual_audio: VirtualAudio,
    tmp_path: Path,
) -> None:
    rec = SoundDeviceRecorder()
    rec.start(tmp_path / "limited.wav", time_limit_s=1.5)
    result = rec.wait(timeout=60)
    assert result is not None and result.stopped_by == "time_limit"
    assert result.duration_s == pytest.approx(1.5, abs=1e-3)  # counted in samples, not wall time
    assert len(read_wav_16k_mono(result.path)) == 1.5 * SAMPLE_RATE


@pytest.mark.sound
@pytest.mark.parametrize("device", ["no-such-microphone", 4242])
def test_nonexistent_device_is_an_audio_error(
    virtual_audio: VirtualAudio,
    device: str | int,
    tmp_path: Path,
) -> None:
    rec = SoundDeviceRecorder(device=device)
    with pytest.raises(AudioError, match="choose one of") as caught:
        rec.start(tmp_path / "x.wav")
    assert "\n" not in str(caught.value)
    assert not rec.recording


@pytest.mark.sound
def test_sound_card_vanishing_mid_recording_keeps_the_audio(
    virtual_audio: VirtualAudio,
    tmp_path: Path,
) -> None:
    with running_virtual_audio() as doomed:  # a second daemon of its own, to kill
        rec = SoundDeviceRecorder(silence_stop_s=None)
        rec.start(tmp_path / "partial.wav")
        wait_until(lambda: rec.elapsed_s >= 1.0, "a second of audio")
        heard = rec.elapsed_s
        doomed.daemon.kill()
        with pytest.raises(RecordingError, match="stopped delivering audio") as caught:
            rec.wait(timeout=SoundDeviceRecorder.stall_timeout_s + 3)
    result = caught.value.result
    assert result.stopped_by == "error"
    assert result.duration_s >= heard  # everything recorded before the card vanished is kept
    assert len(read_wav_16k_mono(result.path)) == round(result.duration_s * SAMPLE_RATE)


@pytest.mark.sound
def test_player_plays_to_the_end_and_stops_early(
    virtual_audio: VirtualAudio,
    tone_wav: Path,
    tmp_path: Path,
) -> None:
    player = SoundDevicePlayer()
    started = time.monotonic()
    player.play(tone_wav)
    took = time.monotonic() - started
    assert took >= 1.9  # play() blocks until the 2 s tone is over

    rate = 48_000
    long_tone = tmp_path / "long.wav"
    with wave.open(str(long_tone), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.sin(np.arange(30 * rate) / 20) * 9000).astype("<i2").tobytes())
    worker = threading.Thread(target=player.play, args=(long_tone,), daemon=True)
    worker.start()
    wait_until(lambda: player._current is not None, "the long tone to start playing")
    player.stop()
    worker.join(timeout=10.0)  # far less than the 30 s it would play
    assert not worker.is_alive(), "play() went on after stop()"

"""WAV playback through sounddevice, stoppable from any thread."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import numpy as np

from audio.devices import explain_device_error, import_sounddevice
from audio.ports import AudioError
from audio.resample import Resampler
from audio.wavfile import read_wav


class Playback:
    """One sound being played; ``cancel()`` stops it, ``wait()`` blocks until it is over."""

    def __init__(self, duration_s: float) -> None:
        self.duration_s = duration_s
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        self.stream: Any = None

    def cancel(self) -> None:
        self.cancelled.set()

    def wait(self, timeout: float | None = None) -> bool:
        """True when playback ended (finished or cancelled) within ``timeout``."""
        return self.finished.wait(timeout)

    def close(self) -> None:
        """Stop if still playing and release the device."""
        self.cancel()
        stream, self.stream = self.stream, None
        if stream is not None:
            with contextlib.suppress(Exception):  # a vanished device: nothing more to do
                stream.close(ignore_errors=True)


class SoundDevicePlayer:
    """Plays WAV files on an output device (None = system default) at its own rate."""

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        self._lock = threading.Lock()
        self._current: Playback | None = None

    def start(self, path: Path) -> Playback:
        """Begin playing ``path`` and return at once."""
        sd = import_sounddevice()
        data, rate = read_wav(path)
        try:
            info = sd.query_devices(self.device, "output")
        except (ValueError, sd.PortAudioError) as e:
            raise AudioError(explain_device_error(e, "the speaker")) from None
        if data.shape[1] > info["max_output_channels"]:
            data = data.mean(axis=1, keepdims=True)
        playback = Playback(len(data) / rate)
        try:
            stream = self._open(sd, playback, data, rate)
        except sd.PortAudioError as first:
            device_rate = int(info["default_samplerate"])
            if device_rate == rate:
                raise AudioError(explain_device_error(first, "the speaker")) from None
            r = Resampler(rate, device_rate)  # the device refused the file's rate: convert
            mono = np.concatenate([r.process(data), r.flush()])
            try:
                stream = self._open(sd, playback, mono[:, None], device_rate)
            except sd.PortAudioError as e:
                raise AudioError(explain_device_error(e, "the speaker")) from None
        playback.stream = stream
        with self._lock:
            if self._current is not None:
                self._current.cancel()
            self._current = playback
        try:
            stream.start()
        except sd.PortAudioError as e:
            stream.close(ignore_errors=True)
            raise AudioError(explain_device_error(e, "the speaker")) from None
        return playback

    def _open(self, sd: Any, playback: Playback, data: np.ndarray, rate: int) -> Any:
        pos = 0

        def callback(outdata: np.ndarray, frames: int, t: Any, status: Any) -> None:
            nonlocal pos
            if playback.cancelled.is_set():
                raise sd.CallbackAbort
            chunk = data[pos : pos + frames]
            outdata[: len(chunk)] = chunk
            outdata[len(chunk) :] = 0
            pos += len(chunk)
            if len(chunk) < frames:
                raise sd.CallbackStop

        return sd.OutputStream(
            device=self.device,
            samplerate=rate,
            channels=data.shape[1],
            dtype="float32",
            callback=callback,
            finished_callback=playback.finished.set,
        )

    def play(self, path: Path) -> None:
        """Play ``path`` to the end (or until ``stop()``)."""
        playback = self.start(path)
        try:
            if not playback.wait(playback.duration_s + 5.0):
                raise AudioError("playback did not finish: the sound output seems stuck")
        finally:
            self._close(playback)

    def _close(self, playback: Playback) -> None:
        playback.close()
        with self._lock:
            if self._current is playback:
                self._current = None

    def stop(self) -> None:
        with self._lock:
            current = self._current
        if current is not None:
            current.cancel()
            current.finished.wait(1.0)

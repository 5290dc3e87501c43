"""Microphone recording: native rate in, 16 kHz mono WAV out, written as it arrives.

``BlockSink`` is the per-block logic (resample, write, level, speech/silence detection,
limits); ``QueueRecorder`` runs it on a writer thread fed by a queue; subclasses only supply
the source of native-rate blocks: ``SoundDeviceRecorder`` a sounddevice ``InputStream``,
``audio.fakes.WavFedRecorder`` a WAV file.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from audio.ports import SAMPLE_RATE, AudioError, BlockHandler, RecordingResult
from audio.resample import Resampler, to_mono
from audio.wavfile import IncrementalWavWriter

log = logging.getLogger(__name__)

PORTAUDIO_HINT = "install PortAudio: apt-get install libportaudio2 (or your OS's equivalent)"

# Speech detection: a block is speech when its RMS is well above the adaptive noise floor.
MIN_SPEECH_RMS = 0.005  # about -46 dBFS: never call anything quieter speech
SPEECH_OVER_FLOOR = 3.2  # +10 dB over the noise floor
FLOOR_RISE_DB_PER_S = 1.0  # the floor follows rising noise slowly, falling noise at once
SPEECH_CONFIRM_S = 0.3  # voiced time needed before "speech started" (a click is not speech)
CONFIRM_RESET_S = 1.0  # ...gathered without a gap longer than this
METER_FLOOR_DB = -60.0  # the level meter maps -60..0 dBFS onto 0..1


class RecordingError(AudioError):
    """Recording failed part-way; ``result`` describes what was kept in the WAV."""

    def __init__(self, message: str, result: RecordingResult) -> None:
        super().__init__(message)
        self.result = result


def meter_level(rms: float) -> float:
    if rms <= 0:
        return 0.0
    db = 20 * math.log10(rms)
    return min(1.0, max(0.0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB))


class BlockSink:
    """Turns native-rate blocks into the 16 kHz WAV, level, ``on_block`` calls and stop reasons.

    Not thread-safe by itself: one thread calls ``feed``/``close``; others may read
    ``level``, ``elapsed_s`` and ``speech_started_s``.
    """

    def __init__(
        self,
        path: Path,
        src_rate: int,
        *,
        silence_stop_s: float | None = None,
        time_limit_s: float | None = None,
        on_block: BlockHandler | None = None,
    ) -> None:
        self.path = Path(path)
        self.silence_stop_s = silence_stop_s
        self.time_limit_s = time_limit_s
        self.on_block = on_block
        self._resampler = Resampler(src_rate, SAMPLE_RATE)
        self._writer = IncrementalWavWriter(self.path, SAMPLE_RATE)
        self._limit_frames = (
            None if time_limit_s is None else max(0, round(time_limit_s * SAMPLE_RATE))
        )
        self.level = 0.0
        self.speech_started_s: float | None = None
        self._floor: float | None = None
        self._voiced_s = 0.0
        self._candidate_start: float | None = None
        self._last_voice_end = 0.0
        self._on_block_failed = False

    @property
    def frames(self) -> int:
        return self._writer.frames_written

    @property
    def elapsed_s(self) -> float:
        return self.frames / SAMPLE_RATE

    def feed(self, block: np.ndarray) -> str | None:
        """Process one native-rate block; returns "silence" or "time_limit" when it should stop."""
        out = self._resampler.process(to_mono(block))
        return self._consume(out)

    def _consume(self, out: np.ndarray) -> str | None:
        if self._limit_frames is not None:
            out = out[: max(0, self._limit_frames - self.frames)]
        if out.size:
            start_s = self.elapsed_s
            self._writer.write(out)
            self._detect(out, start_s)
            if self.on_block is not None:
                try:
                    self.on_block(out)
                except Exception:
                    if not self._on_block_failed:  # keep recording; say it once
                        log.exception("on_block handler failed; recording continues")
                    self._on_block_failed = True
        if self._limit_frames is not None and self.frames >= self._limit_frames:
            return "time_limit"
        if (
            self.silence_stop_s is not None
            and self.speech_started_s is not None
            and self.elapsed_s - self._last_voice_end >= self.silence_stop_s
        ):
            return "silence"
        return None

    def _detect(self, out: np.ndarray, start_s: float) -> None:
        rms = float(np.sqrt(np.mean(np.square(out, dtype=np.float64))))
        self.level = meter_level(rms)
        dur = out.size / SAMPLE_RATE
        end_s = start_s + dur
        floor = rms if self._floor is None else self._floor
        voiced = rms > max(MIN_SPEECH_RMS, floor * SPEECH_OVER_FLOOR)
        rise = 10 ** (FLOOR_RISE_DB_PER_S * dur / 20)
        self._floor = rms if rms < floor else min(rms, floor * rise)
        if voiced:
            if self._candidate_start is None or start_s - self._last_voice_end > CONFIRM_RESET_S:
                self._candidate_start, self._voiced_s = start_s, 0.0
            self._voiced_s += dur
            self._last_voice_end = end_s
            if self.speech_started_s is None and self._voiced_s >= SPEECH_CONFIRM_S - 1e-9:
                self.speech_started_s = self._candidate_start

    def close(self, stopped_by: str) -> RecordingResult:
        """Flush the resampler's tail (unless stopped by the time limit) and finish the WAV."""
        if not self._writer.closed:
            with contextlib.suppress(RuntimeError):
                self._consume(self._resampler.flush())
            self._writer.close()
        return RecordingResult(
            path=self.path,
            duration_s=self.elapsed_s,
            stopped_by=stopped_by,
            speech_started_s=self.speech_started_s,
        )


class _End:
    """Queue marker: the source has finished (``reason``) or failed (``error``)."""

    def __init__(self, reason: str = "manual", error: str | None = None) -> None:
        self.reason = reason
        self.error = error


class QueueRecorder:
    """The Recorder protocol on top of a block source; subclasses implement the source hooks.

    The source pushes native-rate float32 blocks with ``self._put(block)`` (from any thread,
    doing nothing else there) and reports failure with ``self._fail(message)``. A failed
    recording makes ``stop()``/``wait()`` raise ``RecordingError`` (an ``AudioError`` whose
    ``result`` has ``stopped_by="error"``); the WAV keeps everything recorded until then.
    """

    stall_timeout_s: float | None = None  # no block for this long while running = error

    def __init__(self, silence_stop_s: float | None = 4.0, block_s: float = 0.1) -> None:
        self.silence_stop_s = silence_stop_s
        self.block_s = block_s
        self._sink: BlockSink | None = None
        self._queue: queue.Queue[np.ndarray | _End] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._result: RecordingResult | None = None
        self._error: str | None = None
        self._lock = threading.Lock()

    # --- hooks for subclasses -------------------------------------------------------------
    def _open_source(self) -> int:
        """Prepare the source (raise AudioError if impossible); return its sample rate."""
        raise NotImplementedError

    def _start_source(self) -> None:
        raise NotImplementedError

    def _close_source(self) -> None:
        """Stop delivering blocks; idempotent, callable from any thread but the source's own."""
        raise NotImplementedError

    # --- used by sources ------------------------------------------------------------------
    def _put(self, block: np.ndarray) -> None:
        self._queue.put(block)

    def _fail(self, message: str) -> None:
        self._queue.put(_End("error", message))

    def _finish(self, reason: str) -> None:
        self._queue.put(_End(reason))

    # --- Recorder protocol ----------------------------------------------------------------
    def start(
        self,
        path: Path,
        *,
        time_limit_s: float | None = None,
        on_block: BlockHandler | None = None,
    ) -> None:
        with self._lock:
            if self._thread is not None and not self._done.is_set():
                raise AudioError("already recording: stop the current recording first")
            self._queue = queue.Queue()
            rate = self._open_source()
            try:
                self._sink = BlockSink(
                    Path(path),
                    rate,
                    silence_stop_s=self.silence_stop_s,
                    time_limit_s=time_limit_s,
                    on_block=on_block,
                )
            except OSError as e:
                self._close_source()
                raise AudioError(f"cannot write the recording to {path}: {e.strerror}") from e
            self._done.clear()
            self._result, self._error = None, None
            self._thread = threading.Thread(target=self._run, name="recorder-writer", daemon=True)
            self._thread.start()
            try:
                self._start_source()
            except AudioError as e:
                self._fail(str(e))
                self._done.wait(5.0)
                raise

    @property
    def level(self) -> float:
        sink = self._sink
        return 0.0 if sink is None or self._done.is_set() else sink.level

    @property
    def elapsed_s(self) -> float:
        sink = self._sink
        return 0.0 if sink is None else sink.elapsed_s

    @property
    def recording(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    @property
    def error(self) -> str | None:
        """The one-line message of the failure that ended the last recording, if any."""
        return self._error

    def stop(self) -> RecordingResult:
        if self._thread is None:
            raise RuntimeError("stop() before start()")
        if not self._done.is_set():
            self._close_source()
            self._finish("manual")
        return self._outcome(10.0)

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        if self._thread is None:
            raise RuntimeError("wait() before start()")
        if not self._done.wait(timeout):
            return None
        return self._outcome(0)

    def _outcome(self, timeout: float) -> RecordingResult:
        if not self._done.wait(timeout):
            raise AudioError("the recorder did not finish writing in time; the WAV may be short")
        assert self._result is not None
        if self._error is not None:
            raise RecordingError(self._error, self._result)
        return self._result

    # --- writer thread --------------------------------------------------------------------
    def _run(self) -> None:
        sink = self._sink
        assert sink is not None
        reason, error = "manual", None
        last_block = time.monotonic()
        try:
            while True:
                try:
                    item = self._queue.get(timeout=0.1)
                except queue.Empty:
                    stall = self.stall_timeout_s
                    if stall is not None and time.monotonic() - last_block > stall:
                        reason, error = "error", self._stalled_message()
                        break
                    continue
                if isinstance(item, _End):
                    reason, error = item.reason, item.error
                    break
                last_block = time.monotonic()
                stop = sink.feed(item)
                if stop is not None:
                    reason = stop
                    break
        except Exception as e:  # a bug or a full disk: keep what we have, say what happened
            log.exception("recording failed")
            reason, error = "error", f"recording failed: {e}"
        finally:
            with contextlib.suppress(Exception):
                self._close_source()
            try:
                self._result = sink.close(reason)
            except OSError as e:
                error = error or f"cannot finish the recording file {sink.path}: {e.strerror}"
                self._result = RecordingResult(sink.path, sink.elapsed_s, "error", None)
            if error is not None and self._result.stopped_by != "error":
                self._result = RecordingResult(
                    sink.path, self._result.duration_s, "error", self._result.speech_started_s
                )
            self._error = error
            self._done.set()

    def _stalled_message(self) -> str:
        return "the audio source stopped delivering audio"


# --- sounddevice ---------------------------------------------------------------------------


def import_sounddevice() -> ModuleType:
    """Import sounddevice lazily so a missing PortAudio is an AudioError, not an ImportError."""
    try:
        import sounddevice
    except (OSError, ImportError) as e:
        raise AudioError(f"sound is unavailable ({e}); {PORTAUDIO_HINT}") from None
    return sounddevice


def refresh_devices() -> None:
    """Re-scan the sound devices (PortAudio lists them once, when it starts)."""
    sd = import_sounddevice()
    sd._terminate()
    sd._initialize()


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    default_samplerate: float
    channels: int
    is_default: bool


def _default_input_index(sd: Any) -> int | None:
    try:
        idx = sd.default.device[0]
        if idx is None or idx < 0:
            idx = sd.query_devices(kind="input")["index"]
        return int(idx)
    except Exception:
        return None


def list_input_devices() -> list[InputDevice]:
    sd = import_sounddevice()
    try:
        devices = sd.query_devices()
    except sd.PortAudioError as e:
        raise AudioError(f"cannot list sound devices: {e}") from None
    default = _default_input_index(sd)
    return [
        InputDevice(
            index=int(d["index"]),
            name=str(d["name"]),
            default_samplerate=float(d["default_samplerate"]),
            channels=int(d["max_input_channels"]),
            is_default=int(d["index"]) == default,
        )
        for d in devices
        if d["max_input_channels"] > 0
    ]


def _device_choices(devices: list[InputDevice]) -> str:
    return "; ".join(f"{d.index}: {d.name}" for d in devices) or "none"


def find_device(name_or_index: str | int | None) -> InputDevice:
    """An input device by index, exact name, or unique case-insensitive name fragment.

    ``None`` means the system default input.
    """
    devices = list_input_devices()
    if not devices:
        raise AudioError(
            "no microphone found: plug one in or check the sound server "
            "(e.g. `pactl info`), then list devices again"
        )
    if name_or_index is None:
        for d in devices:
            if d.is_default:
                return d
        raise AudioError(f"no default microphone; choose one of: {_device_choices(devices)}")
    key = str(name_or_index).strip()
    if key.lstrip("-").isdigit():
        for d in devices:
            if d.index == int(key):
                return d
        raise AudioError(
            f"no input device with index {key}; choose one of: {_device_choices(devices)}"
        )
    exact = [d for d in devices if d.name.lower() == key.lower()]
    if len(exact) == 1:
        return exact[0]
    matches = [d for d in devices if key.lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AudioError(
            f"no input device matches {key!r}; choose one of: {_device_choices(devices)}"
        )
    raise AudioError(f"{key!r} matches several devices; choose one of: {_device_choices(matches)}")


def explain_device_error(e: Exception, what: str) -> str:
    """A PortAudio error -> one line that says what to do."""
    text = str(e)
    low = text.lower()
    if "unavailable" in low or "busy" in low or "-9985" in low:
        return (
            f"{what} is busy or unavailable ({text}); "
            "close other programs using it, or pick another device"
        )
    if any(k in low for k in ("invalid device", "-9996", "error querying device", "matching")):
        return f"{what} does not exist ({text}); list the devices and pick another one"
    if "sample rate" in low or "-9997" in low:
        return f"{what} refuses every usual sample rate ({text}); pick another device"
    return f"cannot open {what} ({text}); check it is plugged in, or pick another device"


class SoundDeviceRecorder(QueueRecorder):
    """Records from a real input device through sounddevice/PortAudio.

    ``device`` is an index, a name (fragment) or None for the system default. The stream
    opens at the device's default rate (many mics refuse 16 kHz) and is resampled.
    """

    stall_timeout_s = 3.0

    def __init__(
        self,
        device: int | str | None = None,
        silence_stop_s: float | None = 4.0,
        block_s: float = 0.1,
    ) -> None:
        super().__init__(silence_stop_s=silence_stop_s, block_s=block_s)
        self.device = device
        self._stream: Any = None
        self._closing = False
        self._stream_lock = threading.Lock()
        self.overflows = 0  # input blocks PortAudio reported as overflowed (audio lost)

    def _open_source(self) -> int:
        sd = import_sounddevice()
        dev = find_device(self.device)
        what = f"microphone {dev.name!r}"
        rates = [int(dev.default_samplerate), 48000, 44100, SAMPLE_RATE]
        channel_options = [1] if dev.channels >= 1 else []
        if dev.channels > 1:
            channel_options.append(min(2, dev.channels))
        last: Exception | None = None
        self._closing = False
        self.overflows = 0
        for rate in dict.fromkeys(r for r in rates if r > 0):
            for channels in channel_options:
                try:
                    stream = sd.InputStream(
                        device=dev.index,
                        samplerate=rate,
                        channels=channels,
                        dtype="float32",
                        blocksize=max(1, round(rate * self.block_s)),
                        callback=self._callback,
                        finished_callback=self._on_finished,
                    )
                except sd.PortAudioError as e:
                    last = e
                    continue
                except ValueError as e:  # sounddevice's own device checks
                    raise AudioError(explain_device_error(e, what)) from None
                with self._stream_lock:
                    self._stream = stream
                return int(stream.samplerate)
        raise AudioError(explain_device_error(last or RuntimeError("no usable setting"), what))

    def _start_source(self) -> None:
        sd = import_sounddevice()
        stream = self._stream
        try:
            stream.start()
        except sd.PortAudioError as e:
            self._close_source()
            raise AudioError(explain_device_error(e, "the microphone")) from None

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status and status.input_overflow:
            self.overflows += 1
        self._put(indata.copy())

    def _on_finished(self) -> None:
        if not self._closing:
            self._fail(self._stalled_message())

    def _stalled_message(self) -> str:
        return (
            "the microphone stopped delivering audio (unplugged or taken by another program?); "
            "what was recorded so far is kept - check the device and record again"
        )

    def _close_source(self) -> None:
        with self._stream_lock:
            stream, self._stream = self._stream, None
            self._closing = True
        if stream is None:
            return
        try:
            stream.stop()  # waits for the last callback, so every block is queued
        except Exception:
            with contextlib.suppress(Exception):
                stream.abort()
        with contextlib.suppress(Exception):
            stream.close()

"""Microphone recording: native rate in, 16 kHz mono WAV out, written as it arrives.

``BlockSink`` is the per-block logic (resample, write, level, speech/silence detection,
limits); ``QueueRecorder`` runs it on a writer thread fed by a queue; subclasses only supply
the source of native-rate blocks: ``SoundDeviceRecorder`` a sounddevice ``InputStream``,
``audio.fakes.WavFedRecorder`` a WAV file.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from audio.block_sink import BlockSink
from audio.devices import explain_device_error, find_device, import_sounddevice
from audio.ports import SAMPLE_RATE, AudioError, BlockHandler, RecordingResult

log = logging.getLogger(__name__)


class RecordingError(AudioError):
    """Recording failed part-way; ``result`` describes what was kept in the WAV."""

    def __init__(self, message: str, result: RecordingResult) -> None:
        super().__init__(message)
        self.result = result


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

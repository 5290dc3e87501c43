"""Stand-ins for tests and demo mode: a recorder fed from a WAV file and a speaker that only
remembers what it was asked to say."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from audio.ports import SAMPLE_RATE
from audio.recorder import QueueRecorder
from audio.wavfile import read_wav, write_wav


class WavFedRecorder(QueueRecorder):
    """A Recorder whose "microphone" plays ``source_wav`` in ``block_s`` blocks.

    ``speed`` 1.0 is real time, larger is faster, 0 is as fast as possible. Blocks go through
    the same writer, level, ``on_block`` and stop logic as the real recorder (``BlockSink``).
    After the file, the fake microphone hears ``tail_silence_s`` of silence (default:
    ``silence_stop_s`` + 1 s, so a silence stop can happen; 0 without one); if nothing has
    stopped the recording by then it ends with ``stopped_by="end_of_input"``.
    """

    def __init__(
        self,
        source_wav: Path | str,
        speed: float = 1.0,
        silence_stop_s: float | None = None,
        *,
        block_s: float = 0.1,
        tail_silence_s: float | None = None,
    ) -> None:
        super().__init__(silence_stop_s=silence_stop_s, block_s=block_s)
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.source_wav = Path(source_wav)
        self.speed = speed
        if tail_silence_s is None:
            tail_silence_s = 0.0 if silence_stop_s is None else silence_stop_s + 1.0
        self.tail_silence_s = tail_silence_s
        self._data = np.zeros((0, 1), dtype=np.float32)
        self._rate = SAMPLE_RATE
        self._halt = threading.Event()
        self._feeder: threading.Thread | None = None

    def _open_source(self) -> int:
        self._data, self._rate = read_wav(self.source_wav)  # AudioError if missing or bad
        self._halt = threading.Event()
        return self._rate

    def _start_source(self) -> None:
        self._feeder = threading.Thread(target=self._feed, name="wav-feeder", daemon=True)
        self._feeder.start()

    def _close_source(self) -> None:
        self._halt.set()
        feeder = self._feeder
        if feeder is not None and feeder is not threading.current_thread():
            feeder.join(timeout=5.0)

    def _feed(self) -> None:
        step = max(1, round(self._rate * self.block_s))
        tail = np.zeros((round(self.tail_silence_s * self._rate), self._data.shape[1]), np.float32)
        audio = np.concatenate([self._data, tail])
        t0 = time.monotonic()
        for pos in range(0, len(audio), step):
            if self._halt.is_set():
                return
            block = audio[pos : pos + step]
            self._put(block.copy())
            if self.speed > 0:
                due = t0 + (pos + len(block)) / self._rate / self.speed
                if self._halt.wait(max(0.0, due - time.monotonic())):
                    return
        if not self._halt.is_set():
            self._finish("end_of_input")


class ScriptedSpeaker:
    """A Speaker that records what it was asked to say and returns at once (or after
    ``seconds_per_word`` per word, to mimic speech duration; ``stop()`` cuts that short)."""

    available = True
    reason = ""

    def __init__(self, seconds_per_word: float = 0.0) -> None:
        self.seconds_per_word = seconds_per_word
        self.said: list[str] = []
        self.saved: list[tuple[str, Path]] = []
        self.stops = 0
        self.closed = False
        self._stop = threading.Event()

    def say(self, text: str) -> None:
        self.said.append(text)
        self._stop.clear()
        self._stop.wait(self.seconds_per_word * len(text.split()))

    def stop(self) -> None:
        self.stops += 1
        self._stop.set()

    def save(self, text: str, path: Path) -> Path:
        """Writes silence as long as the text would take at 0.3 s per word."""
        self.saved.append((text, Path(path)))
        seconds = 0.3 * max(1, len(text.split()))
        return write_wav(path, np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32))

    def close(self) -> None:
        self.closed = True

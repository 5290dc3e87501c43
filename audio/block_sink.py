"""The per-block work of a recording: resample to 16 kHz mono, append to the WAV, keep the
level meter, notice when speech starts and when silence or the time limit ends the answer."""

from __future__ import annotations

import contextlib
import logging
import math
from pathlib import Path

import numpy as np

from audio.ports import SAMPLE_RATE, BlockHandler, RecordingResult
from audio.resample import Resampler, to_mono
from audio.wavfile import IncrementalWavWriter

log = logging.getLogger(__name__)

# Speech detection: a block is speech when its RMS is well above the adaptive noise floor.
MIN_SPEECH_RMS = 0.005  # about -46 dBFS: never call anything quieter speech
SPEECH_OVER_FLOOR = 3.2  # +10 dB over the noise floor
FLOOR_RISE_DB_PER_S = 1.0  # the floor follows rising noise slowly, falling noise at once
SPEECH_CONFIRM_S = 0.3  # voiced time needed before "speech started" (a click is not speech)
CONFIRM_RESET_S = 1.0  # ...gathered without a gap longer than this
METER_FLOOR_DB = -60.0  # the level meter maps -60..0 dBFS onto 0..1


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

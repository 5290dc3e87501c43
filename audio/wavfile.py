"""WAV files: a crash-safe incremental writer and a reader that yields 16 kHz mono float32."""

from __future__ import annotations

import contextlib
import os
import struct
import time
import wave
from pathlib import Path
from types import TracebackType

import numpy as np

from audio.ports import SAMPLE_RATE, AudioError
from audio.resample import resample, to_mono

_HEADER_BYTES = 44


def _header(sample_rate: int, data_bytes: int) -> bytes:
    """Canonical 44-byte header of a mono 16-bit PCM WAV."""
    return b"".join(
        [
            b"RIFF",
            struct.pack("<I", 36 + data_bytes),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16),
            b"data",
            struct.pack("<I", data_bytes),
        ]
    )


class IncrementalWavWriter:
    """Appends float32 blocks to a mono 16-bit PCM WAV that is valid on disk at all times.

    The header's sizes are rewritten, and the file flushed and fsynced, every
    ``sync_interval_s`` seconds of wall time (and on close). A crash or ``kill -9`` therefore
    loses at most the audio of the last interval; readers see a WAV whose header counts only
    the synced frames (any bytes after them are ignored).
    """

    def __init__(
        self, path: Path | str, sample_rate: int = SAMPLE_RATE, sync_interval_s: float = 1.0
    ) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.sync_interval_s = sync_interval_s
        self.frames_written = 0
        self.frames_synced = 0
        self._failure: OSError | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal audio
        self._file = open(fd, "wb")  # noqa: SIM115 - closed in close()
        self._file.write(_header(sample_rate, 0))
        self._sync()

    @property
    def duration_s(self) -> float:
        return self.frames_written / self.sample_rate

    @property
    def closed(self) -> bool:
        return self._file.closed

    def write(self, block: np.ndarray) -> None:
        """Append float samples in -1..1 (clipped); syncs when the interval has passed.

        A failed write (a full disk) raises ``OSError`` after making the header count every
        whole sample that reached the disk, so the WAV stays readable with all it could keep.
        """
        if self._failure is not None:
            raise self._failure
        samples = np.asarray(block, dtype=np.float32).reshape(-1)
        try:
            if samples.size:
                pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
                self._file.write(pcm.tobytes())
                self.frames_written += samples.size
            if time.monotonic() - self._last_sync >= self.sync_interval_s:
                self._sync()
        except OSError as exc:
            raise self._salvage(exc) from None

    def flush(self) -> None:
        """Make everything written so far durable and counted in the header."""
        if self._failure is not None:
            raise self._failure
        try:
            self._sync()
        except OSError as exc:
            raise self._salvage(exc) from None

    def _salvage(self, exc: OSError) -> OSError:
        """After a failed write: count what reached the disk in the header, close the file."""
        kept = self.frames_synced
        with contextlib.suppress(OSError, ValueError):
            fd = self._file.fileno()
            data_bytes = max(0, os.fstat(fd).st_size - _HEADER_BYTES) // 2 * 2
            os.pwrite(fd, struct.pack("<I", 36 + data_bytes), 4)
            os.pwrite(fd, struct.pack("<I", data_bytes), 40)
            os.fsync(fd)
            kept = self.frames_synced = data_bytes // 2
        with contextlib.suppress(OSError, ValueError):
            self._file.close()  # the unwritable buffered tail is dropped
        reason = exc.strerror or str(exc)
        self._failure = OSError(
            exc.errno,
            f"{reason} while writing {self.path}; the first {kept / self.sample_rate:.1f} s "
            "are kept in it",
        )
        return self._failure

    def _sync(self) -> None:
        data_bytes = self.frames_written * 2
        self._file.flush()  # data first, then the header that counts it
        self._file.seek(4)
        self._file.write(struct.pack("<I", 36 + data_bytes))
        self._file.seek(40)
        self._file.write(struct.pack("<I", data_bytes))
        self._file.seek(0, os.SEEK_END)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.frames_synced = self.frames_written
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if not self._file.closed:
            try:
                self._sync()
            except OSError as exc:
                raise self._salvage(exc) from None
            self._file.close()

    def __enter__(self) -> IncrementalWavWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_wav(path: Path | str, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write a whole mono float signal as a 16-bit WAV."""
    with IncrementalWavWriter(path, sample_rate) as writer:
        writer.write(samples)
    return Path(path)


def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """Read an integer-PCM WAV (8/16/24/32-bit) -> (float32 array (frames, channels), rate)."""
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise AudioError(f"audio file not found: {path}") from None
    except (wave.Error, EOFError) as e:
        raise AudioError(f"not a PCM WAV file ({e}): {path}") from None
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        data = ints.astype(np.float32) / float(1 << 23)
    elif width == 4:
        data = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2**31).astype(np.float32)
    else:
        raise AudioError(f"unsupported WAV sample width {width * 8} bits: {path}")
    frames = len(data) // channels
    return data[: frames * channels].reshape(frames, channels), rate


def read_wav_16k_mono(path: Path | str) -> np.ndarray:
    """Any integer-PCM WAV -> 16 kHz mono float32 in -1..1 (channels averaged, resampled)."""
    data, rate = read_wav(path)
    mono = to_mono(data)
    return mono if rate == SAMPLE_RATE else resample(mono, rate, SAMPLE_RATE)

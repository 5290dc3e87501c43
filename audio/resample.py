"""Block-by-block sample-rate conversion with numpy only.

Windowed-sinc (Blackman) band-limited interpolation evaluated at exact rational positions,
so long recordings do not drift. The resampler keeps the tail of the previous block, so
feeding a signal in blocks gives the same samples as converting it in one go: no clicks at
block edges. When downsampling, the sinc cutoff sits below the output Nyquist frequency,
which is the anti-aliasing low-pass.
"""

from __future__ import annotations

import math

import numpy as np

from audio.ports import SAMPLE_RATE

_ZERO_CROSSINGS = 24  # sinc lobes on each side: longer = sharper low-pass, more work
_ROLLOFF = 0.92  # cutoff as a fraction of the lower Nyquist frequency


def to_mono(block: np.ndarray) -> np.ndarray:
    """(frames,) or (frames, channels) -> (frames,) float32, channels averaged."""
    data = np.asarray(block)
    if data.ndim == 2:
        data = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    elif data.ndim != 1:
        raise ValueError(f"expected 1-D or 2-D audio, got shape {data.shape}")
    return data.astype(np.float32, copy=False)


class Resampler:
    """Stateful converter from ``src_rate`` to ``dst_rate`` for mono float blocks.

    ``process(block)`` returns whatever output is ready (the filter needs a few input samples
    of look-ahead, about 1.5 ms at 48 kHz); ``flush()`` returns the rest at the end.
    """

    def __init__(self, src_rate: int, dst_rate: int = SAMPLE_RATE) -> None:
        if src_rate <= 0 or dst_rate <= 0:
            raise ValueError("sample rates must be positive")
        g = math.gcd(int(src_rate), int(dst_rate))
        self.src_rate = int(src_rate)
        self.dst_rate = int(dst_rate)
        self._up = self.dst_rate // g  # output k sits at input position k * down / up
        self._down = self.src_rate // g
        self.passthrough = self._up == self._down
        # cutoff in cycles per input sample
        self._fc = 0.5 * min(1.0, self.dst_rate / self.src_rate) * _ROLLOFF
        self._half = math.ceil(_ZERO_CROSSINGS / (2.0 * self._fc))
        self._taps = np.arange(-self._half + 1, self._half + 1, dtype=np.int64)
        # input samples before 0 count as silence: the buffer starts at -half
        self._buf = np.zeros(self._half, dtype=np.float64)
        self._buf_start = -self._half  # absolute input index of self._buf[0]
        self._n_in = 0  # input samples received
        self._k = 0  # next output sample index
        self._flushed = False
        # rational ratios have few distinct phases: precompute their filters
        self._table = self._weights(np.arange(self._up) / self._up) if self._up <= 4096 else None

    def process(self, block: np.ndarray) -> np.ndarray:
        x = to_mono(block)
        if self._flushed:
            raise RuntimeError("Resampler.process() after flush()")
        if self.passthrough:
            return x.copy()
        self._buf = np.concatenate([self._buf, x.astype(np.float64)])
        self._n_in += len(x)
        return self._emit(available=self._n_in)

    def flush(self) -> np.ndarray:
        """Output for the last input samples; total output is ceil(n_in * dst / src)."""
        if self.passthrough or self._flushed:
            self._flushed = True
            return np.zeros(0, dtype=np.float32)
        self._flushed = True
        self._buf = np.concatenate([self._buf, np.zeros(self._half + 1)])
        total_out = -(-self._n_in * self._up // self._down)
        out = self._emit(available=self._n_in + self._half + 1, limit=total_out)
        return out

    def _weights(self, frac: np.ndarray) -> np.ndarray:
        """Filter taps for outputs that sit ``frac`` (0..1) input samples right of a sample."""
        t = self._taps[None, :] - frac[:, None]  # distance of each tap from the output
        w = 2 * self._fc * np.sinc(2 * self._fc * t)
        x = np.clip(t / self._half, -1.0, 1.0)
        w *= 0.42 + 0.5 * np.cos(np.pi * x) + 0.08 * np.cos(2 * np.pi * x)  # Blackman
        return w / w.sum(axis=1, keepdims=True)  # unit DC gain at every phase

    def _emit(self, available: int, limit: int | None = None) -> np.ndarray:
        # output k needs input up to floor(k*down/up) + half  (< available)
        last_k = ((available - 1 - self._half) * self._up) // self._down  # inclusive
        if limit is not None:
            last_k = min(last_k, limit - 1)
        n = last_k - self._k + 1
        if n <= 0:
            return np.zeros(0, dtype=np.float32)
        ks = np.arange(self._k, self._k + n, dtype=np.int64)
        num = ks * self._down
        base = num // self._up  # integer input position at or left of each output
        phase = num % self._up
        w = self._table[phase] if self._table is not None else self._weights(phase / self._up)
        idx = base[:, None] + self._taps[None, :] - self._buf_start
        out = np.einsum("ij,ij->i", self._buf[idx], w)
        self._k += n
        # drop input that no future output needs
        keep_from = (self._k * self._down) // self._up - self._half + 1
        drop = keep_from - self._buf_start
        if drop > 0:
            self._buf = self._buf[drop:]
            self._buf_start = keep_from
        return out.astype(np.float32)


def resample(data: np.ndarray, src_rate: int, dst_rate: int = SAMPLE_RATE) -> np.ndarray:
    """One-shot conversion of a whole mono signal."""
    r = Resampler(src_rate, dst_rate)
    head = r.process(data)
    return np.concatenate([head, r.flush()])

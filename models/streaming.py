"""Transcribe while the candidate is still speaking, so the result is ready when they stop.

Audio arrives in small blocks. A worker thread cuts the uncommitted audio at pauses found by the
Silero VAD that faster-whisper bundles, transcribes each finished piece once and commits it.
Between pieces it speculatively transcribes the open tail; if the answer then ends in silence
(the usual case: the recorder stops after a stretch of silence) that result is reused and the
final transcript is ready at once. Only speech after the last pause is decoded at the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from models.transcriber import SAMPLE_RATE, Transcriber, Transcript, Word

MIN_PAUSE_S = 0.3
PROMPT_CHARS = 200


def speech_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) sample spans of speech according to the bundled Silero VAD."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) < SAMPLE_RATE // 10:
        return []
    options = VadOptions(min_silence_duration_ms=int(MIN_PAUSE_S * 1000), speech_pad_ms=100)
    return [(s["start"], s["end"]) for s in get_speech_timestamps(audio, options)]


@dataclass
class _Piece:
    start: int  # sample offset in the whole answer
    end: int
    transcript: Transcript


@dataclass
class StreamingTranscriber:
    """Feed 16 kHz mono float32 blocks with ``feed``; ``finish`` returns the whole transcript."""

    transcriber: Transcriber
    vocabulary: Sequence[str] = ()
    min_piece_s: float = 4.0  # cut at a pause once this much audio is waiting
    max_piece_s: float = 12.0  # cut even without a pause (at the quietest point)
    speculate_every_s: float = 1.0
    detect_speech: Callable[[np.ndarray], list[tuple[int, int]]] = speech_spans
    _blocks: list[np.ndarray] = field(default_factory=list, init=False)
    _length: int = field(default=0, init=False)
    _audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), init=False)
    _committed: int = field(default=0, init=False)
    _pieces: list[_Piece] = field(default_factory=list, init=False)
    _speculation: _Piece | None = field(default=None, init=False)
    _finished: bool = field(default=False, init=False)
    _error: BaseException | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _done: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _result: Transcript | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name="streaming-asr", daemon=True)
        self._thread.start()

    # --- called by the recorder ----------------------------------------------------------

    def feed(self, block: np.ndarray) -> None:
        """Queue one block; cheap, safe from the recorder's thread."""
        with self._lock:
            self._blocks.append(np.asarray(block, dtype=np.float32).reshape(-1))
            self._length += len(self._blocks[-1])
        self._wake.set()

    def partial_text(self) -> str:
        """Committed text so far plus the latest guess at the open tail, for live display."""
        with self._lock:
            texts = [p.transcript.text for p in self._pieces]
            if self._speculation is not None:
                texts.append(self._speculation.transcript.text)
        return " ".join(t for t in texts if t)

    def finish(self, timeout: float = 120.0) -> Transcript:
        """No more audio: wait for the worker to settle and return the full transcript."""
        self._finished = True
        self._wake.set()
        if not self._done.wait(timeout):
            raise TimeoutError("transcription did not finish in time")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    # --- the worker ----------------------------------------------------------------------

    def _take_audio(self) -> np.ndarray:
        with self._lock:
            if self._blocks:
                self._audio = np.concatenate([self._audio, *self._blocks])
                self._blocks.clear()
            return self._audio

    def _run(self) -> None:
        try:
            last_speculated = 0
            while True:
                self._wake.wait(0.2)
                self._wake.clear()
                finishing = self._finished
                audio = self._take_audio()
                if finishing:
                    self._result = self._final(audio)
                    return
                if self._commit_at_pause(audio):
                    continue
                open_tail = len(audio) - self._committed
                grown = len(audio) - last_speculated
                if open_tail > SAMPLE_RATE and grown >= self.speculate_every_s * SAMPLE_RATE:
                    last_speculated = len(audio)
                    self._speculate(audio)
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.set()

    def _commit_at_pause(self, audio: np.ndarray) -> bool:
        """Transcribe and commit the audio up to the latest pause, if enough is waiting."""
        tail = audio[self._committed :]
        if len(tail) < self.min_piece_s * SAMPLE_RATE:
            return False
        spans = self.detect_speech(tail)
        if not spans:
            if len(tail) >= self.max_piece_s * SAMPLE_RATE:
                self._committed = len(audio) - SAMPLE_RATE  # only silence: skip it
            return False
        cut = _pause_cut(spans, len(tail))
        if cut is None and len(tail) >= self.max_piece_s * SAMPLE_RATE:
            cut = _quietest(tail)
        if cut is None:
            return False
        self._commit(audio, self._committed + cut)
        return True

    def _commit(self, audio: np.ndarray, end: int) -> None:
        start = self._committed
        transcript = self._decode(audio[start:end], start)
        with self._lock:
            self._pieces.append(_Piece(start, end, transcript))
            self._committed = end
            self._speculation = None

    def _speculate(self, audio: np.ndarray) -> None:
        start, end = self._committed, len(audio)
        transcript = self._decode(audio[start:end], start)
        with self._lock:
            if self._committed == start:
                self._speculation = _Piece(start, end, transcript)

    def _final(self, audio: np.ndarray) -> Transcript:
        spec = self._speculation
        tail = audio[self._committed :]
        if len(tail) and self.detect_speech(tail):
            if (
                spec is not None
                and spec.start == self._committed
                and not self.detect_speech(audio[spec.end :])
            ):
                self._pieces.append(spec)  # nothing was said after the guess: reuse it
            else:
                self._commit(audio, len(audio))
        texts = [p.transcript.text for p in self._pieces if p.transcript.text]
        words = tuple(w for p in self._pieces for w in p.transcript.words)
        model = self.transcriber.model_name
        return Transcript(" ".join(texts), words, len(audio) / SAMPLE_RATE, model)

    def _decode(self, piece: np.ndarray, offset: int) -> Transcript:
        with self._lock:
            previous = " ".join(p.transcript.text for p in self._pieces)[-PROMPT_CHARS:]
        result = self.transcriber.transcribe(piece, self.vocabulary, prompt=previous)
        shift = offset / SAMPLE_RATE
        words = tuple(
            Word(w.text, w.start + shift, w.end + shift, w.probability) for w in result.words
        )
        return Transcript(result.text, words, len(piece) / SAMPLE_RATE, result.model)


def _pause_cut(spans: list[tuple[int, int]], length: int) -> int | None:
    """The middle of the latest pause between speech spans (or after the last one)."""
    gaps = [(spans[i][1], spans[i + 1][0]) for i in range(len(spans) - 1)]
    if length - spans[-1][1] >= MIN_PAUSE_S * SAMPLE_RATE:
        gaps.append((spans[-1][1], length))
    gaps = [g for g in gaps if g[1] - g[0] >= MIN_PAUSE_S * SAMPLE_RATE]
    if not gaps:
        return None
    start, end = gaps[-1]
    return (start + end) // 2 if end < length else start + int(0.15 * SAMPLE_RATE)


def _quietest(tail: np.ndarray, frame: int = SAMPLE_RATE // 20) -> int:
    """The quietest 50 ms frame in the last third of the tail: the least harmful cut."""
    begin = len(tail) * 2 // 3
    region = tail[begin : len(tail) - len(tail) % frame or None]
    frames = len(region) // frame
    if frames == 0:
        return len(tail)
    energy = (region[: frames * frame].reshape(frames, frame) ** 2).mean(axis=1)
    return begin + int(energy.argmin()) * frame + frame // 2


def transcribe_streaming(
    transcriber: Transcriber,
    audio: np.ndarray,
    vocabulary: Sequence[str] = (),
    *,
    block_s: float = 0.1,
    realtime: bool = False,
) -> tuple[Transcript, float]:
    """Feed ``audio`` block by block (at real-time pace if asked); return the transcript and
    the seconds from the last block to the final transcript (what the user waits)."""
    stream = StreamingTranscriber(transcriber, vocabulary)
    step = int(block_s * SAMPLE_RATE)
    began = time.perf_counter()
    for i in range(0, len(audio), step):
        if realtime:
            delay = began + i / SAMPLE_RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        stream.feed(audio[i : i + step])
    ended = time.perf_counter()
    transcript = stream.finish()
    return transcript, time.perf_counter() - ended

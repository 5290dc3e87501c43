"""Transcribe while the candidate is still speaking, so the result is ready when they stop.

Audio arrives in small blocks. A worker thread cuts the uncommitted audio at pauses found by the
Silero VAD that faster-whisper bundles, transcribes each finished piece once and commits it,
passing the text so far as the prompt. When the answer ends, only the speech after the last
pause (typically a few seconds) is still to be decoded, greedily and without the silence after
it; after a silence stop, nothing is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from models.transcriber import (
    MIN_PAUSE_S,
    SAMPLE_RATE,
    Transcriber,
    Transcript,
    Word,
    speech_spans,
)

log = logging.getLogger(__name__)
TAIL_PAD_S = 0.2  # decoded after the VAD's end of the last words
PROMPT_CHARS = 200


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
    # Cut at a pause once this much audio is waiting. Longer pieces give the decoder context:
    # 4 s instead of 2 s cut the word error rate of `benchmarks spoken` and its CPU time.
    min_piece_s: float = 4.0
    max_piece_s: float = 12.0  # cut even without a pause (at the quietest point)
    detect_speech: Callable[[np.ndarray], list[tuple[int, int]]] = speech_spans
    # False: no worker thread; each ``feed`` decodes what is ready before it returns, as if
    # the worker always kept up (deterministic: benchmarks and tests).
    background: bool = True
    _blocks: list[np.ndarray] = field(default_factory=list, init=False)
    _audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), init=False)
    _committed: int = field(default=0, init=False)
    _pieces: list[_Piece] = field(default_factory=list, init=False)
    _finished: bool = field(default=False, init=False)
    _error: BaseException | None = field(default=None, init=False)
    _result: Transcript | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _done: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        if self.background:
            threading.Thread(target=self._run, name="streaming-asr", daemon=True).start()

    # --- called by the recorder and the UI ------------------------------------------------

    def feed(self, block: np.ndarray) -> None:
        """Queue one block; cheap, safe from the recorder's thread."""
        with self._lock:
            self._blocks.append(np.asarray(block, dtype=np.float32).reshape(-1))
        if self.background:
            self._wake.set()
        else:
            self._catch_up(self._take_audio())

    def partial_text(self) -> str:
        """The text committed so far, for live display."""
        with self._lock:
            return " ".join(p.transcript.text for p in self._pieces if p.transcript.text)

    def finish(self, timeout: float = 120.0) -> Transcript:
        """No more audio: wait for the worker to settle and return the full transcript."""
        self._finished = True
        if not self.background:
            self._result = self._final(self._take_audio())
            return self._result
        self._wake.set()
        if not self._done.wait(timeout):
            raise TimeoutError("transcription did not finish in time")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    # --- the worker ---------------------------------------------------------------------

    def _take_audio(self) -> np.ndarray:
        with self._lock:
            if self._blocks:
                self._audio = np.concatenate([self._audio, *self._blocks])
                self._blocks.clear()
            return self._audio

    def _run(self) -> None:
        try:
            while True:
                self._wake.wait(0.1)
                self._wake.clear()
                finishing = self._finished
                audio = self._take_audio()
                if finishing:
                    self._result = self._final(audio)
                    return
                self._catch_up(audio)
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.set()

    def _catch_up(self, audio: np.ndarray) -> None:
        while self._commit_at_pause(audio):
            pass

    def _commit_at_pause(self, audio: np.ndarray) -> bool:
        """Transcribe and commit the audio up to the latest pause, if enough is waiting."""
        tail = audio[self._committed :]
        if len(tail) < self.min_piece_s * SAMPLE_RATE:
            return False
        spans = self.detect_speech(tail)
        long_enough = len(tail) >= self.max_piece_s * SAMPLE_RATE
        if not spans:
            if long_enough:  # only silence so far: nothing to transcribe
                self._committed = len(audio) - SAMPLE_RATE // 2
            return False
        cut = _pause_cut(spans, len(tail))
        if cut is not None and cut < SAMPLE_RATE:
            cut = None  # too short a piece to transcribe well: wait for the next pause
        if cut is None and long_enough:
            cut = _quietest(tail)
        if cut is None:
            return False
        self._commit(audio, self._committed + cut)
        return True

    def _commit(
        self, audio: np.ndarray, end: int, fast: bool = False, decode_end: int | None = None
    ) -> None:
        """Commit the audio up to ``end``, decoding it up to ``decode_end`` (default: end)."""
        start = self._committed
        began = time.perf_counter()
        transcript = self._decode(audio[start : decode_end or end], start, fast)
        log.debug(
            "piece %.1f-%.1f s decoded (%s) in %.2f s (%.1f s of audio waiting)",
            start / SAMPLE_RATE,
            end / SAMPLE_RATE,
            "greedy" if fast else "beam",
            time.perf_counter() - began,
            (len(self._audio) - end) / SAMPLE_RATE,
        )
        with self._lock:
            self._pieces.append(_Piece(start, end, transcript))
            self._committed = end

    def _final(self, audio: np.ndarray) -> Transcript:
        # The user waits for everything from here on. Audio the worker had not reached yet
        # is cut at pauses until one short piece is left, and that piece is decoded greedily
        # (half the time of beam search; greedy decoding of long audio skips phrases), without
        # the silence after the last words (it only invites inventions).
        limit = self.max_piece_s * SAMPLE_RATE
        while len(audio) - self._committed > limit and self._commit_at_pause(audio):
            pass
        tail = audio[self._committed :]
        spans = self.detect_speech(tail) if len(tail) else []
        if spans:
            speech_end = self._committed + spans[-1][1] + int(TAIL_PAD_S * SAMPLE_RATE)
            fast = len(tail) <= limit
            self._commit(audio, len(audio), fast, min(speech_end, len(audio)))
        texts = [p.transcript.text for p in self._pieces if p.transcript.text]
        words = tuple(w for p in self._pieces for w in p.transcript.words)
        echoes = tuple(w for p in self._pieces for w in p.transcript.echoes)
        model = self.transcriber.model_name
        return Transcript(" ".join(texts), words, len(audio) / SAMPLE_RATE, model, echoes)

    def _decode(self, piece: np.ndarray, offset: int, fast: bool) -> Transcript:
        previous = self.partial_text()[-PROMPT_CHARS:]
        result = self.transcriber.transcribe(piece, self.vocabulary, prompt=previous, fast=fast)
        shift = offset / SAMPLE_RATE

        def shifted(words: tuple[Word, ...]) -> tuple[Word, ...]:
            return tuple(Word(w.text, w.start + shift, w.end + shift, w.probability) for w in words)

        return Transcript(
            result.text,
            shifted(result.words),
            len(piece) / SAMPLE_RATE,
            result.model,
            shifted(result.echoes),
        )


def _pause_cut(spans: list[tuple[int, int]], length: int) -> int | None:
    """Where to cut: in the latest pause between speech spans, or just after the last span
    when the audio already ends in a pause. (The VAD only splits spans at real pauses.)"""
    if length - spans[-1][1] >= MIN_PAUSE_S * SAMPLE_RATE:
        return spans[-1][1] + int(0.1 * SAMPLE_RATE)
    if len(spans) < 2:
        return None
    return (spans[-2][1] + spans[-1][0]) // 2


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
    """Feed ``audio`` block by block; return the transcript and the seconds from the last block
    to the final transcript (what the user waits). At real-time pace a worker thread decodes
    as the app's does; otherwise each block is decoded as soon as it is fed, which gives the
    same pieces whenever the worker keeps up, every time."""
    stream = StreamingTranscriber(transcriber, vocabulary, background=realtime)
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

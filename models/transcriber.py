"""Speech to text behind a small interface, and the faster-whisper adapter.

Recognition is biased towards the current question's vocabulary (``hotwords``): on our
measurements this roughly doubles exact keyword recall for tiny.en (shared/notes and
``benchmarks``). Silence gives an empty transcript: the bundled Silero VAD removes non-speech
and segments that Whisper itself thinks are not speech are dropped. Biasing has two costs
handled here: words it echoes from the prompt are dropped (``models.echoes``), and speech it
made the decoder pass over is decoded again (``MISSED_SPEECH_S``).
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from models.echoes import find_echoes, prompt_words
from models.registry import ResolvedModel
from questions.errors import TranscriptionError

log = logging.getLogger(__name__)
SAMPLE_RATE = 16_000
MAX_AUDIO_S = 30 * 60  # one answer; longer files are refused (memory and time)
MAX_HOTWORD_CHARS = 400  # faster-whisper keeps only the last ~223 prompt tokens
NO_SPEECH_DROP = 0.6
REPETITION_PENALTY = 1.1
END_MARGIN_S = 0.5  # last words: a transcript this close to the end of the audio is complete
LOOP_COMPRESSION = 2.4  # gzip ratio of a segment's text above which it is a repetition loop
MIN_PAUSE_S = 0.3  # a silence this long (per the VAD) separates two stretches of speech
SPEECH_PAD_S = 0.05
# This much speech (per the VAD) without a word in the transcript: the decoder skipped it.
# Biasing provokes it: a whole 30 s window judged "no speech", or a segment that spans the
# window but stops writing after its first sentence.
MISSED_SPEECH_S = 1.5
# Whisper learned to drop disfluencies; a prompt that contains some makes it keep them.
FILLER_PROMPT = "Umm, so, uh, let me think, like, hmm... Okay, I mean, you know, here's my take."
# Whisper's stock phrases on silence or noise (from subtitles in its training data).
_HALLUCINATIONS = re.compile(
    r"^\W*(thanks? (you )?for watching|thank you\.?|please subscribe|subtitles by|you)\W*$",
    re.IGNORECASE,
)


def speech_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) sample spans of speech according to the Silero VAD faster-whisper bundles."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) < SAMPLE_RATE // 10:
        return []
    options = VadOptions(
        min_silence_duration_ms=int(MIN_PAUSE_S * 1000), speech_pad_ms=int(SPEECH_PAD_S * 1000)
    )
    return [(s["start"], s["end"]) for s in get_speech_timestamps(audio, options)]


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[Word, ...] = ()
    duration_s: float = 0.0
    model: str = ""
    echoes: tuple[Word, ...] = ()  # words dropped as echoes of the biasing prompt (not said)

    def to_dict(self) -> dict[str, object]:
        def listed(words: tuple[Word, ...]) -> list[dict[str, object]]:
            return [
                {
                    "text": w.text,
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "probability": round(w.probability, 3),
                }
                for w in words
            ]

        return {
            "text": self.text,
            "duration_s": round(self.duration_s, 3),
            "model": self.model,
            "words": listed(self.words),
            "echoes_dropped": listed(self.echoes),
        }


class Transcriber(Protocol):
    model_name: str

    def transcribe(
        self,
        audio: np.ndarray,
        vocabulary: Sequence[str] = (),
        prompt: str = "",
        fast: bool = False,
    ) -> Transcript:
        """Transcribe 16 kHz mono float32 audio; ``vocabulary`` biases recognition; ``fast``
        trades a little accuracy for speed (greedy decoding), for the piece a user waits on."""
        ...

    def transcribe_file(self, path: Path, vocabulary: Sequence[str] = ()) -> Transcript: ...


def hotwords(vocabulary: Sequence[str], limit: int = MAX_HOTWORD_CHARS) -> str | None:
    """The vocabulary as one hotword string, most important first, cut to fit the prompt."""
    chosen: list[str] = []
    length = 0
    for term in vocabulary:
        if length + len(term) + 2 > limit:
            break
        chosen.append(term)
        length += len(term) + 2
    return ", ".join(chosen) or None


def load_audio(path: Path, max_seconds: float = MAX_AUDIO_S) -> np.ndarray:
    """Decode any file PyAV reads (wav, flac, mp3, m4a, ogg...) to 16 kHz mono float32.

    Decoding streams frame by frame into one float32 buffer, so memory is the answer itself
    (about 3.8 MB a minute) and never more than ``max_seconds`` of it: a longer file is refused
    with a clear message as soon as decoding passes the limit (``MAX_AUDIO_S``, 30 minutes).
    """
    path = Path(path)
    _check_readable(path)
    if path.stat().st_size == 0:
        raise TranscriptionError(f"{path}: the file is empty; record the answer again")
    limit = int(max_seconds * SAMPLE_RATE)
    try:
        audio = _decode(path, limit)
    except TranscriptionError:
        raise
    except MemoryError:
        raise TranscriptionError(f"{path}: not enough memory to decode this file") from None
    except Exception as exc:
        raise TranscriptionError(
            f"{path}: cannot decode audio ({exc.__class__.__name__}); give a wav, flac, mp3, "
            "m4a or ogg recording"
        ) from None
    if audio.size == 0:
        raise TranscriptionError(
            f"{path}: no audio samples in the file (cut short or not a recording); "
            "record the answer again"
        )
    return audio


def _heard(segments: Sequence[Any]) -> list[tuple[str, list[Word]]]:
    """Each kept segment's text and words (Whisper's stock phrases on silence, and segments
    it calls silence and is unsure of, left out)."""
    heard: list[tuple[str, list[Word]]] = []
    for segment in segments:
        text = segment.text.strip()
        if segment.no_speech_prob > NO_SPEECH_DROP and segment.avg_logprob < -0.7:
            continue
        if not text or _HALLUCINATIONS.match(text):
            continue
        said = [
            Word(w.word.strip(), float(w.start), float(w.end), float(w.probability))
            for w in segment.words or ()
        ]
        heard.append((text, said))
    return heard


def _in_order(pieces: list[tuple[str, list[Word]]]) -> list[tuple[str, list[Word]]]:
    """Pieces sorted by their first word's time (one without words stays after the piece
    before it)."""
    keyed, time = [], 0.0
    for n, (text, said) in enumerate(pieces):
        time = said[0].start if said else time
        keyed.append((time, n, text, said))
    return [(text, said) for _, _, text, said in sorted(keyed)]


def _check_readable(path: Path) -> None:
    """A regular file we may read; anything else is one line that says what it is."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise TranscriptionError(f"{path}: no such audio file; check the path") from None
    except OSError as exc:
        raise TranscriptionError(f"{path}: cannot open it ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise TranscriptionError(f"{path}: is a folder; give one recording file inside it")
    if not stat.S_ISREG(mode):
        raise TranscriptionError(
            f"{path}: is not a regular file (a pipe or a device); save the recording to a "
            "file first"
        )
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise TranscriptionError(
            f"{path}: cannot read it ({exc.strerror}); check its permissions"
        ) from None


def _too_long(path: Path, limit: int) -> TranscriptionError:
    minutes = limit / SAMPLE_RATE / 60
    return TranscriptionError(
        f"{path}: longer than {minutes:g} minutes, the limit for one answer; "
        "cut it into shorter answers"
    )


def _decode(path: Path, limit: int) -> np.ndarray:
    import av

    with av.open(str(path), mode="r", metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise TranscriptionError(f"{path}: the file has no audio track")
        stream = container.streams.audio[0]
        declared = 0
        if container.duration:  # a hint for the buffer size: headers may lie...
            declared = int(container.duration / av.time_base * SAMPLE_RATE)
        bytes_needed = (container.duration or 0) / av.time_base * (container.bit_rate or 0) / 8
        if declared > limit and path.stat().st_size >= 0.9 * bytes_needed > 0:
            raise _too_long(path, limit)  # ...unless the file is as big as the header says
        buffer = np.empty(min(max(declared, SAMPLE_RATE), limit + 1), dtype=np.float32)
        used = 0
        resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)

        def frames() -> Iterator[object]:
            packets = container.demux(stream)
            for packet in packets:
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError:
                    continue  # a damaged packet: skip it, keep the rest
                for frame in decoded:
                    frame.pts = None  # no timestamp checks: damaged files still decode
                    yield frame
            yield None  # flush the resampler

        for frame in frames():
            for out in resampler.resample(frame):
                samples = out.to_ndarray().reshape(-1)
                if used + samples.size > limit:
                    raise _too_long(path, limit)
                if used + samples.size > buffer.size:
                    grown = np.empty(
                        min(limit + 1, max(buffer.size * 2, used + samples.size)), np.float32
                    )
                    grown[:used] = buffer[:used]
                    buffer = grown
                np.multiply(samples, 1 / 32768.0, out=buffer[used : used + samples.size])
                used += samples.size
    return buffer[:used].copy() if used < buffer.size // 2 else buffer[:used]


@dataclass
class WhisperTranscriber:
    """faster-whisper on the CPU (int8) by default; the model loads once, on first use."""

    model: ResolvedModel
    device: str = "cpu"
    compute_type: str = "int8"
    beam_size: int = 5
    cpu_threads: int = 0
    keep_fillers: bool = False
    # The banks, the prompts and the judge are English. Left to detect the language, the
    # multilingual base model heard a noisy piece of an English answer as Welsh ("dwi'r
    # dwi'r dwi'r") in `benchmarks spoken`.
    language: str = "en"
    drop_echoes: bool = True  # False only to measure what the echo rules save (benchmarks)
    redecode_skipped: bool = True  # False only to measure what decoding again saves
    detect_speech: Callable[[np.ndarray], list[tuple[int, int]]] = speech_spans
    _whisper: object = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def model_name(self) -> str:
        return self.model.name

    def load(self) -> None:
        """Load the model (about half a second for tiny.en); safe to call from any thread."""
        with self._lock:
            if self._whisper is not None:
                return
            if self.model.local:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local path needs no hub
            from faster_whisper import WhisperModel

            try:
                self._whisper = WhisperModel(
                    self.model.path,
                    device=self.device,
                    compute_type=self.compute_type,
                    cpu_threads=self.cpu_threads,
                    local_files_only=self.model.local,
                )
            except Exception as exc:
                raise TranscriptionError(
                    f"cannot load model '{self.model.name}' from {self.model.path}: {exc}; "
                    "check 'interview-sim models verify' and the device/compute type settings"
                ) from None

    def transcribe(
        self,
        audio: np.ndarray,
        vocabulary: Sequence[str] = (),
        prompt: str = "",
        fast: bool = False,
    ) -> Transcript:
        self.load()
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        duration = len(audio) / SAMPLE_RATE
        if len(audio) < SAMPLE_RATE // 4 or not np.any(np.abs(audio) > 1e-4):
            return Transcript("", (), duration, self.model_name)
        bias = hotwords(vocabulary)
        options = {
            "language": self.language,
            "beam_size": 1 if fast else self.beam_size,
            "word_timestamps": True,
            "vad_filter": True,
            "vad_parameters": {"min_silence_duration_ms": 500},
            "condition_on_previous_text": False,
            "hotwords": bias,
            "initial_prompt": " ".join(p for p in (self._filler_prompt(), prompt) if p) or None,
            # Deterministic: the same answer always gets the same transcript and score. (The
            # default temperature fallback samples at random.)
            "temperature": 0.0,
        }
        end = duration if fast else None
        segments = self._segments(audio, options, end)
        if any(s.compression_ratio > LOOP_COMPRESSION for s in segments):
            # A repetition loop ("NIST, NIST, NIST, ..."), which biasing can provoke: decode
            # again with a mild repetition penalty (still deterministic).
            options["repetition_penalty"] = REPETITION_PENALTY
            segments = self._segments(audio, options, end)
        heard = _heard(segments)
        prompt = prompt_words(bias.split(", ")) if bias else set()
        passes = (options, {**options, "hotwords": None}) if bias else (options,)
        for again in passes if self.redecode_skipped else ():
            skipped = self._skipped(audio, again, heard, duration, prompt)
            if skipped:
                heard = _in_order(heard + skipped)
        return self._without_echoes(heard, prompt, duration)

    def _skipped(
        self,
        audio: np.ndarray,
        options: dict[str, Any],
        heard: list[tuple[str, list[Word]]],
        duration: float,
        prompt: set[str],
    ) -> list[tuple[str, list[Word]]]:
        """Speech the decoder passed over (``MISSED_SPEECH_S`` or more of it between two
        words, per the VAD; echoes of the prompt are not words), each stretch decoded again
        on its own: first as before, then, for what is still missing, without the bias."""
        words = [w for _, said in heard for w in said]
        echoes = self._echoes(words, prompt)
        times = sorted((w.start, w.end) for w, echo in zip(words, echoes, strict=True) if not echo)
        edges = [0.0, *(t for pair in times for t in pair), duration]
        found: list[tuple[str, list[Word]]] = []
        for begin, end in zip(edges[::2], edges[1::2], strict=True):
            if end - begin < MISSED_SPEECH_S:
                continue
            piece = audio[int(begin * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
            spans = self.detect_speech(piece)
            if sum(e - s for s, e in spans) < MISSED_SPEECH_S * SAMPLE_RATE:
                continue
            first, last = spans[0][0], spans[-1][1]
            offset = begin + first / SAMPLE_RATE
            again = _heard(self._segments(piece[first:last], options, None))
            log.debug("decoded again %.1f-%.1f s: %d segments", offset, end, len(again))
            found += [
                (text, [replace(w, start=w.start + offset, end=w.end + offset) for w in said])
                for text, said in again
                if said
            ]
        return found

    def _segments(self, audio: np.ndarray, options: dict[str, Any], end: float | None) -> list[Any]:
        """Decode; with ``end`` (the last words, which the user waits for), stop once the
        transcript reaches it. (With word timestamps, faster-whisper decodes the half second
        after the last word again as a whole new 30 s window: a third of a second on two
        cores, and it mostly invents a word, such as "please.".) Longer audio is decoded to
        the end: there, a loop in the last window is what calls for decoding it again."""
        segments = []
        for segment in self._whisper.transcribe(audio, **options)[0]:  # type: ignore[attr-defined]
            segments.append(segment)
            if end is not None and segment.end >= end - END_MARGIN_S:
                break
        return segments

    def _without_echoes(
        self, heard: list[tuple[str, list[Word]]], prompt: set[str], duration: float
    ) -> Transcript:
        """The transcript without the words biasing made up and the decoder's loops
        (models/echoes.py; ``prompt``: the words of the bias); a segment that lost words is
        written from the words it kept."""
        all_words = [w for _, said in heard for w in said]
        flags = iter(self._echoes(all_words, prompt))
        texts: list[str] = []
        kept: list[Word] = []
        dropped: list[Word] = []
        for text, said in heard:
            mine = [(w, next(flags)) for w in said]
            kept += [w for w, echo in mine if not echo]
            dropped += [w for w, echo in mine if echo]
            if any(echo for _, echo in mine):
                text = " ".join(w.text for w, echo in mine if not echo)
            if text:
                texts.append(text)
        return Transcript(
            " ".join(texts), tuple(kept), duration, self.model_name, echoes=tuple(dropped)
        )

    def _echoes(self, words: Sequence[Word], prompt: set[str]) -> list[bool]:
        return find_echoes(words, prompt) if self.drop_echoes else [False] * len(words)

    def transcribe_file(self, path: Path, vocabulary: Sequence[str] = ()) -> Transcript:
        return self.transcribe(load_audio(path), vocabulary)

    def _filler_prompt(self) -> str:
        return FILLER_PROMPT if self.keep_fillers else ""

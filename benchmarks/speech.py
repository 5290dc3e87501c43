"""Speech pipeline figures on answers spoken with espeak-ng: latency, speed, memory, recall.

- streaming: the audio goes through the Recorder interface (``WavFedRecorder``) at real-time
  speed into the ``StreamingTranscriber``; latency = from the recorder's stop to the score.
- batch: the same audio transcribed in one go only after it ends, then scored.
- keyword recall: of the rubric concepts the scorer finds in the text that was spoken, the
  share it still finds in the transcript; with and without rubric biasing, and streamed.
"""

from __future__ import annotations

import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from audio.fakes import WavFedRecorder
from benchmarks.scoring import load_devset
from models.registry import resolve_model
from models.streaming import StreamingTranscriber, transcribe_streaming
from models.transcriber import WhisperTranscriber, load_audio
from questions.bank import Question, QuestionSet, builtin_bank_paths
from questions.scoring import score
from simulator import config

# One question per section, for the long answers timed at real-time speed.
LONG_ANSWER_QUESTIONS = ("beginner-01", "intermediate-07", "advanced-03", "scenario-04")


def speak(text: str, path: Path, wpm: int = 165, voice: str = "en-us") -> Path:
    binary = shutil.which("espeak-ng")
    if not binary:
        raise SystemExit("espeak-ng is needed for the speech benchmark: run .ci/setup")
    subprocess.run([binary, "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True)
    return path


def _concepts(question: Question, text: str) -> set[str]:
    return {r.concept.id for r in score(question, text).covered}


FILLER_WORDS = re.compile(
    r"\b(um+|uh+|erm|er|hmm+|like|you know|i mean|sort of|kind of|basically)\b"
)


def _fillers(text: str) -> int:
    return len(FILLER_WORDS.findall(text.lower()))


def _recall(found: list[tuple[set[str], set[str]]]) -> float:
    reference = sum(len(ref) for ref, _ in found)
    kept = sum(len(ref & got) for ref, got in found)
    return round(kept / reference, 4) if reference else 0.0


def run(quick: bool = False) -> dict[str, Any]:
    questions = QuestionSet.from_paths(builtin_bank_paths())
    dev = load_devset()
    model = resolve_model("tiny.en", config.paths().models_dir)
    transcriber = WhisperTranscriber(model)
    began = time.perf_counter()
    transcriber.load()
    load_s = time.perf_counter() - began
    work = Path(tempfile.mkdtemp(prefix="bench-speech-"))

    # Long answers (>= 60 s): a question's strong, paraphrase and filler answers in a row.
    long_ids = LONG_ANSWER_QUESTIONS[: 2 if quick else len(LONG_ANSWER_QUESTIONS)]
    streaming, batch, durations, rtfs = [], [], [], []
    for qid in long_ids:
        question = questions.get(qid)
        text = " ".join(
            a["text"] for a in dev
            if a["question_id"] == qid and a["kind"] in ("strong", "paraphrase", "filler")
        )
        wav = speak(text, work / f"{qid}.wav")
        audio = load_audio(wav)
        durations.append(len(audio) / 16000)

        t0 = time.perf_counter()
        whole = transcriber.transcribe(audio, question.vocabulary())
        score(question, whole.text)
        batch.append(time.perf_counter() - t0)
        rtfs.append(batch[-1] / durations[-1])

        stream = StreamingTranscriber(transcriber, question.vocabulary())
        recorder = WavFedRecorder(wav, speed=1.0, tail_silence_s=0.0)
        recorder.start(work / f"{qid}-rec.wav", on_block=stream.feed)
        recorder.wait(timeout=durations[-1] + 30)
        ended = time.perf_counter()
        score(question, stream.finish().text)
        streaming.append(time.perf_counter() - ended)

    # Keyword recall over many shorter answers, spoken once, transcribed three ways.
    sample = [a for a in dev if a["kind"] in ("strong", "paraphrase")]
    sample = sample[:: 8 if quick else 2]
    plain, biased, streamed = [], [], []
    for i, answer in enumerate(sample):
        question = questions.get(answer["question_id"])
        audio = load_audio(speak(answer["text"], work / f"r{i}.wav"))
        reference = _concepts(question, answer["text"])
        vocabulary = question.vocabulary()
        plain.append((reference, _concepts(question, transcriber.transcribe(audio).text)))
        biased.append(
            (reference, _concepts(question, transcriber.transcribe(audio, vocabulary).text))
        )
        result, _ = transcribe_streaming(transcriber, audio, vocabulary)
        streamed.append((reference, _concepts(question, result.text)))

    # Fillers: does a disfluent prompt make Whisper keep the "um"s it tends to drop?
    filler_answers = [a for a in dev if a["kind"] == "filler"][:: 6 if quick else 2]
    kept_plain = kept_prompted = said = 0
    prompted_recall = []
    prompted = WhisperTranscriber(model, keep_fillers=True)
    prompted._whisper = transcriber._whisper  # same loaded model, other decoding options
    for i, answer in enumerate(filler_answers):
        question = questions.get(answer["question_id"])
        audio = load_audio(speak(answer["text"], work / f"f{i}.wav"))
        vocabulary = question.vocabulary()
        said += _fillers(answer["text"])
        kept_plain += min(_fillers(transcriber.transcribe(audio, vocabulary).text),
                          _fillers(answer["text"]))
        text = prompted.transcribe(audio, vocabulary).text
        kept_prompted += min(_fillers(text), _fillers(answer["text"]))
        prompted_recall.append((_concepts(question, answer["text"]), _concepts(question, text)))
    shutil.rmtree(work, ignore_errors=True)

    stream_median = statistics.median(streaming)
    batch_median = statistics.median(batch)
    return {
        "model": model.name,
        "answers_timed": len(long_ids),
        "answer_audio_s": round(min(durations), 1),
        "answer_audio_s_mean": round(statistics.fmean(durations), 1),
        "streaming_end_to_score_s": round(stream_median, 3),
        "streaming_end_to_score_s_max": round(max(streaming), 3),
        "batch_end_to_score_s": round(batch_median, 3),
        "streaming_over_batch": round(stream_median / batch_median, 3),
        "rtf": round(statistics.fmean(rtfs), 4),
        "model_load_s": round(load_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "recall_answers": len(sample),
        "keyword_recall_unbiased": _recall(plain),
        "keyword_recall_biased": _recall(biased),
        "keyword_recall_streaming": _recall(streamed),
        "filler_answers": len(filler_answers),
        "filler_recall_plain": round(kept_plain / said, 4) if said else None,
        "filler_recall_filler_prompt": round(kept_prompted / said, 4) if said else None,
        "keyword_recall_filler_prompt": _recall(prompted_recall),
    }

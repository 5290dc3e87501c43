"""Speech pipeline figures on answers spoken with espeak-ng: latency, speed, memory, recall.

- latency: the answer goes through the round service as the app takes it: the Recorder
  interface (``WavFedRecorder``) at real-time speed, streamed to the model, judged by term and
  meaning, delivery measured, saved to SQLite. "end to score" = from the recorder's stop (right
  after the last word: the hardest case) to the saved score, with its parts. "batch" = the same
  audio transcribed in one go only after it ends, then scored.
- recall: of the rubric concepts the scorer finds in the text that was spoken, the share it
  still finds in the transcript; with and without rubric biasing, and streamed.
- fillers: how many of the spoken "um"s survive, with and without a disfluent prompt.
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

from audio.fakes import ScriptedSpeaker, WavFedRecorder
from benchmarks.scoring import load_devset
from models.registry import resolve_model
from models.streaming import transcribe_streaming
from models.transcriber import WhisperTranscriber, load_audio
from questions.bank import Question, QuestionSet, builtin_bank_paths
from questions.scoring import score
from simulator import config
from simulator.history import History
from simulator.judge import Judge
from simulator.round_devices import BackgroundModel, Devices
from simulator.round_events import ScoredAnswer, Timings
from simulator.rounds import Round, RoundConfig, RoundPlan

PARTS = ("latency", "recall", "fillers")
# One question per section, for the long answers timed at real-time speed.
LONG_ANSWER_QUESTIONS = ("beginner-01", "intermediate-07", "advanced-03", "scenario-04")
FILLER_WORDS = re.compile(
    r"\b(um+|uh+|erm|er|hmm+|like|you know|i mean|sort of|kind of|basically)\b"
)


def speak(text: str, path: Path, wpm: int = 165, voice: str = "en-us") -> Path:
    binary = shutil.which("espeak-ng")
    if not binary:
        raise SystemExit("espeak-ng is needed for the speech benchmark: run .ci/setup")
    subprocess.run([binary, "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True)
    return path


def _concepts(question: Question, text: str) -> set[str]:
    return {r.concept.id for r in score(question, text).covered}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _fillers(text: str) -> int:
    return len(FILLER_WORDS.findall(text.lower()))


def _recall(found: list[tuple[set[str], set[str]]]) -> float:
    reference = sum(len(ref) for ref, _ in found)
    kept = sum(len(ref & got) for ref, got in found)
    return round(kept / reference, 4) if reference else 0.0


class _Bench:
    def __init__(self, quick: bool, model_name: str):
        self.quick = quick
        self.questions = QuestionSet.from_paths(builtin_bank_paths())
        self.dev = load_devset()
        self.model = resolve_model(model_name, config.paths().models_dir)
        self.transcriber = WhisperTranscriber(self.model)
        began = time.perf_counter()
        self.transcriber.load()
        self.load_s = time.perf_counter() - began
        self.work = Path(tempfile.mkdtemp(prefix="bench-speech-"))
        self.judge = Judge()
        self.judge.score(self.questions.get("beginner-01"), "warm up")  # loads the meaning model

    def spoken(self, name: str, text: str) -> tuple[Path, Any]:
        wav = speak(text, self.work / f"{name}.wav")
        return wav, load_audio(wav)

    def latency(self) -> dict[str, Any]:
        """Long answers (>= 60 s): a question's strong, paraphrase and filler answers in a row."""
        ids = LONG_ANSWER_QUESTIONS[: 2 if self.quick else len(LONG_ANSWER_QUESTIONS)]
        streaming, batch, durations, rtfs = [], [], [], []
        stages: list[Timings] = []
        for qid in ids:
            question = self.questions.get(qid)
            text = " ".join(
                a["text"]
                for a in self.dev
                if a["question_id"] == qid and a["kind"] in ("strong", "paraphrase", "filler")
            )
            wav, audio = self.spoken(qid, text)
            durations.append(len(audio) / 16000)

            t0 = time.perf_counter()
            whole = self.transcriber.transcribe(audio, question.vocabulary())
            score(question, whole.text)
            batch.append(time.perf_counter() - t0)
            rtfs.append(batch[-1] / durations[-1])

            answer = self._through_the_round(question, wav, durations[-1])
            streaming.append(answer.ready_after_s)
            stages.append(answer.timings)
        stream_median, batch_median = statistics.median(streaming), statistics.median(batch)
        return {
            "answers_timed": len(ids),
            "answer_audio_s": round(min(durations), 1),
            "answer_audio_s_mean": round(statistics.fmean(durations), 1),
            "streaming_end_to_score_s": round(stream_median, 3),
            "streaming_end_to_score_s_p90": round(_percentile(streaming, 0.9), 3),
            "streaming_end_to_score_s_all": [round(x, 3) for x in streaming],
            "end_to_score_parts_s": {
                name: round(statistics.median(getattr(t, f"{name}_s") for t in stages), 3)
                for name in ("last_words", "judging", "delivery", "saving")
            },
            "batch_end_to_score_s": round(batch_median, 3),
            "streaming_over_batch": round(stream_median / batch_median, 3),
            "rtf": round(statistics.fmean(rtfs), 4),
        }

    def _through_the_round(self, question: Question, wav: Path, seconds: float) -> ScoredAnswer:
        """The answer as the app takes it: the round service records it (the WAV fed at
        real-time speed), streams it to the model, judges it by term and meaning, and saves
        it; ``ready_after_s`` runs from the recorder's stop to the saved score."""
        recorder = WavFedRecorder(wav, speed=1.0, tail_silence_s=0.0)
        devices = Devices(ScriptedSpeaker(), recorder, BackgroundModel(lambda: self.transcriber))
        with History.open(self.work / "history.sqlite3") as history:
            plan = RoundPlan("practice", (question,))
            rnd = Round(
                plan, RoundConfig.practice(), devices, history, self.judge, self.work / "rec"
            )
            answer = rnd.answer_by_voice(question)
            rnd.close()
        assert answer is not None, f"no answer recorded for {question.id} ({seconds:.0f} s)"
        return answer

    def recall(self) -> dict[str, Any]:
        """Keyword recall over many shorter answers, spoken once, transcribed three ways."""
        sample = [a for a in self.dev if a["kind"] in ("strong", "paraphrase")]
        sample = sample[:: 8 if self.quick else 2]
        plain, biased, streamed = [], [], []
        for i, answer in enumerate(sample):
            question = self.questions.get(answer["question_id"])
            _, audio = self.spoken(f"r{i}", answer["text"])
            reference = _concepts(question, answer["text"])
            vocabulary = question.vocabulary()
            unbiased_text = self.transcriber.transcribe(audio).text
            plain.append((reference, _concepts(question, unbiased_text)))
            biased_text = self.transcriber.transcribe(audio, vocabulary).text
            biased.append((reference, _concepts(question, biased_text)))
            result, _ = transcribe_streaming(self.transcriber, audio, vocabulary)
            streamed.append((reference, _concepts(question, result.text)))
        return {
            "recall_answers": len(sample),
            "keyword_recall_unbiased": _recall(plain),
            "keyword_recall_biased": _recall(biased),
            "keyword_recall_streaming": _recall(streamed),
        }

    def fillers(self) -> dict[str, Any]:
        """Does a disfluent prompt make Whisper keep the "um"s it tends to drop, and at what
        cost to keyword recall on the same answers?"""
        answers = [a for a in self.dev if a["kind"] == "filler"][:: 6 if self.quick else 2]
        prompted = WhisperTranscriber(self.model, keep_fillers=True)
        prompted._whisper = self.transcriber._whisper  # the loaded model, other options
        said = kept_plain = kept_prompted = 0
        plain_recall, prompted_recall = [], []
        for i, answer in enumerate(answers):
            question = self.questions.get(answer["question_id"])
            _, audio = self.spoken(f"f{i}", answer["text"])
            vocabulary = question.vocabulary()
            reference = _concepts(question, answer["text"])
            wanted = _fillers(answer["text"])
            said += wanted
            plain_text = self.transcriber.transcribe(audio, vocabulary).text
            kept_plain += min(_fillers(plain_text), wanted)
            plain_recall.append((reference, _concepts(question, plain_text)))
            prompted_text = prompted.transcribe(audio, vocabulary).text
            kept_prompted += min(_fillers(prompted_text), wanted)
            prompted_recall.append((reference, _concepts(question, prompted_text)))
        return {
            "filler_answers": len(answers),
            "filler_recall_plain": round(kept_plain / said, 4) if said else None,
            "filler_recall_filler_prompt": round(kept_prompted / said, 4) if said else None,
            "filler_answers_keyword_recall_plain": _recall(plain_recall),
            "filler_answers_keyword_recall_filler_prompt": _recall(prompted_recall),
        }


def run(
    quick: bool = False, parts: tuple[str, ...] = PARTS, model_name: str = "tiny.en"
) -> dict[str, Any]:
    bench = _Bench(quick, model_name)
    report: dict[str, Any] = {"model": bench.model.name, "model_load_s": round(bench.load_s, 3)}
    try:
        for part in parts:
            report |= getattr(bench, part)()
    finally:
        shutil.rmtree(bench.work, ignore_errors=True)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report

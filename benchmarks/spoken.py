"""Spoken answers judged against the same answers typed (``python -m benchmarks spoken``).

Held-out answers (``graded.jsonl``: strong, half, weak, off-topic; ``holdout.jsonl``: answers
thick with fillers; never used to write or calibrate the rubrics) are spoken with espeak-ng in
rotating voices and speeds, with white noise at rotating levels (none, 20 dB and 10 dB below
the speech), transcribed the ways below, and judged as the app judges (terms and
meaning):

- ``biased``: the whole file at once, biased with the question's jargon, echoes dropped;
- ``streamed``: the same decoding, but fed block by block and decoded in pieces cut at pauses,
  as the app takes an answer while it is spoken (each piece as soon as its pause is fed);
- ``unbiased``: the whole file, no vocabulary given to the decoder;
- ``biased_raw`` (``--ways``): as ``biased`` with the echoes left in;
- ``biased_once`` (``--ways``): as ``biased`` without decoding again what the decoder skipped.

For each way: word error rate by noise level (recognition itself, the steadiest figure here:
one answer's coverage moves by a whole concept on a single misheard word), ordering (pairs of
kinds ranked as the grader ranks them, per question), correlation with the grader, mean
coverage by kind, and **false credit**: off-topic and weak coverage from audio minus the same
text typed, with every concept the audio earned that the typed text did not (the words
credited are listed, so an echo is easy to see).
"""

from __future__ import annotations

import json
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from benchmarks.scoring import (
    GRADED,
    HOLDOUT,
    ORDER,
    labelled_coverage,
    load_devset,
    ordered_pairs,
    pearson,
)
from benchmarks.speech import speak
from models.registry import ResolvedModel, resolve_model
from models.streaming import transcribe_streaming
from models.transcriber import Transcript, WhisperTranscriber, load_audio
from questions.bank import QuestionSet, builtin_bank_paths
from simulator import config
from simulator.judge import Judge

VOICES = (("en-us", 165), ("en", 150), ("en-us+f3", 185), ("en-gb-x-rp", 140))
WAYS = ("biased", "streamed", "unbiased", "biased_raw", "biased_once")
DEFAULT_WAYS = WAYS[:3]
NOISE_SNR_DB = (None, 20, 10)  # speech-to-noise ratio; None: clean
KINDS = (*ORDER, "filler")
# Weak and off-topic answers are the most: false credit is measured on them.
PER_KIND = {"strong": 15, "half": 15, "weak": 30, "offtopic": 30, "filler": 12}
QUICK_PER_KIND = {"strong": 4, "half": 4, "weak": 8, "offtopic": 8, "filler": 3}


def _choose(quick: bool) -> list[dict[str, Any]]:
    wanted = QUICK_PER_KIND if quick else PER_KIND
    graded, holdout = load_devset(GRADED), load_devset(HOLDOUT)
    chosen: list[dict[str, Any]] = []
    for kind in KINDS:
        of_kind = [a for a in (holdout if kind == "filler" else graded) if a["kind"] == kind]
        step = max(1, len(of_kind) // wanted[kind])  # spread over the questions
        chosen += of_kind[::step][: wanted[kind]]
    return chosen


def noisy(audio: np.ndarray, snr_db: float | None, seed: int) -> np.ndarray:
    """``audio`` with white noise ``snr_db`` below its loudness (RMS over its voiced part)."""
    if snr_db is None or not len(audio):
        return audio
    voiced = audio[np.abs(audio) > 0.02 * np.abs(audio).max()]
    rms = float(np.sqrt(np.mean(np.square(voiced)))) if len(voiced) else 0.0
    noise = np.random.default_rng(seed).standard_normal(len(audio)).astype(np.float32)
    return np.clip(audio + noise * rms / 10 ** (snr_db / 20), -1.0, 1.0).astype(np.float32)


Transcribe = Callable[[np.ndarray, Sequence[str]], Transcript]


def _transcribers(model: ResolvedModel) -> dict[str, Transcribe]:
    """Each way of transcribing, sharing one loaded model."""
    app = WhisperTranscriber(model)
    app.load()
    raw = WhisperTranscriber(model, drop_echoes=False)
    once = WhisperTranscriber(model, redecode_skipped=False)
    raw._whisper = once._whisper = app._whisper
    return {
        "biased": app.transcribe,
        "streamed": lambda audio, words: transcribe_streaming(app, audio, words)[0],
        "unbiased": lambda audio, _words: app.transcribe(audio),
        "biased_raw": raw.transcribe,
        "biased_once": once.transcribe,
    }


def run(
    quick: bool = False,
    model_name: str = "tiny.en",
    ways: Sequence[str] = DEFAULT_WAYS,
    transcripts: Path | None = None,
) -> dict[str, Any]:
    """Speak, transcribe and judge; with ``transcripts``, also write what each way heard there
    (JSON lines) so that ``rejudge`` can judge them again without decoding."""
    unknown = set(ways) - set(WAYS)
    if unknown:
        raise SystemExit(f"unknown ways {sorted(unknown)}: choose from {', '.join(WAYS)}")
    model = resolve_model(model_name, config.paths().models_dir)
    heard, seconds, echoes = _transcribe_all(_choose(quick), model, ways)
    if transcripts is not None:
        transcripts.write_text("".join(json.dumps(h) + "\n" for h in heard), encoding="utf-8")
    report = {"model": model.name, **judge_all(heard, ways)}
    for way in ways:
        report[way]["transcribe_s_per_answer"] = round(seconds[way] / len(heard), 2)
    if "biased" in ways:
        report["echo_words_dropped"] = echoes
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def rejudge(transcripts: Path) -> dict[str, Any]:
    """The judging figures for transcripts written by ``run`` (seconds, no decoding): how a
    change to the judge moves spoken answers."""
    try:
        lines = transcripts.read_text(encoding="utf-8").splitlines()
        heard = [json.loads(line) for line in lines if line]
        ways = [w for w in WAYS if w in heard[0]["texts"]] if heard else []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"cannot read transcripts from {transcripts}: {exc}") from None
    if not ways:
        raise SystemExit(f"no transcripts in {transcripts}: write them with spoken --transcripts")
    return {"transcripts": str(transcripts), **judge_all(heard, ways)}


def _transcribe_all(
    chosen: list[dict[str, Any]], model: ResolvedModel, ways: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, float], int]:
    """Each answer spoken, noised and transcribed each way: one record per answer."""
    transcribers = _transcribers(model)
    questions = QuestionSet.from_paths(builtin_bank_paths())
    work = Path(tempfile.mkdtemp(prefix="bench-spoken-"))
    heard: list[dict[str, Any]] = []
    seconds = dict.fromkeys(ways, 0.0)
    echoes = 0
    try:
        for i, answer in enumerate(chosen):
            print(f"  {i + 1}/{len(chosen)} {answer['id']}", file=sys.stderr)
            vocabulary = questions.get(answer["question_id"]).vocabulary()
            voice, wpm = VOICES[i % len(VOICES)]
            snr = NOISE_SNR_DB[i % len(NOISE_SNR_DB)]  # 3 and 4 coprime: every pairing occurs
            audio = load_audio(speak(answer["text"], work / f"{i}.wav", wpm, voice))
            audio = noisy(audio, snr, seed=i)
            texts = {}
            for way in ways:
                began = time.perf_counter()
                transcript = transcribers[way](audio, vocabulary)
                seconds[way] += time.perf_counter() - began
                texts[way] = transcript.text
                echoes += len(transcript.echoes) if way == "biased" else 0
            noise = "clean" if snr is None else f"snr_{snr}db"
            heard.append({"answer": answer, "voice": voice, "noise": noise, "texts": texts})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return heard, seconds, echoes


def judge_all(heard: list[dict[str, Any]], ways: Sequence[str]) -> dict[str, Any]:
    """Every answer judged typed and as each way heard it, and the figures against typed."""
    questions = QuestionSet.from_paths(builtin_bank_paths())
    everything = ("typed", *ways)
    judge = Judge()
    coverage: dict[str, dict[str, list[float]]] = {w: defaultdict(list) for w in everything}
    by_noise: dict[str, dict[str, dict[str, list[float]]]] = {
        w: defaultdict(lambda: defaultdict(list)) for w in everything
    }
    per_question: dict[str, dict[str, dict[str, float]]] = {
        w: defaultdict(dict) for w in everything
    }
    graded: list[float] = []
    ticks_per_question: dict[str, dict[str, float]] = defaultdict(dict)
    judged: dict[str, list[float]] = {w: [] for w in everything}
    invented: dict[str, list[dict[str, Any]]] = {w: [] for w in ways}
    errors: dict[str, dict[str, list[float]]] = {w: defaultdict(list) for w in ways}
    for record in heard:
        answer, noise = record["answer"], record["noise"]
        question = questions.get(answer["question_id"])
        texts = {"typed": answer["text"], **{w: record["texts"][w] for w in ways}}
        typed = judge.score(question, answer["text"])
        typed_ids = {c.concept.id for c in typed.covered}
        graded.append(labelled_coverage(question, answer["concepts"]))
        ticks_per_question[question.id][answer["kind"]] = graded[-1]
        for way, text in texts.items():
            result = typed if way == "typed" else judge.score(question, text)
            coverage[way][answer["kind"]].append(result.coverage)
            by_noise[way][noise][answer["kind"]].append(result.coverage)
            per_question[way][question.id][answer["kind"]] = result.coverage
            judged[way].append(result.coverage)
            if way == "typed":
                continue
            errors[way][noise].append(word_error_rate(answer["text"], text))
            for c in result.covered:
                if c.concept.id not in typed_ids:
                    invented[way].append({
                        "answer": answer["id"], "kind": answer["kind"], "voice": record["voice"],
                        "noise": noise,
                        "concept": c.concept.id, "words": c.matched_text,
                        "by_meaning": c.by_meaning,
                    })  # fmt: skip
    report: dict[str, Any] = {
        "answers": len(heard),
        "voices": VOICES,
        "noise_snr_db": NOISE_SNR_DB,
        # The ordering measure on the grader's own ticks: weak and off-topic answers that both
        # earn nothing tie, so this is as high as any judge's ordering can go on these answers.
        "ordering_of_the_graders_ticks": round(
            statistics.fmean(ordered_pairs(ticks_per_question)), 3
        ),
    }
    for way in everything:
        means = {k: statistics.fmean(v) for k, v in coverage[way].items()}
        entry: dict[str, Any] = {
            "ordering": round(statistics.fmean(ordered_pairs(per_question[way])), 3),
            "correlation": round(pearson(graded, judged[way]), 3),
            "coverage_by_kind": {k: round(means[k], 3) for k in KINDS if k in means},
        }
        if way != "typed":
            entry["false_credit_points"] = _false_credit(coverage["typed"], coverage[way])
            entry["by_noise"] = {
                noise: _against_typed(by_noise["typed"][noise], kinds)
                for noise, kinds in sorted(by_noise[way].items())
            }
            gap = means["strong"] - statistics.fmean(coverage["typed"]["strong"])
            entry["strong_gap_points"] = round(100 * gap, 1)
            entry["word_error_rate"] = {
                noise: round(statistics.fmean(rates), 3)
                for noise, rates in sorted(errors[way].items())
            }
            entry["concepts_not_in_typed"] = len(invented[way])
        report[way] = entry
    report["concepts_not_in_typed"] = invented
    return report


def word_error_rate(said: str, heard: str) -> float:
    """Words substituted, dropped or added, per word said (case and punctuation ignored)."""
    reference = re.findall(r"[a-z0-9']+", said.lower())
    return Levenshtein.distance(reference, re.findall(r"[a-z0-9']+", heard.lower())) / max(
        1, len(reference)
    )


def _against_typed(typed: dict[str, list[float]], spoken: dict[str, list[float]]) -> dict[str, Any]:
    """Per kind at one noise level: mean coverage spoken minus typed, in points."""
    return {
        kind: round(100 * (statistics.fmean(spoken[kind]) - statistics.fmean(typed[kind])), 1)
        for kind in KINDS
        if spoken.get(kind)
    }


def _false_credit(typed: dict[str, list[float]], spoken: dict[str, list[float]]) -> dict[str, Any]:
    """Off-topic and weak answers: spoken minus typed coverage, in points."""
    out: dict[str, Any] = {}
    for kind in ("offtopic", "weak"):
        gains = [100 * (s - t) for s, t in zip(spoken[kind], typed[kind], strict=True)]
        out[kind] = {
            "mean": round(statistics.fmean(gains), 1),
            "answers_over_5_points": sum(g > 5 for g in gains),
        }
    return out

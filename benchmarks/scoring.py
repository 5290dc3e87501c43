"""How well the judge grades answers it never saw, for four kinds of bank.

Data (``benchmarks/data``):
- ``devset.jsonl`` and ``calibration.jsonl``: the development sets. The built-in rubrics were
  written with the first in view; the meaning judge's calibration is fitted on both
  (``python -m benchmarks calibrate``). Never used to report accuracy.
- ``holdout.jsonl`` (strong / partial / paraphrase / filler / off-topic) and ``graded.jsonl``
  (strong / half / weak / off-topic answers to every question): held out, graded by hand.
- ``adversarial.jsonl``: answers that contradict the question's points, or talk generic
  security; keyword lists are built from each rubric at run time.

Banks: ``full`` (the built-in rubric), ``terms2`` (each concept cut to its label and first
two terms), ``label`` (its label only) and ``hint`` (no concepts: derived from the hint).
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from questions.bank import Question, QuestionSet, builtin_bank_paths, derive_concepts, jargon
from questions.meaning import FEATURES, UNSIGNED, Meaning, hint_parts
from questions.negation import clause_ids
from questions.normalize import tokenize
from questions.scoring import score

DATA = Path(__file__).parent / "data"
DEVSET = DATA / "devset.jsonl"
CALIBRATION_SET = DATA / "calibration.jsonl"
HOLDOUT = DATA / "holdout.jsonl"
GRADED = DATA / "graded.jsonl"
ADVERSARIAL = DATA / "adversarial.jsonl"
BANKS = ("full", "terms2", "label", "hint")
ORDER = ("strong", "half", "weak", "offtopic")  # what a grader expects, best first

Answer = dict[str, Any]


def load_devset(path: Path = DEVSET) -> list[Answer]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def cut(question: Question, bank: str) -> Question:
    """The question as a bank of kind ``bank`` would have written it."""
    if bank == "full":
        return question
    if bank == "hint":
        return replace(question, concepts=derive_concepts(question.hint))
    keep = 2 if bank == "terms2" else 0
    return replace(
        question,
        concepts=tuple(replace(c, terms=c.terms[:keep] or (c.label,)) for c in question.concepts),
    )


def keyword_lists(questions: Iterable[Question]) -> list[Answer]:
    """Three keyword lists per question: its labels, its first terms, the hint's jargon."""
    out = []
    for q in questions:
        lists = {
            "labels": ", ".join(c.label for c in q.concepts),
            "terms": ", ".join(c.terms[0] for c in q.concepts),
            "jargon": ", ".join(jargon(q.hint)),
        }
        for name, text in lists.items():
            if not text:
                continue
            out.append({"id": f"{q.id}-k-{name}", "question_id": q.id, "kind": "keywords",
                        "text": text + ".", "concepts": []})  # fmt: skip
    return out


def pearson(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2 or statistics.pstdev(xs) == 0 or statistics.pstdev(ys) == 0:
        return 0.0
    return statistics.correlation(xs, ys)


def labelled_coverage(question: Question, concepts: Iterable[str]) -> float:
    ticked = set(concepts)
    total = sum(c.weight for c in question.concepts)
    return sum(c.weight for c in question.concepts if c.id in ticked) / total


def evaluate(
    answers: list[Answer],
    questions: QuestionSet,
    bank: str,
    meaning: Meaning | None,
) -> dict[str, Any]:
    """Ordering, correlation, precision/recall (written concepts only) and coverage by kind."""
    tp = fp = fn = 0
    graded: list[float] = []
    judged: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    per_question: dict[str, dict[str, float]] = defaultdict(dict)
    ticks_per_question: dict[str, dict[str, float]] = defaultdict(dict)
    timings: list[float] = []
    recall_by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_meaning = 0
    for answer in answers:
        original = questions.get(answer["question_id"])
        question = cut(original, bank)
        began = time.perf_counter()
        result = score(question, answer["text"], meaning)
        timings.append((time.perf_counter() - began) * 1000)
        graded.append(labelled_coverage(original, answer["concepts"]))
        ticks_per_question[original.id][answer["kind"]] = graded[-1]
        judged.append(result.coverage)
        by_kind[answer["kind"]].append(result.coverage)
        per_question[original.id][answer["kind"]] = result.coverage
        by_meaning += sum(r.by_meaning for r in result.concepts)
        if bank == "hint":
            continue
        truth = set(answer["concepts"])
        for r in result.concepts:
            wanted = r.concept.id in truth
            tp += r.covered and wanted
            fp += r.covered and not wanted
            fn += wanted and not r.covered
            counts = recall_by_kind[answer["kind"]]
            counts[0] += r.covered and wanted
            counts[1] += wanted
    report: dict[str, Any] = {"answers": len(answers)}
    pairs = ordered_pairs(per_question)
    if pairs:
        report["ordering"] = round(statistics.fmean(pairs), 3)
        # The same measure on the grader's own ticks: the most a judge can reach when weak
        # and off-topic answers both earn nothing and tie.
        ticks = ordered_pairs(ticks_per_question)
        report["ordering_of_the_graders_ticks"] = round(statistics.fmean(ticks), 3)
    report["correlation"] = round(pearson(graded, judged), 3)
    if bank != "hint":
        report["concept_precision"] = round(tp / (tp + fp), 3) if tp + fp else None
        report["concept_recall"] = round(tp / (tp + fn), 3) if tp + fn else None
        report["recall_by_kind"] = {
            k: round(c[0] / c[1], 3) for k, c in sorted(recall_by_kind.items()) if c[1]
        }
    report["coverage_by_kind"] = {
        k: {"mean": round(statistics.fmean(v), 3), "max": round(max(v), 3)}
        for k, v in sorted(by_kind.items())
    }
    report["credited_by_meaning"] = by_meaning
    report["ms_per_answer"] = _ms(timings)
    return report


def ordered_pairs(per_question: dict[str, dict[str, float]]) -> list[float]:
    """For each question, each pair of kinds the grader ranks: 1 if the judge ranks them the
    same way, 0.5 for a tie, 0 if reversed."""
    pairs = []
    for kinds in per_question.values():
        present = [k for k in ORDER if k in kinds]
        for better, worse in itertools.combinations(present, 2):
            a, b = kinds[better], kinds[worse]
            pairs.append(1.0 if a > b else 0.5 if a == b else 0.0)
    return pairs


def _ms(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "mean": round(statistics.fmean(ordered), 2),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max": round(ordered[-1], 2),
    }


def run(
    meaning: Meaning | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every bank kind on every held-out set, with the meaning judge and without."""
    from models.embeddings import load_meaning

    questions = QuestionSet.from_paths(builtin_bank_paths())
    rss_before = _rss_mb()
    began = time.perf_counter()
    meaning = meaning or load_meaning()
    load_s = time.perf_counter() - began
    graded = load_devset(GRADED)
    holdout = load_devset(HOLDOUT)
    attacks = load_devset(ADVERSARIAL) + keyword_lists(questions)
    report: dict[str, Any] = {"model_load_s": round(load_s, 3)}
    for bank in BANKS:
        row: dict[str, Any] = {}
        for name, answers in (("graded", graded), ("holdout", holdout), ("adversarial", attacks)):
            if progress:
                progress(f"{bank} / {name}")
            row[name] = evaluate(answers, questions, bank, meaning)
            if name != "adversarial":
                row[f"{name}_terms_only"] = _brief(evaluate(answers, questions, bank, None))
        report[bank] = row
    report["rss_added_by_the_model_mb"] = round(_rss_mb() - rss_before, 1)
    return report


def _rss_mb() -> float:
    """Resident memory of this process now (Linux), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _brief(report: dict[str, Any]) -> dict[str, Any]:
    keep = ("ordering", "correlation", "concept_precision", "concept_recall")
    out = {k: report[k] for k in keep if k in report}
    out["strong_mean"] = report["coverage_by_kind"].get("strong", {}).get("mean")
    return out


# --- calibration ------------------------------------------------------------------------------


def features_and_labels(
    answers: list[Answer], questions: QuestionSet, banks: Iterable[str], meaning: Meaning
) -> tuple[np.ndarray, np.ndarray]:
    """One row of meaning features per (answer, concept, bank kind), and whether the grader
    ticked the concept. For the hint bank, a derived concept counts as ticked when a written
    concept that comes from its part of the hint was."""
    from questions.scoring import lexical_hits

    rows, labels = [], []
    for bank in banks:
        for answer in answers:
            original = questions.get(answer["question_id"])
            question = cut(original, bank)
            ticked = set(answer["concepts"])
            if bank == "hint":
                parts = hint_parts(original)
                ticked_parts = {p for c, p in zip(original.concepts, parts, strict=True)
                                if c.id in ticked}  # fmt: skip
                ticked = {c.id for c in question.concepts if c.source in ticked_parts}
            tokens = tokenize(answer["text"])
            hits = lexical_hits(question, answer["text"])
            clauses = clause_ids(answer["text"], tokens)
            judged = meaning.judge(question, tokens, hits, clauses)
            for concept, found in zip(question.concepts, judged, strict=True):
                if found is None:
                    continue
                rows.append(found.features)
                labels.append(concept.id in ticked)
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1e-2) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton's method; returns (weights, bias)."""
    xb = np.c_[x, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-xb @ w))
        gradient = xb.T @ (p - y) + ridge * w
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + ridge * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit_monotone(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression in which more evidence never lowers the probability: a feature
    whose weight comes out negative (outside ``UNSIGNED``) is dropped, the most negative
    first, and the rest refitted. Unconstrained, correlated features take large weights of
    opposite sign, and a verbatim statement of a point (best window 1.0, no other window
    close) scored lower than a loose paraphrase."""
    keep = list(range(x.shape[1]))
    while True:
        weights, bias = fit_logistic(x[:, keep], y)
        negative = [(w, k) for w, k in zip(weights, keep, strict=True)
                    if w < 0 and FEATURES[k] not in UNSIGNED]  # fmt: skip
        if not negative:
            break
        keep.remove(min(negative)[1])
    out = np.zeros(x.shape[1])
    out[keep] = weights
    return out, bias


def calibrate() -> dict[str, Any]:
    """Fit the meaning judge's weights and threshold on the development sets only: one
    calibration for written concepts, one for concepts derived from a hint."""
    from models.embeddings import load_meaning

    questions = QuestionSet.from_paths(builtin_bank_paths())
    meaning = load_meaning()
    dev, calibration_set = load_devset(DEVSET), load_devset(CALIBRATION_SET)
    x1, y1 = features_and_labels(dev, questions, ("terms2", "label"), meaning)
    x2, y2 = features_and_labels(calibration_set, questions, BANKS[:3], meaning)
    x3, y3 = features_and_labels(dev + calibration_set, questions, ("hint",), meaning)
    return {
        "features": list(FEATURES),
        "written": _fit(np.concatenate([x1, x2]), np.concatenate([y1, y2])),
        "derived": _fit(x3, y3),
    }


def _fit(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    weights, bias = fit_monotone(x, y)
    probability = 1 / (1 + np.exp(-(x @ weights + bias)))
    threshold = max(np.arange(0.2, 0.8, 0.02), key=lambda t: _f1(probability >= t, y))
    return {
        "weights": [round(float(w), 3) for w in weights],
        "bias": round(bias, 3),
        "threshold": round(float(threshold), 2),
        "rows": len(y),
        "positives": int(y.sum()),
        "dev_f1": round(_f1(probability >= threshold, y), 3),
    }


def _f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    tp = float((predicted & (truth == 1)).sum())
    fp = float((predicted & (truth == 0)).sum())
    fn = float((~predicted & (truth == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

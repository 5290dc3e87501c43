"""Scorer quality on the labelled development set: concept precision/recall, correlation, speed.

Each dev answer lists the concept ids a human grader ticked. A concept the scorer marks covered
is a true positive when the grader ticked it too.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from questions.bank import QuestionSet, builtin_bank_paths
from questions.scoring import score

DEVSET = Path(__file__).parent / "data" / "devset.jsonl"
HOLDOUT = Path(__file__).parent / "data" / "holdout.jsonl"  # never used to tune the rubrics


def load_devset(path: Path = DEVSET) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def pearson(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2 or statistics.pstdev(xs) == 0 or statistics.pstdev(ys) == 0:
        return 0.0
    return statistics.correlation(xs, ys)


def run(verbose: bool = False, bank: Path | None = None, only: str = "") -> dict[str, Any]:
    """Figures on the dev set, with the held-out set's beside them."""
    report = evaluate(DEVSET, verbose, bank, only)
    if HOLDOUT.is_file() and not only:
        held = evaluate(HOLDOUT, False, bank)
        report["holdout"] = {k: v for k, v in held.items() if k != "by_kind"}
    return report


def evaluate(
    devset: Path = DEVSET, verbose: bool = False, bank: Path | None = None, only: str = ""
) -> dict[str, Any]:
    questions = QuestionSet.from_paths([bank] if bank else builtin_bank_paths())
    answers = [a for a in load_devset(devset) if a["question_id"].startswith(only)]
    tp = fp = fn = 0
    labelled_cov: list[float] = []
    computed_cov: list[float] = []
    offtopic: list[float] = []
    timings: list[float] = []
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    mistakes: list[dict[str, Any]] = []
    for answer in answers:
        question = questions.get(answer["question_id"])
        began = time.perf_counter()
        result = score(question, answer["text"])
        timings.append((time.perf_counter() - began) * 1000)
        truth = set(answer["concepts"])
        total = sum(c.weight for c in question.concepts)
        labelled_cov.append(sum(c.weight for c in question.concepts if c.id in truth) / total)
        computed_cov.append(result.coverage)
        if answer["kind"] == "offtopic":
            offtopic.append(result.coverage)
        counts = per_kind[answer["kind"]]
        for r in result.concepts:
            hit, wanted = r.covered, r.concept.id in truth
            tp += hit and wanted
            fp += hit and not wanted
            fn += wanted and not hit
            counts[0] += hit and wanted
            counts[1] += hit and not wanted
            counts[2] += wanted and not hit
            if hit != wanted:
                mistakes.append(
                    {
                        "answer": answer["id"],
                        "concept": r.concept.id,
                        "error": "false positive" if hit else "missed",
                        "matched": r.matched_text,
                        "term": r.term,
                    }
                )
    report: dict[str, Any] = {
        "answers": len(answers),
        "questions": len({a["question_id"] for a in answers}),
        "concept_precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "concept_recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
        "coverage_correlation": round(pearson(labelled_cov, computed_cov), 4),
        "offtopic_mean_coverage": round(statistics.fmean(offtopic), 4) if offtopic else None,
        "offtopic_max_coverage": round(max(offtopic), 4) if offtopic else None,
        "ms_per_answer_mean": round(statistics.fmean(timings), 3),
        "ms_per_answer_max": round(max(timings), 3),
        "by_kind": {
            kind: {
                "precision": round(c[0] / (c[0] + c[1]), 4) if c[0] + c[1] else None,
                "recall": round(c[0] / (c[0] + c[2]), 4) if c[0] + c[2] else None,
            }
            for kind, c in sorted(per_kind.items())
        },
    }
    if verbose:
        report["mistakes"] = mistakes
    return report

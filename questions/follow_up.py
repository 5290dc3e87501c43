"""The interviewer's follow-up: after an answer that left out an important point, one question
about it, as a person would ask it.

Which point: the missed concept of the highest weight, among those weighing at least the
question's median (a minor omission is let go). How it is asked: the concept's own
``follow_up`` text when the bank gives one, else one of a few natural forms built from its
label. The form depends only on the question and the concept, so the same omission is always
asked the same way (and tests can rely on it). Nothing is asked about what the answer covered,
and nothing at all when it covered every point.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Collection
from dataclasses import dataclass

from questions.bank import Concept, Question
from questions.scoring import Coverage

FORMS = (
    "You didn't touch on {point}. Where would that come in here?",
    "One thing you left out: {point}. How would you handle that in this setup?",
    "Let's go back to one point: {point}. What would you do about it?",
    "How does {point} fit into what you just described?",
)


@dataclass(frozen=True)
class FollowUp:
    """What the interviewer asks next, and about which concept."""

    concept: Concept
    prompt: str

    def to_dict(self) -> dict[str, str]:
        return {"concept": self.concept.id, "label": self.concept.label, "prompt": self.prompt}


def choose_follow_up(
    question: Question,
    coverage: Coverage,
    asked: Collection[str] = (),
    min_weight: float | None = None,
) -> FollowUp | None:
    """The follow-up to ``coverage`` (None when nothing important was missed).

    ``asked``: concept ids already followed up on for this answer; ``min_weight``: the
    weight a missed concept needs (default: the median of the question's weights).
    """
    if not question.concepts:
        return None
    floor = statistics.median(c.weight for c in question.concepts)
    floor = floor if min_weight is None else min_weight
    missed = [
        r.concept
        for r in coverage.concepts
        if not r.covered and r.concept.id not in asked and r.concept.weight >= floor
    ]
    if not missed:
        return None
    order = {c.id: i for i, c in enumerate(question.concepts)}
    concept = max(missed, key=lambda c: (c.weight, -order.get(c.id, 0)))
    return FollowUp(concept, concept.follow_up or phrase(question, concept))


def phrase(question: Question, concept: Concept) -> str:
    """One of ``FORMS`` about the concept's label, chosen by question and concept."""
    digest = hashlib.sha256(f"{question.id}/{concept.id}".encode()).digest()
    return FORMS[digest[0] % len(FORMS)].format(point=_point(concept.label))


def _point(label: str) -> str:
    """The label as it reads inside a sentence: "Least-privilege access" -> "least-privilege
    access", but "NIST SP 800-207 tenets" and "OAuth scopes" keep their capitals."""
    label = label.rstrip(" .…")
    first = label.split(" ", 1)[0]
    if first[1:2].islower() and not any(ch.isupper() or ch.isdigit() for ch in first[1:]):
        return label[:1].lower() + label[1:]
    return label


def missed_only(question: Question, coverage: Coverage) -> Question:
    """The question with only the concepts ``coverage`` missed: what a follow-up answer is
    judged against, so it can recover points but never change the first answer's score."""
    missed = tuple(r.concept for r in coverage.concepts if not r.covered)
    return Question(
        question.id, question.section, question.prompt, question.hint,
        question.time_limit_s, missed, question.bank_id, question.bank_sha256,
    )  # fmt: skip

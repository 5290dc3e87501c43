"""Correcting what speech recognition misheard: the user types what they said, and the answer
is judged again on it.

Recognition errors cost spoken answers real credit ("Hashek or Mold" for "HashiCorp Vault",
"task at inventory" for "asset inventory"), and only the speaker knows what was said. A
corrected answer is scored with the rubric of the bank it was answered from, exactly as a
typed answer would be; what recognition heard is kept beside it and shown, so a corrected
score is never mistaken for a recognised one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from questions.bank import Question, QuestionSet
from questions.errors import SimulatorError
from questions.scoring import Coverage
from simulator.history import History
from simulator.history_rows import AttemptRow
from simulator.judge import Judge

TYPED = "typed"  # the model name stored for an answer that was typed, not spoken


class CorrectionError(SimulatorError):
    """A correction that cannot be made (an empty text, a question no longer loaded)."""


@dataclass(frozen=True)
class Correction:
    before: AttemptRow
    after: AttemptRow
    coverage: Coverage  # the corrected answer as judged

    @property
    def gained(self) -> list[str]:
        """Labels of the concepts the corrected transcript earned that the old one did not."""
        return _labels(self.after, self.before)

    @property
    def lost(self) -> list[str]:
        return _labels(self.before, self.after)

    @property
    def change(self) -> str:
        """The score before and after, and the concepts that changed, in one line."""
        line = f"{self.before.coverage:.0%} -> {self.after.coverage:.0%}"
        if self.gained:
            line += f"; now credited: {', '.join(self.gained)}"
        if self.lost:
            line += f"; no longer credited: {', '.join(self.lost)}"
        return line


def correct_transcript(
    history: History, questions: QuestionSet, judge: Judge, attempt_id: int, text: str
) -> Correction:
    """Judge ``text`` as what was said in answer ``attempt_id`` (with the question of the bank
    it was answered from) and store it in its place."""
    before = history.attempt(attempt_id)
    bank_id = before.bank_id or history.session(before.session_id).bank_id
    question = questions.find(bank_id, before.question_id)
    if question is None:
        raise CorrectionError(
            f"question {before.question_id} of bank {bank_id or '(unknown)'} is no longer "
            "loaded, so the answer cannot be judged again; load that bank with --bank"
        )
    return correct_answer(history, question, judge, attempt_id, text)


def correct_answer(
    history: History, question: Question, judge: Judge, attempt_id: int, text: str
) -> Correction:
    """Judge ``text`` as what was said in answer ``attempt_id`` to ``question`` and store it."""
    said = " ".join(text.split())
    if not said:
        raise CorrectionError(
            "the corrected transcript is empty; type what you said "
            "(to remove the answer, delete its session with 'history delete')"
        )
    before = history.attempt(attempt_id)
    if before.model == TYPED:
        raise CorrectionError(
            f"answer #{attempt_id} was typed, so nothing was misheard; "
            "answer the question again to practise it"
        )
    coverage = judge.score(question, said)
    after = history.correct(attempt_id, coverage)
    if after.follow_up is not None:  # what the follow-up recovered, on top of the new score
        gained = {c.concept.id for c in coverage.covered} | set(after.follow_up.recovered)
        total = sum(c.weight for c in question.concepts)
        made = sum(c.weight for c in question.concepts if c.id in gained)
        with_it = round(made / total, 4)
        history.add_follow_up(attempt_id, replace(after.follow_up, coverage_with=with_it))
        after = history.attempt(attempt_id)
    return Correction(before, after, coverage)


def _labels(has: AttemptRow, lacks: AttemptRow) -> list[str]:
    missing = {c["id"] for c in lacks.concepts if not c.get("covered")}
    earned = [c for c in has.concepts if c.get("covered") and c["id"] in missing]
    return [c.get("label", c["id"]) for c in earned]

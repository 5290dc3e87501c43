"""The judge every part of the application scores with: terms, plus meaning once the
word-embedding model is loaded (on first use, about 0.1 s; composition builds one judge)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from questions.bank import Question
from questions.errors import SimulatorError
from questions.meaning import Meaning
from questions.scoring import Coverage, prepare, score

MAX_ANSWER_CHARS = 50_000  # a 30-minute spoken answer is about 30,000 characters


class AnswerTooLongError(SimulatorError):
    """A typed or pasted answer far longer than anything said in an interview."""


def _load_default() -> Meaning:
    from models.embeddings import load_meaning

    return load_meaning()


class Judge:
    """Scores a transcript against a question's rubric, by term and by meaning.

    ``load`` gives the meaning model (None: judge by terms only, as tests of the lexical
    rules do); it is called once, on first use, by whichever thread scores first.
    """

    def __init__(self, load: Callable[[], Meaning | None] = _load_default) -> None:
        self._load = load
        self._meaning: Meaning | None = None
        self._loaded = False
        self._lock = threading.Lock()

    @property
    def meaning(self) -> Meaning | None:
        with self._lock:
            if not self._loaded:
                self._meaning = self._load()
                self._loaded = True
            return self._meaning

    def score(self, question: Question, transcript: str) -> Coverage:
        if len(transcript) > MAX_ANSWER_CHARS:
            raise AnswerTooLongError(
                f"the answer is {len(transcript):,} characters; one answer may have at most "
                f"{MAX_ANSWER_CHARS:,} (about {MAX_ANSWER_CHARS // 6:,} words, over half an hour "
                "of speech): split it into several answers"
            )
        return score(question, transcript, self.meaning)

    def prepare(self, question: Question) -> None:
        """Load the model and build the question's rubric now (the round does it while the
        answer is recorded), so the result does not wait for them when the answer ends."""
        prepare(question, self.meaning)


def terms_only() -> Judge:
    """A judge without the meaning model (fast unit tests of everything around scoring)."""
    return Judge(lambda: None)

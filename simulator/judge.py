"""The judge every part of the application scores with: terms plus meaning, loaded once."""

from __future__ import annotations

from functools import lru_cache

from models.embeddings import load_meaning
from questions.bank import Question
from questions.meaning import Meaning
from questions.scoring import Coverage, score


@lru_cache(maxsize=1)
def shared_meaning() -> Meaning:
    """The word-embedding model, verified and loaded on first use (about 0.1 s)."""
    return load_meaning()


def judge(question: Question, transcript: str) -> Coverage:
    """Coverage of ``question``'s rubric by ``transcript``, by term and by meaning."""
    return score(question, transcript, shared_meaning())

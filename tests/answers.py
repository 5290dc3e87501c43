"""Answers for tests, said in sentences: a string of keywords earns nothing by design."""

from __future__ import annotations

from collections.abc import Iterable

OPENERS = ("In my last role we relied on", "I would make sure we have", "The key part for me is")


def in_sentences(phrases: Iterable[str]) -> str:
    """Each phrase in a short sentence of its own: "In my last role we relied on mTLS. ..." """
    return " ".join(f"{OPENERS[i % len(OPENERS)]} {phrase}." for i, phrase in enumerate(phrases))

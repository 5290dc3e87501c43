"""What denies a point the answer's words seem to make: a negation in their clause ("we never
verify requests inside the network"), a negated verb after them ("rate limiting isn't
needed"), or a dismissal beside them ("signing is academic overhead"). Shared by the term
matcher and the meaning judge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from questions.normalize import Token, tokenize

NEGATIONS = frozenset(
    {
        "not", "no", "never", "cant", "cannot", "dont", "doesnt", "didnt", "wont", "isnt",
        "arent", "wasnt", "werent", "shouldnt", "wouldnt", "nobody", "nothing", "none",
        "neither", "nor", "without", "skip", "skipped", "overkill", "pointless",
    }
)  # fmt: skip


# Where a negation's reach ends: punctuation, or a word that starts a new clause.
_CLAUSE_BREAK = re.compile(r"[,;:!?\n]|\.(?:\s|$)")
_CLAUSE_WORDS = frozenset({"but", "so", "because", "although", "though", "whereas", "however"})
_AFFIRMING = {
    ("not", "just"), ("not", "only"), ("no", "matter"), ("no", "longer"), ("dont", "matter"),
    ("doesnt", "matter"), ("never", "again"),
}  # fmt: skip
NEGATION_REACH = 5  # "we don't [really bother to] rotate": a negation this far back governs
NEGATED_VERB_REACH = 3  # "rate limiting [is] not needed", "pickle scanning [really] isn't"
NEGATED_VERBS = frozenset(
    {"not", "isnt", "arent", "wasnt", "werent", "dont", "doesnt", "didnt", "cant", "cannot",
     "wont", "shouldnt", "wouldnt", "never"}
)  # fmt: skip


# Words that dismiss what they stand next to ("signing is academic overhead", "checking hashes is
# too much work", "I'd push back on least privilege"): they deny a point made in their clause
# or the one beside it. Kept to words a strong answer rarely uses of its own points ("overhead",
# "noise" and "false positives" were left out: "cut alert noise" is a point).
DISMISSALS = frozenset(
    {"bureaucratic", "irrelevant", "unnecessary", "academic", "pointless", "useless", "waste",
     "wasted", "fearmongering", "hassle", "theater", "theatre"}
)  # fmt: skip
DISMISSING_PAIRS = frozenset(
    {("too", "much"), ("too", "complicated"), ("too", "complex"), ("too", "slow"),
     ("too", "expensive"), ("slows", "down"), ("slow", "down"), ("slow", "iteration"),
     ("push", "back"), ("nice", "to"), ("defeats", "the"), ("turned", "off"), ("not", "worth")}
)  # fmt: skip


_SENTENCE_BREAK = re.compile(r"[;!?\n]|\.(?:\s|$)")


def sentence_ids(transcript: str, tokens: Sequence[Token]) -> list[int]:
    """For each token, the number of the sentence it is in."""
    ids, sentence = [], 0
    for i, token in enumerate(tokens):
        if i and _SENTENCE_BREAK.search(transcript, tokens[i - 1].end, token.start):
            sentence += 1
        ids.append(sentence)
    return ids


def clause_ids(transcript: str, tokens: Sequence[Token]) -> list[int]:
    """For each token, the number of the clause it is in. Clauses are short on purpose: a
    negation reaches only its own ("we don't just rely on the VPN, we verify each call"
    denies nothing about verification)."""
    ids, clause = [], 0
    for i, token in enumerate(tokens):
        if i and (
            _CLAUSE_BREAK.search(transcript, tokens[i - 1].end, token.start)
            or token.text in _CLAUSE_WORDS
        ):
            clause += 1
        ids.append(clause)
    return ids


def negated(
    tokens: Sequence[Token],
    clauses: Sequence[int],
    first: int,
    last: int,
    reference: str,
    shielded: frozenset[int] = frozenset(),
) -> bool:
    """The clause denies what ``reference`` asserts, unless the reference itself is negative
    ("never trust"). Denied: a negation shortly before the words, in their clause ("we don't
    really rotate the keys", "no need to verify each request"), or a negated verb right after
    them ("rate limiting isn't needed"), or a dismissal in their clause or the one beside it
    ("provenance tracking is academic overhead"). Not denied: a negation that only qualifies
    something later ("an isolated container with no network"), one inside another point the
    answer made (``shielded``: the "never" of "never trust, always verify"), and "not just",
    "no matter", "doesn't matter", "no longer", which affirm."""
    if any(t.text in NEGATIONS for t in tokenize(reference)):
        return False
    if _dismissed(tokens, clauses, first, last):
        return True
    begin = first
    while begin > max(0, first - NEGATION_REACH) and clauses[begin - 1] == clauses[first]:
        begin -= 1
    if any(i not in shielded and _negation(tokens, i) for i in range(begin, last + 1)):
        return True
    after = range(last + 1, min(last + 1 + NEGATED_VERB_REACH, len(tokens)))
    return any(
        clauses[i] == clauses[last] and tokens[i].text in NEGATED_VERBS and _negation(tokens, i)
        for i in after
    )


def _dismissed(tokens: Sequence[Token], clauses: Sequence[int], first: int, last: int) -> bool:
    near = range(clauses[first] - 1, clauses[last] + 2)
    for i in range(len(tokens)):
        if clauses[i] not in near:
            continue
        following = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if tokens[i].text in DISMISSALS or (tokens[i].text, following) in DISMISSING_PAIRS:
            return True
    return False


def _negation(tokens: Sequence[Token], i: int) -> bool:
    word = tokens[i].text
    following = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return word in NEGATIONS and (word, following) not in _AFFIRMING

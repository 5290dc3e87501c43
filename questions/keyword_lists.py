"""Telling a string of keywords from an answer: "zero trust, mTLS, least privilege" earns no
credit, however many rubric terms it names."""

from __future__ import annotations

from collections.abc import Sequence

from questions.normalize import STOPWORDS, Token, match_key

LIST_NOTICE = (
    "this reads as a list of keywords, not an answer: say what each point means and why, "
    "in sentences"
)
LIST_MAX_FUNCTION_SHARE = 0.12  # spoken answers are 30-60 % such words; keyword lists 0-10 %
# Words that hold a sentence together: articles, pronouns, prepositions, auxiliaries and the
# commonest verbs. A keyword list has almost none of them.
SENTENCE_WORDS = STOPWORDS | frozenset(
    """
    about above across after against along among around because before behind below beneath
    beside between beyond but during except if inside near off onto out outside over past per
    since though through throughout till toward towards under underneath unless until up upon
    via when where whether while within without why
    am im ive id ill youre were theyre thats theres its lets
    get gets got getting give gives gave go goes going went make makes made making keep keeps
    kept take takes took put puts use uses used using need needs needed want wants know think
    mean means say said see look come comes came let tell told try tries tried
    ask asks asked run runs ran set sets show shows find found work works worked
    may might must shall here now too well really actually basically like
    """.split()  # noqa: SIM905
)
# What makes a piece between commas a clause rather than a keyword: a pronoun, an auxiliary or
# a common verb ("we rotate keys", "it is gone"); "every request", "scope the tools" have none.
CLAUSE_WORDS = frozenset(
    """
    i we you they he she it this that there me us them my our your their
    is are was were be been being am im ive id ill youre theyre thats theres its
    do does did have has had can could will would should may might must shall
    get gets got make makes made keep keeps take takes put puts use uses used need needs
    know think mean means say said see go goes went let tell try ask run set show find work
    """.split()  # noqa: SIM905
)
LIST_MIN_TERM_SHARE = 0.8  # ...or nearly every word belongs to a concept's label
LIST_MIN_WORDS = 6  # too short to tell a list from a terse sentence
LIST_MIN_WORDS_FOR_TERMS = 10
LIST_FRAGMENT_WORDS = 5  # a comma-separated piece this short, with no clause word, is a keyword
LIST_MIN_FRAGMENT_SHARE = 0.8


def reads_as_list(
    tokens: Sequence[Token], clauses: Sequence[int], terms: set[tuple[str, ...]]
) -> bool:
    """True for a string of keywords rather than sentences ("zero trust, mTLS, least
    privilege"): hardly any words that hold a sentence together, or pieces that are all bare
    noun phrases, or nearly every word part of ``terms`` (the concepts' labels, as
    match keys). A phrase the speech recogniser repeated in a loop ("NIST, NIST") counts
    once."""
    pieces: list[tuple[str, ...]] = []
    for token, clause in zip(tokens, clauses, strict=True):
        if len(pieces) <= clause:
            pieces.append(())
        pieces[-1] += (token.text,)
    pieces = [p for k, p in enumerate(pieces) if p and (k == 0 or p != pieces[k - 1])]
    words = [w for p in pieces for w in p]
    if len(words) < LIST_MIN_WORDS:
        return False
    function = sum(w in SENTENCE_WORDS for w in words) / len(words)
    if function < LIST_MAX_FUNCTION_SHARE:
        return True
    fragments = [
        len(p) <= LIST_FRAGMENT_WORDS and not any(w in CLAUSE_WORDS for w in p) for p in pieces
    ]
    if len(fragments) >= 4 and sum(fragments) / len(fragments) >= LIST_MIN_FRAGMENT_SHARE:
        return True
    if len(words) < LIST_MIN_WORDS_FOR_TERMS:  # "Never trust, always verify: the edge is gone"
        return False
    keys = [match_key(w) for w in words]
    inside = [False] * len(keys)
    for size in {len(k) for k in terms}:
        for i in range(len(keys) - size + 1):
            if tuple(keys[i : i + size]) in terms:
                inside[i : i + size] = [True] * size
    return sum(inside) / len(keys) >= LIST_MIN_TERM_SHARE

"""Score a transcript against a question's rubric: weighted concept coverage with evidence.

A term matches a run of consecutive transcript words. Both are normalised the same way
(``questions.normalize``) and compared with spaces removed, so "Linker D" meets "Linkerd".
Short terms must match exactly, word for word (otherwise "I am" would be IAM); longer ones may
differ by a speech-recognition slip, measured with rapidfuzz's normalised Indel ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from questions.bank import Concept, Question
from questions.keyword_lists import LIST_NOTICE, reads_as_list
from questions.meaning import Meaning
from questions.negation import NEGATIONS, clause_ids, negated, sentence_ids
from questions.normalize import STOPWORDS, Token, match_key, stem, tokenize

EXACT_ONLY_BELOW = 5  # compact terms shorter than this must match exactly
MAX_EXTRA_WORDS = 2  # a window may hold this many more words than the term
WORD_SIMILARITY = 75  # each word of a fuzzy multi-word match must be at least this close


def threshold(compact_length: int) -> float:
    """Minimum fuzz.ratio for a term of this many letters (no spaces)."""
    if compact_length < EXACT_ONLY_BELOW:
        return 100.0
    if compact_length < 8:
        return 90.0  # one letter added or dropped: "tokenz", "istioo"
    return 86.0  # a substituted letter or two: "linkerd" / "linkered", "hashicorp" / "hashicorb"


@dataclass(frozen=True)
class ConceptResult:
    concept: Concept
    covered: bool
    term: str | None = None  # the rubric text that earned it (a term, or what it resembled)
    evidence: tuple[int, int] | None = None  # [start, end) in the transcript
    matched_text: str | None = None
    similarity: float = 0.0  # 0..100: how close the words were, or the meaning probability
    by_meaning: bool = False  # earned by what the words mean rather than by a term


@dataclass(frozen=True)
class Coverage:
    question_id: str
    coverage: float
    concepts: tuple[ConceptResult, ...]
    transcript: str
    rubric_version: str
    notice: str = ""  # why nothing was credited, when the answer is not one (a keyword list)

    @property
    def covered(self) -> list[ConceptResult]:
        return [c for c in self.concepts if c.covered]

    @property
    def missed(self) -> list[ConceptResult]:
        return [c for c in self.concepts if not c.covered]

    def to_dict(self) -> dict[str, object]:
        return {
            "question_id": self.question_id,
            "coverage": round(self.coverage, 4),
            "rubric_version": self.rubric_version,
            "concepts": [
                {
                    "id": r.concept.id,
                    "label": r.concept.label,
                    "weight": r.concept.weight,
                    "covered": r.covered,
                    "term": r.term,
                    "evidence": list(r.evidence) if r.evidence else None,
                    "matched_text": r.matched_text,
                    "similarity": round(r.similarity, 1),
                    "by_meaning": r.by_meaning,
                }
                for r in self.concepts
            ],
            "transcript": self.transcript,
            "notice": self.notice or None,
        }


@dataclass(frozen=True)
class _Term:
    text: str
    concept_index: int
    keys: tuple[str, ...]
    compact: str
    stems: frozenset[str]  # content-word stems, for matching in any order


@dataclass(frozen=True)
class _Rubric:
    terms: tuple[_Term, ...]
    max_words: int
    labels: frozenset[tuple[str, ...]]  # the concepts' labels, as match keys


@lru_cache(maxsize=256)
def _rubric(concepts: tuple[Concept, ...]) -> _Rubric:
    terms: list[_Term] = []
    for index, concept in enumerate(concepts):
        for text in concept.terms:
            tokens = tokenize(text)
            keys = tuple(t.key for t in tokens)
            stems = frozenset(stem(t.text) for t in tokens if t.text not in STOPWORDS)
            if keys:
                terms.append(_Term(text, index, keys, "".join(keys), stems))
    # A term that is negative itself ("can't reach the internet") is tried before the rest,
    # so its negation is read as part of it, not as denying a shorter term inside it.
    terms.sort(key=lambda t: not any(word in NEGATIONS for word in t.keys))
    labels = frozenset(tuple(t.key for t in tokenize(c.label)) for c in concepts)
    return _Rubric(tuple(terms), max((len(t.keys) for t in terms), default=1), labels)


@dataclass(frozen=True)
class _Window:
    start: int  # token index
    size: int  # number of tokens
    compact: str


def _windows(keys: list[str], max_words: int) -> list[_Window]:
    windows = []
    for i in range(len(keys)):
        compact = ""
        for size in range(1, min(max_words, len(keys) - i) + 1):
            compact += keys[i + size - 1]
            windows.append(_Window(i, size, compact))
    return windows


def score(question: Question, transcript: str, meaning: Meaning | None = None) -> Coverage:
    """Weighted coverage of ``question``'s rubric by ``transcript`` (0..1) with evidence.

    Terms are matched first (exactly, then with speech-recognition slips, then their words
    close together); with ``meaning``, a concept no term earned may still be earned by a
    stretch of the answer that says the same thing in other words. A term or stretch that
    the answer negates ("we never rotate secrets") earns nothing, and neither does an answer
    that is only a list of keywords.
    """
    rubric = _rubric(question.concepts)
    tokens = tokenize(transcript)
    clauses = clause_ids(transcript, tokens)
    found, shielded = _affirmed(question, rubric, tokens, clauses, transcript)
    wanted = set(rubric.labels)  # copied labels: "Authentication = who you are, ..."
    notice = LIST_NOTICE if reads_as_list(tokens, clauses, wanted) else ""
    if notice:
        found = {}
    elif meaning is not None and tokens:
        hits = [i in found for i in range(len(question.concepts))]
        for index, hit in enumerate(meaning.judge(question, tokens, hits, clauses, shielded)):
            if index in found or hit is None or hit.negated:
                continue
            if hit.probability >= meaning.calibration_for(question.concepts[index]).threshold:
                first, last = (tokens[i] for i in _whole_clause(clauses, hit.first, hit.last))
                found[index] = ConceptResult(
                    question.concepts[index],
                    True,
                    hit.reference,
                    (first.start, last.end),
                    transcript[first.start : last.end],
                    round(100 * hit.probability, 1),
                    by_meaning=True,
                )
    results = tuple(
        found.get(i, ConceptResult(concept, False)) for i, concept in enumerate(question.concepts)
    )
    total = sum(c.weight for c in question.concepts)
    got = sum(r.concept.weight for r in results if r.covered)
    return Coverage(
        question.id,
        got / total if total else 0.0,
        results,
        transcript,
        question.rubric_version,
        notice,
    )


def prepare(question: Question, meaning: Meaning | None = None) -> None:
    """Build what judging ``question`` needs (its terms normalised, its texts embedded: tens
    of milliseconds for a long rubric) ahead of its first answer."""
    _rubric(question.concepts)
    if meaning is not None:
        meaning.rubric(question)


def lexical_hits(question: Question, transcript: str) -> list[bool]:
    """Which concepts a term earns, negated ones aside (what the meaning judge is told)."""
    tokens = tokenize(transcript)
    clauses = clause_ids(transcript, tokens)
    found, _ = _affirmed(question, _rubric(question.concepts), tokens, clauses, transcript)
    return [i in found for i in range(len(question.concepts))]


def _affirmed(
    question: Question,
    rubric: _Rubric,
    tokens: list[Token],
    clauses: list[int],
    transcript: str,
) -> tuple[dict[int, ConceptResult], frozenset[int]]:
    """The concepts terms earned and the clause does not deny, and the tokens of terms that
    are negative themselves ("never trust"): their negation denies nothing else."""
    found = _lexical(question, rubric, tokens, transcript)
    shielded = frozenset(
        i
        for r in found.values()
        if r.term and r.evidence and any(t.text in NEGATIONS for t in tokenize(r.term))
        for i, t in enumerate(tokens)
        if r.evidence[0] <= t.start and t.end <= r.evidence[1]
    )
    affirmed = {i: r for i, r in found.items() if not _negated_hit(tokens, clauses, r, shielded)}
    return affirmed, shielded


MAX_EVIDENCE_WORDS = 25


def _whole_clause(clauses: list[int], first: int, last: int) -> tuple[int, int]:
    """The clause(s) around a matched stretch: what a reader needs to see why it counted."""
    while first > 0 and clauses[first - 1] == clauses[first] and last - first < MAX_EVIDENCE_WORDS:
        first -= 1
    while (
        last + 1 < len(clauses)
        and clauses[last + 1] == clauses[last]
        and last - first < MAX_EVIDENCE_WORDS
    ):
        last += 1
    return first, last


def _negated_hit(
    tokens: list[Token], clauses: list[int], result: ConceptResult, shielded: frozenset[int]
) -> bool:
    """A term the answer denies: a negation in the clause of the matched words."""
    if result.evidence is None or result.term is None:
        return False
    start = result.evidence[0]
    first = next(i for i, t in enumerate(tokens) if t.start >= start)
    last = max(i for i, t in enumerate(tokens) if t.end <= result.evidence[1])
    return negated(tokens, clauses, first, last, result.term, shielded)


def _lexical(
    question: Question, rubric: _Rubric, tokens: list[Token], transcript: str
) -> dict[int, ConceptResult]:
    """Concepts earned by their terms: exact, then with slips, then words close together."""
    keys = [t.key for t in tokens]
    found: dict[int, ConceptResult] = {}

    # Exact pass: word-for-word sequences, cheap and certain.
    positions: dict[tuple[str, ...], int] = {}
    for size in {len(t.keys) for t in rubric.terms}:
        for i in range(len(keys) - size, -1, -1):  # reversed so the first occurrence wins
            positions[tuple(keys[i : i + size])] = i
    for term in rubric.terms:
        if term.concept_index in found:
            continue
        start = positions.get(term.keys)
        if start is not None:
            found[term.concept_index] = _hit(
                question, term, tokens, transcript, start, len(term.keys), 100.0
            )

    # Fuzzy pass over the remaining concepts: spaces removed, speech-recognition slips allowed.
    pending = [t for t in rubric.terms if t.concept_index not in found]
    if pending and tokens:
        windows = _windows(keys, rubric.max_words + MAX_EXTRA_WORDS)
        exact = {}
        for w in reversed(windows):
            exact[w.compact] = w
        fuzzy_terms = []
        for term in pending:
            window = exact.get(term.compact)
            if (
                window is not None
                and term.concept_index not in found
                and (len(term.compact) >= EXACT_ONLY_BELOW or window.size <= len(term.keys))
            ):
                found[term.concept_index] = _hit(
                    question, term, tokens, transcript, window.start, window.size, 100.0
                )
            elif len(term.compact) >= EXACT_ONLY_BELOW:
                fuzzy_terms.append(term)
        fuzzy_terms = [t for t in fuzzy_terms if t.concept_index not in found]
        if fuzzy_terms:
            _fuzzy_pass(question, fuzzy_terms, windows, keys, tokens, transcript, found)
        _proximity_pass(question, list(rubric.terms), tokens, transcript, found)
    return found


def _fuzzy_pass(
    question: Question,
    terms: list[_Term],
    windows: list[_Window],
    keys: list[str],
    tokens: list[Token],
    transcript: str,
    found: dict[int, ConceptResult],
) -> None:
    choices = [w.compact for w in windows]
    matrix = process.cdist(
        [t.compact for t in terms],
        choices,
        scorer=fuzz.ratio,
        score_cutoff=min(threshold(len(t.compact)) for t in terms),
        workers=1,
    )
    for row, term in zip(matrix, terms, strict=True):
        if term.concept_index in found:
            continue
        limit = threshold(len(term.compact))
        candidates = sorted((-float(row[i]), int(i)) for i in row.nonzero()[0] if row[i] >= limit)
        for negative, index in candidates:
            window = windows[index]
            if _plausible(term, window, keys):
                found[term.concept_index] = _hit(
                    question, term, tokens, transcript, window.start, window.size, -negative
                )
                break


def _plausible(term: _Term, window: _Window, keys: list[str]) -> bool:
    """A fuzzy match must be word for word: same number of words, each one close.

    Without this, "model can" would pass for "ModelScan" and "guardrails to" for
    "guardrail hits".
    """
    if window.size != len(term.keys) or window.compact[:1] != term.compact[:1]:
        return False
    said = keys[window.start : window.start + window.size]
    return window.size == 1 or all(
        a == b
        or (a not in NEGATIONS and b not in NEGATIONS and fuzz.ratio(a, b) >= WORD_SIMILARITY)
        for a, b in zip(term.keys, said, strict=True)
    )


def _proximity_pass(
    question: Question,
    terms: list[_Term],
    tokens: list[Token],
    transcript: str,
    found: dict[int, ConceptResult],
) -> None:
    """Multi-word terms whose content words all occur close together in one sentence, in any
    order, with inflections ignored: "secrets are rotated" covers "rotate secrets", but "we
    trust you. We never..." does not say "never trust"."""
    sentences = sentence_ids(transcript, tokens)
    stems = [stem(t.text) for t in tokens]
    where: dict[str, list[int]] = {}
    for i, s in enumerate(stems):
        where.setdefault(s, []).append(i)
    for term in terms:
        if term.concept_index in found or len(term.stems) < 2:
            continue
        if any(s not in where for s in term.stems):
            continue
        span = len(term.keys) + MAX_EXTRA_WORDS
        rarest = min(term.stems, key=lambda s: len(where[s]))
        for anchor in where[rarest]:
            lo, hi = max(0, anchor - span + 1), anchor + span
            near = [
                min(
                    (i for i in where[s] if lo <= i < hi),
                    key=lambda i: abs(i - anchor),
                    default=None,
                )
                for s in term.stems
            ]
            if None in near:
                continue
            first, last = min(near), max(near)  # type: ignore[type-var]
            if last - first < span and sentences[first] == sentences[last]:
                found[term.concept_index] = _hit(
                    question, term, tokens, transcript, first, last - first + 1, 0.0
                )
                break


def _hit(
    question: Question,
    term: _Term,
    tokens: list[Token],
    transcript: str,
    start: int,
    size: int,
    similarity: float,
) -> ConceptResult:
    first, last = tokens[start], tokens[start + size - 1]
    return ConceptResult(
        question.concepts[term.concept_index],
        True,
        term.text,
        (first.start, last.end),
        transcript[first.start : last.end],
        similarity,
    )


__all__ = ["ConceptResult", "Coverage", "match_key", "prepare", "score", "threshold"]

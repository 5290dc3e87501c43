"""Judging by meaning: a concept is credited when some stretch of the answer says what the
concept means, in whatever words, measured with static word embeddings.

Each concept is described by a few texts: its label, its terms and the part of the hint it
comes from. The answer is cut into overlapping windows of its content words; each window's
mean embedding is compared with each text's. A handful of measurements per concept (the best
similarity, the similarity to its hint part, how many of a text's words the answer uses, how
well every word of the best text finds a close word in one window, and how much more the best
window resembles this concept than the question's other concepts) are combined by a logistic
model calibrated on the development set (``benchmarks calibrate``). A window that negates
what the concept asserts ("we never verify requests" against "verify every request") is not
evidence.

Pure computation: the embedding table and tokenizer come from ``models.embeddings``, which
loads and verifies them, so scoring stays a function of transcript, rubric and model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from questions.bank import Concept, Question
from questions.hint_points import hint_points
from questions.normalize import FILLERS, STOPWORDS, Token, stem, tokenize

WINDOW_SIZES = (2, 3, 4, 6, 8)  # content words per window
MAX_CACHED = 4096  # embedded concept texts and rubrics kept between answers
ALIGN_SPAN = 8  # content words within which every word of a text must find a partner
NEGATIONS = frozenset(
    {
        "not", "no", "never", "cant", "cannot", "dont", "doesnt", "didnt", "wont", "isnt",
        "arent", "wasnt", "werent", "shouldnt", "wouldnt", "nobody", "nothing", "none",
        "neither", "nor", "without", "skip", "skipped", "overkill", "pointless",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over the features of ``ConceptMeaning.features``, and the cut-off."""

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5


# Fitted by ``python -m benchmarks calibrate`` on the development sets (never the holdout):
# one for concepts an author wrote, one for concepts derived from a hint, whose texts are
# the hint's own words (a label cut from the point, its jargon as terms) and mean less alone.
CALIBRATION = Calibration(
    weights=(0.169, 3.612, 1.678, 1.404, -0.017, 2.515, -1.825, -0.975),
    bias=-2.908,
    threshold=0.42,
)
DERIVED_CALIBRATION = Calibration(
    weights=(2.924, -0.342, 2.214, 0.298, -2.283, 3.109, -1.965, -0.536),
    bias=-3.108,
    threshold=0.3,
)
FEATURES = ("similarity", "hint_similarity", "word_overlap", "term_hit", "alignment", "margin",
            "relative", "log_terms")  # fmt: skip

Encode = Callable[[str], list[int]]


class StaticEmbedder:
    """Token vectors looked up and averaged (WordLlama / model2vec style), cached per word.

    A text's vector is the mean of its tokens' vectors. The vectors are not normalised, so
    frequent words ("the", "and") have short vectors and count for little in a mean.
    """

    def __init__(self, table: np.ndarray, encode: Encode, name: str = "") -> None:
        self.table = table
        self.dim = int(table.shape[1])
        self.name = name
        self._encode = encode
        self._words: dict[str, tuple[np.ndarray, int]] = {}
        self._texts: dict[tuple[str, ...], _References] = {}

    def word(self, word: str) -> tuple[np.ndarray, int]:
        """The sum of the word's token vectors and the number of tokens."""
        hit = self._words.get(word)
        if hit is None:
            ids = self._encode(word)
            vector = self.table[ids].sum(axis=0) if ids else np.zeros(self.dim, dtype=np.float32)
            hit = (vector, max(1, len(ids)))
            self._words[word] = hit
        return hit

    def unit_words(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each word's mean token vector made unit length, and its length (its weight)."""
        rows = np.zeros((len(words), self.dim), dtype=np.float32)
        lengths = np.zeros(len(words), dtype=np.float32)
        for i, word in enumerate(words):
            vector, count = self.word(word)
            vector = vector / count
            length = float(np.linalg.norm(vector))
            lengths[i] = length
            if length > 0:
                rows[i] = vector / length
        return rows, lengths

    def text(self, words: Sequence[str]) -> np.ndarray | None:
        """Unit vector of the mean token vector of ``words`` (None if they carry none)."""
        total = np.zeros(self.dim, dtype=np.float32)
        pieces = 0
        for word in words:
            vector, count = self.word(word)
            total += vector
            pieces += count
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 and pieces else None

    def references(self, texts: tuple[str, ...]) -> _References:
        hit = self._texts.get(texts)
        if hit is None:
            if len(self._texts) >= MAX_CACHED:  # many banks over a long run: start afresh
                self._texts.clear()
            hit = _References.build(self, texts)
            self._texts[texts] = hit
        return hit


@dataclass(frozen=True)
class _References:
    """A concept's texts, embedded once: one unit row per text that has a vector."""

    texts: tuple[str, ...]
    unit_words: tuple[tuple[np.ndarray, np.ndarray], ...]  # per text: unit word rows, weights
    stems: tuple[frozenset[str], ...]
    matrix: np.ndarray

    @classmethod
    def build(cls, model: StaticEmbedder, texts: tuple[str, ...]) -> _References:
        kept, words, stems, rows = [], [], [], []
        for text in texts:
            ws = reference_words(text)
            vector = model.text(ws)
            if vector is not None:
                kept.append(text)
                words.append(model.unit_words(ws))
                stems.append(frozenset(stem(w) for w in ws))
                rows.append(vector)
        matrix = np.array(rows, dtype=np.float32).reshape(-1, model.dim)
        return cls(tuple(kept), tuple(words), tuple(stems), matrix)


@dataclass(frozen=True)
class ConceptMeaning:
    """What the meaning judge found for one concept."""

    probability: float
    first: int  # token index of the best window, into ``tokenize(transcript)``
    last: int  # inclusive
    reference: str  # the concept text the window resembled most
    negated: bool
    features: tuple[float, ...]


def reference_words(text: str) -> list[str]:
    words = [t.text for t in tokenize(text)]
    content = [w for w in words if w not in STOPWORDS]
    return content or words


def concept_texts(question: Question) -> list[tuple[str, ...]]:
    """For each concept: its label, its terms and the part of the hint it comes from."""
    parts = hint_parts(question)
    return [
        tuple(dict.fromkeys((c.label, *c.terms, part)))
        for c, part in zip(question.concepts, parts, strict=True)
    ]


def hint_parts(question: Question) -> list[str]:
    """The hint point each concept comes from: its own ``source`` if it was derived from
    the hint, else the point that shares most words with its label and terms."""
    points = [p.text for p in hint_points(question.hint)]
    out = []
    for concept in question.concepts:
        if concept.source or not points:
            out.append(concept.source or concept.label)
            continue
        mine = {stem(w) for text in (concept.label, *concept.terms) for w in reference_words(text)}
        overlap = [len(mine & {stem(w) for w in reference_words(p)}) for p in points]
        out.append(points[int(np.argmax(overlap))])
    return out


@dataclass(frozen=True)
class _Rubric:
    """A question's concept texts embedded once, stacked: rows ``offsets[i]:offsets[i+1]``
    are concept i's texts; ``hint_rows[i]`` is the row of its hint part."""

    refs: tuple[_References, ...]
    matrix: np.ndarray
    offsets: np.ndarray
    hint_rows: tuple[int, ...]


class Meaning:
    """The meaning judge: an embedding model and the calibration that turns its
    measurements into the probability that a concept was made."""

    def __init__(
        self,
        model: StaticEmbedder,
        calibration: Calibration = CALIBRATION,
        derived: Calibration = DERIVED_CALIBRATION,
    ) -> None:
        self.model = model
        self.calibration = calibration
        self.derived = derived
        self._rubrics: dict[tuple[Concept, ...], _Rubric] = {}

    def rubric(self, question: Question) -> _Rubric:
        hit = self._rubrics.get(question.concepts)
        if hit is None:
            refs, hint_rows, offsets = [], [], [0]
            for texts in concept_texts(question):
                ref = self.model.references(texts)
                refs.append(ref)
                hint = ref.texts.index(texts[-1]) if texts[-1] in ref.texts else 0
                hint_rows.append(offsets[-1] + hint)
                offsets.append(offsets[-1] + len(ref.texts))
            matrix = np.concatenate([r.matrix for r in refs]) if refs else np.zeros((0, 1))
            hit = _Rubric(tuple(refs), matrix, np.array(offsets), tuple(hint_rows))
            if len(self._rubrics) >= MAX_CACHED:
                self._rubrics.clear()
            self._rubrics[question.concepts] = hit
        return hit

    def judge(
        self,
        question: Question,
        tokens: Sequence[Token],
        term_hits: Sequence[bool],
        clauses: Sequence[int],
        shielded: frozenset[int] = frozenset(),
    ) -> list[ConceptMeaning | None]:
        """For each concept, the best evidence by meaning (None when there is nothing to
        compare: an empty answer, or a concept without a text that has a vector)."""
        rubric = self.rubric(question)
        content = [i for i, t in enumerate(tokens) if t.text not in _SKIP]
        if not content or not len(rubric.matrix):
            return [None] * len(question.concepts)
        words = [tokens[i].text for i in content]
        windows, spans = _windows(self.model, words)
        unit, _ = self.model.unit_words(words)
        answer_stems = {stem(w) for w in words}
        sims = rubric.matrix @ windows.T  # every concept text x every window
        per_window = np.full((len(rubric.refs), len(spans)), -1.0, dtype=np.float32)
        for i, ref in enumerate(rubric.refs):
            if len(ref.texts):
                per_window[i] = sims[rubric.offsets[i] : rubric.offsets[i + 1]].max(axis=0)
        bests = per_window.max(axis=1)
        results: list[ConceptMeaning | None] = []
        for i, ref in enumerate(rubric.refs):
            if not len(ref.texts):
                results.append(None)
                continue
            mine = sims[rubric.offsets[i] : rubric.offsets[i + 1]]
            row, col = np.unravel_index(int(np.argmax(mine)), mine.shape)
            others = np.delete(per_window, i, axis=0)
            margin = per_window[i] - (others.max(axis=0) if len(others) else 0.0)
            hint = rubric.hint_rows[i] - rubric.offsets[i]
            features = (
                float(mine[row, col]),
                float(mine[hint].max()),
                max(len(s & answer_stems) / max(1, len(s)) for s in ref.stems),
                float(term_hits[i]),
                max(_alignment(ref, r, unit) for r in {int(row), int(hint)}),
                float(margin.max()),
                float(bests[i] - bests.mean()),
                float(np.log1p(len(question.concepts[i].terms))),
            )
            first, last = content[spans[col][0]], content[spans[col][1]]
            results.append(
                ConceptMeaning(
                    probability=self._probability(features, question.concepts[i]),
                    first=first,
                    last=last,
                    reference=ref.texts[row],
                    negated=negated(tokens, clauses, first, last, ref.texts[row], shielded),
                    features=features,
                )
            )
        return results

    def calibration_for(self, concept: Concept) -> Calibration:
        return self.derived if concept.derived else self.calibration

    def _probability(self, features: Sequence[float], concept: Concept) -> float:
        c = self.calibration_for(concept)
        z = c.bias + sum(w * f for w, f in zip(c.weights, features, strict=True))
        return float(1.0 / (1.0 + np.exp(-z)))


_SKIP = STOPWORDS | FILLERS


def _windows(
    model: StaticEmbedder, words: Sequence[str]
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Unit mean vectors of every run of ``WINDOW_SIZES`` words, with their [first, last]."""
    sums = np.zeros((len(words) + 1, model.dim), dtype=np.float32)
    for n, word in enumerate(words):
        sums[n + 1] = sums[n] + model.word(word)[0]
    rows, spans = [], []
    for size in WINDOW_SIZES:
        size = min(size, len(words))
        starts = np.arange(0, len(words) - size + 1)
        rows.append(sums[starts + size] - sums[starts])
        spans.extend((int(s), int(s) + size - 1) for s in starts)
        if size == len(words):
            break
    matrix = np.concatenate(rows)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-6), spans


def _alignment(ref: _References, row: int, unit: np.ndarray) -> float:
    """How well every word of one concept text finds a close word within one stretch of the
    answer: at the stretch where the text's words match best on average, the worst word's
    best similarity."""
    rows, lengths = ref.unit_words[row]
    if not lengths.any():
        return 0.0
    span = min(ALIGN_SPAN, len(unit))
    starts = len(unit) - span + 1
    sims = rows @ unit.T  # text words x answer words
    windowed = np.stack([sims[:, k : k + starts] for k in range(span)]).max(axis=0)
    mean = (lengths / lengths.sum()) @ windowed
    return float(windowed[:, int(np.argmax(mean))].min())


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
    them ("rate limiting isn't needed"). Not denied: a negation that only qualifies something
    later ("an isolated container with no network"), one inside another point the answer
    made (``shielded``: the "never" of "never trust, always verify"), and "not just", "no
    matter", "doesn't matter", "no longer", which affirm."""
    if any(t.text in NEGATIONS for t in tokenize(reference)):
        return False
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


def _negation(tokens: Sequence[Token], i: int) -> bool:
    word = tokens[i].text
    following = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return word in NEGATIONS and (word, following) not in _AFFIRMING

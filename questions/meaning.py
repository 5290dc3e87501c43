"""Judging by meaning: a concept is credited when some stretch of the answer says what the
concept means, in whatever words, measured with static word embeddings.

Each concept is described by a few texts: its label, its terms and the part of the hint it
comes from. The answer is cut into overlapping windows of its content words; each window's
mean embedding is compared with each text's, and each text's words are looked for among the
answer's words. A few measurements per concept (how well the words of its hint part find close
partners within one stretch of the answer, how well those of its best text find them anywhere,
how much more the best window resembles this concept than the question's other concepts, and
how close the whole answer is to the hint) are combined by a logistic model calibrated on the
development set (``benchmarks calibrate``), in which more evidence never lowers the
probability. The best window is the evidence shown. A window that negates what the concept
asserts ("we never verify requests" against "verify every request") is not evidence.

Pure computation: the embedding table and tokenizer come from ``models.embeddings``, which
loads and verifies them, so scoring stays a function of transcript, rubric and model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from questions.bank import Concept, Question
from questions.hint_points import hint_points
from questions.negation import negated
from questions.normalize import FILLERS, STOPWORDS, Token, stem, tokenize

WINDOW_SIZES = (2, 3, 4, 6, 8)  # content words per window
MAX_CACHED = 4096  # embedded concept texts and rubrics kept between answers
ALIGN_SPAN = 8  # content words within which a text's words are looked for together


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over the features of ``ConceptMeaning.features``, and the cut-off."""

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5


# Fitted by ``python -m benchmarks calibrate`` on the development sets (never the holdout):
# one for concepts an author wrote, one for concepts derived from a hint, whose texts are
# the hint's own words (a label cut from the point, its jargon as terms) and mean less alone.
# fmt: off
CALIBRATION = Calibration(
    weights=(2.024, 1.54, -0.993, 2.767, 2.069, 3.18),
    bias=-4.486,
    threshold=0.42,
)
DERIVED_CALIBRATION = Calibration(
    weights=(0.0, 2.198, -0.956, 0.0, 2.963, 2.873),
    bias=-4.669,
    threshold=0.28,
)
# fmt: on
FEATURES = (
    "term_hit",  # 1 when a term of the concept was heard (its meaning then rarely matters)
    "margin",  # how much more the best window resembles this concept than any other
    "log_terms",  # log(1 + terms): a concept with many phrasings asks for more
    "soft_recall_hint",  # the hint part's words found close together in the answer
    "soft_recall_anywhere",  # the best text's words found anywhere in the answer
    "answer_hint",  # how close the whole answer is to the hint: on topic or not
)
# More evidence never lowers the probability: every weight but these is zero or above.
UNSIGNED = frozenset({"log_terms"})

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
        if not words:
            return np.zeros((0, self.dim), dtype=np.float32), np.zeros(0, dtype=np.float32)
        found = [self.word(word) for word in words]
        means = np.array([v for v, _ in found], dtype=np.float32)
        means /= np.array([[c] for _, c in found], dtype=np.float32)
        lengths = np.linalg.norm(means, axis=1)
        return means / np.maximum(lengths, 1e-12)[:, None], lengths

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
    matrix: np.ndarray

    @classmethod
    def build(cls, model: StaticEmbedder, texts: tuple[str, ...]) -> _References:
        kept, rows = [], []
        for text in texts:
            ws = reference_words(text)
            vector = model.text(ws)
            if vector is not None:
                kept.append(text)
                rows.append(vector)
        matrix = np.array(rows, dtype=np.float32).reshape(-1, model.dim)
        return cls(tuple(kept), matrix)


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
    hint: np.ndarray | None  # the whole hint's unit vector
    words: np.ndarray  # every text's unit word rows, stacked in the order of ``matrix``
    word_weights: np.ndarray  # each word's share of its text's weight (its vector's length)
    text_starts: np.ndarray  # the first row in ``words`` of each text


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
        self._rubrics: dict[tuple[tuple[Concept, ...], str], _Rubric] = {}

    def rubric(self, question: Question) -> _Rubric:
        key = (question.concepts, question.hint)
        hit = self._rubrics.get(key)
        if hit is None:
            refs, hint_rows, offsets = [], [], [0]
            for texts in concept_texts(question):
                ref = self.model.references(texts)
                refs.append(ref)
                hint = ref.texts.index(texts[-1]) if texts[-1] in ref.texts else 0
                hint_rows.append(offsets[-1] + hint)
                offsets.append(offsets[-1] + len(ref.texts))
            matrix = np.concatenate([r.matrix for r in refs]) if refs else np.zeros((0, 1))
            # Each text has a vector, so at least one word.
            texts = [self.model.unit_words(reference_words(t)) for r in refs for t in r.texts]
            words = np.concatenate([w for w, _ in texts]) if texts else np.zeros((0, 1))
            shares = np.concatenate([_shares(n) for _, n in texts]) if texts else np.zeros(0)
            starts = np.cumsum([0] + [len(n) for _, n in texts[:-1]])
            hint_vector = self.model.text(reference_words(question.hint))
            hit = _Rubric(tuple(refs), matrix, np.array(offsets), tuple(hint_rows),
                          hint_vector, words, shares, starts)  # fmt: skip
            if len(self._rubrics) >= MAX_CACHED:
                self._rubrics.clear()
            self._rubrics[key] = hit
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
        whole = self.model.text(words)
        answer_hint = (
            float(whole @ rubric.hint) if whole is not None and rubric.hint is not None else 0.0
        )
        sims = rubric.matrix @ windows.T  # every concept text x every window
        per_window = np.full((len(rubric.refs), len(spans)), -1.0, dtype=np.float32)
        for i, ref in enumerate(rubric.refs):
            if len(ref.texts):
                per_window[i] = sims[rubric.offsets[i] : rubric.offsets[i + 1]].max(axis=0)
        stretch, anywhere = _word_matches(rubric, unit)
        results: list[ConceptMeaning | None] = []
        for i, ref in enumerate(rubric.refs):
            if not len(ref.texts):
                results.append(None)
                continue
            mine = sims[rubric.offsets[i] : rubric.offsets[i + 1]]
            row, col = np.unravel_index(int(np.argmax(mine)), mine.shape)
            others = np.delete(per_window, i, axis=0)
            margin = per_window[i] - (others.max(axis=0) if len(others) else 0.0)
            texts = slice(rubric.offsets[i], rubric.offsets[i + 1])
            features = (
                float(term_hits[i]),
                float(margin.max()),
                float(np.log1p(len(question.concepts[i].terms))),
                float(stretch[rubric.hint_rows[i]]),
                float(anywhere[texts].max()),
                answer_hint,
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


def _shares(lengths: np.ndarray) -> np.ndarray:
    total = float(lengths.sum())
    return lengths / total if total > 0 else lengths


def _word_matches(rubric: _Rubric, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How well the words of each concept text find close words in the answer (``unit``:
    its content words), per text: the weighted mean of each word's best cosine within the
    stretch of ``ALIGN_SPAN`` answer words where they match best, and the same with each
    word's partner taken anywhere in the answer."""
    sims = rubric.words @ unit.T  # every text word x every answer word
    span = min(ALIGN_SPAN, len(unit))
    starts = len(unit) - span + 1
    windowed = np.stack([sims[:, k : k + starts] for k in range(span)]).max(axis=0)
    weights = rubric.word_weights[:, None]
    stretch = np.add.reduceat(windowed * weights, rubric.text_starts, axis=0).max(axis=1)
    anywhere = np.add.reduceat(sims.max(axis=1, keepdims=True) * weights, rubric.text_starts)
    return stretch, anywhere[:, 0]

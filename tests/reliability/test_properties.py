"""Property-based tests (hypothesis): arbitrary Unicode never crashes the normaliser, the scorer
or the bank loader; coverage stays in 0..1, evidence spans index the transcript, and saying one
more of a concept's terms never lowers coverage and always covers that concept."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from questions.bank import Bank, BankError, QuestionSet, builtin_bank_paths, load_bank
from questions.normalize import normalize, tokenize
from questions.scoring import score

BANK = QuestionSet.from_paths(builtin_bank_paths())
QUESTIONS = list(BANK)
VOCABULARY = sorted({w for q in QUESTIONS for c in q.concepts for t in c.terms for w in t.split()})
FAST = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Answers: arbitrary Unicode, rubric words, spoken numbers and spelled letters, mixed.
words = st.one_of(
    st.text(max_size=12),
    st.sampled_from(VOCABULARY),
    st.sampled_from(["eight", "hundred", "two", "oh", "seven", "m", "t", "l", "s", "um", "-"]),
    st.sampled_from(["é", "e\u0301", "ß", "ﬁ", "İ", "Å", "\u0958", "２", "⁸", "\u200b", "😀"]),
)
answers = st.lists(words, max_size=40).map(" ".join) | st.text(max_size=300)


def valid_spans(text: str) -> None:
    for token in tokenize(text):
        assert token.text, token
        assert 0 <= token.start < token.end <= len(text), (token, text)


@FAST
@given(answers)
def test_normaliser_never_crashes_and_spans_index_the_text(text: str) -> None:
    valid_spans(text)
    assert isinstance(normalize(text), str)


@FAST
@given(st.sampled_from(QUESTIONS), answers)
def test_scorer_coverage_in_range_and_evidence_valid(question, text: str) -> None:
    result = score(question, text)
    assert 0.0 <= result.coverage <= 1.0
    assert result.transcript == text
    for concept in result.concepts:
        if concept.covered:
            assert concept.evidence is not None
            start, end = concept.evidence
            assert 0 <= start < end <= len(text)
            assert concept.matched_text == text[start:end]
        else:
            assert concept.evidence is None


@st.composite
def answer_and_term(draw: st.DrawFn) -> tuple[object, int, str, str]:
    question = draw(st.sampled_from(QUESTIONS))
    index = draw(st.integers(0, len(question.concepts) - 1))
    term = draw(st.sampled_from(question.concepts[index].terms))
    return question, index, draw(answers), term


@FAST
@given(answer_and_term())
def test_saying_a_term_never_lowers_coverage_and_covers_its_concept(case) -> None:
    question, index, text, term = case
    before = score(question, text)
    after = score(question, f"{text}. {term}")
    assume(not after.notice)  # a string of keywords earns nothing, by design (test_scoring)
    assert after.coverage >= before.coverage - 1e-9, (text, term)
    assert after.concepts[index].covered, (text, term)


# --- the bank loader --------------------------------------------------------------------------


def _load(text: str | bytes, suffix: str) -> Bank | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bank{suffix}"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        try:
            return load_bank(path)
        except BankError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return None


@FAST
@given(st.text(max_size=400), st.sampled_from([".toml", ".yaml"]))
def test_bank_loader_survives_arbitrary_text(text: str, suffix: str) -> None:
    _load(text, suffix)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
    st.text(max_size=20),
)  # fmt: skip
plain = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
concept = st.fixed_dictionaries(
    {"id": st.text(max_size=8), "terms": st.lists(st.text(max_size=20), max_size=3)},
    optional={"label": scalars, "weight": scalars, "extra": plain},
)
question = st.fixed_dictionaries(
    {
        "id": st.text(max_size=8),
        "section": st.text(max_size=8),
        "prompt": st.text(max_size=30),
        "hint": st.text(max_size=30),
        "concepts": st.lists(concept, min_size=2, max_size=4),
    },
    optional={"time_limit_s": scalars, "extra": plain},
)


@FAST
@given(st.lists(question, min_size=1, max_size=3), st.sampled_from([".yaml", ".yml"]))
def test_bank_loader_validates_arbitrary_structures(questions: list, suffix: str) -> None:
    bank = _load(yaml.safe_dump({"questions": questions}, allow_unicode=True), suffix)
    if bank is None:
        return
    assert all("\n" not in w for w in bank.warnings)
    for q in bank.questions:
        assert q.id and q.prompt and len(q.concepts) >= 3
        for c in q.concepts:
            assert math.isfinite(c.weight) and c.weight > 0
            assert c.terms and all(normalize(t) for t in c.terms)

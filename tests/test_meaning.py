"""The meaning judge with the real word-embedding model (it ships in the wordllama wheel and
loads in about a tenth of a second, so these tests are not marked slow)."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.scoring import fit_monotone
from models import embeddings
from models.registry import ModelError, package_dir
from questions.bank import Question, QuestionSet, derive_concepts
from questions.meaning import (
    CALIBRATION,
    DERIVED_CALIBRATION,
    FEATURES,
    UNSIGNED,
    Calibration,
    Meaning,
)
from questions.scoring import score
from simulator.judge import Judge


@pytest.fixture(scope="module")
def meaning() -> Meaning:
    return embeddings.load_meaning()


def cut_to_two_terms(question: Question) -> Question:
    """The question as a user would write it: each concept a label and two terms."""
    return replace(
        question, concepts=tuple(replace(c, terms=c.terms[:2]) for c in question.concepts)
    )


def test_the_model_is_read_from_the_wheel_by_path_without_importing_wordllama(
    meaning: Meaning,
) -> None:
    assert meaning.model.table.shape == (32000, 256)
    assert "wordllama" not in sys.modules  # its loader would look for the tokenizer online


def test_an_altered_table_is_refused_with_both_hashes(tmp_path: Path) -> None:
    spec = embeddings.WORDLLAMA
    source = package_dir(spec.package)
    assert source is not None
    for relative in (spec.weights, spec.tokenizer):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / relative, tmp_path / relative)
    embeddings.load_embedder(spec, tmp_path)  # the copy is accepted as it is
    weights = tmp_path / spec.weights
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError) as caught:
        embeddings.load_embedder(spec, tmp_path)
    message = str(caught.value)
    assert "refused" in message and spec.weights_sha256[:16] in message
    assert "pip install --force-reinstall wordllama" in message and "\n" not in message


def test_a_missing_package_is_one_line_that_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embeddings, "package_dir", lambda name: None)
    with pytest.raises(ModelError, match="pip install wordllama"):
        embeddings.load_embedder()


def test_a_paraphrase_earns_the_concept_by_meaning(bank: QuestionSet, meaning: Meaning) -> None:
    question = cut_to_two_terms(bank.get("intermediate-03"))
    answer = (
        "Every single inference request produces a record with the caller's identity and the "
        "model it hit, and we keep the lifetime of each token short, about fifteen minutes, so "
        "a stolen one expires quickly."
    )
    lexical = {r.concept.id for r in score(question, answer).covered}
    judged = score(question, answer, meaning)
    gained = {r.concept.id: r for r in judged.concepts if r.by_meaning}
    assert {"audit-logging", "short-lived-tokens"} <= set(gained)
    assert not lexical & set(gained)  # no term of theirs was said
    for result in gained.values():
        assert result.covered and result.evidence is not None
        start, end = result.evidence
        assert answer[start:end] == result.matched_text  # the whole clause that made the point
        assert 0 < result.similarity <= 100
    assert "lifetime of each token short" in gained["short-lived-tokens"].matched_text


def test_meaning_only_adds_to_what_terms_earn(bank: QuestionSet, meaning: Meaning) -> None:
    question = bank.get("beginner-01")
    for answer in (
        "Zero trust means we never trust, always verify, whatever network a request comes from.",
        "The perimeter is gone because of SaaS and remote work, so NIST SP 800-207 matters.",
        "I would ask the team what they think and go from there.",
    ):
        by_terms = {r.concept.id for r in score(question, answer).covered}
        both = {r.concept.id for r in score(question, answer, meaning).covered}
        assert by_terms <= both


def test_an_answer_that_denies_the_points_earns_nothing_for_them(
    bank: QuestionSet, meaning: Meaning
) -> None:
    question = bank.get("beginner-01")
    contrary = (
        "Honestly, once you're on the VPN we trust you. We never verify requests inside the "
        "network, and least privilege is not something we bother with, admins get everything."
    )
    result = score(question, contrary, meaning)
    covered = {r.concept.id for r in result.covered}
    assert not covered & {"continuous-verification", "least-privilege", "never-trust"}
    affirmed = (
        "Once you're on the VPN we still check you: we verify every request inside the "
        "network, and least privilege is something we enforce, admins get only what they need."
    )
    assert score(question, affirmed, meaning).coverage > result.coverage


def test_a_list_of_keywords_is_not_an_answer(bank: QuestionSet, meaning: Meaning) -> None:
    question = bank.get("beginner-01")
    labels = ", ".join(c.label for c in question.concepts)
    result = score(question, labels, meaning)
    assert result.coverage == 0 and not result.covered
    assert "list of keywords" in result.notice and "sentences" in result.notice
    spoken = "zero trust NIST SP 800-207 least privilege continuous verification perimeter VPN"
    assert score(question, spoken, meaning).notice  # no commas, still a list
    terms = "every request, device posture, risk score, threat signals, SIEM."
    assert score(question, terms, meaning).notice  # pieces without a clause in them
    points = (
        "scoped tokens per agent task, signed messages between agents, an audit trail per "
        "call, a gateway before the models."
    )
    assert score(question, points, meaning).notice  # five-word pieces, still no clause
    terse = (
        "Never trust, always verify; the network perimeter is gone; NIST SP 800-207 says verify "
        "every request continuously with least privilege."
    )
    assert not score(question, terse, meaning).notice  # dense with terms, but sentences


def test_generic_security_talk_earns_little(bank: QuestionSet, meaning: Meaning) -> None:
    question = bank.get("intermediate-07")
    generic = (
        "Security is everyone's responsibility. We follow industry best practices, we do "
        "regular audits and training, we keep our systems patched, and we believe in defense "
        "in depth across the whole organisation."
    )
    assert score(question, generic, meaning).coverage <= 0.2


def test_a_question_with_only_a_hint_is_judged_from_its_points(meaning: Meaning) -> None:
    hint = (
        "Rotate credentials automatically on a schedule; keep secrets out of source code and "
        "notebooks; and store them in a vault such as HashiCorp Vault."
    )
    question = Question("q-1", "Test", "How do you manage secrets?", hint, 60,
                        derive_concepts(hint))  # fmt: skip
    assert len(question.concepts) == 3
    assert all(c.derived and c.weight == 1 for c in question.concepts)
    assert question.concepts[2].terms == ("HashiCorp Vault",)  # jargon biases recognition
    answer = (
        "Credentials get rotated by a job every night, so nobody rotates anything by hand, and "
        "all of them live in HashiCorp Vault rather than in config files."
    )
    result = score(question, answer, meaning)
    covered = [r.concept.id for r in result.covered]
    assert "point-1" in covered and "point-3" in covered
    assert "point-2" not in covered  # never said a word about source code or notebooks


def test_concepts_derived_from_a_hint_have_their_own_calibration(meaning: Meaning) -> None:
    hint = "Rotate credentials automatically on a schedule; keep secrets out of source code."
    derived = Question("q-1", "Test", "How do you manage secrets?", hint, 60,
                       derive_concepts(hint))  # fmt: skip
    answer = "Credentials get rotated by a job every night, so nobody rotates anything by hand."
    assert "point-1" in [r.concept.id for r in score(derived, answer, meaning).covered]
    never = Calibration(weights=(0.0,) * len(meaning.calibration.weights), bias=-50.0)
    strict = Meaning(meaning.model, calibration=meaning.calibration, derived=never)
    assert not score(derived, answer, strict).covered  # derived concepts read ``derived``
    written = Meaning(meaning.model, calibration=never, derived=meaning.derived)
    assert score(derived, answer, written).covered  # ...and only they


def test_more_evidence_never_lowers_the_probability() -> None:
    for calibration in (CALIBRATION, DERIVED_CALIBRATION):
        assert len(calibration.weights) == len(FEATURES)
        signed = [
            w for w, f in zip(calibration.weights, FEATURES, strict=True) if f not in UNSIGNED
        ]
        assert min(signed) >= 0


def test_the_calibration_fit_drops_a_feature_that_would_count_against_evidence() -> None:
    rng = np.random.default_rng(7)
    x = rng.random((400, len(FEATURES)))
    x[:, 1] = x[:, 0] + 0.05 * rng.random(400)  # two near copies of the same measurement
    y = (x[:, 0] + 0.3 * x[:, 3] + 0.1 * rng.standard_normal(400) > 0.7).astype(float)
    weights, _ = fit_monotone(x, y)
    assert weights[0] > 0 or weights[1] > 0
    assert min(w for w, f in zip(weights, FEATURES, strict=True) if f not in UNSIGNED) >= 0


def test_a_point_stated_word_for_word_is_credited(meaning: Meaning) -> None:
    hint = "Covers scoping, containment, and evidence preservation such as isolating the host."
    question = Question("q-1", "Test", "What are your first steps?", hint, 60,
                        derive_concepts(hint))  # fmt: skip
    for concept in question.concepts:
        answer = f"First I would do the {concept.source}, that is the heart of it."
        covered = {r.concept.id for r in score(question, answer, meaning).covered}
        assert concept.id in covered, concept.source


def test_a_point_dismissed_as_not_worth_it_earns_nothing(
    bank: QuestionSet, meaning: Meaning
) -> None:
    question = bank.get("intermediate-10")
    dismissive = (
        "Vault is too complicated for our data scientists, so keys stay in the notebooks. "
        "Secret rotation is academic, we never had a leak."
    )
    covered = {r.concept.label for r in score(question, dismissive, meaning).covered}
    assert not {"Vault / cloud-native secret store", "Secret rotation policies"} & covered
    meant = (
        "Every key lives in Vault, not in the notebooks. Secret rotation runs every thirty "
        "days, and it is automatic."
    )
    covered = {r.concept.label for r in score(question, meant, meaning).covered}
    assert {"Vault / cloud-native secret store", "Secret rotation policies"} <= covered


def test_a_prepared_question_is_judged_without_embedding_its_rubric_again(
    bank: QuestionSet, meaning: Meaning, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = Meaning(meaning.model)
    judge = Judge(lambda: fresh)
    question = bank.get("advanced-02")
    embedded: list[tuple[str, ...]] = []
    build = fresh.model.references
    monkeypatch.setattr(
        fresh.model, "references", lambda texts: embedded.append(texts) or build(texts)
    )
    judge.prepare(question)
    assert len(embedded) == len(question.concepts)
    judge.score(question, "We keep every policy in one Git repository and test it in CI.")
    assert len(embedded) == len(question.concepts)  # nothing embedded at judging time

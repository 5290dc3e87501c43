import pytest

from questions.bank import Concept, Question, QuestionSet
from questions.scoring import score, threshold

QUESTION = Question(
    id="t-01",
    section="Test",
    prompt="How do services trust each other?",
    hint="mTLS through a mesh; NIST guidance; secrets in Vault; IAM.",
    time_limit_s=60,
    concepts=(
        Concept("mesh", "Service mesh", 2.0, ("service mesh", "Istio", "Linkerd")),
        Concept("mtls", "Mutual TLS", 2.0, ("mTLS", "mutual TLS", "two-way TLS")),
        Concept("nist", "NIST SP 800-207", 1.0, ("NIST SP 800-207", "800-207")),
        Concept("vault", "Secret store", 1.0, ("HashiCorp Vault", "secrets manager")),
        Concept("iam", "IAM", 1.0, ("IAM", "identity and access management")),
    ),
)


def covered(text: str) -> set[str]:
    return {r.concept.id for r in score(QUESTION, text).covered}


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("we run Istio everywhere", "mesh"),
        ("we use is tio for that", "mesh"),
        ("Linker D handles it", "mesh"),
        ("a serviced mesh in front", "mesh"),
        ("everything speaks m t l s", "mtls"),
        ("M.T.L.S. between pods", "mtls"),
        ("two way TLS between pods", "mtls"),
        ("as in eight hundred two oh seven", "nist"),
        ("NIST 800 207 says so", "nist"),
        ("keys live in hashi corp vault", "vault"),
        ("keys live in Hashicorb Vault", "vault"),
        ("identity & access management first", "iam"),
    ],
)
def test_true_hits_and_speech_misspellings_count(text: str, concept: str) -> None:
    assert concept in covered(text)


@pytest.mark.parametrize(
    "text",
    [
        "I am sure it works",  # "I am" is not IAM
        "the fault was mine",  # not Vault
        "we listed our tools",  # not Istio
        "a mess of services",
        "800 people joined and 207 left",  # numbers apart are not the standard
        "mutual respect and trust",
    ],
)
def test_near_misses_do_not_count(text: str) -> None:
    assert covered(text) == set()


def test_coverage_is_weighted_and_evidence_points_into_the_transcript() -> None:
    text = "Well, um, we put Istio in front and keep keys in HashiCorp Vault."
    result = score(QUESTION, text)
    assert result.coverage == pytest.approx((2 + 1) / 7)
    by_id = {r.concept.id: r for r in result.concepts}
    start, end = by_id["mesh"].evidence
    assert text[start:end] == "Istio"
    start, end = by_id["vault"].evidence
    assert text[start:end] == "HashiCorp Vault"
    assert by_id["mtls"].evidence is None and not by_id["mtls"].covered


def test_first_occurrence_is_the_evidence() -> None:
    text = "Istio first, and later Istio again"
    assert score(QUESTION, text).concepts[0].evidence == (0, 5)


def test_empty_transcript_scores_zero() -> None:
    result = score(QUESTION, "")
    assert result.coverage == 0.0 and not result.covered


def test_deterministic() -> None:
    text = "mutual tls via linkerd and a secrets manager"
    assert score(QUESTION, text) == score(QUESTION, text)


def test_thresholds_get_stricter_for_short_terms() -> None:
    assert threshold(3) == 100
    assert threshold(6) > threshold(12)


def test_strong_answer_beats_off_topic_on_the_real_bank(bank: QuestionSet) -> None:
    question = bank.get("intermediate-07")
    strong = (
        "I'd deploy a service mesh like Istio or Linkerd so every call uses mutual TLS. The mesh "
        "issues short-lived certificates and rotates them automatically, each workload gets an "
        "identity, and both the client and the server verify each other's certificate."
    )
    off = "I mostly spend weekends baking sourdough bread and hiking with my dog."
    assert score(question, strong).coverage >= 0.6
    assert score(question, off).coverage == 0.0


def test_a_negative_term_is_read_whole_not_as_denying_a_shorter_term_inside_it() -> None:
    """Found by the property test: "reach the internet" was matched first and its "can't"
    read as a denial, so the concept written as "can't reach the internet" was refused."""
    terms = ("reach the internet", "can't reach the internet")
    egress = Concept("egress", "No internet egress", 1.0, terms)
    question = Question("t-02", "Test", "Where can builds go?", "", 60, concepts=(egress,))
    result = score(question, "The build machines can't reach the internet.")
    assert result.coverage == 1.0 and result.concepts[0].term == "can't reach the internet"
    assert score(question, "The build machines reach the internet freely.").coverage == 1.0

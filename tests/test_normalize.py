import pytest

from questions.normalize import match_key, normalize, tokenize


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("NIST SP 800-207", "nist sp 800 207"),
        ("nist s p eight hundred two oh seven", "nist sp 800 207"),
        ("eight oh oh dash two oh seven", "800 207"),
        ("800 207", "800 207"),
        ("ISO twenty seven thousand one", "iso 27001"),
        ("ISO two seven zero zero one", "iso 27001"),
        ("SOC two", "soc 2"),
        ("OAuth two point oh", "oauth 2 0"),
        ("OAuth 2.0", "oauth 2 0"),
        ("m t l s", "mtls"),
        ("M.T.L.S.", "mtls"),
        ("mTLS", "mtls"),
        ("Um, so, uh, zero trust", "so zero trust"),
        ("Don’t hard-code keys", "dont hard code keys"),
        ("Café RÉSUMÉ", "cafe resume"),
        ("three hundred sixty five", "365"),
        ("OPA/Rego", "opa rego"),
    ],
)
def test_normalize_spoken_and_written_forms_meet(spoken: str, expected: str) -> None:
    assert normalize(spoken) == expected


def test_zero_and_oh_stay_words_away_from_numbers() -> None:
    assert normalize("oh I see, zero day") == "oh i see zero day"


def test_tokens_keep_spans_into_the_original_text() -> None:
    text = "We rely on, um, N.I.S.T. eight hundred two oh seven daily"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["we", "rely", "on", "nist", "800", "207", "daily"]
    for token in tokens:
        assert text[token.start : token.end].strip()
    assert text[tokens[4].start : tokens[5].end] == "eight hundred two oh seven"
    assert text[tokens[3].start : tokens[3].end] == "N.I.S.T"


def test_match_key_ignores_plurals_only() -> None:
    assert match_key("tokens") == "token"
    assert match_key("policies") == "policy"
    assert match_key("access") == "access"
    assert match_key("aws") == "aws"
    assert match_key("status") == "status"


def test_empty_and_symbol_only_input() -> None:
    assert normalize("") == ""
    assert normalize("?!… —") == ""

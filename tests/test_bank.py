from pathlib import Path

import pytest

from questions.bank import QuestionSet, builtin_bank_paths, load_bank
from questions.errors import BankError, UnknownQuestionError

SEED_COUNTS = {
    "beginner": 5, "intermediate": 10, "advanced": 10,
    "scenario": 10, "workflow": 10, "behavioral": 5,
}  # fmt: skip

GOOD = """
[bank]
id = "mini"
title = "Mini"

[[questions]]
id = "q-01"
section = "Basics"
prompt = "What is a firewall?"
hint = "Filters traffic by rules."
time_limit_s = 60

[[questions.concepts]]
id = "filter"
label = "Filters traffic"
weight = 2
terms = ["filters traffic", "blocks packets"]

[[questions.concepts]]
id = "rules"
label = "Rules"
weight = 1
terms = ["rule set", "allow list"]

[[questions.concepts]]
id = "stateful"
label = "Stateful"
weight = 1
terms = ["stateful inspection"]
"""


def write(tmp_path: Path, text: str, name: str = "bank.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_bank_has_the_fifty_contract_ids(bank: QuestionSet) -> None:
    ids = [q.id for q in bank]
    expected = [f"{s}-{n:02d}" for s, count in SEED_COUNTS.items() for n in range(1, count + 1)]
    assert ids == expected
    assert bank.sections() == [
        "Beginner",
        "Intermediate",
        "Advanced",
        "Scenario-Based",
        "AI Workflow & Tools",
        "Behavioral",
    ]


def test_builtin_rubrics_are_well_formed(bank: QuestionSet) -> None:
    for q in bank:
        assert 4 <= len(q.concepts) <= 10, q.id
        assert 60 <= q.time_limit_s <= 180, q.id
        assert q.prompt.endswith("?") or q.prompt.endswith("."), q.id
        for c in q.concepts:
            assert c.weight > 0 and c.terms, (q.id, c.id)


def test_builtin_bank_loads_without_warnings() -> None:
    for path in builtin_bank_paths():
        assert load_bank(path).warnings == ()


def test_good_bank_loads(tmp_path: Path) -> None:
    b = load_bank(write(tmp_path, GOOD))
    assert b.id == "mini" and len(b.questions) == 1
    q = b.questions[0]
    assert [c.id for c in q.concepts] == ["filter", "rules", "stateful"]
    assert q.concepts[0].weight == 2.0
    assert len(q.rubric_version) == 12


def test_yaml_bank_loads(tmp_path: Path) -> None:
    yaml_text = """
bank: {id: y}
questions:
  - id: y-01
    section: S
    prompt: Why?
    hint: Because.
    time_limit_s: 30
    concepts:
      - {id: a, label: A, weight: 1, terms: [alpha]}
      - {id: b, label: B, weight: 1, terms: [beta]}
      - {id: c, label: C, weight: 1, terms: [gamma]}
"""
    b = load_bank(write(tmp_path, yaml_text, "bank.yaml"))
    assert b.questions[0].concepts[2].terms == ("gamma",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "q-01"', 'id = ""'), "question #1, field 'id'"),
        (("weight = 2", "weight = 0"), "concept 'filter', field 'weight'"),
        (("weight = 2", "weight = -1"), "field 'weight': must be a number greater than 0"),
        (('terms = ["stateful inspection"]', "terms = []"), "concept 'stateful', field 'terms'"),
        (('terms = ["stateful inspection"]', 'terms = ["?!"]'), "is not a phrase"),
        (('prompt = "What is a firewall?"\n', ""), "question 'q-01', field 'prompt'"),
        (("time_limit_s = 60", "time_limit_s = 0"), "field 'time_limit_s'"),
        (('id = "rules"', 'id = "filter"'), "duplicate concept id 'filter'"),
        (('title = "Mini"', 'title = "Mini'), "TOML syntax error"),
    ],
)
def test_broken_banks_name_file_question_and_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(BankError) as info:
        load_bank(path)
    text = str(info.value)
    assert message in text
    assert str(path) in text
    assert "\n" not in text


def test_too_few_concepts(tmp_path: Path) -> None:
    text = GOOD.split('[[questions.concepts]]\nid = "stateful"')[0]
    with pytest.raises(BankError, match="at least 3 concepts"):
        load_bank(write(tmp_path, text))


def test_duplicate_question_ids(tmp_path: Path) -> None:
    body = GOOD.split("[[questions]]", 1)[1]
    with pytest.raises(BankError, match="question 'q-01': duplicate id"):
        load_bank(write(tmp_path, GOOD + "\n[[questions]]" + body))


def test_unknown_fields_are_warnings(tmp_path: Path) -> None:
    b = load_bank(
        write(tmp_path, GOOD.replace("time_limit_s = 60", "time_limit_s = 60\ncolour = 1"))
    )
    assert any("unknown field 'colour'" in w for w in b.warnings)


def test_non_utf8_and_yaml_object_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(GOOD.replace("firewall", "pare-feu é").encode("latin-1"))
    with pytest.raises(BankError, match="not UTF-8"):
        load_bank(path)
    evil = write(tmp_path, "questions: !!python/object/apply:os.system ['echo pwned']\n", "e.yaml")
    with pytest.raises(BankError, match="YAML error"):
        load_bank(evil)


def test_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="no such bank file"):
        load_bank(tmp_path / "nope.toml")
    with pytest.raises(BankError, match=r"\.toml, \.yaml"):
        load_bank(write(tmp_path, GOOD, "bank.txt"))


def test_question_set_lookup_and_sections(bank: QuestionSet) -> None:
    assert bank.get("scenario-03").section == "Scenario-Based"
    assert len(bank.in_section("workflow")) == 10
    assert len(bank.in_section("Behavioral")) == 5
    with pytest.raises(UnknownQuestionError, match="interview-sim questions"):
        bank.get("nope-01")
    with pytest.raises(UnknownQuestionError, match="choose one of"):
        bank.in_section("cooking")


def test_vocabulary_puts_jargon_first(bank: QuestionSet) -> None:
    vocab = bank.get("beginner-01").vocabulary()
    assert any("800-207" in term for term in vocab[:15])

"""Hint-only banks, derived concepts, and `bank import` of prep documents written in seven
common layouts (tests/data/prep, each with what a reader would take from it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from questions.bank import load_bank
from questions.hint_points import hint_points
from questions.importer import parse_prep
from simulator import cli

PREP = Path(__file__).parent / "data" / "prep"
DOCUMENTS = sorted(p for p in PREP.iterdir() if not p.name.endswith(".expected.json"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def expected(document: Path) -> dict:
    return json.loads(document.with_name(f"{document.stem}.expected.json").read_text())


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_each_layout_gives_its_sections_questions_and_hints(document: Path) -> None:
    want = expected(document)
    got = parse_prep(document.read_text(encoding="utf-8"))
    assert [q.prompt for q in got.questions] == [q["prompt"] for q in want["questions"]]
    assert [q.section for q in got.questions] == [q["section"] for q in want["questions"]]
    for question, wanted in zip(got.questions, want["questions"], strict=True):
        assert question.hint.startswith(wanted["hint_starts"]), question.hint
        assert "\n" not in question.hint and "**" not in question.hint
    assert got.problems == want["problems"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_import_writes_a_bank_that_validates_and_is_judged_at_once(
    document: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "bank.toml"
    code, out, err = run(capsys, "bank", "import", str(document), "--output", str(target))
    assert code == 0, err
    questions = len(expected(document)["questions"])
    assert out.startswith(f"{target}: {questions} questions")
    bank = load_bank(target)
    assert len(bank.questions) == questions
    assert all(q.concepts and all(c.derived for c in q.concepts) for q in bank.questions)
    code, out, _ = run(capsys, "bank", "validate", str(target))
    assert code == 0 and f"{questions} questions judged from their hint" in out
    first = bank.questions[0]
    answer = f"I would {first.concepts[0].source}, and that is the heart of it."
    code, out, _ = run(
        capsys, "--bank", str(target), "score", "--question", first.id, "--text", answer, "--json"
    )
    assert code == 0 and json.loads(out)["coverage"] > 0


def test_an_entry_without_a_question_is_reported_not_invented(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "ml.toml"
    code, _, err = run(capsys, "bank", "import", str(PREP / "ml.md"), "--output", str(target))
    assert code == 0
    assert "warning:" in err and "'Q5:' has a hint" in err and "no question text" in err
    prompts = [q.prompt for q in load_bank(target).questions]
    assert not any("feature store" in p for p in prompts)


def test_import_goes_to_the_banks_folder_and_never_overwrites_silently(
    capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    code, out, _ = run(capsys, "bank", "import", str(PREP / "k8s.md"))
    target = isolated_home / "config" / "banks" / "k8s.toml"
    assert code == 0 and out.startswith(str(target)) and target.is_file()
    code, out, _ = run(capsys, "questions", "--section", "Networking")
    assert code == 0 and "k8s-networking-01" in out  # the imported bank is in use at once
    before = target.read_bytes()
    code, _, err = run(capsys, "bank", "import", str(PREP / "k8s.md"))
    assert code == 1 and "already exists" in err and "--force" in err
    assert target.read_bytes() == before


def test_two_imported_documents_with_the_same_sections_do_not_collide(
    capsys: pytest.CaptureFixture[str], isolated_home: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "k8s-again.md"
    copy.write_bytes((PREP / "k8s.md").read_bytes())
    for document in (PREP / "k8s.md", copy):
        code, _, err = run(capsys, "bank", "import", str(document))
        assert code == 0, err
    code, out, err = run(capsys, "questions", "--section", "Networking")
    assert code == 0, err
    assert "k8s-networking-01" in out and "k8s-again-networking-01" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some notes\nwith no questions\n", "no questions found"),
        (b"\xff\xfe bad bytes", "not UTF-8"),
    ],
)
def test_bad_prep_documents_are_one_line(
    content: bytes, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "notes.md"
    source.write_bytes(content)
    code, _, err = run(capsys, "bank", "import", str(source), "--output", str(tmp_path / "b.toml"))
    assert code == 1 and message in err and err.count("\n") == 1


def test_show_concepts_prints_toml_the_author_can_paste(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bank = tmp_path / "b.toml"
    bank.write_text(
        '[[questions]]\nid = "q-1"\nsection = "S"\nprompt = "How do you keep secrets?"\n'
        'hint = "Store them in HashiCorp Vault; rotate them automatically; never commit them."\n'
    )
    code, out, _ = run(capsys, "bank", "validate", str(bank), "--show-concepts")
    assert code == 0 and "concepts derived from the hint" in out
    snippet = out.split("# concepts derived from the hint:\n", 1)[1]
    import tomllib

    concepts = tomllib.loads(snippet)["questions"]["concepts"]
    assert [c["id"] for c in concepts] == ["point-1", "point-2", "point-3"]
    assert concepts[0]["terms"] == ["HashiCorp Vault"]


@pytest.mark.parametrize(
    ("hint", "points"),
    [
        (
            "Explain that nothing is trusted by default; describe how cloud, SaaS and remote "
            "work dissolved the old network edge.",
            ["nothing is trusted by default", "cloud, SaaS and remote work dissolved the old "
             "network edge"],
        ),
        (
            "Translate risk into what leaders care about, such as financial loss, reputational "
            "damage and regulatory consequences.",
            ["Translate risk into what leaders care about", "financial loss",
             "reputational damage", "regulatory consequences"],
        ),
        (
            "Build layered defences (input validation, output filtering and sandboxed tool "
            "execution).",
            ["Build layered defences", "input validation", "output filtering",
             "sandboxed tool execution"],
        ),
        (
            "Store secrets in a vault such as HashiCorp Vault.",
            ["Store secrets in a vault such as HashiCorp Vault"],
        ),
    ],
)  # fmt: skip
def test_hint_points_follow_the_hints_own_enumeration(hint: str, points: list[str]) -> None:
    found = hint_points(hint)
    assert [p.text for p in found] == points
    assert all(hint[p.start : p.end] == p.text for p in found)


@pytest.mark.parametrize(("kind", "message"), [("folder", "not a regular file"),
                                               ("fifo", "not a regular file"),
                                               ("missing", "no such file")])  # fmt: skip
def test_a_prep_path_that_is_not_a_file_is_one_line(
    kind: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "prep.md"
    if kind == "folder":
        source.mkdir()
    elif kind == "fifo":
        os.mkfifo(source)  # reading it would wait for a writer forever
    code, _, err = run(capsys, "bank", "import", str(source), "--output", str(tmp_path / "b.toml"))
    assert code == 1 and message in err and err.count("\n") == 1

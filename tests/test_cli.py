import json
from pathlib import Path

import pytest

from simulator.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_questions_json_lists_the_fifty_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "questions", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == 50
    first = data[0]
    assert first["id"] == "beginner-01"
    assert {"id", "section", "prompt", "hint", "time_limit_s", "concepts"} <= set(first)
    assert {"id", "label", "weight", "terms"} <= set(first["concepts"][0])


def test_questions_by_section(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "questions", "--section", "behavioral", "--json")
    assert code == 0 and [q["id"] for q in json.loads(out)][-1] == "behavioral-05"
    code, out, _ = run(capsys, "questions")
    assert "scenario-10" in out and "Scenario-Based" in out


def test_score_text_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    text = "We never trust, always verify: under NIST SP 800-207 each service gets least privilege."
    code, out, _ = run(capsys, "score", "--question", "beginner-01", "--text", text, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["question_id"] == "beginner-01" and data["transcript"] == text
    assert 0 < data["coverage"] <= 1
    concept = data["concepts"][0]
    assert {"id", "label", "weight", "covered", "evidence"} <= set(concept)
    hits = [c for c in data["concepts"] if c["covered"]]
    assert hits and all(text[c["evidence"][0] : c["evidence"][1]] for c in hits)


def test_score_text_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", "--question", "beginner-01", "--text", "never trust")
    assert code == 0 and "Coverage" in out and "✓" in out and "✗" in out


def test_unknown_question_is_one_line_and_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", "--question", "nope-99", "--text", "x")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "unknown question id 'nope-99'" in err
    assert "Traceback" not in err


def test_conflicting_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "score", "--question", "beginner-01", "--text", "a", "--audio", "b.wav"
    )
    assert code == 1 and "exactly one of" in err


def test_batch_goes_on_past_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        {"id": "a", "question_id": "beginner-02", "text": "least privilege for the service"},
        "this is not json",
        {"id": "c", "question_id": "nope-01", "text": "x"},
        {"id": "d", "question_id": "beginner-02"},
        {"id": "e", "question_id": "beginner-02", "text": "only what it needs"},
    ]
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    code, out, err = run(capsys, "score", "--batch", str(batch), "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r.get("id") for r in records] == ["a", None, "c", "d", "e"]
    assert "coverage" in records[0] and "coverage" in records[4]
    assert "not JSON" in records[1]["error"] and records[1]["line"] == 2
    assert "unknown question id" in records[2]["error"]
    assert "exactly one of" in records[3]["error"]
    assert code == 1 and "3 of 5 batch lines failed" in err


def test_batch_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", "--batch", "/nonexistent/x.jsonl", "--json")
    assert code == 1 and out == "" and "no such batch file" in err


def test_bank_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from questions.bank import builtin_bank_paths

    code, out, _ = run(capsys, "bank", "validate", str(builtin_bank_paths()[0]))
    assert code == 0 and "50 questions" in out
    broken = tmp_path / "broken.toml"
    broken.write_text("[[questions]]\nid = 'x'\n")
    code, out, err = run(capsys, "bank", "validate", str(broken))
    assert code == 1 and "question 'x', field 'section'" in err and err.count("\n") == 1


def test_user_bank_folder_and_bank_flag(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_bank import GOOD

    folder = isolated_home / "config" / "banks"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(GOOD)
    code, out, _ = run(capsys, "questions", "--json")
    assert code == 0 and [q["id"] for q in json.loads(out)][-1] == "q-01"
    code, out, _ = run(capsys, "--bank", str(folder / "mine.toml"), "questions", "--json")
    assert [q["id"] for q in json.loads(out)] == ["q-01"]


def test_help_is_there(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "score" in capsys.readouterr().out

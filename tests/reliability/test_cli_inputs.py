"""Command-line mistakes: unknown ids, malformed batch lines, conflicting flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main
from tests.reliability.conftest import one_line_error


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("score", "--question", "nope-99", "--text", "x"), "unknown question id 'nope-99'"),
        (("transcribe", "x.wav", "--question", "nope-99"), "unknown question id 'nope-99'"),
        (("questions", "--section", "cooking"), "no section 'cooking'"),
        (("practice", "--typed", "--section", "cooking"), "no section 'cooking'"),
        (("history", "delete", "--session", "999", "--yes"), "no session 999"),
        (("export", "--session", "999", "--format", "md"), "no session 999"),
        (("score", "--question", "beginner-01", "--audio", "missing.wav"), "no such audio file"),
        (("score", "--batch", "missing.jsonl"), "no such batch file"),
        (("--bank", "missing.toml", "questions"), "no such bank file"),
    ],
)
def test_unknown_ids_and_paths(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert words in one_line_error(err)


def test_malformed_batch_lines_do_not_stop_the_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"id": "ok", "question_id": "beginner-01", "text": "never trust, always verify"}
    lines = [
        json.dumps(good),
        "{not json",
        "[1, 2, 3]",
        json.dumps({"id": "no-q", "text": "x"}),
        json.dumps({"id": "bad-q", "question_id": "nope-99", "text": "x"}),
        json.dumps({"id": "both", "question_id": "beginner-01", "text": "x", "audio": "a.wav"}),
        json.dumps({"id": "neither", "question_id": "beginner-01"}),
        json.dumps({"id": "num", "question_id": "beginner-01", "text": 42}),
        json.dumps({"id": "audio-num", "question_id": "beginner-01", "audio": 7}),
        json.dumps({"id": "nul", "question_id": "beginner-01", "text": "a\u0000b \ud7ff é"}),
        "",
        json.dumps(good | {"id": "last"}),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "score", "--batch", str(batch))
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 11  # the blank line is skipped, every other line answered
    assert records[0]["id"] == "ok" and records[0]["coverage"] > 0
    assert records[-1]["id"] == "last" and records[-1]["coverage"] > 0
    assert records[9]["id"] == "nul" and "coverage" in records[9]
    failed = [r for r in records if "error" in r]
    assert [r["line"] for r in failed] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert all("\n" not in r["error"] and r["error"].startswith("line ") for r in failed)
    assert code == 1 and err.count("\n") == 1 and "8 of 11 batch lines failed" in err


def test_batch_that_is_not_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\xff\xfe\x00garbage")
    code, out, err = run(capsys, "score", "--batch", str(batch))
    assert code == 1 and out == "" and "not UTF-8" in one_line_error(err)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("score", "--question", "beginner-01", "--text", "a", "--audio", "b.wav"),
         "exactly one of --text, --audio or --batch"),
        (("score", "--text", "a", "--batch", "b.jsonl"), "exactly one of --text, --audio"),
        (("score", "--text", "a"), "--question ID is required"),
        (("score",), "exactly one of --text, --audio or --batch"),
    ],
)  # fmt: skip
def test_conflicting_or_missing_flags(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert words in one_line_error(err)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("score", "--question"), "expected one argument"),
        (("practice", "--count", "five"), "invalid int value"),
        (("practice", "--order", "random"), "invalid choice"),
        (("export", "--all", "--session", "1", "--format", "md"), "not allowed with"),
        (("frobnicate",), "invalid choice"),
        (("score", "--colour", "red"), "unrecognized arguments"),
    ],
)
def test_command_line_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert words in one_line_error(err) and "--help" in err

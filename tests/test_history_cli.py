"""`history` and `export` subcommands, through simulator.cli.main like a user would run them."""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from questions.bank import QuestionSet
from simulator import cli
from simulator.export import mark_terms
from simulator.history import History
from tests.fakes import scored, some_delivery

DELIVERY = some_delivery(words_per_minute=151.234, comments=("Good pace: 151 words a minute.",))
TEXT = "We never trust, always verify: see NIST SP 800-207, and give each user least privilege."


@pytest.fixture
def stored(bank: QuestionSet) -> Iterator[dict[str, int]]:
    q1, q2 = bank.get("beginner-01"), bank.get("beginner-02")
    with History.open() as history:
        first = history.start_session("practice", "zero-trust-ai")
        a1 = history.add_attempt(first, scored(q1, TEXT, delivery=DELIVERY))
        history.end_session(first)
        second = history.start_session("drill", "zero-trust-ai")
        a2 = history.add_attempt(second, scored(q2, "=1+1 um"))
    yield {"first": first, "second": second, "a1": a1, "a2": a2}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_history_table_and_json(capsys: pytest.CaptureFixture[str], stored: dict[str, int]) -> None:
    code, out, _ = run(capsys, "history")
    assert code == 0
    assert "Session 1 · practice" in out and "Session 2 · drill" in out and "unfinished" in out
    assert "beginner-01" in out and "█" in out and "often missed" in out
    code, out, _ = run(capsys, "history", "--json")
    data = json.loads(out)
    assert [s["id"] for s in data["sessions"]] == [stored["first"], stored["second"]]
    assert data["sessions"][0]["attempts"][0]["delivery"] == DELIVERY.to_dict()
    code, out, _ = run(capsys, "history", "--question", "beginner-01")
    assert code == 0 and out.startswith("beginner-01") and "Missed most often" in out
    code, out, _ = run(capsys, "history", "--question", "beginner-01", "--json")
    assert json.loads(out)["review"]["last"] > 0


def test_empty_history(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history")
    assert code == 0 and "No answers saved yet" in out
    code, _, err = run(capsys, "export", "--format", "md")
    assert code == 1 and "nothing to export" in err and err.count("\n") == 1


def test_delete_needs_confirmation(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stored: dict[str, int]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "history", "delete", "--session", "1")
    assert code == 1 and "not a terminal" in err and "--yes" in err and err.count("\n") == 1
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, _, err = run(capsys, "history", "delete", "--session", "1")
    assert code == 1 and "cancelled" in err
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, err = run(capsys, "history", "delete", "--session", "1")
    assert code == 0 and "Delete session 1" in err and "Deleted session 1" in out
    code, _, err = run(capsys, "history", "delete", "--session", "1", "--yes")
    assert code == 1 and "no session 1" in err
    with History.open() as history:
        assert [s.id for s in history.sessions()] == [stored["second"]]


def test_purge(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stored: dict[str, int]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "history", "purge")
    assert code == 1 and "--yes" in err
    code, out, _ = run(capsys, "history", "purge", "--yes")
    assert code == 0 and "2 session(s), 2 answer(s)" in out
    with History.open() as history:
        assert history.sessions() == []


def test_rescore(capsys: pytest.CaptureFixture[str], stored: dict[str, int]) -> None:
    code, out, _ = run(capsys, "history", "rescore")
    assert code == 0 and "Rescored 2 answer(s)" in out and "0 changed" in out


def test_export_markdown(
    capsys: pytest.CaptureFixture[str], stored: dict[str, int], bank: QuestionSet
) -> None:
    code, out, _ = run(capsys, "export", "--session", "1", "--format", "md")
    assert code == 0 and out.startswith("# Interview practice report")
    question = bank.get("beginner-01")
    assert question.prompt in out and f"**Hint:** {question.hint}" in out
    assert "**never trust, always verify**" in out and "**least privilege**" in out
    assert "**NIST SP 800-207**" in out
    assert "**Missed:**" in out and "**Coverage:**" in out and "- words per minute: 151.20" in out
    assert "- Good pace: 151 words a minute." in out
    assert "Session 2" not in out
    code, out, _ = run(capsys, "export", "--format", "md")  # latest session by default
    assert "Session 2" in out and "Session 1" not in out


def test_export_json_and_csv_to_files(
    capsys: pytest.CaptureFixture[str], stored: dict[str, int], tmp_path: Path
) -> None:
    target = tmp_path / "all.json"
    code, _, err = run(capsys, "export", "--all", "--format", "json", "--output", str(target))
    assert code == 0 and str(target) in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    data = json.loads(target.read_text())
    attempts = [a for s in data["sessions"] for a in s["attempts"]]
    assert len(attempts) == 2 and attempts[0]["question"]["section"] == "Beginner"
    assert {"words", "concepts", "delivery", "rubric_version"} <= set(attempts[0])
    code, out, _ = run(capsys, "export", "--all", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["attempt_id"] for r in rows] == [str(stored["a1"]), str(stored["a2"])]
    assert rows[0]["transcript"] == TEXT and "least-privilege" in rows[0]["covered"]
    assert rows[1]["transcript"] == "'=1+1 um"  # never a spreadsheet formula
    assert json.loads(rows[0]["delivery_json"]) == DELIVERY.to_dict()


def test_mark_terms_merges_and_escapes() -> None:
    text = "use *mTLS* and mTLS_x"
    assert mark_terms(text, [(4, 10), (5, 9)]) == r"use **\*mTLS\*** and mTLS\_x"
    assert mark_terms("a b", [(1, 3)]) == "a **b**"

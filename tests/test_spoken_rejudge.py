"""`benchmarks spoken --rejudge`: transcripts kept from a run are judged again without decoding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import spoken
from benchmarks.scoring import GRADED, load_devset


def records(echo: str) -> list[dict[str, object]]:
    """One question's four graded answers, 'heard' word for word except an echo appended to
    the off-topic one."""
    answers = [a for a in load_devset(GRADED) if a["question_id"] == "beginner-01"]
    out = []
    for answer in answers:
        heard = answer["text"] + (echo if answer["kind"] == "offtopic" else "")
        out.append({"answer": answer, "voice": "en-us", "noise": "clean",
                    "texts": {"streamed": heard}})  # fmt: skip
    return out


def test_rejudged_transcripts_show_the_credit_an_echo_invented(tmp_path: Path) -> None:
    path = tmp_path / "heard.jsonl"
    lines = records(" Above all, NIST SP 800-207 lays down the tenets.")
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    report = spoken.rejudge(path)
    assert report["answers"] == 4 and "streamed" in report and "unbiased" not in report
    streamed, typed = report["streamed"], report["typed"]
    assert streamed["coverage_by_kind"]["strong"] == typed["coverage_by_kind"]["strong"]
    assert streamed["false_credit_points"]["offtopic"]["mean"] > 0
    (invented,) = report["concepts_not_in_typed"]["streamed"]
    assert invented["kind"] == "offtopic" and "800-207" in invented["words"]
    assert streamed["word_error_rate"]["clean"] > 0


def test_a_transcripts_file_that_cannot_be_read_or_is_empty_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"cannot read transcripts from .*missing\.jsonl"):
        spoken.rejudge(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"no transcripts in .*write them with spoken"):
        spoken.rejudge(empty)

"""A long run: 200 spoken answers scored in one process, with flat memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.conftest import ROOT
from tests.speech_fixtures import espeak_wav

ANSWERS = (
    "Never trust, always verify.",
    "The network perimeter is gone.",
    "Least privilege for every workload.",
    "Verify every request continuously.",
    "NIST SP 800-207 lists the tenets.",
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.model
def test_two_hundred_spoken_answers_with_flat_memory(tmp_path: Path) -> None:
    wavs = [espeak_wav(text, tmp_path) for text in ANSWERS]
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "\n".join(
            json.dumps({"id": n, "question_id": "beginner-01", "audio": str(wavs[n % len(wavs)])})
            for n in range(200)
        )
        + "\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.runner", "score", "--batch", str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    records, rss = [], []
    for line in process.stdout:
        records.append(json.loads(line))
        if len(records) < 200:  # after the last answer the process may already be gone
            rss.append(rss_mb(process.pid))  # resident memory once answer N is out
    assert process.wait(timeout=600) == 0, process.stderr.read() if process.stderr else ""
    assert [r["id"] for r in records] == list(range(200))
    assert all("error" not in r and r["model"] == "tiny.en" for r in records)
    assert sum(r["coverage"] > 0 for r in records) >= 150
    growth = max(rss[19:]) - rss[19]  # from answer 20 to the end
    assert growth < 50, (rss[19], max(rss[19:]), rss[-1])

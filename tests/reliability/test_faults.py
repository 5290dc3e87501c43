"""``kill -9`` at the worst moments: while recording, transcribing and writing the database.
At the next start the history is intact and every finished answer is still there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from audio.wavfile import read_wav, write_wav
from simulator import cli
from simulator.history import History
from tests.reliability.conftest import ROOT, STRONG, run_cli, tone
from tests.reliability.runner import HOLDING
from tests.speech_fixtures import espeak_wav

RECORD = """
import sys, threading
from pathlib import Path
from audio.fakes import WavFedRecorder
recorder = WavFedRecorder(sys.argv[1], speed=1.0)
fed = 0
def report(block):  # after each block has gone to the WAV writer: seconds recorded so far
    global fed
    fed += len(block)
    print(fed / 16000, flush=True)
recorder.start(Path(sys.argv[2]), on_block=report)
threading.Event().wait()
"""

WRITE = """
from questions.bank import QuestionSet, builtin_bank_paths
from simulator.history import History
from tests.fakes import scored, some_delivery
question = QuestionSet.from_paths(builtin_bank_paths()).get("beginner-01")
text = "never trust, always verify; least privilege " * 40
attempt = scored(question, text, delivery=some_delivery(words=1))
history = History.open()
session = history.start_session("practice", question.bank_id)
while True:
    print(history.add_attempt(session, attempt), flush=True)
"""


def child(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def kill9(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def test_kill_during_recording_loses_at_most_a_second(isolated_home: Path, tmp_path: Path) -> None:
    source = write_wav(tmp_path / "mic.wav", tone(30.0))
    target = isolated_home / "data" / "recordings" / "20260101-120000-beginner-01.wav"
    process = child(RECORD, str(source), str(target))
    assert process.stdout is not None
    recorded_s = 0.0
    while recorded_s < 3.3:  # the child says how far it has got; no sleeping
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "the recorder died"
        recorded_s = float(line)
    kill9(process)
    recorded_s = max([recorded_s, *map(float, process.stdout.read().split())])  # unread lines
    data, rate = read_wav(target)  # a valid WAV after kill -9
    kept_s = len(data) / rate
    # the header is synced every second of recording, so at most about that much is lost
    assert recorded_s - 1.3 <= kept_s <= recorded_s + 0.1, (kept_s, recorded_s)
    assert abs(data[: rate // 2, 0]).max() > 0.2  # real audio, not zeros
    with History.open() as history:
        assert history.unfinished_recordings() == [target]


def test_kill_during_a_database_write_keeps_every_finished_answer(isolated_home: Path) -> None:
    process = child(WRITE)
    assert process.stdout is not None
    committed = [int(process.stdout.readline()) for _ in range(60)]
    kill9(process)  # the loop never pauses: the kill lands in or between transactions
    committed += [int(line) for line in process.stdout.read().split()]  # printed, unread
    with History.open() as history:
        assert history.integrity() == "ok"
        stored = {a.id for a in history.attempts()}
    assert set(committed) <= stored  # every answer reported as saved is there
    assert len(stored - set(committed)) <= 1  # plus at most the one committed as it died
    result = run_cli("history", "--json")
    assert result.returncode == 0 and "Traceback" not in result.stderr


@pytest.mark.model
def test_kill_during_transcription_keeps_the_history(
    isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for text in ("never trust, always verify", "least privilege for every workload"):
        assert cli.main(["score", "--question", "beginner-01", "--text", text, "--save"]) == 0
    capsys.readouterr()
    long_answer = espeak_wav(" ".join([STRONG] * 3), tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.runner", "score", "--question",
         "beginner-01", "--audio", str(long_answer), "--save"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=os.environ | {"RELIABILITY_HOLD_TRANSCRIPTION": "1"},
    )  # fmt: skip
    assert process.stderr is not None
    said = ""
    while HOLDING not in said:  # Whisper has decoded a segment and is still transcribing
        line = process.stderr.readline()
        assert line, f"exited {process.wait()} before transcribing: {said}"
        said += line
    kill9(process)
    with History.open() as history:
        assert history.integrity() == "ok"
        assert [a.transcript for a in history.attempts()] == [
            "never trust, always verify",
            "least privilege for every workload",
        ]
    assert cli.main(["score", "--question", "beginner-01", "--text", "again", "--save"]) == 0
    with History.open() as history:
        assert len(history.attempts()) == 3

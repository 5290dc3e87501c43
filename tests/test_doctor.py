"""`interview-sim doctor`: one table, each problem with its fix; exit 0 only when all is well."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.virtual_audio import VirtualAudio


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", "doctor"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_doctor_names_each_problem_and_its_fix(tmp_path: object) -> None:
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/socket")  # no sound server at all
    result = doctor(env)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("FIX microphone") for line in lines)
    assert any(line.startswith("ok  model tiny.en") and "verified" in line for line in lines)
    assert any(line.startswith("ok  data folder") for line in lines)
    assert any("-> plug in a microphone" in line for line in lines)
    assert "Traceback" not in result.stderr


@pytest.mark.sound
def test_doctor_is_happy_with_the_virtual_sound_card(virtual_audio: VirtualAudio) -> None:
    result = doctor(dict(os.environ) | virtual_audio.env)
    assert result.returncode == 0, result.stdout
    assert "Everything looks ready." in result.stdout
    assert "ok  microphone" in result.stdout and "ok  speaker" in result.stdout

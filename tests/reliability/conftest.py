"""Fixtures of the reliability suite: sample audio, child processes, tiny or read-only disks."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from audio.wavfile import write_wav

ROOT = Path(__file__).resolve().parents[2]
STRONG = (
    "Zero trust means never trust, always verify. The old network perimeter has collapsed "
    "because of cloud services and remote work. NIST SP 800-207 lists the core tenets, such as "
    "continuous verification of every request and least privilege access."
)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float | None = None


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str = "",
    timeout: float = 120,
    prefix: tuple[str, ...] = (),
    rss: bool = False,
) -> Run:
    """``interview-sim ARGS`` in a child process (through ``tests.reliability.runner``)."""
    environ = os.environ | (env or {})
    rss_file = None
    if rss:
        rss_file = Path(environ["INTERVIEW_SIM_HOME"]) / f"rss-{uuid.uuid4().hex}.txt"
        environ["RELIABILITY_RSS_FILE"] = str(rss_file)
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "tests.reliability.runner", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ,
        cwd=ROOT,
        check=False,
    )
    peak = None
    if rss_file is not None and rss_file.exists():
        peak = int(rss_file.read_text()) / 1024
    return Run(result.returncode, result.stdout, result.stderr, peak)


def one_line_error(stderr: str) -> str:
    """Assert ``stderr`` is exactly one 'interview-sim: error' line; return it."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("interview-sim: error: "), stderr
    return lines[0]


def tone(seconds: float, rate: int = 16000, freq: float = 220.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def tone_wav(tmp_path: Path) -> Callable[[float], Path]:
    def make(seconds: float) -> Path:
        return write_wav(tmp_path / f"tone-{seconds}.wav", tone(seconds))

    return make


# --- disks: a tiny tmpfs (disk full) and a read-only one --------------------------------------


def _mount(target: Path, options: str) -> bool:
    """Mount a tmpfs at ``target``; False where this machine does not allow it (not root)."""
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 1 MiB tmpfs folder, or None where mounting is not allowed (tests then simulate)."""
    target = tmp_path / "tiny-disk"
    target.mkdir()
    mounted = _mount(target, "size=1m,mode=0700")
    try:
        yield target if mounted else None
    finally:
        if mounted:
            _umount(target)


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be written into: a read-only tmpfs (root) or mode 0500."""
    target = tmp_path / "read-only"
    target.mkdir()
    mounted = _mount(target, "ro,size=64k")
    if not mounted:
        target.chmod(0o500)
    try:
        yield target
    finally:
        if mounted:
            _umount(target)
        else:
            target.chmod(0o700)


def fill(folder: Path) -> Path:
    """Write a file into ``folder`` until the disk is full; return it (delete it to free)."""
    filler = folder / "filler.bin"
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError:
            pass
    return filler

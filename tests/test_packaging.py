"""What ``pip install`` / ``pipx install`` gives a user: the built wheel, installed (not editable)
into a fresh virtual environment and run from a folder outside the source tree."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("simulator", "audio", "questions", "models")

pytestmark = pytest.mark.wheel


@dataclass
class Installed:
    wheel: Path
    bin: Path
    cwd: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "interview-sim"), *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    source = _copy_of_the_source(base / "source")
    dist = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("interview_sim-*.whl")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    outside = base / "somewhere-else"
    outside.mkdir()
    home = base / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    path = f"{env_dir / 'bin'}:/usr/bin:/bin"
    env |= {"INTERVIEW_SIM_HOME": str(home), "HOME": str(home), "PATH": path}
    yield Installed(wheel, env_dir / "bin", outside, env)


def _copy_of_the_source(target: Path) -> Path:
    """The files git knows (committed or not), without ``build/`` or ``*.egg-info`` left over
    from earlier builds: those would hide package data that the metadata forgets."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def test_the_wheel_carries_every_file_the_program_reads(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for package in PACKAGES:
        assert f"{package}/__init__.py" in names, f"{package} is not a regular package"
    tracked = subprocess.run(
        ["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data = [f for f in tracked if not f.endswith(".py")]
    assert "simulator/tui/app.tcss" in data and "questions/banks/zero-trust-ai.toml" in data
    assert [f for f in data if f not in names] == []


def test_installed_copy_imports_from_site_packages(installed: Installed) -> None:
    code = "import json, models, simulator as s; print(json.dumps([s.__file__, models.__file__]))"
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", code],
        cwd=installed.cwd,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    )
    for path in json.loads(done.stdout):
        assert "site-packages" in path and not path.startswith(str(ROOT)), path


def test_installed_commands_work_outside_the_source_tree(installed: Installed) -> None:
    helped = installed.run("--help")
    assert helped.returncode == 0 and "interview-sim" in helped.stdout, helped.stderr

    scored = installed.run(
        "score", "--question", "beginner-01", "--text",
        "Never trust, always verify: the perimeter is gone, so every request is checked "
        "against NIST SP 800-207 with least privilege.",
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    assert "Coverage" in scored.stdout and "✓ Never trust, always verify" in scored.stdout

    listed = installed.run("questions", "--json")
    assert listed.returncode == 0, listed.stderr
    questions = json.loads(listed.stdout)
    assert len(questions) == 50 and questions[0]["id"] == "beginner-01"


def test_installed_tui_opens_its_home_screen(installed: Installed) -> None:
    """The real ``interview-sim home`` in a pseudo-terminal: it must draw the home screen (this
    is where a missing stylesheet crashed), then quit on Ctrl+Q."""
    import fcntl
    import struct
    import termios

    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        [str(installed.bin / "interview-sim"), "home"],
        cwd=installed.cwd,
        env=installed.env | {"TERM": "xterm-256color"},
        stdin=child,
        stdout=child,
        stderr=child,
        close_fds=True,
    )
    os.close(child)
    screen = _read_until(main, process, b"Start")
    try:
        assert b"Practice" in screen and b"Drill" in screen, screen[-2000:]
        os.write(main, b"\x11")  # Ctrl+Q
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert b"StylesheetError" not in screen and b"Traceback" not in screen, screen[-2000:]


def _read_until(fd: int, process: subprocess.Popen[bytes], marker: bytes) -> bytes:
    """Everything the terminal shows until ``marker`` appears (or the program ends)."""
    seen = b""
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], 120)
        assert ready, f"the TUI drew nothing for two minutes: {seen[-2000:]!r}"
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal: it exited
            chunk = b""
        if not chunk:
            raise AssertionError(f"exited {process.wait(timeout=10)} before drawing: {seen!r}")
        seen += chunk
    return seen

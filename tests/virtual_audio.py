"""A private PulseAudio daemon with a virtual speaker and microphone, for sound tests.

Layout (measured in notes/virtual-audio.md):
- null sink ``speaker`` is the default sink: everything played (TTS) lands there;
- null sink ``micfeed``; its monitor is the default source, i.e. the microphone. Tests play
  an answer into it with ``paplay -d micfeed``;
- null source ``silence`` looped into ``micfeed`` and ``speaker``: without it an idle null
  sink renders in 2-second bursts: recordings come back short, and playback only reports
  "done" up to 2 s late (measured: a 2.0 s WAV took 3.9 s to play).

ALSA's ``default`` device reaches the daemon through the packaged pulse plugin, so
sounddevice/PortAudio see it as an ordinary sound card. Works as root without systemd.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

APT_HINT = "apt-get install pulseaudio pulseaudio-utils libasound2-plugins alsa-utils"

_CONFIG = """\
load-module module-native-protocol-unix auth-anonymous=1 socket={socket}
load-module module-null-sink sink_name=speaker sink_properties=device.description=speaker
load-module module-null-sink sink_name=micfeed sink_properties=device.description=micfeed
load-module module-null-source source_name=silence
load-module module-loopback source=silence sink=micfeed latency_msec=20
load-module module-loopback source=silence sink=speaker latency_msec=20
set-default-sink speaker
set-default-source micfeed.monitor
"""


@dataclass
class VirtualAudio:
    root: Path
    server: str  # the PULSE_SERVER value
    env: dict[str, str]  # environment for child processes
    daemon: subprocess.Popen[bytes]  # kill it to simulate a sound card that vanishes

    def play_into_mic(self, wav_path: Path | str, wait: bool = False) -> subprocess.Popen[bytes]:
        """Play a WAV into the virtual microphone; returns the paplay process."""
        proc = subprocess.Popen(
            ["paplay", "-d", "micfeed", str(wav_path)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if wait:
            _, err = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"paplay failed: {err.decode(errors='replace').strip()}")
        return proc

    def pactl(self, *args: str) -> str:
        return subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10, check=True
        ).stdout


def _missing_tools() -> list[str]:
    return [t for t in ("pulseaudio", "pactl", "paplay") if shutil.which(t) is None]


@contextmanager
def running_virtual_audio() -> Iterator[VirtualAudio]:
    """Start the daemon, point this process (and its children) at it, stop it afterwards."""
    missing = _missing_tools()
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not found: {APT_HINT}")
    root = Path(tempfile.mkdtemp(prefix="virtual-audio-"))
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    socket = runtime / "native"
    config = root / "virtual.pa"
    config.write_text(_CONFIG.format(socket=socket))
    server = f"unix:{socket}"
    env = dict(os.environ)
    env.update(
        HOME=str(root),
        XDG_RUNTIME_DIR=str(runtime),
        XDG_CONFIG_HOME=str(root / "config"),
        PULSE_RUNTIME_PATH=str(runtime),
        PULSE_STATE_PATH=str(root / "state"),
        PULSE_SERVER=server,
    )
    log = open(root / "pulseaudio.log", "wb")  # noqa: SIM115 - closed below
    daemon = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "-F",
            str(config),
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disable-shm=yes",
            "--log-target=stderr",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER",)}
    try:
        _wait_ready(daemon, env, root / "pulseaudio.log")
        os.environ["PULSE_SERVER"] = server  # this process: libpulse via ALSA's pulse plugin
        _refresh_portaudio()
        yield VirtualAudio(root=root, server=server, env=env, daemon=daemon)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if daemon.poll() is None:
            daemon.terminate()
            try:
                daemon.wait(timeout=5)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(timeout=5)
        log.close()
        _refresh_portaudio()  # forget this daemon's devices
        shutil.rmtree(root, ignore_errors=True)


def _sink_latencies_s(env: dict[str, str]) -> dict[str, float]:
    """Each sink's current latency, from ``pactl list sinks``."""
    proc = subprocess.run(["pactl", "list", "sinks"], env=env, capture_output=True, timeout=5)
    latencies: dict[str, float] = {}
    name = ""
    for line in proc.stdout.decode(errors="replace").splitlines():
        line = line.strip()
        if line.startswith("Name:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("Latency:"):
            latencies[name] = int(line.split()[1]) / 1e6  # "Latency: 3186 usec, configured"
    return latencies


def _wait_ready(daemon: subprocess.Popen[bytes], env: dict[str, str], log: Path) -> None:
    """Wait until the daemon answers and both null sinks render in small blocks.

    Right after start the null sink renders one 2-second block before the loopback's 20 ms
    request takes effect; a recording started then loses its first ~2 s. Measured: the sink's
    latency falls from ~2 s to a few ms about 2 s after start.
    """
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"pulseaudio exited at start: {log.read_text()[-2000:]}")
        latencies = _sink_latencies_s(env)
        if all(latencies.get(sink, 1.0) < 0.1 for sink in ("micfeed", "speaker")):
            return
        time.sleep(0.05)
    raise RuntimeError(f"virtual sound card not ready within 10 s: {log.read_text()[-2000:]}")


def _refresh_portaudio() -> None:
    """PortAudio lists devices once at start: if it already started, make it look again."""
    sd = sys.modules.get("sounddevice")
    if sd is not None:
        sd._terminate()
        sd._initialize()


@pytest.fixture(scope="session")
def virtual_audio() -> Iterator[VirtualAudio]:
    """The virtual speaker + microphone. Fails (never skips) when PulseAudio is missing."""
    missing = _missing_tools()
    if missing:
        pytest.fail(f"sound tests need PulseAudio: {', '.join(missing)} not found; {APT_HINT}")
    with running_virtual_audio() as va:
        yield va

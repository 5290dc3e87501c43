"""Run ``interview-sim`` in this (child) process under conditions set by environment variables.

``python -m tests.reliability.runner ARGS...`` is ``interview-sim ARGS...`` with:

- ``RELIABILITY_NO_NETWORK=1``: every IPv4/IPv6 socket and name lookup raises; each attempt is
  appended to the file ``RELIABILITY_NETWORK_LOG`` (when set), so a test sees what was tried;
- ``RELIABILITY_NO_TTS=1``: pyttsx3 cannot be imported (no text-to-speech engine);
- ``RELIABILITY_NO_MIC=1``: the sound system lists no input device;
- ``RELIABILITY_TTY=1``: stdin claims to be a terminal (answers still come from the pipe);
- ``RELIABILITY_RSS_FILE=PATH``: the peak resident memory (VmHWM, KiB) is written there at exit;
- ``RELIABILITY_HOLD_TRANSCRIPTION=1``: once Whisper has decoded the first segment of an
  answer, the line ``reliability: transcribing`` goes to stderr and the transcription never
  finishes, so a test can kill the process in the middle of it without racing a sleep.
"""

from __future__ import annotations

import atexit
import errno
import os
import sys
from typing import Any


def _block_network() -> None:
    import socket

    log = os.environ.get("RELIABILITY_NETWORK_LOG")

    def refuse(what: str) -> OSError:
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(what + "\n")
        return OSError(errno.ENETUNREACH, f"network blocked by the reliability tests: {what}")

    inet = {socket.AF_INET, socket.AF_INET6}

    class BlockedSocket(socket.socket):
        def __init__(self, family: Any = -1, *args: Any, **kwargs: Any) -> None:
            if family in inet or family == -1:
                raise refuse(f"socket({family})")
            super().__init__(family, *args, **kwargs)

    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise refuse(f"getaddrinfo{args[:2]}")

    socket.socket = BlockedSocket  # type: ignore[misc]
    socket.getaddrinfo = no_lookup
    socket.create_connection = (
        lambda *a, **k: (_ for _ in ()).throw(  # type: ignore[assignment]
            refuse(f"create_connection{a[:1]}")
        )
    )


class _FakeTerminal:
    """stdin that says it is a terminal; reads still come from the real (piped) stdin."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


HOLDING = "reliability: transcribing"


def _hold_in_transcription() -> None:
    import threading

    import faster_whisper

    real = faster_whisper.WhisperModel.transcribe

    def transcribe(self: Any, *args: Any, **kwargs: Any) -> Any:
        segments, info = real(self, *args, **kwargs)

        def held() -> Any:
            for segment in segments:
                yield segment
                print(HOLDING, file=sys.stderr, flush=True)
                threading.Event().wait()  # mid-transcription until killed

        return held(), info

    faster_whisper.WhisperModel.transcribe = transcribe  # type: ignore[method-assign]


def _write_rss(path: str) -> None:
    """Peak RSS of this process image (VmHWM). Not ``ru_maxrss``: that survives execve, so
    a child spawned by a big pytest process would report the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(peak)


def main() -> int:
    if os.environ.get("RELIABILITY_NO_NETWORK"):
        _block_network()
    if os.environ.get("RELIABILITY_NO_TTS"):
        sys.modules["pyttsx3"] = None  # type: ignore[assignment]
    if os.environ.get("RELIABILITY_NO_MIC"):
        import audio.devices

        audio.devices.list_input_devices = lambda: []
    if os.environ.get("RELIABILITY_TTY"):
        sys.stdin = _FakeTerminal(sys.stdin)  # type: ignore[assignment]
    if os.environ.get("RELIABILITY_HOLD_TRANSCRIPTION"):
        _hold_in_transcription()
    rss = os.environ.get("RELIABILITY_RSS_FILE")
    if rss:
        atexit.register(_write_rss, rss)
    from simulator.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

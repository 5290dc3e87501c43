"""Spoken test answers synthesized with espeak-ng (cached per session)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path


def espeak_wav(text: str, folder: Path, voice: str = "en-us", wpm: int = 160) -> Path:
    """Speak ``text`` into a WAV file with the espeak-ng command; fail loudly if it is missing."""
    binary = shutil.which("espeak-ng")
    assert binary, "espeak-ng is required: run .ci/setup (apt-get install espeak-ng)"
    key = hashlib.sha1(f"{voice}|{wpm}|{text}".encode()).hexdigest()[:16]
    path = folder / f"speech-{key}.wav"
    if not path.exists():
        subprocess.run([binary, "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True)
    return path

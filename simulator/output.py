"""Writing a file the user named (``export --output``, ``bank import --output``) without ever
destroying what they keep.

- The history database, its journal files and the recordings folder are never written, by
  whatever path leads there (a symlink, a hard link, ``..``, another spelling).
- A regular file (or a new one) is replaced atomically: written beside it, then renamed, so a
  crash leaves the old file or the new one, never half of each. A symlink keeps pointing where
  it pointed; its target is replaced.
- Anything else (``/dev/null``, ``/dev/stdout``, a pipe) is written in place: it cannot be
  replaced by a rename, and should not be.
- A missing folder or a folder as the target is a clear one-line error.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from questions.errors import SimulatorError


class OutputError(SimulatorError):
    """An output path that cannot or must not be written."""


def write_text_safely(
    target: Path, text: str, keep_files: Iterable[Path] = (), keep_folders: Iterable[Path] = ()
) -> Path:
    """Write ``text`` to ``target`` as described above; return the path written. Nothing is
    written onto ``keep_files`` or inside ``keep_folders``."""
    target = target.expanduser()
    real = target.resolve()
    kept = any(_same_file(real, f) for f in keep_files) or any(
        real.is_relative_to(d.resolve()) for d in keep_folders
    )
    if kept:
        raise OutputError(
            f"{target}: interview-sim keeps your history there; choose another file name"
        )
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"{target}: cannot write there ({exc.strerror})") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"{target}: is a folder; give a file name inside it")
    if mode is not None and not stat.S_ISREG(mode):
        return _in_place(target, text)  # a device or a pipe
    if not real.parent.is_dir():
        raise OutputError(f"{target}: the folder {real.parent} does not exist; create it first")
    return _atomically(real, text, target)


def _same_file(real: Path, kept: Path) -> bool:
    """The same path, or another name (a hard link) for the same file."""
    if real == kept.resolve():
        return True
    try:
        return os.path.samefile(real, kept)
    except OSError:  # either does not exist
        return False


def _in_place(target: Path, text: str) -> Path:
    try:
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write there ({exc.strerror})") from None
    return target


def _atomically(real: Path, text: str, shown: Path) -> Path:
    try:
        handle, temporary = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.")
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write in {real.parent} ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, real)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(
            f"{shown}: cannot write it ({exc.strerror}); nothing was changed"
        ) from None
    return shown

"""An answer given on the command line (``--text TEXT``, ``-`` for standard input)."""

from __future__ import annotations

import sys

from questions.errors import SimulatorError


def text_argument(value: str) -> str:
    """``value``, or standard input when it is ``-``; bytes that are not UTF-8 text (which
    Python reads as stray surrogates, and SQLite refuses to store) are one clear line."""
    text = sys.stdin.read() if value == "-" else value
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SimulatorError(
            "the answer is not UTF-8 text; save it as UTF-8 (or type it) and try again"
        ) from None
    return text

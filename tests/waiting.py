"""Waiting for something a test can observe, instead of sleeping and hoping it happened."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], what: str, timeout: float = 120.0) -> None:
    """Poll ``condition`` until it is truthy. ``timeout`` is a generous safety net against a
    hang, never the thing under test: a loaded machine only makes the wait longer."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)

"""Drawing numbers as text: sparklines for trends, bars for shares (terminal and TUI)."""

from __future__ import annotations

from collections.abc import Sequence

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], lo: float = 0.0, hi: float = 1.0) -> str:
    """``▁▂▃▄▅▆▇█`` for values between ``lo`` and ``hi`` (coverage 0..1 by default)."""
    span = (hi - lo) or 1.0
    top = len(SPARKS) - 1
    return "".join(SPARKS[round(max(0.0, min(1.0, (v - lo) / span)) * top)] for v in values)


def bar(fraction: float, width: int = 20) -> str:
    """``█████░░░`` for a share between 0 and 1."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)

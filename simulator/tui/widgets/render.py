"""Rich text for results: coverage bars, concept lists and highlighted transcripts.

Colours are explicit foreground/background pairs of mid luminance, so they read the same on
light and dark themes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.text import Text

from simulator.drawing import sparkline

GOOD = "#2fa86a"
MIDDLE = "#c98a12"
BAD = "#d0453b"
HIGHLIGHT = "bold #000000 on #8fd19e"  # a term of the rubric was said
MEANT = "#000000 on #b9c8f0"  # the point was made in other words (matched by meaning)
SLOT = "░"
FILL = "█"


def level_colour(fraction: float) -> str:
    return GOOD if fraction >= 0.7 else MIDDLE if fraction >= 0.4 else BAD


def bar(fraction: float, width: int = 20, colour: str | None = None) -> Text:
    fraction = max(0.0, min(1.0, fraction))
    filled = round(fraction * width)
    text = Text(FILL * filled, style=colour or level_colour(fraction))
    text.append(SLOT * (width - filled), style="dim")
    return text


def coverage_line(coverage: float, width: int = 20) -> Text:
    text = Text("Coverage ", style="bold")
    text.append(f"{coverage:4.0%} ", style=f"bold {level_colour(coverage)}")
    text.append_text(bar(coverage, width))
    return text


def concepts_text(concepts: Iterable[Mapping[str, Any]]) -> Text:
    """One line per concept: ✓/✗, label, and the words heard."""
    text = Text()
    for concept in concepts:
        if text:
            text.append("\n")
        label = str(concept.get("label") or concept.get("id"))
        if concept.get("covered"):
            text.append("✓ ", style=f"bold {GOOD}")
            text.append(label)
            heard = concept.get("matched_text")
            if heard:
                meant = "≈ " if concept.get("by_meaning") else ""
                text.append(f"  {meant}“{heard}”", style="italic dim")
        else:
            text.append("✗ ", style=f"bold {BAD}")
            text.append(label)
            text.append("  missed", style="dim")
    return text


def highlighted(transcript: str, concepts: Iterable[Mapping[str, Any]]) -> Text:
    """The transcript with the evidence span of every covered concept highlighted."""
    text = Text(transcript or "(nothing was heard)")
    if not transcript:
        text.stylize("dim italic")
        return text
    for concept in concepts:
        span = concept.get("evidence")
        if concept.get("covered") and span:
            start, end = int(span[0]), int(span[1])
            style = MEANT if concept.get("by_meaning") else HIGHLIGHT
            text.stylize(style, max(0, start), min(len(transcript), end))
    return text


def comments_text(comments: Sequence[str]) -> Text:
    text = Text()
    for comment in comments:
        if text:
            text.append("\n")
        text.append("• ", style="bold")
        text.append(comment)
    return text or Text("No delivery comments.", style="dim")


def trend(values: Sequence[float]) -> Text:
    if not values:
        return Text("–", style="dim")
    return Text(sparkline(values), style=level_colour(values[-1]))

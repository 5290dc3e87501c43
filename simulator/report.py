"""Plain-text renderings of results for the terminal (the TUI has its own widgets)."""

from __future__ import annotations

import textwrap

from questions.bank import Question
from questions.scoring import Coverage

BAR_WIDTH = 20


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def render_coverage(question: Question, result: Coverage) -> str:
    """Coverage %, each concept covered or missed with its evidence, then the hint."""
    lines = [
        f"{question.id} · {question.section}",
        *textwrap.wrap(question.prompt, 88),
        "",
        f"Coverage {result.coverage:4.0%}  {bar(result.coverage)}",
        "",
    ]
    for r in result.concepts:
        weight = f"w{r.concept.weight:g}"
        if r.covered:
            lines.append(
                f"  ✓ {r.concept.label:<40} {weight:<4} heard: \u201c{r.matched_text}\u201d"
            )
        else:
            lines.append(f"  ✗ {r.concept.label:<40} {weight:<4} missed")
    lines += ["", "What a strong answer covers:"]
    lines += ["  " + line for line in textwrap.wrap(question.hint, 86)]
    return "\n".join(lines) + "\n"

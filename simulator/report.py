"""Plain-text renderings of results for the terminal (the TUI has its own widgets)."""

from __future__ import annotations

import sys
import textwrap

from questions.bank import Question
from questions.scoring import Coverage
from simulator.drawing import bar


def show_progress(label: str, done: int, total: int, *, in_bytes: bool = False) -> None:
    """A one-line progress bar on stderr when it is a terminal; silent in pipes and CI logs."""
    if not sys.stderr.isatty() or total < 1:
        return
    amount = f"{done / 1e6:6.1f}/{total / 1e6:.1f} MB" if in_bytes else f"{done}/{total}"
    sys.stderr.write(f"\r  {label:<24} [{bar(done / total, 30)}] {amount}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def show_bytes_progress(label: str, done: int, total: int) -> None:
    """``show_progress`` for byte counts (model assembly and verification)."""
    show_progress(label, done, total, in_bytes=True)


def render_coverage(question: Question, result: Coverage) -> str:
    """Coverage %, each concept covered or missed with its evidence, then the hint."""
    lines = [
        f"{question.id} · {question.section}",
        *textwrap.wrap(question.prompt, 88),
        "",
        f"Coverage {result.coverage:4.0%}  {bar(result.coverage)}",
        *([f"  ! {result.notice}"] if result.notice else []),
        "",
    ]
    for r in result.concepts:
        weight = f"w{r.concept.weight:g}"
        if r.covered:
            how = "in other words" if r.by_meaning else "heard"
            lines.append(
                f"  ✓ {r.concept.label:<40} {weight:<4} {how}: \u201c{r.matched_text}\u201d"
            )
        else:
            lines.append(f"  ✗ {r.concept.label:<40} {weight:<4} missed")
    if any(r.by_meaning for r in result.concepts):
        lines += ["", "  “in other words”: credited for what the words mean, not for a term."]
    lines += ["", "What a strong answer covers:"]
    lines += ["  " + line for line in textwrap.wrap(question.hint, 86)]
    return "\n".join(lines) + "\n"

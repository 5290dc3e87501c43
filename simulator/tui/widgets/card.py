"""The question being asked, and the live recording panel."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from questions.bank import Question
from simulator.tui.widgets.render import BAD, GOOD, MIDDLE, bar


class QuestionCard(Static):
    """Section, number, id and time limit, then the prompt."""

    def show(self, question: Question, number: int, total: int) -> None:
        self.border_title = f"Question {number}/{total} · {question.section}"
        self.border_subtitle = f"{question.id} · {question.time_limit_s} s"
        self.update(Text(question.prompt))


class LivePanel(Static):
    """While recording: level meter, elapsed / limit (warning near the end), partial text."""

    def show(
        self,
        level: float,
        elapsed_s: float,
        limit_s: float,
        partial: str,
        *,
        countdown: bool = False,
        warn_s: float = 15.0,
    ) -> None:
        left = max(0.0, limit_s - elapsed_s)
        warning = left <= warn_s
        self.set_class(warning, "-warning")
        text = Text("● REC ", style=f"bold {BAD}")
        if countdown:
            text.append(f"{left:5.1f} s left", style=f"bold {BAD if warning else GOOD}")
        else:
            text.append(f"{elapsed_s:5.1f} s / {limit_s:.0f} s")
            if warning:
                text.append("  ⚠ near the limit", style=f"bold {MIDDLE}")
        text.append("   level ")
        text.append_text(bar(level, 16, GOOD if level < 0.85 else MIDDLE))
        text.append("\n")
        shown = partial[-240:] if partial else "(the transcript appears here as you speak)"
        text.append(shown, style="" if partial else "dim italic")
        self.update(text)

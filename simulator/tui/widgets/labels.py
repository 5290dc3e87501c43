"""One-line labels for sessions and attempts in lists."""

from __future__ import annotations

from rich.text import Text

from simulator.history_rows import AttemptRow, SessionRow
from simulator.timestamps import local_time
from simulator.tui.widgets.render import bar, level_colour

SHORT = "%m-%d %H:%M"  # month-day hour:minute: lists are narrow


def session_label(row: SessionRow) -> Text:
    when = local_time(row.started_at, SHORT)
    text = Text(f"{when} {row.mode:<8} ")
    if row.mean_coverage is None:
        text.append("no answers", style="dim")
    else:
        text.append(f"{row.attempt_count:>2}× {row.mean_coverage:4.0%}")
    return text


def attempt_label(row: AttemptRow) -> Text:
    when = local_time(row.created_at, SHORT)
    text = Text(f"{when} {fit(row.question_id, ID_WIDTH):<{ID_WIDTH}} ")
    text.append(f"{row.coverage:4.0%} ", style=level_colour(row.coverage))
    text.append_text(bar(row.coverage, 6))
    return text


ID_WIDTH = 14  # question ids are cut to this in lists, so long ones keep the columns aligned


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: width - 1] + "…"

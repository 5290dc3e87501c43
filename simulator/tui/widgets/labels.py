"""One-line labels for sessions and attempts in lists."""

from __future__ import annotations

from rich.text import Text

from simulator.history import AttemptRow, SessionRow
from simulator.timestamps import parse_time
from simulator.tui.widgets.render import bar, level_colour


def session_label(row: SessionRow) -> Text:
    when = _local(row.started_at)
    text = Text(f"{when} {row.mode:<8} ")
    if row.mean_coverage is None:
        text.append("no answers", style="dim")
    else:
        text.append(f"{row.attempt_count:>2}× {row.mean_coverage:4.0%}")
    return text


def attempt_label(row: AttemptRow) -> Text:
    text = Text(f"{_local(row.created_at)} {row.question_id:<14} ")
    text.append(f"{row.coverage:4.0%} ", style=level_colour(row.coverage))
    text.append_text(bar(row.coverage, 6))
    return text


def _local(stamp: str) -> str:
    return parse_time(stamp).astimezone().strftime("%m-%d %H:%M")

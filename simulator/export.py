"""The history as a report to share: Markdown for a mentor (transcripts with the words that
earned each point in bold, missed points, hints, delivery, follow-ups), JSON and CSV for
analysis. Pure rendering of stored rows; the ``export`` command writes the result."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from questions.bank import Question
from simulator.history_db import SCHEMA_VERSION
from simulator.history_rows import AttemptRow, SessionRow
from simulator.timestamps import format_time, local_time

CSV_FIELDS = (
    "attempt_id",
    "session_id",
    "mode",
    "bank_id",
    "question_id",
    "section",
    "created_at",
    "coverage",
    "covered",
    "missed",
    "rubric_version",
    "model",
    "duration_s",
    "audio_path",
    "transcript",
    "delivery_json",
    "follow_up_prompt",
    "follow_up_transcript",
    "follow_up_recovered",
    "coverage_with_follow_up",
    "heard",
)


Attempts = dict[int, list[AttemptRow]]


def export_markdown(
    sessions: Sequence[SessionRow], attempts: Attempts, questions: dict[str, Question]
) -> str:
    lines = ["# Interview practice report", ""]
    for session in sessions:
        lines += [
            f"## Session {session.id}: {session.mode}, {local_time(session.started_at)}",
            "",
            f"Bank: {session.bank_id or '-'} · {session.attempt_count} answer(s)"
            + (f" · mean coverage {session.mean_coverage:.0%}" if session.mean_coverage else ""),
            "",
        ]
        for attempt in attempts.get(session.id, []):
            lines += _markdown_attempt(attempt, questions.get(attempt.question_id))
    return "\n".join(lines).rstrip() + "\n"


def _markdown_attempt(a: AttemptRow, question: Question | None) -> list[str]:
    title = escape_md(question.prompt) if question else "(question no longer in the banks)"
    covered = [c for c in a.concepts if c.get("covered")]
    lines = [
        f"### {escape_md(a.question_id)}: {title}",
        "",
        f"**Coverage:** {a.coverage:.0%} ({len(covered)} of {len(a.concepts)} concepts) · "
        f"{local_time(a.created_at)}" + (f" · model {escape_md(a.model)}" if a.model else ""),
        "",
        "**Answer** (the words that earned a concept in bold):",
        "",
        "> " + (mark_terms(a.transcript, _spans(a)) or "_(nothing was said)_"),
        "",
    ]
    if a.heard is not None:
        lines += [
            "**Heard** (before you corrected the transcript):",
            "",
            "> " + escape_md(a.heard),
            "",
        ]
    meant = [c for c in covered if c.get("by_meaning")]
    if meant:
        lines.append(
            "**Made in other words** (credited for what the words mean, not a term): "
            + ", ".join(escape_md(c.get("label") or c["id"]) for c in meant)
        )
        lines.append("")
    if a.missed:
        lines.append(
            "**Missed:** " + ", ".join(escape_md(c.get("label") or c["id"]) for c in a.missed)
        )
        lines.append("")
    if a.follow_up is not None:
        lines += _markdown_follow_up(a)
    if question:
        lines += [f"**Hint:** {escape_md(question.hint)}", ""]
    if a.delivery:
        lines.append("**Delivery:**")
        comments = a.delivery.get("comments") or []
        lines += [f"- {escape_md(c)}" for c in comments]
        lines += [
            f"- {escape_md(k.replace('_', ' '))}: {escape_md(v)}"
            for k, v in flatten(a.delivery)
            if k in _DELIVERY_FIGURES and v != "None"
        ]
        lines.append("")
    return lines


_DELIVERY_FIGURES = (
    "words", "words_per_minute", "filler_count", "long_pauses", "longest_pause_s",
    "time_to_first_word_s", "answer_s",
)  # fmt: skip


def _markdown_follow_up(a: AttemptRow) -> list[str]:
    done = a.follow_up
    assert done is not None
    labels = {c["id"]: c.get("label") or c["id"] for c in a.concepts}
    recovered = ", ".join(escape_md(labels.get(c, c)) for c in done.recovered) or "nothing new"
    return [
        f"**Follow-up:** {escape_md(done.prompt)}",
        "",
        "> " + (escape_md(done.transcript).replace("\n", " ") or "_(skipped)_"),
        "",
        f"**Recovered:** {recovered} · coverage with the follow-up {done.coverage_with:.0%} "
        f"(first answer {a.coverage:.0%})",
        "",
    ]


def _spans(a: AttemptRow) -> list[tuple[int, int]]:
    spans = []
    for c in a.concepts:
        ev = c.get("evidence")
        if c.get("covered") and isinstance(ev, list) and len(ev) == 2:
            start, end = int(ev[0]), int(ev[1])
            if 0 <= start < end <= len(a.transcript):
                spans.append((start, end))
    return spans


def mark_terms(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Markdown of ``text`` with the [start, end) spans in bold (overlaps merged)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, pos = [], 0
    for start, end in merged:
        parts.append(escape_md(text[pos:start]))
        inner = text[start:end]
        lead = len(inner) - len(inner.lstrip())
        trail = len(inner.rstrip())
        parts.append(f"{inner[:lead]}**{escape_md(inner[lead:trail])}**{inner[trail:]}")
        pos = end
    parts.append(escape_md(text[pos:]))
    return "".join(parts).replace("\n", " ")


_MD_SPECIAL = "\\`*_[]<>#|"


def escape_md(value: object) -> str:
    return "".join(f"\\{ch}" if ch in _MD_SPECIAL else ch for ch in str(value))


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Delivery metrics as (name, value) lines: scalars shown, lists counted."""
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += flatten(value, f"{name}.")
        elif isinstance(value, list):
            rows.append((name, f"{len(value)} item(s)"))
        elif isinstance(value, float):
            rows.append((name, f"{value:.2f}"))
        else:
            rows.append((name, str(value)))
    return rows


def export_json(
    sessions: Sequence[SessionRow], attempts: Attempts, questions: dict[str, Question]
) -> str:
    def attempt_json(a: AttemptRow) -> dict[str, Any]:
        q = questions.get(a.question_id)
        extra = {"section": q.section, "prompt": q.prompt, "hint": q.hint} if q else {}
        return a.to_dict() | {"question": extra or None}

    data = {
        "format": "interview-sim history",
        "schema_version": SCHEMA_VERSION,
        "exported_at": format_time(),
        "sessions": [
            s.to_dict() | {"attempts": [attempt_json(a) for a in attempts.get(s.id, [])]}
            for s in sessions
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def export_csv(
    sessions: Sequence[SessionRow], attempts: Attempts, questions: dict[str, Question]
) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for s in sessions:
        for a in attempts.get(s.id, []):
            q = questions.get(a.question_id)
            row = {
                "attempt_id": a.id,
                "session_id": s.id,
                "mode": s.mode,
                "bank_id": s.bank_id,
                "question_id": a.question_id,
                "section": q.section if q else "",
                "created_at": a.created_at,
                "coverage": f"{a.coverage:.4f}",
                "covered": "; ".join(c["id"] for c in a.concepts if c.get("covered")),
                "missed": "; ".join(c["id"] for c in a.missed),
                "rubric_version": a.rubric_version,
                "model": a.model or "",
                "duration_s": "" if a.duration_s is None else a.duration_s,
                "audio_path": a.audio_path or "",
                "transcript": a.transcript,
                "delivery_json": json.dumps(a.delivery, ensure_ascii=False) if a.delivery else "",
                **_csv_follow_up(a),
                "heard": a.heard or "",
            }
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _csv_follow_up(a: AttemptRow) -> dict[str, str]:
    done = a.follow_up
    if done is None:
        return {"follow_up_prompt": "", "follow_up_transcript": "", "follow_up_recovered": "",
                "coverage_with_follow_up": ""}  # fmt: skip
    return {
        "follow_up_prompt": done.prompt,
        "follow_up_transcript": done.transcript,
        "follow_up_recovered": "; ".join(done.recovered),
        "coverage_with_follow_up": f"{done.coverage_with:.4f}",
    }


def _cell(value: object) -> object:
    """Stop a spreadsheet from running a transcript as a formula (=, +, -, @ first)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value

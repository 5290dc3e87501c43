"""History subcommands: ``history [delete|purge|rescore]`` and ``export``."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from questions.bank import Question
from questions.errors import SimulatorError
from simulator import review_stats
from simulator.compose import Composition
from simulator.drawing import bar
from simulator.history import History
from simulator.history_db import SCHEMA_VERSION
from simulator.history_rows import AttemptRow, SessionRow
from simulator.output import write_text_safely
from simulator.report import show_progress
from simulator.timestamps import format_time, parse_time

__all__ = ["register"]

EXPORT_FORMATS = ("md", "json", "csv")
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
)


def register(sub: Any) -> None:
    h = sub.add_parser("history", help="past sessions and answers; delete, purge, rescore")
    h.add_argument("--json", action="store_true", help="print JSON")
    h.add_argument("--question", metavar="ID", help="only this question, with its trend")
    h.set_defaults(func=cmd_history)
    hsub = h.add_subparsers(dest="history_command", metavar="ACTION")
    delete = hsub.add_parser("delete", help="delete one session, its answers and recordings")
    delete.add_argument("--session", type=int, required=True, metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=cmd_history_delete)
    purge = hsub.add_parser("purge", help="delete the whole history and every recording")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(func=cmd_history_purge)
    rescore = hsub.add_parser("rescore", help="score stored transcripts with the current rubrics")
    rescore.add_argument("--undo", action="store_true", help="put the scores before back")
    rescore.set_defaults(func=cmd_history_rescore)

    e = sub.add_parser("export", help="write a report of answers (Markdown, JSON or CSV)")
    which = e.add_mutually_exclusive_group()
    which.add_argument("--session", type=int, metavar="ID", help="this session (default: latest)")
    which.add_argument("--all", action="store_true", help="every session")
    e.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    e.add_argument("--output", metavar="FILE", help="write here (0600) instead of stdout")
    e.set_defaults(func=cmd_export)


# --- history --------------------------------------------------------------------------------


def cmd_history(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    with app.open_history() as history:
        if args.question:
            return _history_question(history, args.question, args.json, out)
        sessions = history.sessions()
        attempts = history.attempts()
        reviews = review_stats.review(history)
    if args.json:
        data = {
            "sessions": [_session_json(s, attempts) for s in sessions],
            "questions": [r.to_dict() for r in reviews],
        }
        _dump(data, out)
        return 0
    if not sessions:
        out.write("No answers saved yet; run 'interview-sim practice' or 'score --save'.\n")
        return 0
    for session in sessions:
        out.write(_session_line(session) + "\n")
        for attempt in (a for a in attempts if a.session_id == session.id):
            out.write(_attempt_line(attempt) + "\n")
    out.write("\nQuestions, weakest last answer first\n")
    for r in reviews:
        missed = ", ".join(label for _, label, _ in r.missed_most[:2])
        out.write(
            f"  {r.question_id:<16} {r.trend[-10:]:<10} last {r.last:4.0%}  best {r.best:4.0%}  "
            f"{len(r.coverages)} tries" + (f"  often missed: {missed}" if missed else "") + "\n"
        )
    return 0


def _history_question(history: History, qid: str, as_json: bool, out: TextIO) -> int:
    review = review_stats.question_review(history, qid)
    attempts = history.attempts(question_id=qid)
    if as_json:
        _dump(
            {
                "question_id": qid,
                "review": review.to_dict() if review else None,
                "attempts": [a.to_dict() for a in attempts],
            },
            out,
        )
        return 0
    if review is None:
        out.write(f"No saved answers to '{qid}' yet.\n")
        return 0
    out.write(
        f"{qid}  {review.trend}  last {review.last:.0%}  best {review.best:.0%}  "
        f"{len(attempts)} tries\n"
    )
    for attempt in attempts:
        out.write(_attempt_line(attempt) + "\n")
    if review.missed_most:
        out.write("Missed most often:\n")
        for _, label, count in review.missed_most:
            out.write(f"  {count:>3}×  {label}\n")
    return 0


def _local(text: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return parse_time(text).astimezone().strftime(fmt) if text else "…"


def _session_line(s: SessionRow) -> str:
    mean = f" · mean {s.mean_coverage:.0%}" if s.mean_coverage is not None else ""
    ended = _local(s.ended_at, "%H:%M") if s.ended_at else "unfinished"
    return (
        f"Session {s.id} · {s.mode} · {s.bank_id or '-'} · {_local(s.started_at)}–{ended} · "
        f"{s.attempt_count} answer{'s' if s.attempt_count != 1 else ''}{mean}"
    )


def _attempt_line(a: AttemptRow) -> str:
    line = (
        f"  #{a.id:<5} {_local(a.created_at, '%m-%d %H:%M')}  {a.question_id:<16} "
        f"{bar(a.coverage, 12)} {a.coverage:4.0%}  {a.model or ''}"
    )
    return line.rstrip()


def _session_json(s: SessionRow, attempts: Sequence[AttemptRow]) -> dict[str, Any]:
    return s.to_dict() | {"attempts": [a.to_dict() for a in attempts if a.session_id == s.id]}


def _dump(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


# --- delete / purge / rescore ---------------------------------------------------------------


def confirm(question: str, yes: bool) -> bool:
    """True with --yes; ask on a terminal; refuse (raise) when nobody can answer."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise SimulatorError(
            f"{question.rstrip('?')}: needs confirmation, and stdin is not a terminal; "
            "add --yes to go ahead"
        )
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def cmd_history_delete(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    with app.open_history() as history:
        session = history.session(args.session)
        what = f"Delete session {session.id} ({session.attempt_count} answers and recordings)?"
        if not confirm(what, args.yes):
            print("interview-sim: cancelled; nothing was deleted", file=sys.stderr)
            return 1
        count = history.delete_session(session.id)
    out.write(f"Deleted session {args.session} and its {count} answer(s).\n")
    return 0


def cmd_history_purge(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    with app.open_history() as history:
        total = len(history.sessions())
        what = f"Delete the whole history ({total} sessions) and every recording?"
        if not confirm(what, args.yes):
            print("interview-sim: cancelled; nothing was deleted", file=sys.stderr)
            return 1
        count = history.purge()
    out.write(f"History purged: {total} session(s), {count} answer(s) and the recordings.\n")
    return 0


def cmd_history_rescore(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    with app.open_history() as history:
        if args.undo:
            restored = history.undo_rescore()
            out.write(f"Put back the earlier score of {restored} answer(s).\n")
            return 0
        done = history.rescore(
            app.questions, app.judge, lambda n, total: show_progress("rescoring", n, total)
        )
    out.write(
        f"Rescored {done.answers} answer(s) with the current version of their bank: "
        f"{done.changed} changed"
        + (
            f"; {done.bank_gone} skipped, their bank is no longer installed"
            if done.bank_gone
            else ""
        )
        + (" ('history rescore --undo' puts the earlier scores back)" if done.changed else "")
        + ".\n"
    )
    return 0


# --- export ---------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    with app.open_history() as history:
        sessions = _chosen_sessions(history, args.session, args.all)
        attempts = {s.id: history.attempts(session_id=s.id) for s in sessions}
        kept = (history.files, [history.recordings_dir, app.recordings_dir])
    questions = _questions(app)
    render = {"md": export_markdown, "json": export_json, "csv": export_csv}[args.format]
    text = render(sessions, attempts, questions)
    if args.output:
        path = write_text_safely(Path(args.output), text, *kept)
        print(f"interview-sim: wrote {path}", file=sys.stderr)
    else:
        out.write(text)
    return 0


def _chosen_sessions(
    history: History, session_id: int | None, everything: bool
) -> list[SessionRow]:
    if session_id is not None:
        return [history.session(session_id)]
    sessions = history.sessions()
    if not sessions:
        raise SimulatorError("the history is empty: nothing to export")
    return sessions if everything else sessions[-1:]


def _questions(app: Composition) -> dict[str, Question]:
    """The questions to print beside the answers; an export works even if a bank is broken."""
    try:
        return {q.id: q for q in app.questions}
    except SimulatorError:
        return {}


Attempts = dict[int, list[AttemptRow]]


def export_markdown(
    sessions: Sequence[SessionRow], attempts: Attempts, questions: dict[str, Question]
) -> str:
    lines = ["# Interview practice report", ""]
    for session in sessions:
        lines += [
            f"## Session {session.id}: {session.mode}, {_local(session.started_at)}",
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
        f"{_local(a.created_at)}" + (f" · model {escape_md(a.model)}" if a.model else ""),
        "",
        "**Answer** (the words that earned a concept in bold):",
        "",
        "> " + (mark_terms(a.transcript, _spans(a)) or "_(nothing was said)_"),
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
            }
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(value: object) -> object:
    """Stop a spreadsheet from running a transcript as a formula (=, +, -, @ first)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value

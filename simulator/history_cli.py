"""History subcommands: ``history [delete|purge|rescore|correct]`` and ``export``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from questions.bank import Question
from questions.errors import SimulatorError
from simulator import review_stats
from simulator.compose import Composition
from simulator.corrections import correct_transcript
from simulator.drawing import bar
from simulator.export import export_csv, export_json, export_markdown
from simulator.history import History
from simulator.history_rows import AttemptRow, SessionRow
from simulator.output import write_text_safely
from simulator.report import show_progress
from simulator.text_input import text_argument
from simulator.timestamps import local_time

__all__ = ["register"]

EXPORT_FORMATS = ("md", "json", "csv")


def register(sub: Any) -> None:
    h = sub.add_parser("history", help="past sessions and answers; delete, purge, rescore, correct")
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
    correct = hsub.add_parser(
        "correct", help="type what you said where recognition misheard; judged again"
    )
    correct.add_argument("attempt", type=int, metavar="ANSWER", help="its #number in 'history'")
    correct.add_argument(
        "--text", metavar="TEXT", required=True, help="what you said ('-' reads stdin)"
    )
    correct.set_defaults(func=cmd_history_correct)

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


def _session_line(s: SessionRow) -> str:
    mean = f" · mean {s.mean_coverage:.0%}" if s.mean_coverage is not None else ""
    ended = local_time(s.ended_at, "%H:%M") if s.ended_at else "unfinished"
    return (
        f"Session {s.id} · {s.mode} · {s.bank_id or '-'} · {local_time(s.started_at)}–{ended} · "
        f"{s.attempt_count} answer{'s' if s.attempt_count != 1 else ''}{mean}"
    )


def _attempt_line(a: AttemptRow) -> str:
    line = (
        f"  #{a.id:<5} {local_time(a.created_at, '%m-%d %H:%M')}  {a.question_id:<16} "
        f"{bar(a.coverage, 12)} {a.coverage:4.0%}  {a.model or ''}"
    )
    if a.follow_up is not None:
        line += f"  (with follow-up {a.follow_up.coverage_with:.0%})"
    if a.corrected:
        line += "  (transcript corrected)"
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
            out.write(
                f"Put back the earlier score of {restored} answer(s).\n"
                if restored
                else "Nothing to undo: the last rescore changed no score.\n"
            )
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


def cmd_history_correct(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    text = text_argument(args.text)
    with app.open_history() as history:
        done = correct_transcript(history, app.questions, app.judge, args.attempt, text)
    if args.json:
        _dump({"before": done.before.to_dict(), "after": done.after.to_dict()}, out)
        return 0
    out.write(f"Answer #{done.after.id} ({done.after.question_id}): {done.change}.\n")
    out.write(
        "What recognition heard is kept beside it ('history --json' shows it).\n"
        if done.after.corrected
        else "The transcript is back to what recognition heard.\n"
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

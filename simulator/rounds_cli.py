"""`practice`, `drill`, `review`, `home` and `recover`: the practice modes, in the full-screen
interface or as plain lines of text (``--plain``, or when there is no terminal)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from questions.errors import SimulatorError
from simulator.compose import Composition
from simulator.console import ConsoleRound
from simulator.delivery import analyse
from simulator.history import History
from simulator.history_rows import NewAttempt
from simulator.rounds import (
    INTERVIEW_COUNT,
    ORDERS,
    Round,
    RoundConfig,
    plan_interview,
    plan_round,
)


def register(sub: Any) -> None:
    for name, help_text in (
        ("practice", "spoken practice round: question read aloud, answer, feedback"),
        ("drill", "timed pressure drill: short preparation, hard stop at the time limit"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--section", help="only this section (name or id prefix)")
        p.add_argument("--count", type=_positive, help="number of questions (default: 5)")
        p.add_argument(
            "--order",
            choices=ORDERS,
            default="weakest",
            help="weakest: the spaced-repetition queue, weakest and due first",
        )
        p.add_argument("--typed", action="store_true", help="type answers instead of speaking")
        p.add_argument(
            "--plain",
            action="store_true",
            help="line-by-line terminal mode instead of the full-screen interface",
        )
        p.set_defaults(func=cmd_start, mode=name)
    interview = sub.add_parser(
        "interview", help="a mock interview: follow-ups, no feedback until the report card"
    )
    interview.add_argument(
        "--count", type=_positive, default=INTERVIEW_COUNT, help="number of questions (default: 6)"
    )
    interview.add_argument("--typed", action="store_true", help="type answers instead of speaking")
    interview.add_argument(
        "--plain", action="store_true", help="line-by-line terminal mode instead of the interface"
    )
    interview.set_defaults(func=cmd_start, mode="interview", section=None, order="weakest")
    review = sub.add_parser("review", help="review past answers, trends and transcripts")
    review.set_defaults(func=cmd_start, mode="review")
    home = sub.add_parser("home", help="the full-screen interface's home screen (the default)")
    home.set_defaults(func=cmd_start, mode="home")
    recover = sub.add_parser("recover", help="score and save recordings a crash left unscored")
    recover.set_defaults(func=cmd_recover)


def _positive(text: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def cmd_default(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    """``interview-sim`` with no command: the home screen, or a plain practice round when
    there is no interactive terminal."""
    if _interactive():
        return _tui(args, app, "home")
    return run_console(app, "practice", section=None, count=None, order="weakest", out=out)


def cmd_start(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    mode = args.mode
    if mode in ("practice", "drill", "interview") and (args.plain or not _interactive()):
        return run_console(app, mode, args.section, args.count, args.order, out)
    return _tui(args, app, mode)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _tui(args: argparse.Namespace, app: Composition, mode: str) -> int:
    from simulator.tui.app import run_tui

    section = getattr(args, "section", None)
    sections = sorted({q.section for q in app.questions.in_section(section)}) if section else []
    return run_tui(
        app,
        mode=None if mode == "home" else mode,
        sections=sections,
        count=getattr(args, "count", None),
        order=getattr(args, "order", None) or "weakest",
    )


def run_console(
    app: Composition,
    mode: str,
    section: str | None,
    count: int | None,
    order: str,
    out: TextIO,
) -> int:
    """A practice round or a drill as plain lines of text."""
    pool = app.questions.in_section(section)
    with app.open_history() as history:
        _mention_unfinished(history, out)
        if mode == "interview":
            plan = plan_interview(pool, history, count or INTERVIEW_COUNT)
        else:
            plan = plan_round(pool, history, mode, count, order)
        config = RoundConfig.for_mode(mode, app.settings)
        devices = app.devices("" if sys.stdin.isatty() else "no terminal to press Enter in")
        extra = {"detect_speech": app.detect_speech} if app.detect_speech else {}
        rnd = Round(plan, config, devices, history, app.judge, app.recordings_dir, **extra)
        ConsoleRound(rnd, out).run()
    return 0


def _mention_unfinished(history: History, out: TextIO) -> None:
    left = history.unfinished_recordings()
    if left:
        out.write(
            f"{len(left)} recording(s) from an interrupted round were never scored; "
            "score and save them with: interview-sim recover\n"
        )


def cmd_recover(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    """Score and save recordings that a crash or Ctrl-C left unscored."""
    with app.open_history() as history:
        left = history.unfinished_recordings()
        if not left:
            out.write("No unfinished recordings.\n")
            return 0
        transcriber = app.transcriber()
        session_id = history.start_session("cli", app.questions.banks[0].id)
        for path in left:
            qid = path.stem.split("-", 2)[-1]  # recordings are named <date>-<time>-<question>
            try:
                question = app.questions.get(qid)
                transcript = transcriber.transcribe_file(path, question.vocabulary())
            except SimulatorError as exc:
                kept = history.set_aside(path)
                out.write(f"could not score {path.name}: {exc}; kept as {kept}\n")
                continue
            coverage = app.judge.score(question, transcript.text)
            delivery = analyse(transcript, question.time_limit_s, transcript.duration_s)
            history.add_attempt(
                session_id, NewAttempt(question, transcript, coverage, delivery, path)
            )
            out.write(f"{question.id}: {coverage.coverage:.0%} saved from {path.name}\n")
        history.end_session(session_id)
    return 0

"""Entry points of the practice modes, and their plain-text form (``--plain``, or no terminal).

The full-screen interface lives in ``simulator.tui``. The plain mode wires the same real
adapters: espeak TTS, the default microphone, the tiny.en model; without a microphone (or
without a terminal) answers are typed, and the screen says why.
"""

from __future__ import annotations

import argparse
import select
import sys
import time
from typing import Any

from audio.ports import AudioError, Recorder
from questions.bank import Question
from questions.errors import SimulatorError
from simulator import config
from simulator.delivery import Delivery, analyse
from simulator.drawing import bar
from simulator.history import History
from simulator.judge import judge
from simulator.report import render_coverage
from simulator.schedule import due_questions
from simulator.session import Answer, BackgroundModel, Session, choose_questions


def register(sub: Any) -> None:
    for name, help_text in (
        ("practice", "spoken practice round: question read aloud, answer, feedback"),
        ("drill", "timed pressure drill: short preparation, hard stop at the time limit"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--section", help="only this section (name or id prefix)")
        p.add_argument("--count", type=int, help="number of questions (default: 5)")
        p.add_argument(
            "--order",
            choices=["fixed", "shuffle", "weakest"],
            default="weakest",
            help="weakest: the spaced-repetition queue, weakest and due first",
        )
        p.add_argument("--typed", action="store_true", help="type answers instead of speaking")
        p.add_argument(
            "--plain",
            action="store_true",
            help="line-by-line terminal mode instead of the full-screen interface",
        )
        p.set_defaults(func=cmd_start, drill=name == "drill")
    review = sub.add_parser("review", help="review past answers, trends and transcripts")
    review.set_defaults(func=cmd_start, drill=False, mode="review")
    home = sub.add_parser("home", help="the full-screen interface's home screen (the default)")
    home.set_defaults(func=cmd_start, drill=False, mode="home")
    recover = sub.add_parser("recover", help="score and save recordings a crash left unscored")
    recover.set_defaults(func=cmd_recover)


def run_default(args: argparse.Namespace) -> int:
    """``interview-sim`` with no subcommand: the full-screen interface's home screen, or a
    plain practice round when there is no interactive terminal."""
    from simulator.cli import main

    if _interactive():
        return main([*(["--bank", args.bank] if args.bank else []), "home"])
    return main([*(["--bank", args.bank] if args.bank else []), "practice", "--plain"])


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def cmd_start(args: argparse.Namespace, out: Any) -> int:
    """The full-screen interface (practice, drill, review or home); plain mode on request or
    when there is no terminal to draw in."""
    mode = getattr(args, "mode", None) or ("drill" if args.drill else "practice")
    if mode != "review" and (getattr(args, "plain", False) or not _interactive()):
        return cmd_practice(args, out)
    from simulator.tui.app import run_tui

    return run_tui(args, mode=None if mode == "home" else mode)


def cmd_practice(args: argparse.Namespace, out: Any) -> int:
    from simulator.cli import build_transcriber, load_questions

    settings = config.Settings.load(config.paths().config_file)
    pool = load_questions(args.bank).in_section(args.section)
    history = History.open()
    _mention_unfinished(history)
    if args.order == "weakest":
        due = due_questions(history, [q.id for q in pool])
        by_id = {q.id: q for q in pool}
        chosen = [by_id[qid] for qid in due][: args.count or 5] or pool[: args.count or 5]
    else:
        chosen = choose_questions(pool, args.count or 5, args.order)
    speaker, recorder, why_typed = _devices(settings, typed=args.typed)
    model = BackgroundModel(lambda: build_transcriber(args)) if recorder else None
    session = Session(speaker, recorder, model, config.paths().recordings_dir)
    print(
        f"\n{'Timed drill' if args.drill else 'Practice round'}: {len(chosen)} questions. "
        "Ctrl-C ends the round; finished answers are kept."
    )
    if not speaker.available:
        print(f"(Questions are shown, not spoken: {speaker.reason})")
    if why_typed:
        print(f"(Typed answers: {why_typed})")
    answers: list[Answer] = []
    session_id = history.start_session("drill" if args.drill else "practice", chosen[0].bank_id)
    try:
        for number, question in enumerate(chosen, start=1):
            answer = _one_question(session, question, number, len(chosen), args.drill)
            if answer is None:
                continue
            delivery = analyse(
                answer.transcript,
                question.time_limit_s,
                answer.recording.duration_s if answer.recording else None,
            )
            history.add_attempt(  # committed at once: a crash later keeps this answer
                session_id,
                question,
                answer.transcript,
                answer.coverage,
                delivery.to_dict(),
                answer.recording.path if answer.recording else None,
                answer.transcript.model,
            )
            answers.append(answer)
            print(render_coverage(question, answer.coverage))
            _delivery_lines(answer, delivery)
    except KeyboardInterrupt:
        print("\nRound ended; every finished answer is saved.")
    finally:
        history.end_session(session_id)
        history.close()
        speaker.close()
    _summary(answers)
    return 0


def _devices(settings: config.Settings, typed: bool) -> tuple[Any, Recorder | None, str]:
    from audio.tts import make_speaker

    speaker = make_speaker(settings.voice, settings.rate_wpm)
    if typed:
        return speaker, None, "asked for with --typed"
    if not sys.stdin.isatty():
        return speaker, None, "no terminal to press Enter in"
    try:
        from audio.recorder import SoundDeviceRecorder, find_device

        find_device(settings.input_device)
        return speaker, SoundDeviceRecorder(settings.input_device, settings.silence_stop_s), ""
    except AudioError as exc:
        return speaker, None, str(exc)


def _one_question(
    session: Session, question: Question, number: int, total: int, drill: bool
) -> Answer | None:
    print(
        f"\n── Question {number}/{total} · {question.section} · {question.id} "
        f"· {question.time_limit_s}s ──"
    )
    print(question.prompt)
    problem = session.ask(question)
    if problem:
        print(f"(Questions are shown, not spoken from now on: {problem})")
    if session.recorder is None:
        text = input("\nYour answer (one line): ")
        return session.typed(question, text)
    if drill:
        _countdown(config.Settings.load(config.paths().config_file).drill_prepare_s)
    else:
        input("\nPress Enter to start recording (Enter again to stop)...")
    try:
        session.start_recording(question)
    except AudioError as exc:
        print(f"Cannot record: {exc}")
        return session.typed(question, input("Your answer (typed): "))
    result = _live_until_done(session, question, allow_enter=not drill)
    print("\nTranscribing the last words...")
    return session.finish_recording(question, result)


def _countdown(seconds: int) -> None:
    for left in range(seconds, 0, -1):
        sys.stdout.write(f"\rPrepare: {left:2d}s ")
        sys.stdout.flush()
        time.sleep(1)
    sys.stdout.write("\rRecording now!        \n")


def _live_until_done(session: Session, question: Question, allow_enter: bool) -> Any:
    recorder = session.recorder
    assert recorder is not None
    while True:
        result = recorder.wait(timeout=0.0)
        if result is not None:
            return result
        if allow_enter and select.select([sys.stdin], [], [], 0.2)[0]:
            sys.stdin.readline()
            return recorder.stop()
        if not allow_enter:
            time.sleep(0.2)
        left = question.time_limit_s - recorder.elapsed_s
        warn = " ⚠" if left < 15 else ""
        partial = session.stream.partial_text()[-50:] if session.stream else ""
        sys.stdout.write(
            f"\r● {recorder.elapsed_s:5.1f}s  left {left:5.1f}s{warn}  "
            f"{bar(recorder.level, 10)}  {partial:<50}"
        )
        sys.stdout.flush()


def _delivery_lines(answer: Answer, delivery: Delivery) -> None:
    if answer.recording:
        print(
            f"Result ready {answer.ready_after_s:.2f}s after you stopped; "
            f"recording kept at {answer.recording.path}"
        )
    for comment in delivery.comments:
        print(f"  • {comment}")


def _mention_unfinished(history: History) -> None:
    left = history.unfinished_recordings()
    if left:
        print(
            f"{len(left)} recording(s) from an interrupted round were never scored; "
            "score and save them with: interview-sim recover"
        )


def cmd_recover(args: argparse.Namespace, out: Any) -> int:
    """Score and save recordings that a crash or Ctrl-C left unscored."""
    from simulator.cli import build_transcriber, load_questions

    questions = load_questions(args.bank)
    with History.open() as history:
        left = history.unfinished_recordings()
        if not left:
            out.write("No unfinished recordings.\n")
            return 0
        transcriber = build_transcriber(args)
        session_id = history.start_session("cli", questions.banks[0].id)
        for path in left:
            qid = path.stem.split("-", 2)[-1]  # recordings are named <date>-<time>-<question>
            try:
                question = questions.get(qid)
                transcript = transcriber.transcribe_file(path, question.vocabulary())
            except SimulatorError as exc:
                out.write(f"skipped {path.name}: {exc}\n")
                continue
            coverage = judge(question, transcript.text)
            delivery = analyse(transcript, question.time_limit_s, transcript.duration_s)
            history.add_attempt(
                session_id,
                question,
                transcript,
                coverage,
                delivery.to_dict(),
                path,
                transcript.model,
            )
            out.write(f"{question.id}: {coverage.coverage:.0%} saved from {path.name}\n")
        history.end_session(session_id)
    return 0


def _summary(answers: list[Answer]) -> None:
    if not answers:
        return
    print("\nRound summary")
    for a in answers:
        print(f"  {a.question.id:<16} {bar(a.coverage.coverage, 20)} {a.coverage.coverage:4.0%}")
    mean = sum(a.coverage.coverage for a in answers) / len(answers)
    print(f"  {'average':<16} {bar(mean, 20)} {mean:4.0%}")

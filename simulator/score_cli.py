"""`questions` and `score`: list the bank, and judge one answer or a batch of them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from models.transcriber import Transcript
from questions.bank import QuestionSet
from questions.errors import SimulatorError
from questions.follow_up import choose_follow_up
from simulator.compose import Composition
from simulator.delivery import analyse
from simulator.history import History
from simulator.history_rows import NewAttempt
from simulator.judge import Judge
from simulator.report import render_coverage, show_progress
from simulator.text_input import text_argument
from simulator.timestamps import local_date


def register(sub: Any) -> None:
    q = sub.add_parser("questions", help="list the questions")
    q.add_argument("--section", help="only this section (name or id prefix, e.g. 'scenario')")
    q.add_argument("--json", action="store_true", help="print a JSON array")
    q.set_defaults(func=cmd_questions)

    s = sub.add_parser("score", help="score an answer against a question's rubric")
    s.add_argument("--question", metavar="ID", help="question id (see 'questions')")
    s.add_argument("--text", metavar="TEXT", help="the answer as text ('-' reads stdin)")
    s.add_argument("--audio", metavar="FILE", help="a recorded answer (wav, flac, mp3, m4a, ogg)")
    s.add_argument("--batch", metavar="FILE", help="JSON lines: {id, question_id, text|audio}")
    s.add_argument("--json", action="store_true", help="print JSON (always on with --batch)")
    s.add_argument("--model", help="speech model for --audio (default: tiny.en)")
    s.add_argument("--save", action="store_true", help="keep the answer in your history")
    s.set_defaults(func=cmd_score)


def cmd_questions(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    chosen = app.questions.in_section(args.section)
    if args.json:
        json.dump([_question_json(q) for q in chosen], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    section = None
    for q in chosen:
        if q.section != section:
            section = q.section
            out.write(f"\n{section}\n")
        out.write(f"  {q.id:<16} {q.time_limit_s:>4}s  {q.prompt}\n")
    return 0


def _question_json(q: Any) -> dict[str, Any]:
    return {
        "id": q.id,
        "section": q.section,
        "prompt": q.prompt,
        "hint": q.hint,
        "time_limit_s": q.time_limit_s,
        "bank": q.bank_id,
        "rubric_version": q.rubric_version,
        "concepts": [
            {"id": c.id, "label": c.label, "weight": c.weight, "terms": list(c.terms)}
            for c in q.concepts
        ],
    }


def cmd_score(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    sources = [x for x in (args.text, args.audio, args.batch) if x is not None]
    if len(sources) != 1:
        raise SimulatorError("give exactly one of --text, --audio or --batch")
    questions = app.questions
    if args.batch:
        return _score_batch(args, app, out)
    if not args.question:
        raise SimulatorError("--question ID is required with --text or --audio")
    question = questions.get(args.question)
    extra: dict[str, Any] = {}
    if args.text is not None:
        text = text_argument(args.text)
        transcript = Transcript(text, model="typed")
    else:
        transcriber = app.transcriber()
        transcript = transcriber.transcribe_file(Path(args.audio), question.vocabulary())
        extra = {"audio": args.audio, "model": transcriber.model_name}
    result = app.judge.score(question, transcript.text)
    if args.save:
        delivery = analyse(transcript, question.time_limit_s)
        audio = Path(args.audio) if args.audio else None
        attempt = NewAttempt(question, transcript, result, delivery, audio)
        extra["attempt_id"] = save_cli_score(attempt, app.open_history)
    follow_up = choose_follow_up(question, result)
    if args.json:
        extra["follow_up"] = follow_up.to_dict() if follow_up else None
        json.dump(result.to_dict() | extra, out, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(render_coverage(question, result))
        if follow_up:
            out.write(f"\nAn interviewer would follow up: {follow_up.prompt}\n")
    return 0


def _score_batch(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    questions = app.questions
    path = Path(args.batch)
    lines = _read_batch(path)
    transcriber: Any = None

    def transcribe(audio: str, vocabulary: list[str]) -> tuple[str, str]:
        nonlocal transcriber
        if transcriber is None:
            transcriber = app.transcriber()
        result = transcriber.transcribe_file(Path(audio), vocabulary)
        return result.text, transcriber.model_name

    failed = 0
    for done, (number, line) in enumerate(lines, start=1):
        record = _score_line(number, line, questions, app.judge, transcribe)
        if "error" in record:
            failed += 1
        out.write(json_line(record) + "\n")
        out.flush()
        show_progress("scoring", done, len(lines))
    if failed:
        print(
            f"interview-sim: {failed} of {len(lines)} batch lines failed; "
            "each has an 'error' field in the output",
            file=sys.stderr,
        )
        return 1
    return 0


def json_line(record: dict[str, Any]) -> str:
    """One JSON object on one line, whatever splits lines for the reader: U+2028, U+2029 and
    U+0085 are escaped (valid JSON, and ``str.splitlines`` no longer cuts the record)."""
    text = json.dumps(record, ensure_ascii=False)
    for char in ("\u2028", "\u2029", "\x85"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _read_batch(path: Path) -> list[tuple[int, str]]:
    """The batch's non-blank lines with their line numbers in the file. Lines end at "\n"
    only: a JSON string may hold U+2028 or U+0085, which ``str.splitlines`` would split on."""
    if str(path) == "-":
        text = sys.stdin.read()
    else:
        if not path.is_file():
            raise SimulatorError(
                f"{path}: no such batch file; give a .jsonl file, one answer a line"
            )
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SimulatorError(f"{path}: not UTF-8 text; save the batch file as UTF-8") from None
        except OSError as exc:
            raise SimulatorError(f"{path}: cannot read it ({exc.strerror})") from None
    lines = [
        (number, line.rstrip("\r"))
        for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1)
        if line.strip()
    ]
    if not lines:
        raise SimulatorError(f"{path}: the batch file is empty; write one JSON object a line")
    return lines


def _score_line(
    number: int,
    line: str,
    questions: QuestionSet,
    judge: Judge,
    transcribe: Callable[[str, list[str]], tuple[str, str]],
) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"line {number}: not JSON ({exc.msg})"}
    if not isinstance(item, dict):
        return {"id": None, "line": number, "error": f"line {number}: expected a JSON object"}
    item_id = item.get("id")
    try:
        qid = item.get("question_id")
        if not isinstance(qid, str):
            raise SimulatorError(f"line {number}: 'question_id' is required (a string)")
        question = questions.get(qid)
        text, audio = item.get("text"), item.get("audio")
        if (text is None) == (audio is None):
            raise SimulatorError(f"line {number}: give exactly one of 'text' or 'audio'")
        extra: dict[str, Any] = {}
        if audio is not None:
            if not isinstance(audio, str):
                raise SimulatorError(f"line {number}: 'audio' must be a file path")
            text, model_name = transcribe(audio, question.vocabulary())
            extra = {"audio": audio, "model": model_name}
        if not isinstance(text, str):
            raise SimulatorError(f"line {number}: 'text' must be a string")
        return {"id": item_id} | judge.score(question, text).to_dict() | extra
    except SimulatorError as exc:
        message = str(exc)
        if not message.startswith(f"line {number}:"):
            message = f"line {number}: {message}"
        return {"id": item_id, "line": number, "error": message}


# --- `score --save` ---------------------------------------------------------------------


def save_cli_score(attempt: NewAttempt, open_history: Callable[[], History] = History.open) -> int:
    """Store a ``score --save`` result; return the attempt id.

    CLI scores share one session of mode "cli" per bank and local calendar day, whose
    ``ended_at`` moves to the latest save. A ``--audio`` file stays where the user keeps it:
    it is referenced, never copied, and never deleted by ``history delete`` or ``purge``.
    """
    with open_history() as history:
        session_id = _todays_cli_session(history, attempt.question.bank_id)
        attempt_id = history.add_attempt(session_id, attempt)
        history.end_session(session_id)
        return attempt_id


def _todays_cli_session(history: History, bank_id: str) -> int:
    today = datetime.now().astimezone().date()
    for row in reversed(history.sessions()):
        if row.mode == "cli" and row.bank_id == bank_id and local_date(row.started_at) == today:
            return row.id
    return history.start_session("cli", bank_id)

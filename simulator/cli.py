"""``interview-sim``: the command line, and the one place that wires real adapters together."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from models.transcriber import Transcript
from questions.bank import QuestionSet, bank_files_in, builtin_bank_paths, load_bank
from questions.errors import SimulatorError
from simulator import bank_cli, config
from simulator.judge import judge
from simulator.report import render_coverage, show_progress

log = logging.getLogger("interview_sim")


# --- wiring ---------------------------------------------------------------------------------


def load_questions(bank: str | None) -> QuestionSet:
    """The bank given with --bank, or the built-in banks plus the user's own folder."""
    if bank:
        return QuestionSet([load_bank(bank)])
    paths = builtin_bank_paths() + bank_files_in(config.paths().banks_dir)
    return QuestionSet.from_paths(paths)


def build_transcriber(args: argparse.Namespace) -> Any:
    """The real speech-to-text adapter (faster-whisper), loaded once per command."""
    from models.registry import resolve_model
    from models.transcriber import WhisperTranscriber

    settings = config.Settings.load(config.paths().config_file)
    name = getattr(args, "model", None) or settings.model
    allow = getattr(args, "allow_download", False) or settings.allow_download
    model = resolve_model(name, config.paths().models_dir, allow_download=allow)
    return WhisperTranscriber(
        model,
        device=settings.device,
        compute_type=settings.compute_type,
        keep_fillers=settings.keep_fillers,
    )


# --- commands -------------------------------------------------------------------------------


def cmd_questions(args: argparse.Namespace, out: TextIO) -> int:
    questions = load_questions(args.bank)
    chosen = questions.in_section(args.section)
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


def cmd_score(args: argparse.Namespace, out: TextIO) -> int:
    sources = [x for x in (args.text, args.audio, args.batch) if x is not None]
    if len(sources) != 1:
        raise SimulatorError("give exactly one of --text, --audio or --batch")
    questions = load_questions(args.bank)
    if args.batch:
        return _score_batch(args, questions, out)
    if not args.question:
        raise SimulatorError("--question ID is required with --text or --audio")
    question = questions.get(args.question)
    extra: dict[str, Any] = {}
    if args.text is not None:
        text = sys.stdin.read() if args.text == "-" else args.text
        transcript = Transcript(text, model="typed")
    else:
        transcriber = build_transcriber(args)
        transcript = transcriber.transcribe_file(Path(args.audio), question.vocabulary())
        extra = {"audio": args.audio, "model": transcriber.model_name}
    result = judge(question, transcript.text)
    if args.save:
        from simulator.delivery import analyse
        from simulator.history import save_cli_score

        delivery = analyse(transcript, question.time_limit_s)
        extra["attempt_id"] = save_cli_score(
            question, transcript, result, args.audio, transcript.model, delivery.to_dict()
        )
    if args.json:
        json.dump(result.to_dict() | extra, out, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(render_coverage(question, result))
    return 0


def _score_batch(args: argparse.Namespace, questions: QuestionSet, out: TextIO) -> int:
    path = Path(args.batch)
    lines = _read_batch(path)
    transcriber: Any = None

    def transcribe(audio: str, vocabulary: list[str]) -> tuple[str, str]:
        nonlocal transcriber
        if transcriber is None:
            transcriber = build_transcriber(args)
        result = transcriber.transcribe_file(Path(audio), vocabulary)
        return result.text, transcriber.model_name

    failed = 0
    for number, line in enumerate(lines, start=1):
        record = _score_line(number, line, questions, transcribe)
        if "error" in record:
            failed += 1
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
        show_progress("scoring", number, len(lines))
    if failed:
        print(
            f"interview-sim: {failed} of {len(lines)} batch lines failed; "
            "each has an 'error' field in the output",
            file=sys.stderr,
        )
        return 1
    return 0


def _read_batch(path: Path) -> list[str]:
    if str(path) == "-":
        return [line for line in sys.stdin.read().splitlines() if line.strip()]
    if not path.is_file():
        raise SimulatorError(f"{path}: no such batch file; give a .jsonl file, one answer a line")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SimulatorError(f"{path}: not UTF-8 text; save the batch file as UTF-8") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise SimulatorError(f"{path}: the batch file is empty; write one JSON object a line")
    return lines


def _score_line(
    number: int,
    line: str,
    questions: QuestionSet,
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
        return {"id": item_id} | judge(question, text).to_dict() | extra
    except SimulatorError as exc:
        message = str(exc)
        if not message.startswith(f"line {number}:"):
            message = f"line {number}: {message}"
        return {"id": item_id, "line": number, "error": message}


# --- parser ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one line (and exit 2), not the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"interview-sim: error: {message}; see '{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="interview-sim",
        description="Offline voice-driven interview practice: questions read aloud, answers "
        "transcribed locally with Whisper and scored against a rubric.",
    )
    parser.add_argument(
        "--bank",
        metavar="PATH",
        help="use this bank file instead of the built-in banks and your banks folder",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    q = sub.add_parser("questions", help="list the questions")
    q.add_argument("--section", help="only this section (name or id prefix, e.g. 'scenario')")
    q.add_argument("--json", action="store_true", help="print a JSON array")
    q.set_defaults(func=cmd_questions)

    bank_cli.register(sub)

    s = sub.add_parser("score", help="score an answer against a question's rubric")
    s.add_argument("--question", metavar="ID", help="question id (see 'questions')")
    s.add_argument("--text", metavar="TEXT", help="the answer as text ('-' reads stdin)")
    s.add_argument("--audio", metavar="FILE", help="a recorded answer (wav, flac, mp3, m4a, ogg)")
    s.add_argument("--batch", metavar="FILE", help="JSON lines: {id, question_id, text|audio}")
    s.add_argument("--json", action="store_true", help="print JSON (always on with --batch)")
    s.add_argument("--model", help="speech model for --audio (default: tiny.en)")
    s.add_argument("--save", action="store_true", help="keep the answer in your history")
    s.set_defaults(func=cmd_score)

    _add_speech_commands(sub)
    return parser


def _add_speech_commands(sub: Any) -> None:
    """Subcommands of the speech pipeline and the practice modes."""
    from simulator import history_cli, practice, speech_cli

    speech_cli.register(sub)
    practice.register(sub)
    history_cli.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.umask(0o077)  # answers, recordings, logs and memos are personal: files 0600, folders 0700
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        from simulator.practice import run_default

        return run_default(args)
    try:
        return int(args.func(args, sys.stdout))
    except SimulatorError as exc:
        print(f"interview-sim: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interview-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        log_path = config.paths().data_dir / "crash.log"
        try:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text(traceback.format_exc(), encoding="utf-8")
            where = f"; details in {log_path}"
        except OSError:
            where = ""
        print(
            f"interview-sim: unexpected error: {exc.__class__.__name__}: {exc}{where}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

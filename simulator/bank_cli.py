"""`bank validate` and `bank import`: check a bank, or make one from a prep document."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from questions.bank import Question, load_bank
from questions.errors import SimulatorError
from questions.importer import bank_toml, parse_prep
from simulator import config
from simulator.compose import Composition
from simulator.history import default_path
from simulator.history_db import database_files
from simulator.output import write_text_safely

MAX_PREP_BYTES = 2 * 1024 * 1024


def register(sub: Any) -> None:
    bank = sub.add_parser("bank", help="check a question bank, or import one from prep notes")
    actions = bank.add_subparsers(dest="bank_command", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="check a bank file; exit 0 if it is valid")
    validate.add_argument("path", help="a .toml or .yaml bank file")
    validate.add_argument(
        "--show-concepts",
        action="store_true",
        help="print every question's concepts as TOML, those derived from the hint included",
    )
    validate.set_defaults(func=cmd_bank_validate)
    imp = actions.add_parser(
        "import", help="turn a Markdown or text prep document into a bank you can practise"
    )
    imp.add_argument("file", help="prep notes: sections, numbered questions, hints or answers")
    imp.add_argument("--output", metavar="OUT", help="where to write the bank (.toml)")
    imp.add_argument("--force", action="store_true", help="replace OUT if it exists")
    imp.set_defaults(func=cmd_bank_import)


def cmd_bank_validate(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    bank = load_bank(args.path)
    for warning in bank.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    concepts = sum(len(q.concepts) for q in bank.questions)
    derived = sum(1 for q in bank.questions if q.concepts and q.concepts[0].derived)
    out.write(
        f"{args.path}: ok: bank '{bank.id}', {len(bank.questions)} questions in "
        f"{len(bank.sections)} sections, {concepts} concepts"
        + (f" ({derived} questions judged from their hint)" if derived else "")
        + "\n"
    )
    if args.show_concepts:
        for question in bank.questions:
            out.write(concepts_toml(question))
    return 0


def concepts_toml(question: Question) -> str:
    """A question's concepts as TOML the author can paste under it and refine."""
    how = "derived from the hint" if question.concepts[0].derived else "as written"
    lines = ["", f"# {question.id}: {question.prompt}", f"# concepts {how}:"]
    for concept in question.concepts:
        terms = list(concept.terms) or [concept.label]
        lines += [
            "[[questions.concepts]]",
            f"id = {_string(concept.id)}",
            f"label = {_string(concept.label)}",
            f"weight = {concept.weight:g}",
            f"terms = [{', '.join(_string(t) for t in terms)}]",
        ]
        if concept.source:
            lines.append(f"# from the hint: {concept.source}")
    return "\n".join(lines) + "\n"


def cmd_bank_import(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    source = Path(args.file)
    text = _read_prep(source)
    imported = parse_prep(text, default_title=source.stem.replace("-", " ").replace("_", " "))
    for problem in imported.problems:
        print(f"warning: {source}: {problem}", file=sys.stderr)
    if not imported.questions:
        raise SimulatorError(
            f"{source}: no questions found; number them ('Q1: ...', '1. ...?') or make them "
            "headings, each with a 'Hint:' or 'Answer:' under it"
        )
    target = Path(args.output) if args.output else config.paths().banks_dir / f"{source.stem}.toml"
    if target.suffix.lower() != ".toml":
        raise SimulatorError(f"{target}: the bank is written as TOML; give a name ending in .toml")
    if target.exists() and not args.force:
        raise SimulatorError(f"{target} already exists; pass --force to replace it, or --output")
    bank_id = _slug(source.stem)
    if not args.output:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept = database_files(default_path()), [config.paths().recordings_dir]
    write_text_safely(target, bank_toml(imported, bank_id, source.name), *kept)
    bank = load_bank(target)  # what 'bank validate' will say
    out.write(
        f"{target}: {len(bank.questions)} questions in {len(bank.sections)} sections "
        f"({', '.join(bank.sections)}), each judged from its hint"
        + (
            f"; {len(imported.problems)} entries skipped (see the warnings)"
            if imported.problems
            else ""
        )
        + "\n"
    )
    return 0


def _read_prep(source: Path) -> str:
    if not source.exists():
        raise SimulatorError(f"{source}: no such file; give a Markdown or text prep document")
    if not source.is_file():  # a folder, a pipe, a device
        raise SimulatorError(f"{source}: not a regular file; give a Markdown or text document")
    try:
        if source.stat().st_size > MAX_PREP_BYTES:
            raise SimulatorError(f"{source}: larger than 2 MB; that is not a prep document")
        return source.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SimulatorError(f"{source}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SimulatorError(
            f"{source}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        ) from None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "imported"


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)

"""Question banks: load TOML or YAML data files, validate them, and expose frozen dataclasses.

A bank is data only: TOML is parsed by ``tomllib`` and YAML by ``yaml.safe_load`` (no tags that
build objects). Every problem is reported as one ``BankError`` naming the file, the question id
and the field, so a user editing their own bank knows exactly what to fix.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from questions.errors import BankError, UnknownQuestionError
from questions.hint_points import hint_points
from questions.normalize import normalize

MAX_BANK_BYTES = 4 * 1024 * 1024  # the built-in 50-question bank is 0.2 MB
MIN_CONCEPTS = 3
BANK_SUFFIXES = (".toml", ".yaml", ".yml")

_QUESTION_FIELDS = {"id", "section", "prompt", "hint", "time_limit_s", "concepts"}
_CONCEPT_FIELDS = {"id", "label", "weight", "terms", "follow_up"}
_BANK_FIELDS = {"id", "title", "description", "version", "language"}


@dataclass(frozen=True)
class Concept:
    """One point a strong answer makes: a label, a few ways a candidate may say it, and, for
    a concept derived from the hint, the part of the hint it stands for (``source``)."""

    id: str
    label: str
    weight: float
    terms: tuple[str, ...]
    source: str = ""
    follow_up: str = ""  # what the interviewer asks when an answer leaves this point out

    @property
    def derived(self) -> bool:
        return bool(self.source)


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    prompt: str
    hint: str
    time_limit_s: int
    concepts: tuple[Concept, ...]
    bank_id: str = ""
    bank_sha256: str = field(default="", compare=False)  # of the bank file it was read from

    @property
    def rubric_version(self) -> str:
        """A short hash of the rubric, stored with each score so rescoring knows what changed."""
        payload = json.dumps(
            [[c.id, c.weight, list(c.terms), *([c.source] if c.source else [])]
             for c in self.concepts],
            sort_keys=True,
        ).encode()  # fmt: skip
        return hashlib.sha256(payload).hexdigest()[:12]

    def vocabulary(self) -> list[str]:
        """Words to bias speech recognition with, most important first.

        Only jargon is worth biasing (terms written with a capital or a digit: "NIST SP 800-207",
        "mTLS", "Istio"); plain-English paraphrases and deliberate mishearings ("salsa") are
        recognised well already and would only invite Whisper to insert them.
        """
        ordered = sorted(self.concepts, key=lambda c: -c.weight)
        seen: dict[str, None] = {}
        for concept in ordered:
            for term in concept.terms:
                if _is_jargon(term):
                    seen.setdefault(term, None)
        return list(seen)


def _is_jargon(term: str) -> bool:
    words = [w for w in term.split() if w not in ("I", "I'm", "I've", "I'd", "I'll")]
    return any(ch.isupper() or ch.isdigit() for word in words for ch in word)


@dataclass(frozen=True)
class Bank:
    id: str
    title: str
    path: Path
    questions: tuple[Question, ...]
    warnings: tuple[str, ...] = field(default=())
    sha256: str = ""  # of the file's bytes: which version of the bank a score was given with

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(q.section for q in self.questions))


# --- loading -------------------------------------------------------------------------------


def load_bank(path: Path | str) -> Bank:
    """Read and validate one bank file; raise ``BankError`` with a one-line reason."""
    path = Path(path)
    data, sha256 = _parse(path)
    bank = _validate(path, data)
    questions = tuple(replace(q, bank_sha256=sha256) for q in bank.questions)
    return replace(bank, questions=questions, sha256=sha256)


def _parse(path: Path) -> tuple[dict[str, Any], str]:
    if not path.is_file():
        raise BankError(f"{path}: no such bank file; check the path (banks are .toml or .yaml)")
    if path.suffix.lower() not in BANK_SUFFIXES:
        raise BankError(f"{path}: a bank must be a .toml, .yaml or .yml file")
    size = path.stat().st_size
    if size > MAX_BANK_BYTES:
        raise BankError(
            f"{path}: {size // (1024 * 1024)} MB is too large for a question bank "
            f"(limit {MAX_BANK_BYTES // (1024 * 1024)} MB); split it into several files"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from Windows editors is fine
    except UnicodeDecodeError as exc:
        raise BankError(
            f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"
        ) from None
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BankError(f"{path}: TOML syntax error: {exc}") from None
        except RecursionError:
            raise BankError(f"{path}: TOML nested too deeply to be a question bank") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            reason = " ".join(str(exc).split())
            raise BankError(f"{path}: YAML error (only plain data is allowed): {reason}") from None
        except RecursionError:
            raise BankError(f"{path}: YAML nested too deeply to be a question bank") from None
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2024-02-30
            raise BankError(f"{path}: YAML value error: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise BankError(f"{path}: expected a table with a 'questions' list at the top level")
    return data, hashlib.sha256(raw).hexdigest()


def _quote(value: object) -> str:
    """A name for a one-line message: 'name', or its escaped repr if it holds control
    characters (a newline in an id must not break the line or forge output)."""
    text = str(value)
    return f"'{text}'" if text.isprintable() else repr(text)


def _unknown(table: dict[Any, Any], known: set[str]) -> list[str]:
    """Keys of ``table`` that are not ``known``, as text (YAML keys may be numbers or dates)."""
    return sorted(str(key) for key in table if key not in known)


def _validate(path: Path, data: dict[str, Any]) -> Bank:
    warnings: list[str] = []
    meta = data.get("bank", {})
    if not isinstance(meta, dict):
        raise BankError(f"{path}: field 'bank' must be a table (id, title, description)")
    for key in _unknown(meta, _BANK_FIELDS):
        warnings.append(f"{path}: unknown field {_quote('bank.' + key)} ignored")
    for key in _unknown(data, {"bank", "questions"}):
        warnings.append(f"{path}: unknown top-level field {_quote(key)} ignored")
    bank_id = str(meta.get("id") or path.stem)
    title = str(meta.get("title") or bank_id)

    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise BankError(f"{path}: field 'questions' must be a non-empty list of questions")

    questions: list[Question] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions, start=1):
        question = _question(path, index, raw, bank_id, warnings)
        if question.id in seen:
            raise BankError(f"{path}: question {_quote(question.id)}: duplicate id")
        seen.add(question.id)
        questions.append(question)
    return Bank(bank_id, title, path, tuple(questions), tuple(warnings))


def _question(path: Path, index: int, raw: Any, bank_id: str, warnings: list[str]) -> Question:
    where = f"{path}: question #{index}"
    if not isinstance(raw, dict):
        raise BankError(f"{where}: must be a table with id, section, prompt, hint, concepts")
    qid = raw.get("id")
    if isinstance(qid, str) and qid.strip():
        where = f"{path}: question {_quote(qid)}"
    for key in _unknown(raw, _QUESTION_FIELDS):
        warnings.append(f"{where}: unknown field {_quote(key)} ignored")

    def text(name: str) -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise BankError(f"{where}, field '{name}': required, a non-empty string")
        return value.strip()

    qid = text("id")
    section, prompt, hint = text("section"), text("prompt"), text("hint")
    limit = raw.get("time_limit_s", 120)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 5 <= limit <= 3600:
        raise BankError(f"{where}, field 'time_limit_s': a number of seconds from 5 to 3600")

    raw_concepts = raw.get("concepts")
    if raw_concepts is None:  # judged from the hint's own points
        return Question(qid, section, prompt, hint, int(limit), derive_concepts(hint), bank_id)
    if not isinstance(raw_concepts, list) or len(raw_concepts) < MIN_CONCEPTS:
        raise BankError(
            f"{where}, field 'concepts': needs a list of at least {MIN_CONCEPTS} concepts "
            "(or leave it out to judge from the hint's points)"
        )
    concepts: list[Concept] = []
    for cindex, craw in enumerate(raw_concepts, start=1):
        concept = _concept(f"{where}, concept #{cindex}", craw, warnings)
        if any(c.id == concept.id for c in concepts):
            raise BankError(f"{where}, field 'concepts': duplicate concept id {_quote(concept.id)}")
        concepts.append(concept)
    return Question(qid, section, prompt, hint, int(limit), tuple(concepts), bank_id)


def _concept(where: str, raw: Any, warnings: list[str]) -> Concept:
    if not isinstance(raw, dict):
        raise BankError(f"{where}: must be a table with id, label, weight, terms")
    cid = raw.get("id")
    if not isinstance(cid, str) or not cid.strip():
        raise BankError(f"{where}, field 'id': required, a non-empty string")
    where = f"{where.rsplit(', concept #', 1)[0]}, concept {_quote(cid)}"
    for key in _unknown(raw, _CONCEPT_FIELDS):
        warnings.append(f"{where}: unknown field {_quote(key)} ignored")
    label = raw.get("label", cid)
    if not isinstance(label, str) or not label.strip():
        raise BankError(f"{where}, field 'label': must be a non-empty string")
    weight = raw.get("weight", 1)
    if (
        isinstance(weight, bool)
        or not isinstance(weight, int | float)
        or not math.isfinite(weight)
        or weight <= 0
    ):
        raise BankError(f"{where}, field 'weight': must be a number greater than 0")
    terms = raw.get("terms", [label])
    if not isinstance(terms, list) or not terms:
        raise BankError(f"{where}, field 'terms': needs a non-empty list of phrases")
    clean: list[str] = []
    for term in terms:
        if not isinstance(term, str) or not normalize(term):
            raise BankError(
                f"{where}, field 'terms': {term!r} is not a phrase with letters or digits"
            )
        if len(normalize(term).replace(" ", "")) < 2:
            raise BankError(
                f"{where}, field 'terms': {term!r} is a single character, which almost any "
                "answer contains; write a word, an acronym or a phrase"
            )
        clean.append(term.strip())
    follow_up = raw.get("follow_up", "")
    if not isinstance(follow_up, str):
        raise BankError(f"{where}, field 'follow_up': must be the question to ask, as text")
    return Concept(
        cid.strip(), label.strip(), float(weight), tuple(dict.fromkeys(clean)), "",
        follow_up.strip(),
    )  # fmt: skip


def derive_concepts(hint: str) -> tuple[Concept, ...]:
    """Concepts for a question written with only a hint: one per point the hint makes,
    labelled from its own words, weight 1; its acronyms and product names are its terms."""
    return tuple(
        Concept(f"point-{n}", point.label, 1.0, tuple(jargon(point.text)), point.text)
        for n, point in enumerate(hint_points(hint), start=1)
    )


def jargon(text: str) -> list[str]:
    """Runs of acronyms, product names and numbers: "NIST SP 800-207", "OPA/Rego", "SaaS"
    (what speech recognition needs to be told). A word whose only capital is the first
    letter counts only inside a sentence ("Cedar"), not at its start ("Each agent")."""
    found: list[str] = []
    run: list[str] = []
    sentence_start = True
    for raw in text.split():
        word = raw.strip(",.;:()[]\"'")
        inner = _is_jargon(word[1:]) or word[:1].isdigit()
        if word and (inner or (_is_jargon(word) and not sentence_start)):
            run.append(word)
        elif run:
            found.append(" ".join(run))
            run = []
        sentence_start = raw.endswith((".", ":", ";", "?", "!"))
        if raw.endswith((",", ";", ":", ".", ")")) and run:
            found.append(" ".join(run))
            run = []
    if run:
        found.append(" ".join(run))
    return list(dict.fromkeys(found))


# --- discovery -----------------------------------------------------------------------------


def builtin_bank_paths() -> list[Path]:
    folder = resources.files("questions") / "banks"
    return sorted(
        Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(BANK_SUFFIXES)
    )


def bank_files_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in BANK_SUFFIXES)


class QuestionSet:
    """Questions from one or more banks, looked up by id; the first bank wins on a clash."""

    def __init__(self, banks: Sequence[Bank]):
        self.banks = tuple(banks)
        self._by_id: dict[str, Question] = {}
        self._by_bank = {(q.bank_id, q.id): q for b in reversed(banks) for q in b.questions}
        self.warnings: list[str] = [w for b in banks for w in b.warnings]
        for bank in banks:
            for question in bank.questions:
                if question.id in self._by_id:
                    self.warnings.append(
                        f"{bank.path}: question {_quote(question.id)} is also in an earlier bank; "
                        "the earlier one is used"
                    )
                    continue
                self._by_id[question.id] = question

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> QuestionSet:
        return cls([load_bank(p) for p in paths])

    def __iter__(self) -> Iterator[Question]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def find(self, bank_id: str, question_id: str) -> Question | None:
        """The question ``question_id`` of bank ``bank_id``, even if another bank has an
        earlier question of that id; None when that bank is not loaded or lost it."""
        return self._by_bank.get((bank_id, question_id))

    def get(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise UnknownQuestionError(
                f"unknown question id {_quote(question_id)}; "
                "run 'interview-sim questions' to list the ids"
            ) from None

    def sections(self) -> list[str]:
        return list(dict.fromkeys(q.section for q in self))

    def in_section(self, section: str | None) -> list[Question]:
        """Questions of a section, matched by name or slug prefix ('scenario', 'Behavioral')."""
        if not section:
            return list(self)
        wanted = section.casefold()
        chosen = [
            q for q in self if q.section.casefold() == wanted or q.id.casefold().startswith(wanted)
        ]
        if not chosen:
            raise UnknownQuestionError(
                f"no section '{section}'; choose one of: {', '.join(self.sections())}"
            )
        return chosen

"""Turn an interview prep document (Markdown or plain text) into a question bank.

People write prep notes in many shapes; this reads the common ones:
- sections as headings (``## Networking``), as lines in capitals, or as short lines ending
  in a colon (``Data modeling:``); a lone top heading above the sections is the title;
- questions as headings (``### Q1: ...``, ``## How would you ...?``), or as lines that start
  ``Q1:``, ``Q:``, ``Q3 -``, ``2)``, ``1.`` (numbered lines must end in "?" or be bold);
- the hint as a ``Hint:`` / ``Answer:`` / ``A:`` paragraph, a bullet list, or the first
  paragraph under the question; lines that wrap are joined, bullets joined with "; ".

Every question becomes hint-only (its concepts are derived from the hint when it is judged),
so the bank works at once and the author can refine it. An entry with a hint but no question
text, or a question with no hint, is reported, never invented.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_QUESTION = re.compile(
    r"^(?P<marker>(?:Q(?:uestion)?\s*\d*\s*[:.)\-–—]|Q\d+\b|\d+\s*[.)]))\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^(?:hints?|answer|model answer|a|notes?|key points|what to cover)\s*[:：]\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(?P<text>.*)$")
_BOLD = re.compile(r"^\*\*(.*?)\*\*(.*)$")
_NOT_A_SECTION = re.compile(r"^(?:hints?|answer|model answer|a|notes?|q\d*)\s*:$", re.IGNORECASE)
MAX_SECTION_WORDS = 6


@dataclass
class ImportedQuestion:
    section: str
    prompt: str
    hint_lines: list[str] = field(default_factory=list)
    marker: str = ""

    @property
    def hint(self) -> str:
        return _join(self.hint_lines)


@dataclass
class Imported:
    title: str
    questions: list[ImportedQuestion]
    problems: list[str]

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(q.section for q in self.questions))


def parse_prep(text: str, default_title: str = "Imported questions") -> Imported:
    """Sections, questions and hints of a prep document, and what could not be imported."""
    lines = text.lstrip("\ufeff").splitlines()
    question_level, title_index = _heading_roles(lines)
    title = default_title
    section = "General"
    entries: list[ImportedQuestion] = []
    current: ImportedQuestion | None = None
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if current is not None and current.hint_lines and current.hint_lines[-1] != "":
                current.hint_lines.append("")  # a paragraph break
            continue
        heading = _HEADING.match(line)
        if heading:
            level, words = len(heading.group(1)), _plain(heading.group(2))
            if index == title_index:
                title = words
            elif level == question_level:
                asked = _question_line(words)
                current = _question(section, words if asked is None else asked, words)
                entries.append(current)
            else:
                section, current = words.rstrip(":").strip() or section, None
            continue
        asked = _question_line(line)
        if asked is not None and not raw.startswith((" ", "\t")):
            current = _question(section, asked, _plain(line))
            entries.append(current)
            continue
        paragraph_start = index == 0 or not lines[index - 1].strip()
        name = _section_line(line) if paragraph_start or current is None else None
        if name:
            section, current = name, None
            continue
        if current is not None:
            current.hint_lines.append(_hint_text(line))
    return _finish(title, entries)


def _heading_roles(lines: list[str]) -> tuple[int | None, int | None]:
    """The heading level that holds questions (None: questions are plain lines), and the
    line index of the document title (a lone top heading above deeper ones)."""
    headings = [
        (i, len(m.group(1)), _plain(m.group(2)))
        for i, line in enumerate(lines)
        if (m := _HEADING.match(line.strip()))
    ]
    if not headings:
        return None, None
    levels = sorted({level for _, level, _ in headings})
    question_level = next(
        (
            level
            for level in reversed(levels)
            if any(_looks_asked(t) for _, lv, t in headings if lv == level)
        ),
        None,
    )
    top = [h for h in headings if h[1] == levels[0]]
    title_index = None
    if len(top) == 1 and top[0] == headings[0] and len(levels) > 1 and levels[0] != question_level:
        title_index = top[0][0]
    return question_level, title_index


def _looks_asked(text: str) -> bool:
    return text.rstrip("*_ ").endswith("?") or bool(re.match(r"^Q\d*\s*[:.)\-–—]", text, re.I))


def _question_line(line: str) -> str | None:
    """The question text of a "Q1: ..." / "**Q: ...**" / "2) ...?" line, else None ("" for a
    marker with no text after it)."""
    bold = _BOLD.match(line)
    inner = _plain(line)
    match = _QUESTION.match(inner)
    if not match:
        return None
    marker, text = match.group("marker"), match.group("text").strip()
    numbered_only = marker[:1].isdigit()
    if numbered_only and not (text.endswith("?") or (bold and not bold.group(2).strip())):
        return None  # a numbered line of a hint, not a question
    return text


def _section_line(line: str) -> str | None:
    """A plain-text section name: a line in capitals, or a short line ending in a colon."""
    text = _plain(line)
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters) and not text.endswith("?"):
        return text
    if (
        text.endswith(":")
        and len(text.split()) <= MAX_SECTION_WORDS
        and not _NOT_A_SECTION.match(text)
        and not _BULLET.match(line)
    ):
        return text[:-1].strip()
    return None


def _hint_text(line: str) -> str:
    text = _plain(line)
    label = _LABEL.match(text)
    if label:
        text = label.group("text").strip()
    bullet = _BULLET.match(line)
    if bullet:
        return "\u2022" + _plain(bullet.group("text"))
    return text


def _question(section: str, prompt: str, line: str) -> ImportedQuestion:
    """An entry; ``line`` is how it was written, to name an entry that has no question."""
    return ImportedQuestion(section, prompt, [], line.strip() if not prompt else "")


def _join(lines: list[str]) -> str:
    """Wrapped lines joined with spaces; bullets and paragraphs are points joined by "; "."""
    points: list[list[str]] = []
    fresh = True
    for line in lines:
        if not line:
            fresh = True
            continue
        if line.startswith("\u2022"):
            line, fresh = line[1:], True
        if fresh or not points:
            points.append([])
            fresh = False
        points[-1].append(line)
    return "; ".join(" ".join(p).strip(" ;") for p in points if p)


def _plain(text: str) -> str:
    """Markdown emphasis and inline code removed; spaces tidied."""
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<!\w)[*_](?=\S)(.*?)(?<=\S)[*_](?!\w)", r"\1", text)
    return " ".join(text.split())


def _finish(title: str, entries: list[ImportedQuestion]) -> Imported:
    questions, problems = [], []
    for entry in entries:
        hint = entry.hint
        if not entry.prompt and hint:
            shown = entry.marker or "an entry"
            problems.append(
                f"{entry.section}: entry '{shown}' has a hint ('{_preview(hint)}') but no "
                "question text"
            )
        elif entry.prompt and not hint:
            problems.append(
                f"{entry.section}: question '{_preview(entry.prompt)}' has no hint or answer "
                "under it, so it could not be judged; add a 'Hint:' line and import again"
            )
        elif entry.prompt:
            questions.append(entry)
    return Imported(title, questions, problems)


def _preview(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[:length].rstrip(" ;,") + "..."


def bank_toml(imported: Imported, bank_id: str, source: str) -> str:
    """The bank as TOML, one hint-only question per imported question."""
    lines = [
        f"# Imported from {source} by 'interview-sim bank import'.",
        "# Each question is judged from the points of its hint; to refine one, add concepts",
        "# (see 'interview-sim bank validate --show-concepts' for the derived ones).",
        "",
        "[bank]",
        f"id = {_string(bank_id)}",
        f"title = {_string(imported.title)}",
    ]
    counts: dict[str, int] = {}
    for question in imported.questions:
        slug = re.sub(r"[^a-z0-9]+", "-", question.section.lower()).strip("-") or "q"
        counts[slug] = counts.get(slug, 0) + 1
        lines += [
            "",
            "[[questions]]",
            f"id = {_string(f'{bank_id}-{slug}-{counts[slug]:02d}')}",  # unique across banks
            f"section = {_string(question.section)}",
            f"prompt = {_string(question.prompt)}",
            f"hint = {_string(question.hint)}",
        ]
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)

"""The points a hint enumerates, so a question written with only a hint can still be judged.

A hint such as "Name the threats: weights with backdoors, pickle files that run code, and
vulnerable dependencies; then verify provenance and require signed artifacts" lists the points
a strong answer makes. ``hint_points`` cuts it into those points (sentences, clauses, list items,
"such as" examples, parenthesised lists) and ``label_for`` names each one from its own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from questions.normalize import STOPWORDS, tokenize

MIN_CONTENT_WORDS = 2  # a shorter piece joins its neighbour ("Cedar" alone is not a point)
MAX_LABEL_WORDS = 7

# Words that introduce a list or an example: what follows them is cut into items.
_LIST_LEAD = re.compile(
    r"\b(?:such as|for example|for instance|e\.g\.|i\.e\.|including|especially|like)\b\s*",
    re.IGNORECASE,
)
# How a hint tells the candidate what to do; not part of the point itself.
_INSTRUCTIONS = re.compile(
    r"^(?:(?:and|or|then|also|finally|first|next|afterwards|straight away|right now|"
    r"immediately|after that|plus)\b[,]?\s*)*"
    r"(?:(?:explain|describe|mention|name|discuss|cover|covers|show|state|say|note|"
    r"emphasi[sz]e|highlight|outline|walk through|talk about|tie it to|tie this to|link it to|"
    r"link the idea to|point out|argue|give|use|define it as|define|illustrate with|"
    r"illustrate|contrast|compare|list|identify|recommend|propose)\b\s*(?:that|how|why|what)?\s*)?",
    re.IGNORECASE,
)
_CONNECTORS = re.compile(r"^(?:and|or|then|also|plus|but|so|as well as)\b\s*", re.IGNORECASE)


@dataclass(frozen=True)
class HintPoint:
    """One point of a hint: its text and where it sits in the hint ([start, end))."""

    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return label_for(self.text)


def hint_points(hint: str) -> list[HintPoint]:
    """The points ``hint`` enumerates, in order; never empty for a hint with any words."""
    points: list[HintPoint] = []
    for start, end in _sentences(hint):
        pieces = [item for s, e in _clauses(hint, start, end) for item in _items(hint, s, e)]
        points.extend(_merge_short(hint, [p for p in (_clean(p) for p in pieces) if p]))
    if not points and hint.strip():
        text = hint.strip()
        begin = hint.index(text)
        points = [HintPoint(text, begin, begin + len(text))]
    return points


def label_for(text: str) -> str:
    """A short label from the point's own words: its first words, capitalised."""
    words = text.rstrip(" .;:,").split()
    label = " ".join(words[:MAX_LABEL_WORDS])
    if len(words) > MAX_LABEL_WORDS:
        label = label.rstrip(",;:") + "…"
    return label[:1].upper() + label[1:]


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans between '.', ';', ':' and '!' or '?' that end a sentence (not "e.g." or "2.0")."""
    spans, start = [], 0
    for match in re.finditer(r"(?<!\be\.g)(?<!\bi\.e)[.;:!?](?=\s|$)", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A parenthesised list becomes clauses of its own; so does what a list lead introduces."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in re.finditer(r"\(([^()]*)\)", text[start:end]):
        inner_start, inner_end = start + match.start(1), start + match.end(1)
        spans.append((cursor, start + match.start()))
        spans.append((inner_start, inner_end))
        cursor = start + match.end()
    spans.append((cursor, end))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        for lead in _LIST_LEAD.finditer(text, s, e):
            examples = text[lead.end() : e]
            if "," not in examples and not re.search(r"\s(?:and|or)\s", examples):
                continue  # one example belongs to its point: "a vault such as HashiCorp Vault"
            if text[s : lead.start()].strip():
                out.append((s, lead.start()))
            s = lead.end()
        out.append((s, e))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _items(text: str, start: int, end: int) -> list[HintPoint]:
    """Comma-separated items; in a list of three or more, the last 'and'/'or' splits too."""
    commas = [m for m in re.finditer(r",", text[start:end])]
    bounds = [start, *(start + m.start() for m in commas), end]
    spans = [(bounds[i] + (1 if i else 0), bounds[i + 1]) for i in range(len(bounds) - 1)]
    if len(spans) >= 2:
        last_s, last_e = spans[-1]
        joined = re.search(r"\s(?:and|or)\s", text[last_s:last_e])
        head = text[last_s : last_s + (joined.start() if joined else 0)].strip()
        if joined and head and not _CONNECTORS.fullmatch(head + " "):
            cut = last_s + joined.start()
            spans[-1:] = [(last_s, cut), (last_s + joined.end(), last_e)]
    cleaned = [_clean(HintPoint(text[s:e], s, e)) for s, e in spans]
    words = [len(c.text.split()) if c else 0 for c in cleaned]
    if len(spans) >= 2 and words[-1] >= 4 and max(words[:-1]) <= 2:
        spans = [(spans[0][0], spans[-1][1])]  # "cloud, SaaS and remote work dissolved it"
    return [HintPoint(text[s:e], s, e) for s, e in spans if text[s:e].strip()]


def _clean(point: HintPoint) -> HintPoint | None:
    """Strip instructions and connectors ("Explain that", "and then") and outer spaces."""
    piece = point.text
    offset = point.start
    for pattern in (_INSTRUCTIONS, _CONNECTORS):
        stripped = piece.lstrip()
        offset += len(piece) - len(stripped)
        match = pattern.match(stripped)
        cut = match.end() if match else 0
        piece = stripped[cut:]
        offset += cut
    piece = piece.rstrip(" ,;:.")
    if not piece:
        return None
    return HintPoint(piece, offset, offset + len(piece))


def _content_words(text: str) -> int:
    return sum(1 for t in tokenize(text) if t.text not in STOPWORDS)


def _merge_short(text: str, points: list[HintPoint]) -> list[HintPoint]:
    """Within one sentence, a piece with too few content words joins the piece after it
    ("cloud, SaaS and remote work dissolved the edge"), or the one before it at the end."""
    merged: list[HintPoint] = []
    pending: HintPoint | None = None
    for point in points:
        if pending is not None:
            point = _span(text, pending.start, point.end)
            pending = None
        if _content_words(point.text) < MIN_CONTENT_WORDS:
            pending = point
        else:
            merged.append(point)
    if pending is not None:
        if merged:
            merged[-1] = _span(text, merged[-1].start, pending.end)
        else:
            merged.append(pending)
    return merged


def _span(text: str, start: int, end: int) -> HintPoint:
    return HintPoint(text[start:end], start, end)

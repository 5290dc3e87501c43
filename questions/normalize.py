"""Transcript normalisation shared by rubric terms and transcripts.

Both sides go through the same function, so a term written "NIST SP 800-207" meets a transcript
that says "nist s p eight hundred two oh seven". Every token keeps the character span it came
from in the original text, which is what the UI highlights.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm"})

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_ZERO_WORDS = frozenset({"oh", "zero"})  # digits only beside other numbers: "zero trust"
_NUMBER_SEPARATORS = frozenset({"point", "dot", "dash", "hyphen"})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_DIGITS_AND_LETTERS = re.compile(r"\d+|[^\W\d_]+")
CLAUSE_BREAK = re.compile(r"[,;:!?\n]|\.\s")  # between two words: a new clause starts


@dataclass(frozen=True)
class Token:
    """A normalised word and the span [start, end) of the original text it stands for."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """The form used for matching: a trailing plural is ignored."""
        return match_key(self.text)


def match_key(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# fmt: off
_SUFFIXES = ("izations", "ization", "ations", "ation", "ments", "ment", "ings", "ing", "ers",
             "er", "ed", "es", "ly", "s")
STOPWORDS = frozenset("""
    a an the of to for and or in on at by with from into as is are was were be been being it
    its this that these those we our us i my me you your they their them he she his her so do
    does did have has had will would can could should just also then than there which who what
    how all any each every some such not no only very more most
""".split())  # noqa: SIM905
# fmt: on


def stem(word: str) -> str:
    """A light suffix stripper so 'rotate', 'rotated', 'rotating', 'rotation' meet."""
    if word.isdigit() or len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "ls":
        word = word[:-1]  # "scann(ed)" -> "scan"
    return word


def _fold(word: str) -> str:
    """Casefold, drop accents and apostrophes: 'Don’t' -> 'dont', 'Café' -> 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.casefold().replace("'", "").replace("’", "")


def _word_shadow(text: str) -> str:
    """``text`` with every combining mark replaced by a letter, so the word pattern keeps
    "cafe\u0301" in one word; same length, so match offsets are offsets into ``text`` (spans
    must index the original string, which NFC normalisation would not preserve)."""
    if text.isascii():
        return text
    return "".join("a" if unicodedata.category(ch)[0] == "M" else ch for ch in text)


def _raw_tokens(text: str) -> list[Token]:
    """Words of the text; letters and digits glued together are split unless short ('s3')."""
    tokens: list[Token] = []
    for match in _WORD.finditer(_word_shadow(text)):
        word = _fold(text[match.start() : match.end()])
        if not word:
            continue
        parts = _DIGITS_AND_LETTERS.findall(word)
        if len(parts) <= 1 or len(word) <= 4:
            tokens.append(Token(word, match.start(), match.end()))
            continue
        if len(word) != match.end() - match.start():  # folding changed the length ("ß")
            tokens.extend(Token(part, match.start(), match.end()) for part in parts)
            continue
        offset = match.start()
        for part in parts:  # "800x207" -> 800 x 207, "sha256" -> sha 256
            tokens.append(Token(part, offset, offset + len(part)))
            offset += len(part)
    return tokens


def _is_number_word(word: str) -> bool:
    return word in _UNITS or word in _TENS or word in _SCALES


def _is_digit_word(tokens: list[Token], i: int) -> bool:
    """A single spoken digit; 'oh' only counts next to another number word."""
    word = tokens[i].text
    if word in _ZERO_WORDS:
        neighbours = [tokens[j].text for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
        return any(
            _is_number_word(n) or n in _ZERO_WORDS or n in _NUMBER_SEPARATORS or n.isdigit()
            for n in neighbours
        )
    return word in _UNITS and _UNITS[word] < 10


def _digit(word: str) -> str:
    return "0" if word in _ZERO_WORDS else str(_UNITS[word])


def _numbers(tokens: list[Token]) -> list[Token]:
    """Turn runs of number words into digit tokens.

    'eight hundred two oh seven' -> '800' '207'; 'twenty seven thousand one' -> '27001';
    'two seven zero zero one' -> '27001'; 'nine eleven' -> '9' '11'.
    """
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if _is_digit_word(tokens, i) and i + 1 < len(tokens) and _is_digit_word(tokens, i + 1):
            j = i
            digits = ""
            while j < len(tokens) and _is_digit_word(tokens, j):
                digits += _digit(tokens[j].text)
                j += 1
            out.append(Token(digits, tokens[i].start, tokens[j - 1].end))
            i = j
            continue
        if tokens[i].text in _ZERO_WORDS:
            if _is_digit_word(tokens, i):
                out.append(Token("0", tokens[i].start, tokens[i].end))
            else:
                out.append(tokens[i])
            i += 1
            continue
        if not _is_number_word(tokens[i].text) or (
            tokens[i].text in _SCALES and (not out or not out[-1].text.isdigit())
        ):
            out.append(tokens[i])
            i += 1
            continue
        j, value = _compound(tokens, i)
        out.append(Token(str(value), tokens[i].start, tokens[j - 1].end))
        i = j
    return out


def _compound(tokens: list[Token], i: int) -> tuple[int, int]:
    """Read one cardinal ('eight hundred', 'twenty seven thousand one') from tokens[i]."""
    total = current = 0
    last = ""  # "unit", "teen", "tens" or "scale": what the previous word was
    j = i
    while j < len(tokens):
        word = tokens[j].text
        if word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
            last = "scale"
        elif word in _TENS:
            if last in ("unit", "teen", "tens"):
                break
            current += _TENS[word]
            last = "tens"
        elif word in _UNITS:
            if last in ("unit", "teen"):
                break
            if (
                last == "scale"
                and j + 1 < len(tokens)
                and _is_digit_word(tokens, j)
                and _is_digit_word(tokens, j + 1)
            ):
                break  # 'eight hundred | two oh seven': a digit-by-digit group starts
            if last == "tens" and _UNITS[word] >= 10:
                break
            current += _UNITS[word]
            last = "teen" if _UNITS[word] >= 10 else "unit"
        else:
            break
        j += 1
    return j, total + current


def _drop_number_separators(tokens: list[Token]) -> list[Token]:
    """'two point oh' -> '2' '0': a separator between two numbers carries no meaning."""
    keep: list[Token] = []
    for i, token in enumerate(tokens):
        if (
            token.text in _NUMBER_SEPARATORS
            and 0 < i < len(tokens) - 1
            and tokens[i - 1].text.isdigit()
            and tokens[i + 1].text.isdigit()
        ):
            continue
        keep.append(token)
    return keep


def _join_spelled_letters(tokens: list[Token]) -> list[Token]:
    """Runs of single letters are one spelled word: 'm t l s' -> 'mtls', 'S.B.O.M.' -> 'sbom'."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and len(tokens[j].text) == 1 and tokens[j].text.isalpha():
            j += 1
        if j - i >= 2:
            word = "".join(t.text for t in tokens[i:j])
            out.append(Token(word, tokens[i].start, tokens[j - 1].end))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return out


def _clauses(text: str, tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped by clause: numbers and spelled letters never join across ", " or ". ",
    so a new sentence that starts with a rubric term ("... x. O P A") still says that term."""
    clauses: list[list[Token]] = []
    for token in tokens:
        if not clauses or CLAUSE_BREAK.search(text, clauses[-1][-1].end, token.start):
            clauses.append([token])
        else:
            clauses[-1].append(token)
    return clauses


def tokenize(text: str) -> list[Token]:
    """Normalised tokens of ``text`` with their spans in the original string."""
    out: list[Token] = []
    for clause in _clauses(text, [t for t in _raw_tokens(text) if t.text not in FILLERS]):
        tokens = _numbers(clause)
        tokens = _drop_number_separators(tokens)
        out.extend(_join_spelled_letters(tokens))
    return out


def normalize(text: str) -> str:
    """The normalised text as one string of space-separated tokens."""
    return " ".join(t.text for t in tokenize(text))

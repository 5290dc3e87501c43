"""Delivery of one spoken answer: pace, filler words, pauses, time to first word, time used.

Pure functions over a :class:`~models.transcriber.Transcript`; no I/O. Word timestamps are in
seconds from the start of the recording (the streaming transcriber shifts them), so the first
word's start is the time the candidate took to begin.

Filler words are found with small, documented heuristics over the normalised words (lower case,
punctuation stripped; the punctuation and the gaps between words are kept as context):

- Hesitation sounds always count: um, uh, er, erm, ah, hmm (and spellings such as "umm",
  "uhh", "uhm", "mm", "mhm"). Whisper often leaves these out, so counts are a lower bound.
- "basically", "actually" and "literally" always count (kept simple: they are rarely needed).
- "so" counts only when it opens a sentence and is followed by a comma, a pause or a hesitation
  sound ("So, um, ...", "So... the policy"); "So the engine decides" does not count.
- "like" counts when it is set off by a comma or a pause (>= 0.5 s) on either side, or stands
  next to a hesitation sound ("like, um"), unless the word before it (with no punctuation
  between) makes it a verb or preposition: "I'd like to", "looks like", "something like",
  "it's like", "we like" do not count; "it was, like, huge" does. "Like I said" does not.
- "kind of" / "sort of" count unless a determiner comes before them ("this kind of attack",
  "what sort of policy").
- "you know", "you see", "i mean" count unless they are part of a clause: after "do", "if",
  "what", "how", "to", a modal... ("do you know", "what I mean") or before an object or clause
  with no comma between ("you know that", "I mean the token").

A multi-word filler takes its words, so "kind of like, um" is one "kind of" and one "um".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from models.transcriber import Transcript, Word

PACE_RANGE = (120, 160)  # words a minute, a common norm for clear speech
MIN_WORDS_FOR_PACE = 10  # fewer words give no reliable pace, so no pace comment
LONG_PAUSE_S = 2.0  # a gap between consecutive words longer than this is a long pause
LIKE_PAUSE_S = 0.5  # a gap this long around "like"/"so" acts as a comma
SLOW_START_S = 3.0  # comment when the first word comes later than this
SHORT_SHARE = 0.5  # comment when the answer used less than this share of the time limit
FILLER_MIN_COUNT = 2  # comment on fillers from this many...
FILLER_MIN_PER_100 = 1.5  # ...and this many per 100 words
TOP_WORDS = 5
TOP_WORD_MIN_COUNT = 2  # a word said once is not one of the "most used"

ALWAYS_FILLERS = frozenset({"basically", "actually", "literally"})
FILLER_PHRASES = frozenset({"you know", "sort of", "kind of", "i mean", "you see"})


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_HESITATION_FORMS = (
    (re.compile(r"u+h*m+"), "um"),  # um, umm, uhm
    (re.compile(r"u+h+"), "uh"),
    (re.compile(r"e+r+m+"), "erm"),
    (re.compile(r"e+r+"), "er"),
    (re.compile(r"a+h+"), "ah"),
    (re.compile(r"h+m+|m+h*m+|m+"), "hmm"),  # hmm, mm, mhm
)
# "like" after these words (no punctuation between) is a verb or a preposition.
_LIKE_NOT_FILLER_AFTER = _set(
    "i you we they he she it people i'd you'd we'd they'd he'd she'd would 'd it's that's "
    "what's look looks looked looking seem seems seemed sound sounds sounded feel feels felt "
    "something anything nothing everything things stuff just more much exactly don't didn't "
    "doesn't not really also"
)
_DETERMINERS = _set(
    "a an the this that these those what which any some every each no one same other another "
    "certain different its their our your my his her"
)
_CLAUSE_BEFORE = _set(
    "do does did don't didn't doesn't if as what whether how when where why that to will "
    "would could can should might may let"
)
_CLAUSE_AFTER = _set(
    "that what how why whether if who where when it this them him her me us about to the a an"
)
STOPWORDS = _set(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even few for from further get gets getting got had
    hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just know
    let's like lot lots make makes many me mean might more most much must mustn't my myself no
    nor not now of off oh ok okay on once one only or other ought our ours ourselves out over
    own really right said same say says see shan't she she'd she'll she's should shouldn't so
    some such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've thing things think this those through to too under until up
    us very want was wasn't way we we'd we'll we're we've well were weren't what what's when
    when's where where's which while who who's whom why why's will with won't would wouldn't
    yeah yes you you'd you'll you're you've your yours yourself yourselves going gonna wanna
    """
)

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.?!…]")
_COMMA = re.compile(r"[,;:—–]|\s-\s")


@dataclass(frozen=True)
class Delivery:
    """Delivery metrics of one answer; timing fields are None when there are no word timings."""

    words: int
    speaking_s: float | None  # first word start .. last word end
    words_per_minute: float | None
    filler_count: int
    fillers_per_minute: float | None
    fillers_per_100_words: float | None
    filler_breakdown: dict[str, int]  # most frequent first
    long_pauses: int | None
    longest_pause_s: float | None
    time_to_first_word_s: float | None
    answer_s: float | None
    share_of_time_limit: float | None
    over_time: bool
    top_content_words: tuple[tuple[str, int], ...]
    comments: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict; durations rounded to 0.01 s, rates to 0.1."""

        def r(value: float | None, digits: int = 2) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "words": self.words,
            "speaking_s": r(self.speaking_s),
            "words_per_minute": r(self.words_per_minute, 1),
            "filler_count": self.filler_count,
            "fillers_per_minute": r(self.fillers_per_minute, 1),
            "fillers_per_100_words": r(self.fillers_per_100_words, 1),
            "filler_breakdown": dict(self.filler_breakdown),
            "long_pauses": self.long_pauses,
            "longest_pause_s": r(self.longest_pause_s),
            "time_to_first_word_s": r(self.time_to_first_word_s),
            "answer_s": r(self.answer_s),
            "share_of_time_limit": r(self.share_of_time_limit, 3),
            "over_time": self.over_time,
            "top_content_words": [{"word": w, "count": c} for w, c in self.top_content_words],
            "comments": list(self.comments),
        }


@dataclass
class _Token:
    text: str  # normalised: lower case, no punctuation, ’ -> '
    comma_before: bool = False  # a comma-like mark or a pause between this and the previous word
    comma_after: bool = False
    sentence_start: bool = False  # first word, or after . ? !
    joined_before: bool = False  # nothing but spaces between this and the previous word
    filler: bool = False


def analyse(
    transcript: Transcript, time_limit_s: float | None, recording_s: float | None = None
) -> Delivery:
    """Delivery metrics and plain-language comments for one answer.

    ``answer_s`` is the time from the first word's start to the last word's end; without word
    timings (a typed answer, a model without timestamps) it is ``recording_s`` when given.
    """
    words = [w for w in transcript.words if _TOKEN.search(w.text)]
    tokens = _tokenise(words) if words else _tokenise_text(transcript.text)
    limit = time_limit_s if time_limit_s and time_limit_s > 0 else None
    if not tokens:
        return Delivery(
            0, None, None, 0, None, None, {}, None, None, None, None, None,
            False, (), ("No speech was recognised.",),
        )  # fmt: skip

    count = len(tokens)
    breakdown = _fillers(tokens)
    filler_count = sum(breakdown.values())
    per_100 = 100 * filler_count / count

    speaking = wpm = fpm = longest = first = None
    long_pauses: int | None = None
    if words:
        speaking = max(0.0, words[-1].end - words[0].start)
        gaps = [max(0.0, round(b.start - a.end, 3)) for a, b in pairwise(words)]  # to 1 ms
        long_pauses = sum(gap > LONG_PAUSE_S for gap in gaps)
        longest = max(gaps, default=0.0)
        first = max(0.0, words[0].start)
        if speaking > 0:
            wpm = count * 60 / speaking
            fpm = filler_count * 60 / speaking
    answer = speaking if words else recording_s
    share = answer / limit if answer is not None and limit else None
    over = bool(limit and answer is not None and answer > limit)

    delivery = Delivery(
        words=count,
        speaking_s=speaking,
        words_per_minute=wpm,
        filler_count=filler_count,
        fillers_per_minute=fpm,
        fillers_per_100_words=per_100,
        filler_breakdown=breakdown,
        long_pauses=long_pauses,
        longest_pause_s=longest,
        time_to_first_word_s=first,
        answer_s=answer,
        share_of_time_limit=share,
        over_time=over,
        top_content_words=_top_words(tokens),
    )
    return _with_comments(delivery, limit)


def _normalise(text: str) -> str:
    return text.lower().replace("’", "'")


def _tokenise(words: Sequence[Word]) -> list[_Token]:
    """Tokens of timed words; a pause of LIKE_PAUSE_S or more between words acts as a comma."""
    parts: list[str] = []
    owners: list[int] = []  # character offset -> index of the Word it came from
    for i, word in enumerate(words):
        if parts:
            parts.append(" ")
            owners.append(i)
        parts.append(word.text)
        owners.extend([i] * len(word.text))
    text = "".join(parts)
    tokens = _tokenise_text(text)
    starts = [m.start() for m in _TOKEN.finditer(text)]
    for k in range(1, len(tokens)):
        a, b = owners[starts[k - 1]], owners[starts[k]]
        if a != b and words[b].start - words[a].end >= LIKE_PAUSE_S:
            tokens[k].comma_before = tokens[k - 1].comma_after = True
    return tokens


def _tokenise_text(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    previous_end = 0
    for m in _TOKEN.finditer(text):
        between = text[previous_end : m.start()]
        token = _Token(_normalise(m.group()))
        if tokens:
            token.comma_before = bool(_COMMA.search(between))
            token.sentence_start = bool(_SENTENCE_END.search(between))
            token.joined_before = not between.strip()
            tokens[-1].comma_after = token.comma_before
        else:
            token.sentence_start = True
        tokens.append(token)
        previous_end = m.end()
    return tokens


def _hesitation(text: str) -> str | None:
    for pattern, canonical in _HESITATION_FORMS:
        if pattern.fullmatch(text):
            return canonical
    return None


def _fillers(tokens: list[_Token]) -> dict[str, int]:
    """Mark filler tokens and count them by filler, most frequent first (ties: first said)."""
    found: list[str] = []
    hesitant = [_hesitation(t.text) is not None for t in tokens]

    def before(i: int) -> str | None:
        """The previous word when nothing but spaces separate it from token i."""
        return tokens[i - 1].text if i > 0 and tokens[i].joined_before else None

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if i + 1 < len(tokens) and tokens[i + 1].joined_before:
            phrase = f"{token.text} {tokens[i + 1].text}"
            if phrase in FILLER_PHRASES and _phrase_is_filler(tokens, i, before(i)):
                token.filler = tokens[i + 1].filler = True
                found.append(phrase)
                i += 2
                continue
        hesitation = _hesitation(token.text)
        nxt_hesitant = i + 1 < len(tokens) and hesitant[i + 1]
        prev_hesitant = i > 0 and hesitant[i - 1]
        name: str | None = None
        if hesitation:
            name = hesitation
        elif token.text in ALWAYS_FILLERS:
            name = token.text
        elif token.text == "so":
            if token.sentence_start and (token.comma_after or nxt_hesitant):
                name = "so"
        elif token.text == "like":
            set_off = token.comma_before or token.comma_after or nxt_hesitant or prev_hesitant
            if set_off and before(i) not in _LIKE_NOT_FILLER_AFTER:
                name = "like"
        if name:
            token.filler = True
            found.append(name)
        i += 1
    return dict(Counter(found).most_common())


def _phrase_is_filler(tokens: list[_Token], i: int, previous: str | None) -> bool:
    first = tokens[i].text
    if first in ("kind", "sort"):
        return previous not in _DETERMINERS
    if previous in _CLAUSE_BEFORE:
        return False
    after = tokens[i + 2] if i + 2 < len(tokens) else None
    return not (after and after.joined_before and after.text in _CLAUSE_AFTER)


def _top_words(tokens: list[_Token]) -> tuple[tuple[str, int], ...]:
    counts = Counter(
        t.text
        for t in tokens
        if not t.filler
        and len(t.text) > 1
        and not t.text.isdigit()
        and t.text not in STOPWORDS
        and t.text not in ALWAYS_FILLERS
        and _hesitation(t.text) is None
    )
    return tuple((w, c) for w, c in counts.most_common(TOP_WORDS) if c >= TOP_WORD_MIN_COUNT)


def _num(value: float) -> str:
    """1 decimal below 10, whole numbers above: 0.8, 3.4, 12."""
    return f"{value:.1f}".removesuffix(".0") if value < 10 else f"{value:.0f}"


def _with_comments(d: Delivery, limit: float | None) -> Delivery:
    comments: list[str] = []
    low, high = PACE_RANGE
    if d.words_per_minute is not None and d.words >= MIN_WORDS_FOR_PACE:
        wpm = round(d.words_per_minute)
        if wpm > high:
            comments.append(f"A bit fast: {wpm} words a minute; aim for {low}-{high}.")
        elif wpm < low:
            comments.append(f"A bit slow: {wpm} words a minute; aim for {low}-{high}.")
        else:
            comments.append(f"Good pace: {wpm} words a minute.")

    per_100 = d.fillers_per_100_words or 0.0
    if d.filler_count >= FILLER_MIN_COUNT and per_100 >= FILLER_MIN_PER_100:
        rate = (
            f" ({_num(d.fillers_per_minute)} per minute)"
            if d.fillers_per_minute is not None
            else ""
        )
        names = [f"'{name}'" for name in d.filler_breakdown]
        if len(names) == 1:
            which = f"all {names[0]}"
        else:
            which = f"{'mostly ' if len(names) > 2 else ''}{names[0]} and {names[1]}"
        comments.append(
            f"{d.filler_count} filler words{rate}: {which}; "
            "pausing silently reads as more confident."
        )

    if d.long_pauses and d.longest_pause_s is not None:
        longest = _num(d.longest_pause_s)
        comments.append(
            f"1 long pause ({longest} s)."
            if d.long_pauses == 1
            else f"{d.long_pauses} long pauses (longest {longest} s)."
        )

    if d.time_to_first_word_s is not None and d.time_to_first_word_s > SLOW_START_S:
        comments.append(
            f"You took {d.time_to_first_word_s:.1f} s to start; a short pause is fine, "
            f"but aim to begin within {SLOW_START_S:g} s."
        )

    if limit and d.answer_s is not None and d.share_of_time_limit is not None:
        if d.over_time:
            comments.append(f"You ran {max(1, round(d.answer_s - limit))} s over the limit.")
        elif d.share_of_time_limit < SHORT_SHARE:
            comments.append(
                f"You used {round(100 * d.share_of_time_limit)}% of the {limit:g} s limit: "
                "there was room for more detail."
            )
    return replace(d, comments=tuple(comments))

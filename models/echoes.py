"""Words Whisper wrote because they were in its prompt, not because they were said.

Biasing recognition with a question's jargon (``hotwords``) fixes terms like "NIST SP 800-207",
but the decoder also echoes the list where the speech gives it nothing to hold on to: at the
end of the audio ("... for the exception. EDR, MDM, CAEP, CAEP, CAEP.") or in a loop ("Rego,
Rego, Rego, ..."). Left in, those words earn rubric credit for things the candidate never said.

Measured on espeak-ng answers (tiny.en, biased), the echoes carry marks that words really
spoken almost never have, so a prompt word is dropped when it:

- has no time of its own (the aligner gave it under ``MIN_WORD_S`` of audio), or
- is part of a loop: the same one-to-three-word pattern ``LOOP_REPEATS`` times in a row, or
- is the last word decoded and the model gave it almost no chance (``LAST_WORD_MIN_P``): the
  decoder ran out of speech and wrote from its prompt ("...then rebuild them from backup. JIT,"),
  which the app's pieces of a few seconds each invite, or
- stands in one unbroken list of prompt words with such an echo (the list is written as a
  whole: "researcher EDR, MDM, CAEP, CAEP…" drops the "EDR" that opens it too).

The decoder also loops on words that are not in the prompt, mostly in noise ("Test Test Test
Test Test", "9001 9001 9001…", "ENT, ENT, ENT…" two hundred times): a pattern repeated
``ANY_LOOP_REPEATS`` times in a row is dropped whatever its words. None of the benchmarks' 900
typed answers repeats a pattern even three times; the spoken benchmark's transcripts held such
loops in 2 of 102 answers with tiny.en and 5 with base. They earned little credit, but they
filled the transcript the user reads and inflated the word count behind the pace.

Elsewhere a low word probability is *not* a mark: the model is as unsure of jargon really said
("Argo", "Sigstore", "Kong": 13 of the 17 prompt words under 0.1 in those answers were said) as
of an echo, and dropping them cost strong answers 5 points of coverage on held-out speech. As
the last word of a streamed piece it is: of the prompt words the benchmark's streamed answers
ended a piece with below 0.02 (77 answers, 2026-12-06), 8 were never said, and the 3 others
were "ID" twice (said elsewhere in the answer) and one "endpoints" in noise 10 dB below the
speech.

Apart from such loops, only words of the prompt are ever dropped, so an answer without jargon
reads exactly as heard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

MIN_WORD_S = 0.05  # Whisper's timestamps step by 20 ms; a spoken word lasts longer than this
LOOP_REPEATS = 3  # a pattern with a prompt word, repeated this often, is an echo
ANY_LOOP_REPEATS = 4  # any pattern repeated this often is the decoder looping
LONGEST_LOOP = 3  # words in the repeated pattern
LAST_WORD_MIN_P = 0.02


class TimedWord(Protocol):
    text: str
    start: float
    end: float
    probability: float


def key(text: str) -> str:
    """A word as compared with the prompt: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def prompt_words(terms: Iterable[str]) -> set[str]:
    """The words of the terms that were given to the decoder."""
    return {key(w) for term in terms for w in term.split() if key(w)}


def find_echoes(words: Sequence[TimedWord], prompt: set[str]) -> list[bool]:
    """For each word, whether it is an echo of the prompt (see the module's rules)."""
    keys = [key(w.text) for w in words]
    echo = [k in prompt and w.end - w.start < MIN_WORD_S for k, w in zip(keys, words, strict=True)]
    if words and keys[-1] in prompt and words[-1].probability < LAST_WORD_MIN_P:
        echo[-1] = True
    for start, end in _loops(keys, LOOP_REPEATS):
        if any(k in prompt for k in keys[start:end]):
            echo[start:end] = [True] * (end - start)
    for start, end in _loops(keys, ANY_LOOP_REPEATS):
        echo[start:end] = [True] * (end - start)
    for start, end in _runs(keys, prompt):
        if any(echo[start:end]):
            echo[start:end] = [True] * (end - start)
    return echo


def _runs(keys: Sequence[str], prompt: set[str]) -> list[tuple[int, int]]:
    """[start, end) runs of consecutive prompt words."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, k in enumerate([*keys, ""]):
        if k in prompt and start is None:
            start = i
        elif k not in prompt and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _loops(keys: Sequence[str], repeats: int) -> list[tuple[int, int]]:
    """[start, end) runs where a pattern of 1..LONGEST_LOOP words repeats ``repeats`` times."""
    found: list[tuple[int, int]] = []
    for size in range(1, LONGEST_LOOP + 1):
        i = 0
        while i + size <= len(keys):
            pattern = keys[i : i + size]
            end = i + size
            while keys[end : end + size] == pattern:
                end += size
            if (end - i) // size >= repeats and any(pattern):
                found.append((i, end))
                i = end
            else:
                i += 1
    return found

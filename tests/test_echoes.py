"""Words biasing made up are not credited (models/echoes.py): the rules on timed words, the
transcript rebuilt without them, and the real model on answers where it echoed its prompt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.echoes import find_echoes, prompt_words
from models.registry import ResolvedModel, resolve_model
from models.transcriber import WhisperTranscriber, Word
from questions.bank import QuestionSet, builtin_bank_paths
from simulator.judge import Judge
from tests.speech_fixtures import espeak_wav

PROMPT = prompt_words(["UEBA", "EDR", "MDM", "CAEP", "scoped API tokens", "Rego"])


def timed(text: str, t: float = 0.0) -> list[Word]:
    """Words said at a steady pace, each a third of a second, the model sure of them."""
    return [Word(w, t + i * 0.3, t + i * 0.3 + 0.28, 0.95) for i, w in enumerate(text.split())]


def kept(words: list[Word]) -> str:
    flags = find_echoes(words, PROMPT)
    return " ".join(w.text for w, echo in zip(words, flags, strict=True) if not echo)


def test_jargon_really_said_is_kept() -> None:
    said = timed("we alert on EDR signals and revoke scoped API tokens through CAEP.")
    assert kept(said) == " ".join(w.text for w in said)


def test_prompt_words_without_time_of_their_own_are_dropped_with_their_list() -> None:
    said = timed("answer fast to the researcher")
    end = said[-1].end
    opening = Word("EDR,", end, end + 0.1, 0.0)  # given a little time, then the list follows
    tail = [Word(w, end + 0.1, end + 0.1, 0.5) for w in ("MDM,", "CAEP.")]
    assert kept([*said, opening, *tail]) == "answer fast to the researcher"
    assert kept([*said, opening, *timed("and then we patch", end + 0.2)]) == (
        "answer fast to the researcher EDR, and then we patch"
    )


def test_jargon_the_model_was_unsure_of_is_kept() -> None:
    """Real jargon gets low word probabilities too ("Sigstore" 0.0, "Kong" 0.01, measured)."""
    unsure = timed("we write the policies in Rego and check them")
    unsure[5] = Word("Rego", unsure[5].start, unsure[5].end, 0.01)
    assert kept(unsure) == "we write the policies in Rego and check them"


def test_an_unlikely_prompt_word_that_ends_the_decoding_is_dropped() -> None:
    """The decoder ran out of speech ("...rebuild them from backup. JIT,", measured on a piece
    of a streamed answer); the same word said with confidence, or not from the prompt, stays."""
    said = timed("we rebuild them from backup. EDR,")
    said[-1] = Word("EDR,", said[-1].start, said[-1].end, 0.004)
    assert kept(said) == "we rebuild them from backup."
    sure = [*said[:-1], Word("EDR.", said[-1].start, said[-1].end, 0.6)]
    assert kept(sure) == "we rebuild them from backup. EDR."
    plain = [*said[:-1], Word("backups.", said[-1].start, said[-1].end, 0.004)]
    assert kept(plain) == "we rebuild them from backup. backups."


def test_a_loop_of_prompt_words_is_dropped_whole_and_other_repeats_stay() -> None:
    loop = timed("the agent does " + "Rego, " * 12 + "then stops")
    assert kept(loop) == "the agent does then stops"
    pattern = timed("EDR, MDM, EDR, MDM, EDR, MDM, fine")
    assert kept(pattern) == "fine"
    emphasis = timed("no, no, no, we never trust the network")
    assert kept(emphasis) == "no, no, no, we never trust the network"


def test_without_a_prompt_nothing_is_an_echo() -> None:
    words = [Word(w, 1.0, 1.0, 0.01) for w in ["Rego", "EDR", "MDM", "CAEP", "UEBA"]]
    assert find_echoes(words, set()) == [False] * 5


def test_the_decoder_looping_on_any_words_is_dropped() -> None:
    """Heard in the spoken benchmark: loops of words nobody said, none of them jargon."""
    said = timed("we moved to a newer standard " + "Test " * 5 + "instead we required tokens")
    assert kept(said) == "we moved to a newer standard instead we required tokens"
    numbers = timed("ISO " + "9001 " * 12 + "audits")
    assert find_echoes(numbers, set()) == [False] + [True] * 12 + [False]
    phrase = timed("a company a company a company a company that we bought")
    assert kept(phrase) == "that we bought"
    denial = timed("no, no, no, that is not how it works")  # three times: it may be said
    assert kept(denial) == "no, no, no, that is not how it works"


def test_the_transcript_is_rewritten_from_the_words_kept() -> None:
    whisper = WhisperTranscriber(ResolvedModel("tiny.en", "never loaded", "test", False))
    first = timed("Important is to answer fast.")
    end = first[-1].end
    second = timed("Then we patch it.", end + 1) + [Word("CAEP,", 9.0, 9.0, 0.4)] * 4
    heard = [("Important is to answer fast.", first), ("Then we patch it. CAEP, CAEP,", second)]
    transcript = whisper._without_echoes(heard, prompt_words(["UEBA", "EDR", "MDM", "CAEP"]), 10.0)
    assert transcript.text == "Important is to answer fast. Then we patch it."
    assert [w.text for w in transcript.echoes] == ["CAEP,"] * 4
    shown = transcript.to_dict()["echoes_dropped"]  # what `transcribe --json` prints
    assert isinstance(shown, list) and [w["text"] for w in shown] == ["CAEP,"] * 4
    assert len(transcript.words) == len(first) + 4


# --- the real model ---------------------------------------------------------------------------

# Calibration (dev) answers on which tiny.en, biased with the rubric, wrote jargon the speaker
# never said ("EDR, MDM, CAEP, CAEP…", "Rego, Rego, …"), each in the espeak-ng voice that showed
# it. Held-out answers are measured by `benchmarks spoken` instead.
ECHOED = (
    ("intermediate-08-c-offtopic", "en-us", 165),
    ("intermediate-05-c-weak", "en", 150),
)


@pytest.mark.model
@pytest.mark.tts
@pytest.mark.parametrize(("answer_id", "voice", "wpm"), ECHOED)
def test_biasing_earns_no_concept_the_speaker_did_not_say(
    answer_id: str, voice: str, wpm: int, tmp_path: Path
) -> None:
    data = Path(__file__).parents[1] / "benchmarks" / "data" / "calibration.jsonl"
    answers = {a["id"]: a for a in map(json.loads, data.read_text().splitlines())}
    answer = answers[answer_id]
    question = QuestionSet.from_paths(builtin_bank_paths()).get(answer["question_id"])
    whisper = WhisperTranscriber(resolve_model("tiny.en", tmp_path))
    heard = whisper.transcribe_file(
        espeak_wav(answer["text"], tmp_path, voice, wpm), question.vocabulary()
    )
    judge = Judge()
    typed = {c.concept.id for c in judge.score(question, answer["text"]).covered}
    spoken = judge.score(question, heard.text).covered
    invented = [(c.concept.id, c.matched_text) for c in spoken if c.concept.id not in typed]
    assert not invented, f"{heard.text!r} (dropped as echoes: {heard.echoes})"

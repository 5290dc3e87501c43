"""Delivery metrics from hand-made word timings (simulator/delivery.py)."""

from __future__ import annotations

import json

import pytest

from models.transcriber import Transcript, Word
from simulator.delivery import analyse

FILLER_ADVICE = "pausing silently reads as more confident."


def timed(
    text: str,
    start: float = 0.5,
    step: float = 0.4,
    pauses: dict[int, float] | None = None,
) -> Transcript:
    """Words of ``text`` (split on spaces), each 0.3 s long, one every ``step`` seconds;
    ``pauses`` adds extra silence before the word at that index."""
    words: list[Word] = []
    t = start
    for i, text_i in enumerate(text.split()):
        t += (pauses or {}).get(i, 0.0)
        words.append(Word(text_i, t, t + 0.3, 0.9))
        t += step
    return Transcript(text, tuple(words), t + 1.0, "tiny.en")


def typed(text: str) -> Transcript:
    return Transcript(text, (), 0.0, "typed")


def sentence(n: int) -> str:
    base = "the policy engine checks every request against identity device and context "
    return " ".join((base * (n // 10 + 1)).split()[:n])


def fillers(text: str) -> dict[str, int]:
    return analyse(typed(text), None).filler_breakdown


# --- pace -------------------------------------------------------------------------------------


def test_good_pace() -> None:
    d = analyse(timed(sentence(40), step=0.4), 120)
    assert d.words == 40
    assert d.speaking_s == pytest.approx(39 * 0.4 + 0.3)
    assert d.words_per_minute == pytest.approx(40 * 60 / (39 * 0.4 + 0.3))
    assert f"Good pace: {round(d.words_per_minute)} words a minute." in d.comments


def test_fast_pace() -> None:
    d = analyse(timed(sentence(40), step=0.3), 120)
    assert d.words_per_minute is not None and d.words_per_minute > 160
    assert f"A bit fast: {round(d.words_per_minute)} words a minute; aim for 120-160." in d.comments


def test_slow_pace() -> None:
    d = analyse(timed(sentence(40), step=0.6), 120)
    assert d.words_per_minute is not None and d.words_per_minute < 120
    assert f"A bit slow: {round(d.words_per_minute)} words a minute; aim for 120-160." in d.comments


def test_no_pace_comment_for_a_few_words() -> None:
    d = analyse(timed("zero trust never trusts", step=0.2), None)
    assert d.words_per_minute is not None
    assert not any("words a minute" in c for c in d.comments)


# --- fillers ----------------------------------------------------------------------------------


def test_single_and_multi_word_fillers() -> None:
    text = "So, um, I think it's, like, kind of a zero trust thing, you know. I mean, it verifies."
    assert fillers(text) == {"so": 1, "um": 1, "like": 1, "kind of": 1, "you know": 1, "i mean": 1}


def test_hesitation_spellings_are_normalised() -> None:
    assert fillers("Umm the UHH engine, Hmm, erm, er, ah, uhm, mhm") == {
        "um": 2, "uh": 1, "hmm": 2, "erm": 1, "er": 1, "ah": 1,
    }  # fmt: skip


def test_always_fillers_and_sort_of() -> None:
    d = analyse(typed("Basically it's sort of actually literally verified."), None)
    assert d.filler_breakdown == {"basically": 1, "sort of": 1, "actually": 1, "literally": 1}
    assert d.filler_count == 4
    assert d.fillers_per_100_words == pytest.approx(100 * 4 / 7)


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to explain the model",
        "I’d like to explain the model",  # curly apostrophe
        "We would like to verify",
        "It looks like a gateway",
        "It looks like, a gateway",
        "Something like five rules",
        "Like I said the engine decides",
        "What is it like? Hard.",
        "It's like a firewall",
        "We like it, really",
    ],
)
def test_like_as_a_verb_or_preposition_is_not_a_filler(text: str) -> None:
    assert "like" not in fillers(text)


@pytest.mark.parametrize(
    "text",
    [
        "It was, like, huge",
        "It was like, huge",
        "It was, like huge",
        "It was like um huge",
        "It was uh like huge",
        "LIKE, the engine decides",
    ],
)
def test_like_set_off_by_commas_or_hesitations_is_a_filler(text: str) -> None:
    assert fillers(text).get("like") == 1


def test_like_after_a_pause_is_a_filler() -> None:
    assert analyse(timed("the engine like decides", pauses={2: 0.8}), None).filler_breakdown == {
        "like": 1
    }
    assert analyse(timed("the engine like decides"), None).filler_breakdown == {}
    # a pause does not turn "I'd like" into a filler
    assert analyse(timed("I'd like to explain", pauses={1: 0.8}), None).filler_breakdown == {}


def test_like_next_to_um_counts_both() -> None:
    assert fillers("It looks like, uh, a gateway") == {"uh": 1}
    assert fillers("it is, like, um, a gateway") == {"like": 1, "um": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This kind of attack is common", {}),
        ("What sort of policy applies", {}),
        ("Do you know the answer", {}),
        ("If you see a token", {}),
        ("That is what I mean by trust", {}),
        ("You know that attackers move laterally", {}),
        ("I mean the token, not the session", {}),
        ("I mean, the token expires", {"i mean": 1}),
        ("It is kind of slow", {"kind of": 1}),
        ("It is, you see, slow", {"you see": 1}),
        ("It verifies everything, you know.", {"you know": 1}),
        ("It is kind, of course", {}),
    ],
)
def test_multi_word_filler_context(text: str, expected: dict[str, int]) -> None:
    assert fillers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("So the engine decides", {}),
        ("So, the engine decides", {"so": 1}),
        ("So um the engine decides", {"so": 1, "um": 1}),
        ("It was so, so slow", {}),
        ("It decides. So, next", {"so": 1}),
        ("and so, um, it decides", {"um": 1}),
    ],
)
def test_so_only_opening_a_sentence(text: str, expected: dict[str, int]) -> None:
    assert fillers(text) == expected


def test_filler_comment_with_rate_and_most_used() -> None:
    text = "um the engine like, checks um every like, request um against um identity you know"
    d = analyse(timed(text, step=0.5), None)
    assert d.filler_breakdown == {"um": 4, "like": 2, "you know": 1}
    assert d.filler_count == 7
    assert d.speaking_s is not None
    assert d.fillers_per_minute == pytest.approx(7 * 60 / d.speaking_s)
    per_minute = round(d.fillers_per_minute)
    assert (
        f"7 filler words ({per_minute} per minute): mostly 'um' and 'like'; {FILLER_ADVICE}"
        in d.comments
    )


def test_one_kind_of_filler_and_no_comment_for_a_rare_filler() -> None:
    d = analyse(typed("um the engine um checks um requests"), None)
    assert f"3 filler words: all 'um'; {FILLER_ADVICE}" in d.comments
    rare = analyse(timed(sentence(60) + " um " + sentence(60)), None)
    assert rare.filler_count == 1
    assert not any("filler" in c for c in rare.comments)


# --- pauses and start ---------------------------------------------------------------------------


def test_long_pauses() -> None:
    d = analyse(timed(sentence(12), pauses={3: 2.4, 6: 3.3, 9: 1.8}), None)
    # gaps: step 0.4 - 0.3 long = 0.1, plus the extra pause
    assert d.long_pauses == 2
    assert d.longest_pause_s == pytest.approx(3.4)
    assert "2 long pauses (longest 3.4 s)." in d.comments


def test_one_long_pause_and_the_threshold() -> None:
    d = analyse(timed(sentence(12), pauses={5: 2.4}), None)
    assert d.long_pauses == 1
    assert "1 long pause (2.5 s)." in d.comments
    exact = analyse(timed(sentence(12), pauses={5: 1.9}), None)  # a 2.0 s gap is not long
    assert exact.long_pauses == 0
    assert exact.longest_pause_s == pytest.approx(2.0)
    assert not any("pause" in c for c in exact.comments)


def test_overlapping_words_give_no_negative_gap() -> None:
    words = (Word("zero", 1.0, 1.5, 0.9), Word("trust", 1.4, 1.8, 0.9))
    d = analyse(Transcript("zero trust", words, 2.0), None)
    assert d.longest_pause_s == 0.0
    assert d.long_pauses == 0


def test_time_to_first_word() -> None:
    d = analyse(timed(sentence(20), start=6.2), None)
    assert d.time_to_first_word_s == pytest.approx(6.2)
    assert "You took 6.2 s to start; a short pause is fine, but aim to begin within 3 s." in (
        d.comments
    )
    quick = analyse(timed(sentence(20), start=2.0), None)
    assert quick.time_to_first_word_s == pytest.approx(2.0)
    assert not any("to start" in c for c in quick.comments)


# --- time limit ---------------------------------------------------------------------------------


def test_over_time() -> None:
    d = analyse(timed(sentence(60), step=0.4, start=0.0), 10)  # 23.9 s of speech
    assert d.answer_s == pytest.approx(23.9)
    assert d.over_time
    assert d.share_of_time_limit == pytest.approx(2.39)
    assert "You ran 14 s over the limit." in d.comments


def test_short_share_of_the_limit() -> None:
    d = analyse(timed(sentence(120), step=0.4, start=0.0), 120)  # 47.9 s
    assert not d.over_time
    assert d.share_of_time_limit == pytest.approx(47.9 / 120)
    assert "You used 40% of the 120 s limit: there was room for more detail." in d.comments


def test_no_time_comment_when_most_of_the_limit_is_used_or_no_limit() -> None:
    d = analyse(timed(sentence(240), step=0.4, start=0.0), 120)  # 95.9 s
    assert not d.over_time
    assert not any("limit" in c for c in d.comments)
    free = analyse(timed(sentence(60)), None)
    assert free.share_of_time_limit is None
    assert not free.over_time
    assert analyse(timed(sentence(60)), 0).share_of_time_limit is None


# --- content words ------------------------------------------------------------------------------


def test_top_content_words() -> None:
    text = (
        "Zero trust means never trust, always verify. Verify every request; trust nothing by "
        "default. Um, the policy, basically, the policy engine actually actually decides. "
        "Identity, device, identity, device, context, context, Trust."
    )
    d = analyse(typed(text), None)
    assert d.top_content_words == (
        ("trust", 4), ("verify", 2), ("policy", 2), ("identity", 2), ("device", 2),
    )  # fmt: skip
    assert all(w not in dict(d.top_content_words) for w in ("um", "basically", "actually"))


def test_words_said_once_are_not_top_words() -> None:
    assert analyse(typed("The engine verifies every request"), None).top_content_words == ()


# --- empty and typed answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "transcript",
    [
        Transcript("", (), 3.0, "tiny.en"),
        typed("   "),
        Transcript("...", (Word("...", 0.5, 0.8, 0.2),), 1.0, "tiny.en"),
    ],
)
def test_empty_answer(transcript: Transcript) -> None:
    d = analyse(transcript, 120, recording_s=3.0)
    assert d.words == 0
    assert d.filler_count == 0
    assert d.filler_breakdown == {}
    assert d.top_content_words == ()
    assert d.words_per_minute is None
    assert d.speaking_s is None
    assert d.time_to_first_word_s is None
    assert d.answer_s is None
    assert d.share_of_time_limit is None
    assert not d.over_time
    assert d.comments == ("No speech was recognised.",)
    json.dumps(d.to_dict())


def test_typed_answer_has_no_timing() -> None:
    d = analyse(typed("Um, I would verify every request, every time."), 120)
    assert d.words == 8
    assert d.filler_breakdown == {"um": 1}
    assert d.fillers_per_100_words == pytest.approx(12.5)
    for value in (
        d.speaking_s,
        d.words_per_minute,
        d.fillers_per_minute,
        d.long_pauses,
        d.longest_pause_s,
        d.time_to_first_word_s,
        d.answer_s,
        d.share_of_time_limit,
    ):
        assert value is None
    assert not d.over_time
    assert d.comments == ()


def test_untimed_transcript_uses_the_recording_length() -> None:
    d = analyse(Transcript("the engine verifies every request", (), 30.0), 120, recording_s=30.0)
    assert d.answer_s == 30.0
    assert d.share_of_time_limit == pytest.approx(0.25)
    assert d.words_per_minute is None
    assert "You used 25% of the 120 s limit: there was room for more detail." in d.comments


def test_punctuation_and_case_of_whisper_words() -> None:
    words = (
        Word("Um,", 0.4, 0.6, 0.9),
        Word("I'D", 0.7, 0.9, 0.9),
        Word("like", 1.0, 1.2, 0.9),
        Word("to", 1.3, 1.4, 0.9),
        Word("say,", 1.5, 1.7, 0.9),
        Word("LIKE,", 1.8, 2.0, 0.9),
        Word("-", 2.0, 2.1, 0.1),  # punctuation only: not a word
        Word("Zero-Trust.", 2.2, 2.8, 0.9),
    )
    d = analyse(Transcript("", words, 3.0), None)
    assert d.filler_breakdown == {"um": 1, "like": 1}
    assert d.words == 8  # "zero-trust" is two words
    assert d.time_to_first_word_s == pytest.approx(0.4)
    assert d.speaking_s == pytest.approx(2.4)


def test_to_dict_is_json_ready_and_rounded() -> None:
    d = analyse(timed("um " + sentence(30), start=1.23456), 60)
    out = d.to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["time_to_first_word_s"] == 1.23
    assert out["filler_breakdown"] == {"um": 1}
    assert isinstance(out["comments"], list)
    assert set(out) >= {
        "words", "speaking_s", "words_per_minute", "filler_count", "fillers_per_minute",
        "fillers_per_100_words", "filler_breakdown", "long_pauses", "longest_pause_s",
        "time_to_first_word_s", "answer_s", "share_of_time_limit", "over_time",
        "top_content_words", "comments",
    }  # fmt: skip

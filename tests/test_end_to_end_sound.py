"""A whole practice question through the real pipeline on the virtual sound card.

The TTS reads the question into the virtual speaker, the test plays a spoken answer into the
virtual microphone, the real recorder captures it while the real tiny.en model transcribes it
as it streams, and the answer is scored.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from audio.recorder import SoundDeviceRecorder
from audio.tts import Pyttsx3Speaker, make_speaker
from audio.wavfile import read_wav_16k_mono
from models.registry import resolve_model
from models.transcriber import WhisperTranscriber
from questions.bank import QuestionSet
from simulator.history import History
from simulator.judge import Judge
from simulator.round_devices import BackgroundModel, Devices
from simulator.round_events import Listening, RoundEvent
from simulator.rounds import Round, RoundConfig, RoundPlan
from tests.speech_fixtures import espeak_wav
from tests.virtual_audio import VirtualAudio

pytestmark = [pytest.mark.sound, pytest.mark.tts, pytest.mark.model]

ANSWER = (
    "I would put a service mesh such as Istio or Linkerd in front of every service, so that "
    "all calls use mutual TLS. The mesh issues short lived certificates and rotates them "
    "automatically, and each side verifies the other's identity before any data is exchanged."
)


def test_practice_question_end_to_end(
    virtual_audio: VirtualAudio, tmp_path: Path, bank: QuestionSet
) -> None:
    question = bank.get("intermediate-07")
    speaker = make_speaker(rate_wpm=190)
    assert isinstance(speaker, Pyttsx3Speaker), getattr(speaker, "reason", "")
    model = BackgroundModel(
        lambda: WhisperTranscriber(resolve_model("tiny.en", tmp_path / "models"))
    )
    recorder = SoundDeviceRecorder(device=None, silence_stop_s=2.0)
    events: list[RoundEvent] = []
    with History.open(tmp_path / "history.sqlite3") as history:
        plan = RoundPlan("practice", (question,))
        rnd = Round(
            plan, RoundConfig.practice(), Devices(speaker, recorder, model), history, Judge(),
            tmp_path / "recordings", on_event=events.append,
        )  # fmt: skip
        try:
            began = time.monotonic()
            assert rnd.ask(question) == ""
            spoken_s = time.monotonic() - began
            assert spoken_s > 2.0  # say() returned only once the question had been played

            answer_wav = espeak_wav(ANSWER, tmp_path)
            rnd.on_event = lambda event: (
                events.append(event),
                isinstance(event, Listening) and virtual_audio.play_into_mic(answer_wav),
            )
            answer = rnd.answer_by_voice(question)
        finally:
            rnd.close()
        (stored,) = history.attempts()

    assert answer is not None and answer.recording is not None
    result = answer.recording
    assert result.stopped_by == "silence"
    recorded = read_wav_16k_mono(result.path)
    assert len(recorded) / 16000 == pytest.approx(result.duration_s, abs=0.2)
    assert result.duration_s > 8.0
    covered = {r.concept.id for r in answer.coverage.covered}
    # judged from what tiny.en heard (it may hear "nutual TLS" on a loaded machine)
    assert {"service-mesh", "mutual-auth"} <= covered, answer.transcript.text
    assert answer.coverage.coverage >= 0.5, answer.transcript.text
    assert answer.transcript.words and answer.transcript.words[0].start < 3.0
    assert stored.id == answer.attempt_id and stored.audio_path == str(result.path)


def test_a_spoken_follow_up_on_the_virtual_sound_card(
    virtual_audio: VirtualAudio, tmp_path: Path, bank: QuestionSet
) -> None:
    """A mock interview's question answered aloud, a follow-up read aloud about what the
    answer left out, and the follow-up answered aloud: both saved, the first score unchanged."""
    question = bank.get("intermediate-07")
    speaker = make_speaker(rate_wpm=220)
    model = BackgroundModel(
        lambda: WhisperTranscriber(resolve_model("tiny.en", tmp_path / "models"))
    )
    recorder = SoundDeviceRecorder(device=None, silence_stop_s=2.0)
    first = espeak_wav(
        "I would put a service mesh such as Istio in front of every service.", tmp_path
    )
    with History.open(tmp_path / "history.sqlite3") as history:
        devices = Devices(speaker, recorder, model)
        plan = RoundPlan("interview", (question,))
        rnd = Round(plan, RoundConfig.interview(), devices, history, Judge(), tmp_path / "rec")
        try:
            rnd.on_event = lambda e: isinstance(e, Listening) and virtual_audio.play_into_mic(first)
            answer = rnd.answer_by_voice(question)
            assert answer is not None, "the first answer was not heard"
            follow_up = rnd.follow_up_for(answer)
            assert follow_up is not None, answer.transcript.text
            assert rnd.ask_follow_up(answer, follow_up) == ""
            said = f"For that point I would rely on {follow_up.concept.terms[0]} all the time."
            second = espeak_wav(said, tmp_path)
            rnd.on_event = lambda e: (
                isinstance(e, Listening) and virtual_audio.play_into_mic(second)
            )
            later = rnd.follow_up_by_voice(answer, follow_up)
        finally:
            rnd.close()
        (stored,) = history.attempts()
    assert later is not None and later.follow_up is not None
    assert follow_up.concept.id in later.follow_up.recovered, later.follow_up.transcript.text
    assert later.coverage.coverage == answer.coverage.coverage
    assert stored.follow_up is not None and stored.follow_up.coverage_with > stored.coverage

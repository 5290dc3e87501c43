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
    text = answer.transcript.text.lower()
    assert "mutual tls" in text or "mtls" in text, answer.transcript.text
    assert answer.coverage.coverage >= 0.5, answer.transcript.text
    assert answer.transcript.words and answer.transcript.words[0].start < 3.0
    assert stored.id == answer.attempt_id and stored.audio_path == str(result.path)

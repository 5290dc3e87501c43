"""One practice question through the full-screen interface with every real adapter: espeak
reads the question into the virtual speaker, the answer is played into the virtual
microphone, the real recorder stops on silence, tiny.en transcribes it while it streams, and
the scored answer is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audio.recorder import SoundDeviceRecorder
from audio.tts import Pyttsx3Speaker, make_speaker
from models.registry import resolve_model
from models.transcriber import WhisperTranscriber
from questions.bank import QuestionSet
from simulator.config import Settings
from simulator.history import History
from simulator.judge import Judge
from simulator.tui.app import InterviewApp
from simulator.tui.screens.common import Services
from simulator.tui.screens.practice import PracticeScreen
from tests.speech_fixtures import espeak_wav
from tests.test_model_real import STRONG
from tests.tui.conftest import FakePlayer, shown, wait_for
from tests.virtual_audio import VirtualAudio

pytestmark = [pytest.mark.anyio, pytest.mark.sound, pytest.mark.tts, pytest.mark.model]


async def test_practice_round_on_the_virtual_sound_card(
    virtual_audio: VirtualAudio, tmp_path: Path, bank: QuestionSet
) -> None:
    speaker = make_speaker(rate_wpm=200)
    assert isinstance(speaker, Pyttsx3Speaker), getattr(speaker, "reason", "")
    history = History.open(tmp_path / "history.sqlite3")
    model = resolve_model("tiny.en", tmp_path / "models")
    services = Services(
        load_questions=lambda: bank,
        history=history,
        settings=Settings(silence_stop_s=2.0),
        settings_path=tmp_path / "config.toml",
        recordings_dir=tmp_path / "recordings",
        judge=Judge(),
        make_speaker=lambda s: speaker,
        make_recorder=lambda s: SoundDeviceRecorder(None, s.silence_stop_s),
        load_transcriber=lambda s: WhisperTranscriber(model),
        make_player=FakePlayer,
    )
    app = InterviewApp(services)
    answer = espeak_wav(STRONG, tmp_path)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            app.start_mode("practice", sections=["Beginner"], count=1, order="fixed")
            await wait_for(pilot, lambda: shown(app, PracticeScreen), 20)
            screen: Any = app.screen
            await wait_for(pilot, lambda: screen.state == "ready", 60)  # question spoken
            await pilot.press("r")
            await wait_for(pilot, lambda: screen.state == "recording", 20)
            virtual_audio.play_into_mic(answer)
            await wait_for(pilot, lambda: screen.state == "result", 120)
            attempts = history.attempts()
            assert (attempts[0].duration_s or 0) > 10  # the whole answer was heard first
            assert [a.question_id for a in attempts] == ["beginner-01"]
            assert attempts[0].coverage >= 0.5, attempts[0].transcript
            assert attempts[0].model == "tiny.en"
            assert attempts[0].audio_path and Path(attempts[0].audio_path).stat().st_size > 0
            await pilot.press("escape")
    finally:
        history.close()
        speaker.close()

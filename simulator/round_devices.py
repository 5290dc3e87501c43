"""The devices a round uses: the voice, the microphone (or why answers are typed), and the
speech model, which loads in the background while the first question is read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from audio.ports import AudioError, Recorder, Speaker
from models.transcriber import Transcriber


class BackgroundModel:
    """Loads the transcriber on a worker thread so the first question is read out meanwhile."""

    def __init__(self, build: Callable[[], Transcriber]):
        self._build = build
        self._ready = threading.Event()
        self._value: Transcriber | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._load, name="model-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            transcriber = self._build()
            load = getattr(transcriber, "load", None)
            if load:
                load()
            self._value = transcriber
        except BaseException as exc:
            self._error = exc
        finally:
            self._ready.set()

    def get(self, timeout: float = 300.0) -> Transcriber:
        if not self._ready.wait(timeout):
            raise TimeoutError("the speech model took too long to load")
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


@dataclass
class Devices:
    """The voice, the microphone (None: answers are typed, ``typed_reason`` says why) and
    the speech model loading in the background."""

    speaker: Speaker
    recorder: Recorder | None
    model: BackgroundModel | None
    typed_reason: str = ""

    @classmethod
    def open(
        cls,
        make_speaker: Callable[[], Speaker],
        make_recorder: Callable[[], Recorder | None],
        load_transcriber: Callable[[], Transcriber],
        typed_reason: str = "",
    ) -> Devices:
        """The voice and the microphone, then the speech model loading in the background
        (while the first question is read). A missing microphone is a reason to type, not an
        error; so is ``typed_reason`` (the microphone is then not even opened)."""
        speaker = make_speaker()
        recorder: Recorder | None = None
        reason = typed_reason
        if not reason:
            try:
                recorder = make_recorder()
                reason = "" if recorder is not None else "no microphone was found"
            except AudioError as exc:
                reason = str(exc)
        model = BackgroundModel(load_transcriber) if recorder is not None else None
        return cls(speaker, recorder, model, reason)

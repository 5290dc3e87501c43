"""Text to speech with pyttsx3 (espeak-ng on Linux), and a silent stand-in.

pyttsx3 2.99 traps this module works around (measured, see notes/virtual-audio.md):
- the engine must be created and driven from one thread: one process-wide worker owns it;
- ``runAndWait()`` returns before espeak has finished: every job waits for the
  ``finished-utterance`` callback, then ``_espeak.Synchronize()``, so back-to-back jobs never
  share espeak's buffer;
- the driver's ``say()`` plays through ``aplay`` via ``os.system`` (not stoppable, and
  "finished" fires before playback ends): we always synthesize to a WAV and play it ourselves;
- the driver prints "Audio saved to ..." on stdout: silenced.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, TypeVar

from audio.ports import AudioError, Speaker
from audio.wavfile import write_wav

T = TypeVar("T")

ESPEAK_HINT = "install espeak-ng (apt-get install espeak-ng libespeak-ng1)"
INIT_TIMEOUT_S = 15.0


def _synth_timeout(text: str) -> float:
    return 15.0 + len(text) / 50.0  # espeak runs far faster than real time


def _load_engine() -> tuple[Any, Any]:
    """Create the pyttsx3 espeak engine; returns (engine, pyttsx3's ctypes espeak module)."""
    try:
        import pyttsx3
    except ImportError:
        raise AudioError("no TTS engine: pyttsx3 is missing (pip install pyttsx3)") from None
    try:
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers import espeak as espeak_driver
    except Exception as e:  # the module raises when libespeak-ng cannot be loaded
        raise AudioError(f"no TTS engine: {ESPEAK_HINT} ({e})") from None
    espeak_driver.print = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    try:
        engine = pyttsx3.init("espeak")
    except Exception as e:
        raise AudioError(f"no TTS engine: espeak-ng failed to start ({e}); {ESPEAK_HINT}") from None
    return engine, _espeak


class _EngineWorker:
    """The one thread that owns the pyttsx3 engine; other threads submit jobs to it."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self._ready = threading.Event()
        self._finished = threading.Event()
        self.error: AudioError | None = None
        self.engine: Any = None
        self._espeak: Any = None
        self.default_voice: str | None = None
        threading.Thread(target=self._run, name="tts-engine", daemon=True).start()
        if not self._ready.wait(INIT_TIMEOUT_S):
            self.error = AudioError(
                f"no TTS engine: espeak-ng did not start in time; {ESPEAK_HINT}"
            )
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            self.engine, self._espeak = _load_engine()
            self.engine.connect("finished-utterance", lambda **_: self._finished.set())
            self.default_voice = self.engine.getProperty("voice")
        except AudioError as e:
            self.error = e
        except Exception as e:
            self.error = AudioError(f"no TTS engine: {e}; {ESPEAK_HINT}")
        finally:
            self._ready.set()
        if self.error is not None:
            return
        while True:
            job, future = self._jobs.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as e:
                    future.set_exception(e)

    def submit(self, job: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((job, future))
        return future

    def call(self, job: Callable[[], T], timeout: float) -> T:
        try:
            return self.submit(job).result(timeout)
        except FutureTimeout:
            raise AudioError(f"the TTS engine did not answer within {timeout:.0f} s") from None

    # --- jobs: run on the worker thread only ---------------------------------------------
    def synth_job(self, text: str, path: Path, voice: str | None, rate_wpm: int) -> Path:
        engine, espeak = self.engine, self._espeak
        # Set voice and rate on espeak directly and wait for them to apply: through pyttsx3
        # they are queued in espeak's command FIFO, and runAndWait()'s stop() -> Cancel()
        # discards them (measured: the rate stayed at its first value).
        voice = voice or self.default_voice  # the worker is shared: always set both
        if voice and espeak.SetVoiceByName(voice.encode()) != 0:
            raise AudioError(f"the TTS engine refused voice {voice!r}")
        espeak.SetParameter(espeak.RATE, int(rate_wpm), 0)
        espeak.Synchronize()
        self._finished.clear()
        engine.save_to_file(text, str(path))
        engine.runAndWait()
        if not self._finished.wait(_synth_timeout(text)):
            raise AudioError("the TTS engine did not finish the utterance in time")
        espeak.Synchronize()  # let espeak's own thread go idle before the next job
        if not path.exists() or path.stat().st_size <= 44:
            raise AudioError(f"the TTS engine wrote no audio for {text[:40]!r}")
        return path

    def voices_job(self) -> list[tuple[str, str]]:
        return [(str(v.id), str(v.name)) for v in self.engine.getProperty("voices")]


_worker: _EngineWorker | None = None
_worker_lock = threading.Lock()


def _engine_worker() -> _EngineWorker:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = _EngineWorker()
        return _worker


class Pyttsx3Speaker:
    """Speaks through espeak-ng: synthesizes to a temp WAV, then plays it (stoppable).

    ``voice`` is an espeak voice id or name (see ``voices()``); None keeps the default.
    ``player`` defaults to a ``SoundDevicePlayer`` on the default output.
    """

    available = True
    reason = ""

    def __init__(
        self, voice: str | None = None, rate_wpm: int = 175, player: Any | None = None
    ) -> None:
        self._worker = _engine_worker()  # AudioError when no engine
        self.rate_wpm = int(rate_wpm)
        self.voice = self._resolve_voice(voice) if voice else None
        if player is None:
            from audio.player import SoundDevicePlayer

            player = SoundDevicePlayer()
        self._player = player
        self._tmp = Path(tempfile.mkdtemp(prefix="interview-tts-"))
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self._generation = 0
        self._playback: Any = None

    def voices(self) -> list[tuple[str, str]]:
        """Installed voices as (id, name)."""
        return self._worker.call(self._worker.voices_job, 10.0)

    def _resolve_voice(self, voice: str) -> str:
        voices = self.voices()
        key = voice.strip().lower()
        for vid, name in voices:
            if key in (vid.lower(), name.lower()):
                return vid
        sample = ", ".join(vid for vid, _ in voices[:8])
        raise AudioError(f"unknown TTS voice {voice!r}; try one of: {sample}, ...")

    def _synthesize(self, text: str, path: Path) -> Future[Path]:
        return self._worker.submit(
            lambda: self._worker.synth_job(text, path, self.voice, self.rate_wpm)
        )

    def save(self, text: str, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not text.strip():
            return write_wav(path, [])
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(self._counter)}.tmp.wav")
        try:
            self._synthesize(text, tmp).result(_synth_timeout(text) + 5.0)
        except FutureTimeout:
            raise AudioError("the TTS engine did not finish in time") from None
        os.replace(tmp, path)  # appears complete, never half-written
        return path

    def say(self, text: str) -> None:
        if not text.strip():
            return
        with self._lock:
            generation = self._generation
        wav = self._tmp / f"say-{next(self._counter)}.wav"
        future = self._synthesize(text, wav)
        deadline = _synth_timeout(text) + 5.0
        waited = 0.0
        while True:  # poll so that stop() during synthesis returns at once
            try:
                future.result(0.05)
                break
            except FutureTimeout:
                waited += 0.05
                if self._generation != generation:
                    future.add_done_callback(lambda _: wav.unlink(missing_ok=True))
                    return
                if waited > deadline:
                    raise AudioError("the TTS engine did not finish in time") from None
        try:
            with self._lock:
                if self._generation != generation:
                    return
                playback = self._playback = self._player.start(wav)
            try:
                if not playback.wait(playback.duration_s + 5.0):
                    raise AudioError("speech playback did not finish: the sound output is stuck")
            finally:
                playback.close()
                with self._lock:
                    if self._playback is playback:
                        self._playback = None
        finally:
            wav.unlink(missing_ok=True)

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            playback = self._playback
        if playback is not None:
            playback.cancel()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._tmp, ignore_errors=True)


class SilentSpeaker:
    """A Speaker that says nothing; ``reason`` tells the user why."""

    available = False

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def say(self, text: str) -> None:
        return None

    def stop(self) -> None:
        return None

    def save(self, text: str, path: Path) -> Path:
        raise AudioError(self.reason)

    def close(self) -> None:
        return None


def make_speaker(voice: str | None = None, rate_wpm: int = 175) -> Speaker:
    """The espeak speaker, or a SilentSpeaker whose ``reason`` says why there is no voice."""
    try:
        return Pyttsx3Speaker(voice=voice, rate_wpm=rate_wpm)
    except AudioError as e:
        return SilentSpeaker(str(e))
    except Exception as e:
        return SilentSpeaker(f"no TTS engine: {e}; {ESPEAK_HINT}")

"""Sound input devices: listing, choosing one by name or index, and explaining PortAudio
errors as one line that says what to do."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from audio.ports import AudioError

PORTAUDIO_HINT = "install PortAudio: apt-get install libportaudio2 (or your OS's equivalent)"


def import_sounddevice() -> ModuleType:
    """Import sounddevice lazily so a missing PortAudio is an AudioError, not an ImportError."""
    try:
        import sounddevice
    except (OSError, ImportError) as e:
        raise AudioError(f"sound is unavailable ({e}); {PORTAUDIO_HINT}") from None
    return sounddevice


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    default_samplerate: float
    channels: int
    is_default: bool


def _default_input_index(sd: Any) -> int | None:
    try:
        idx = sd.default.device[0]
        if idx is None or idx < 0:
            idx = sd.query_devices(kind="input")["index"]
        return int(idx)
    except Exception:
        return None


def list_input_devices() -> list[InputDevice]:
    sd = import_sounddevice()
    try:
        devices = sd.query_devices()
    except sd.PortAudioError as e:
        raise AudioError(f"cannot list sound devices: {e}") from None
    default = _default_input_index(sd)
    return [
        InputDevice(
            index=int(d["index"]),
            name=str(d["name"]),
            default_samplerate=float(d["default_samplerate"]),
            channels=int(d["max_input_channels"]),
            is_default=int(d["index"]) == default,
        )
        for d in devices
        if d["max_input_channels"] > 0
    ]


def _device_choices(devices: list[InputDevice]) -> str:
    return "; ".join(f"{d.index}: {d.name}" for d in devices) or "none"


def find_device(name_or_index: str | int | None) -> InputDevice:
    """An input device by index, exact name, or unique case-insensitive name fragment.

    ``None`` means the system default input.
    """
    devices = list_input_devices()
    if not devices:
        raise AudioError(
            "no microphone found: plug one in or check the sound server "
            "(e.g. `pactl info`), then list devices again"
        )
    if name_or_index is None:
        for d in devices:
            if d.is_default:
                return d
        raise AudioError(f"no default microphone; choose one of: {_device_choices(devices)}")
    key = str(name_or_index).strip()
    if key.lstrip("-").isdigit():
        for d in devices:
            if d.index == int(key):
                return d
        raise AudioError(
            f"no input device with index {key}; choose one of: {_device_choices(devices)}"
        )
    exact = [d for d in devices if d.name.lower() == key.lower()]
    if len(exact) == 1:
        return exact[0]
    matches = [d for d in devices if key.lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AudioError(
            f"no input device matches {key!r}; choose one of: {_device_choices(devices)}"
        )
    raise AudioError(f"{key!r} matches several devices; choose one of: {_device_choices(matches)}")


def explain_device_error(e: Exception, what: str) -> str:
    """A PortAudio error -> one line that says what to do."""
    text = str(e)
    low = text.lower()
    if "unavailable" in low or "busy" in low or "-9985" in low:
        return (
            f"{what} is busy or unavailable ({text}); "
            "close other programs using it, or pick another device"
        )
    if any(k in low for k in ("invalid device", "-9996", "error querying device", "matching")):
        return f"{what} does not exist ({text}); list the devices and pick another one"
    if "sample rate" in low or "-9997" in low:
        return f"{what} refuses every usual sample rate ({text}); pick another device"
    return f"cannot open {what} ({text}); check it is plugged in, or pick another device"

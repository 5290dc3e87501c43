"""Where the simulator keeps its files, and the user's settings.

Paths come from platformdirs; ``INTERVIEW_SIM_HOME`` puts everything under one folder instead
(tests and portable installs use it).
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomlkit
import tomlkit.exceptions

from questions.errors import SimulatorError

APP_NAME = "interview-sim"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def banks_dir(self) -> Path:
        return self.config_dir / "banks"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"


def paths() -> Paths:
    home = os.environ.get("INTERVIEW_SIM_HOME")
    if home:
        root = Path(home).expanduser()
        return Paths(root / "config", root / "data")
    return Paths(
        Path(platformdirs.user_config_dir(APP_NAME)), Path(platformdirs.user_data_dir(APP_NAME))
    )


RATE_RANGE = (80, 400)  # words a minute the voice can read at
SILENCE_RANGE = (0.0, 60.0)  # 0 turns the silence stop off
PREPARE_RANGE = (0, 120)
FOLLOW_UP_RANGE = (0, 1)  # the interviewer asks one follow-up per answer at most
DEVICES = ("cpu", "cuda", "auto")
COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "float16", "float32", "default")


class SettingsError(SimulatorError):
    """A settings file that cannot be read, or a value of the wrong type or range."""


@dataclass
class Settings:
    """User settings, saved as TOML in the config dir. Every value is checked when the file
    is read (``allow_download = "false"`` is a string, not false: refused, not guessed);
    unknown keys and comments are kept when the settings are saved."""

    model: str = "tiny.en"
    device: str = "cpu"
    compute_type: str = "int8"
    input_device: str | int | None = None
    voice: str | None = None
    rate_wpm: int = 175
    silence_stop_s: float = 4.0
    drill_prepare_s: int = 10
    allow_download: bool = False
    keep_fillers: bool = False  # a disfluent prompt keeps "um"s but costs keyword recall
    follow_ups: int = 1  # 1: one follow-up after a thin answer in practice and interviews; 0: none
    follow_up_min_weight: float | None = None  # a missed point this heavy is asked about
    unknown: tuple[str, ...] = field(default=(), compare=False)  # keys this release ignores

    @classmethod
    def load(cls, path: Path) -> Settings:
        """The settings in ``path`` (defaults when there is no file); ``SettingsError`` names
        the file, the key, the value and what is expected."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls()
        except IsADirectoryError:
            raise SettingsError(f"{path}: is a folder, not a settings file; remove it") from None
        except OSError as exc:
            raise SettingsError(
                f"{path}: cannot read the settings ({exc.strerror}); fix its permissions"
            ) from None
        try:
            data = tomllib.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise SettingsError(
                f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(
                f"{path}: TOML syntax error: {exc}; fix the line or delete the file"
            ) from None
        values: dict[str, Any] = {}
        for key, value in data.items():
            check = _CHECKS.get(key)
            if check is None:
                continue
            try:
                values[key] = check(value)
            except ValueError as exc:
                raise SettingsError(
                    f"{path}: setting '{key}' = {_shown(value)}: expected {exc}"
                ) from None
        unknown = tuple(sorted(k for k in data if k not in _CHECKS))
        return cls(**values, unknown=unknown)

    def save(self, path: Path) -> None:
        """Write the settings, keeping the file's comments, order and unknown keys."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = path.resolve()  # a linked config.toml is updated where it lives, not replaced
        try:
            document = tomlkit.parse(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError):
            document = tomlkit.document()
        for key in _CHECKS:
            value = getattr(self, key)
            if value is None:
                document.pop(key, None)
            else:
                document[key] = value
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as tmp:  # a unique name: two windows saving at once cannot mix their files
            tmp.write(tomlkit.dumps(document))
        tmp_path = Path(tmp.name)
        try:
            tmp_path.chmod(0o600)
            tmp_path.replace(path)
        except OSError:
            tmp_path.unlink(missing_ok=True)
            raise


def _text(value: object) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError("a non-empty text in quotes")


def _optional_text(value: object) -> str | None:
    return _text(value)


def _choice(*options: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if isinstance(value, str) and value in options:
            return value
        raise ValueError("one of " + ", ".join(f'"{o}"' for o in options))

    return check


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("true or false, without quotes")


def _number(low: float, high: float, whole: bool = False) -> Callable[[object], float]:
    def check(value: object) -> float:
        fits = isinstance(value, int) if whole else isinstance(value, int | float)
        if fits and not isinstance(value, bool) and low <= value <= high:  # type: ignore[operator]
            return value  # type: ignore[return-value]
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{kind} from {low:g} to {high:g}, without quotes")

    return check


def _device(value: object) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError("a microphone's name in quotes, or its index (see 'interview-sim doctor')")


_CHECKS: dict[str, Callable[[object], Any]] = {
    "model": _text,
    "device": _choice(*DEVICES),
    "compute_type": _choice(*COMPUTE_TYPES),
    "input_device": _device,
    "voice": _optional_text,
    "rate_wpm": _number(*RATE_RANGE, whole=True),
    "silence_stop_s": _number(*SILENCE_RANGE),
    "drill_prepare_s": _number(*PREPARE_RANGE, whole=True),
    "allow_download": _boolean,
    "keep_fillers": _boolean,
    "follow_ups": _number(*FOLLOW_UP_RANGE, whole=True),
    "follow_up_min_weight": _number(0, 100),
}


def _shown(value: object) -> str:
    """The value as it is written in the file: a string with its quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else f"a {type(value).__name__}"

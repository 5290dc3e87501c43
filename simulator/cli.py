"""``interview-sim``: the command line. It parses the arguments, composes the adapters once
(``simulator.compose``) and hands them to the command; each command lives in a ``*_cli``
module, and the practice modes in ``rounds_cli``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from questions.errors import SimulatorError
from simulator import bank_cli, config, history_cli, rounds_cli, score_cli, speech_cli
from simulator.compose import compose

log = logging.getLogger("interview_sim")


# --- parser ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one line (and exit 2), not the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"interview-sim: error: {message}; see '{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="interview-sim",
        description="Offline voice-driven interview practice: questions read aloud, answers "
        "transcribed locally with Whisper and scored against a rubric.",
    )
    parser.add_argument(
        "--bank",
        metavar="PATH",
        help="use this bank file instead of the built-in banks and your banks folder",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (score_cli, bank_cli, speech_cli, rounds_cli, history_cli):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.umask(0o077)  # answers, recordings, logs and memos are personal: files 0600, folders 0700
    _tolerate_the_terminal_encoding()
    parser = build_parser()
    args = parser.parse_args(argv)
    command = getattr(args, "func", None) or rounds_cli.cmd_default
    try:
        app = compose(
            bank=args.bank,
            model=getattr(args, "model", None),
            allow_download=getattr(args, "allow_download", False),
            typed=getattr(args, "typed", False),
        )
        for key in app.settings.unknown:
            app.warn(f"{app.settings_path}: unknown setting '{key}' (kept, not used)")
        code = int(command(args, app, sys.stdout))
        sys.stdout.flush()  # a full disk or a closed descriptor shows here, not at exit
        return code
    except SimulatorError as exc:
        print(f"interview-sim: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interview-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
        _quiet_stdout()
        return 0
    except OSError as exc:
        if exc.filename is None:  # writing the output failed: disk full, descriptor closed
            _quiet_stdout()
            print(
                f"interview-sim: error: cannot write the output ({exc.strerror})", file=sys.stderr
            )
            return 1
        return _unexpected(exc)
    except Exception as exc:
        return _unexpected(exc)


def _tolerate_the_terminal_encoding() -> None:
    """A terminal that cannot show a character gets '?' instead of a crash: on a non-UTF-8
    terminal the check marks and bars would otherwise end a command half-way."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush fails no more."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _unexpected(exc: BaseException) -> int:
    """A bug: one line for the user, the traceback in the data folder's crash.log."""
    log_path = config.paths().data_dir / "crash.log"
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(traceback.format_exc(), encoding="utf-8")
        where = f"; details in {log_path}"
    except OSError:
        where = ""
    print(
        f"interview-sim: unexpected error: {exc.__class__.__name__}: {exc}{where}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())

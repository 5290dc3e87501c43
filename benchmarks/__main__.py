"""Entry point: ``python -m benchmarks [speech|spoken|scoring|calibrate] [--json]``.

``speech`` (the default) needs espeak-ng and a Whisper model (``--model``: tiny.en unless told;
``base`` once installed). ``spoken`` judges held-out answers from audio against the same answers
typed: whole files with and without biasing, and streamed as the app takes them (about 30
minutes; ``--quick`` about 8; ``--ways`` picks some; ``--transcripts FILE`` keeps what was
heard, and ``--rejudge FILE`` judges it again in seconds after a change to the judge). ``scoring``
grades the held-out answers with four kinds of bank (about a minute); ``calibrate`` fits the
meaning judge's weights on the development sets and prints them for ``questions/meaning.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "suite", nargs="?", default="speech", choices=["speech", "spoken", "scoring", "calibrate"]
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--quick", action="store_true", help="fewer answers, faster")
    parser.add_argument("--model", default="tiny.en", help="speech, spoken: the Whisper model")
    parser.add_argument(
        "--ways",
        default=None,
        help="spoken: comma-separated, from biased,streamed,unbiased (the default) and "
        "biased_raw,biased_once",
    )
    parser.add_argument(
        "--parts", default="latency,recall,fillers", help="speech: comma-separated parts to run"
    )
    parser.add_argument(
        "--transcripts", type=Path, help="spoken: also write what each way heard to this file"
    )
    parser.add_argument(
        "--rejudge",
        type=Path,
        help="spoken: judge the transcripts of an earlier --transcripts file again (seconds)",
    )
    args = parser.parse_args()
    if args.suite in ("scoring", "calibrate"):
        from benchmarks import scoring

        if args.suite == "calibrate":
            report = scoring.calibrate()
        else:
            report = scoring.run(progress=lambda what: print(f"  {what}", file=sys.stderr))
    elif args.suite == "spoken":
        from benchmarks import spoken

        ways = tuple(args.ways.split(",")) if args.ways else spoken.DEFAULT_WAYS
        if args.rejudge:
            report = spoken.rejudge(args.rejudge)
        else:
            report = spoken.run(args.quick, args.model, ways, args.transcripts)
    else:
        from benchmarks import speech

        report = speech.run(args.quick, tuple(args.parts.split(",")), args.model)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Entry point: ``python -m benchmarks [speech|scoring|calibrate] [--json]``.

``speech`` (the default) needs the real tiny.en model and espeak-ng. ``scoring`` grades the
held-out answers with four kinds of bank (about a minute); ``calibrate`` fits the meaning
judge's weights on the development sets and prints them for ``questions/meaning.py``.
"""

from __future__ import annotations

import argparse
import json
import sys


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "suite", nargs="?", default="speech", choices=["speech", "scoring", "calibrate"]
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--quick", action="store_true", help="speech: fewer answers, faster")
    parser.add_argument(
        "--parts", default="latency,recall,fillers", help="speech: comma-separated parts to run"
    )
    args = parser.parse_args()
    if args.suite in ("scoring", "calibrate"):
        from benchmarks import scoring

        if args.suite == "calibrate":
            report = scoring.calibrate()
        else:
            report = scoring.run(progress=lambda what: print(f"  {what}", file=sys.stderr))
    else:
        from benchmarks import speech

        report = speech.run(quick=args.quick, parts=tuple(args.parts.split(",")))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

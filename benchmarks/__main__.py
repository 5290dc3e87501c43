"""Entry point: ``python -m benchmarks [speech|scoring] [--json]``.

``speech`` (the default) needs the real tiny.en model and espeak-ng; ``scoring`` needs neither.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("suite", nargs="?", default="speech", choices=["speech", "scoring"])
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--verbose", action="store_true", help="include every scoring mistake")
    parser.add_argument("--bank", type=Path, help="scoring: use this bank file")
    parser.add_argument("--only", default="", help="scoring: question ids starting with this")
    parser.add_argument("--quick", action="store_true", help="speech: fewer answers, faster")
    parser.add_argument(
        "--parts", default="latency,recall,fillers", help="speech: comma-separated parts to run"
    )
    args = parser.parse_args()
    if args.suite == "scoring":
        from benchmarks import scoring

        report = scoring.run(verbose=args.verbose, bank=args.bank, only=args.only)
    else:
        from benchmarks import speech

        report = speech.run(quick=args.quick, parts=tuple(args.parts.split(",")))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks: `python -m benchmarks [speech|scoring] --json` prints one JSON object."""

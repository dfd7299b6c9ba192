"""Whole-process timings, reported as medians beside a floor measured in the same run.

Targets (issue 2): `kyphocheck --help` at most 1.5x the floor `python -c "import typer, rich"`;
a scripted Markdown-only run of the example at most 0.6 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "example-patient.yaml"
REPEATS = 15


def median_seconds(command: list[str], repeats: int = REPEATS) -> tuple[float, float]:
    """Median and minimum wall time of `command` over `repeats` runs, after one warm-up."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> int:
    floor = [sys.executable, "-c", "import typer, rich"]
    help_cmd = [str(BIN / "kyphocheck"), "--help"]
    with tempfile.TemporaryDirectory() as out:
        run_cmd = [
            str(BIN / "kyphocheck"),
            "run",
            "--answers",
            str(EXAMPLE),
            "--non-interactive",
            "--no-sign",
            "--now",
            "2026-12-01T07:45-06:00",
            "--out",
            out,
        ]
        results = {
            "floor: python -c 'import typer, rich'": median_seconds(floor),
            "kyphocheck --help": median_seconds(help_cmd),
            "kyphocheck run (example, Markdown only)": median_seconds(run_cmd),
        }
    print(f"{'benchmark':45} {'median':>9} {'min':>9}   ({REPEATS} runs each)")
    for name, (median, best) in results.items():
        print(f"{name:45} {median * 1000:7.0f}ms {best * 1000:7.0f}ms")
    floor_median = results["floor: python -c 'import typer, rich'"][0]
    help_ratio = results["kyphocheck --help"][0] / floor_median
    run_median = results["kyphocheck run (example, Markdown only)"][0]
    print()
    print(f"--help / floor: {help_ratio:.2f}x (target <= 1.5x)")
    print(f"scripted run:   {run_median:.3f} s (target <= 0.6 s)")
    ok = help_ratio <= 1.5 and run_median <= 0.6
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""National scale against the speed of the data: whole commands side by side in one run.

    python benchmarks/national.py     # writes its section of benchmarks/RESULTS.md

A generated national instance (6,000 practitioners in 100 pdus, 24,000 unallocated cases), and three
whole processes run in turn, three rounds: pandas reading both CSV files (the yardstick), `optimiser
validate`, and `optimiser solve --workers 2 --no-history`. Each process is timed from its start to its
exit (start-up and imports included), and its peak memory is the operating system's accounting of the
largest single process it waited for (a Dask worker included). Ratios are taken round by round, so a
machine that slows down during the run moves both sides.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from run import HERE, write_section

from optimiser.generate import generate, write_instance

ROUNDS = 3
FOLDER = HERE / ".cache" / "national-24000-1"
BIN = Path(sys.executable).parent


def instance() -> Path:
    if not (FOLDER / "cases.csv").exists():
        write_instance(FOLDER, generate(6000, 24_000, 1, 100))
    return FOLDER


def timed(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak MB of the largest process waited for, exit status) of one whole command."""
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    return time.monotonic() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    folder = instance()
    commands = {
        "pandas read": [
            sys.executable,
            "-c",
            f"import pandas as pd; pd.read_csv({str(folder / 'practitioners.csv')!r}); "
            f"pd.read_csv({str(folder / 'cases.csv')!r})",
        ],
        "optimiser validate": [str(BIN / "optimiser"), "validate", str(folder)],
        "optimiser solve --workers 2": [],
    }
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as out:
        commands["optimiser solve --workers 2"] = [
            str(BIN / "optimiser"),
            "solve",
            str(folder),
            "--out",
            out,
            "--workers",
            "2",
            "--no-history",
            "--quiet",
        ]
        for _ in range(ROUNDS):
            for name, command in commands.items():
                runs[name].append(timed(command))
    names = list(commands)
    ratios = {
        "validate / pandas read": [v[0] / p[0] for v, p in zip(runs[names[1]], runs[names[0]], strict=True)],
        "solve / validate": [s[0] / v[0] for s, v in zip(runs[names[2]], runs[names[1]], strict=True)],
    }
    lines = [
        "## National scale: whole commands against the raw read",
        "",
        f"Run on {date.today().isoformat()} with `python benchmarks/national.py`: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. A generated national instance (6,000 "
        "practitioners, 100 pdus, 24,000 unallocated cases); each command a whole process from start to exit, "
        f"{ROUNDS} rounds in turn; peak is the largest single process.",
        "",
        "| command | wall s (min / median / max) | peak MB (median) | exit |",
        "|---|---|---|---|",
    ]
    for name, timings in runs.items():
        walls = sorted(t[0] for t in timings)
        lines.append(
            f"| {name} | {walls[0]:.2f} / {statistics.median(walls):.2f} / {walls[-1]:.2f} | "
            f"{statistics.median(t[1] for t in timings):.0f} | {sorted({t[2] for t in timings})} |"
        )
    lines += ["", "| ratio (round by round) | median | target |", "|---|---|---|"]
    targets = {"validate / pandas read": "3x", "solve / validate": "3x"}
    for name, values in ratios.items():
        lines.append(f"| {name} | {statistics.median(values):.1f}x | {targets[name]} |")
    write_section("national", lines)


if __name__ == "__main__":
    main()

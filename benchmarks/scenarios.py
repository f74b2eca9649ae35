"""Benchmarks of the what-if, trade-off and staffing commands, timed as whole processes (as a lead runs
them), side by side in one run; writes its section of benchmarks/RESULTS.md.

    python benchmarks/scenarios.py

- what-if: ``optimiser whatif`` with 4 scenarios (each changing one or two pdus) on a generated region
  (600 practitioners, 10 pdus, 6,500 new cases) against one ``optimiser solve`` of the same region,
  alternating, both with ``--workers 2``; the ratio is taken pair by pair (the machine is shared).
- trade-off: ``optimiser tradeoff --transfers auto`` on instances/london-pdu and on the benchmark's
  ``pdu-settled`` family (seeds 1-3).
- staffing: ``optimiser staffing`` on the region, at 110% (no transfers) and at 210%.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import FAMILIES, instance_folder, write_section  # noqa: E402

REPEATS = 3
SCENARIOS = {
    "two-leave.toml": '[[leave]]\nstaff_code = "PDU001-002"\n[[leave]]\nstaff_code = "PDU001-003"\n',
    "recruits.toml": '[[join]]\ngrade = "PO"\ncount = 4\npdu = "PDU002"\n',
    "demand.toml": '[[demand]]\ncount = 60\ntier = "C2"\nrosh = "MEDIUM"\npdu = "PDU003"\n'
    '[[demand]]\ncount = 60\ntier = "C2"\nrosh = "MEDIUM"\npdu = "PDU004"\n',
    "reductions.toml": '[[change]]\nstaff_code = "PDU005-001"\nreduction_hours = 7.4\nprotected = true\n',
}


def timed(args: list[str], out: Path) -> tuple[float, str]:
    """Wall seconds of one whole command, and what it printed."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "optimiser", *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    out.write_text(done.stdout)
    return seconds, done.stdout


def whatif_against_solve(region: Path, work: Path) -> list[str]:
    files = []
    for name, text in SCENARIOS.items():
        (work / name).write_text(text)
        files.append(str(work / name))
    solve = ["solve", str(region), "--out", str(work / "solve"), "--workers", "2", "--no-history"]
    whatif = ["whatif", str(region), *files, "--out", str(work / "whatif"), "--workers", "2", "--no-history"]
    pairs = []
    for _ in range(REPEATS):
        a, _ = timed(whatif, work / "whatif.txt")
        b, _ = timed(solve, work / "solve.txt")
        pairs.append((a, b))
    ratios = [a / b for a, b in pairs]
    rows = json.loads((work / "whatif" / "whatif.json").read_text())["runs"]
    lines = [
        "### What-if: 4 scenarios against one solve (region: 600 practitioners, 10 pdus, 6,500 new cases)",
        "",
        f"    python -m optimiser whatif REGION {' '.join(SCENARIOS)} --out W --workers 2   "
        f"# vs: python -m optimiser solve REGION --out S --workers 2",
        "",
        f"- whatif median {statistics.median(a for a, _ in pairs):.2f} s, solve median "
        f"{statistics.median(b for _, b in pairs):.2f} s; ratio per pair (whatif / solve): "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + f"; median **{statistics.median(ratios):.2f}** (target: at most 2)",
        "",
        "| run | status | max % | bound % | forced | unallocated |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['scenario']} | {r['status']} | {r['max_wmt_pct']} | {r['lower_bound_pct']} | "
        f"{r['forced_transfers']} | {r['unallocated']} |"
        for r in rows
    ]
    return lines


def tradeoffs(work: Path) -> list[str]:
    lines = [
        "",
        "### Trade-off: `optimiser tradeoff INSTANCE --transfers auto --time-limit 5 --workers 2` (5 s per point)",
        "",
        "| instance | wall s | budgets where the maximum changes (transfers: max %) | proven points |",
        "|---|---|---|---|",
    ]
    settled = next(f for f in FAMILIES if f.name == "pdu-settled")
    targets = [("instances/london-pdu", ROOT / "instances" / "london-pdu")]
    targets += [(f"pdu-settled seed {s}", instance_folder(settled, s)) for s in settled.seeds]
    for name, folder in targets:
        out = work / f"tradeoff-{name.replace(' ', '-').replace('/', '-')}"
        seconds, _ = timed(
            ["tradeoff", str(folder), "--transfers", "auto", "--time-limit", "5", "--out", str(out), "--workers", "2"],
            work / "tradeoff.txt",
        )
        rows = (out / "tradeoff.csv").read_text().splitlines()[1:]
        cells = [row.split(",") for row in rows]
        steps = ", ".join(f"{c[0]}: {c[2]}" for c in cells)
        proven = sum(1 for c in cells if c[4] == "OPTIMAL")
        lines.append(f"| {name} | {seconds:.1f} | {steps} | {proven} of {len(cells)} |")
    return lines


def staffing(region: Path, work: Path) -> list[str]:
    lines = [
        "",
        "### Staffing on the region: `optimiser staffing REGION --target PCT --grades PO,PSO --skills 'DA;SO' --workers 2`",
        "",
        "| target | wall s | answer |",
        "|---|---|---|",
    ]
    for target in ("110", "210"):  # 110: held work above it cannot move (no transfers); 210: hires trained in DA;SO
        seconds, _ = timed(
            [
                "staffing",
                str(region),
                "--target",
                target,
                "--grades",
                "PO,PSO",
                "--skills",
                "DA;SO",
                "--workers",
                "2",
                "--out",
                str(work / f"staffing-{target}"),
            ],
            work / "staffing.txt",
        )
        answer = json.loads((work / f"staffing-{target}" / "staffing.json").read_text())
        proven = sum(1 for p in answer["pdus"] if p["proven_minimal"])
        summary = (
            f"hires {answer['hires'] or 'none'}; reached {answer['reached']}; "
            f"{proven} of {len(answer['pdus'])} pdus proven minimal or proven impossible"
        )
        lines.append(f"| {target}% | {seconds:.1f} | {summary} |")
    return lines


def main() -> None:
    region_family = next(f for f in FAMILIES if f.name == "region")
    region = instance_folder(region_family, 1)
    work = HERE / ".cache" / "scenarios"
    work.mkdir(parents=True, exist_ok=True)
    section = [
        "## What-if, trade-off and staffing",
        "",
        f"Run on {date.today().isoformat()} with `python benchmarks/scenarios.py`: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Whole commands, wall time, as a lead runs them.",
        "",
        *whatif_against_solve(region, work),
        *tradeoffs(work),
        *staffing(region, work),
    ]
    write_section("scenarios", section)


if __name__ == "__main__":
    main()

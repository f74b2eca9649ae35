"""``optimiser check``: re-derive every figure of a result folder from the instance and report each violation.

It trusts nothing in the output: holders come from allocations.csv applied to the input, and every
figure in workload.csv and summary.json is recomputed and compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .domain import Instance
from .errors import InputError
from .outcome import max_pct, workloads
from .results import Action
from .rules import Rules
from .verify import verify
from .writer import ALLOCATIONS_FILE, SUMMARY_FILE, UNALLOCATED_FILE, WORKLOAD_FILE, format_pct


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise InputError(name, None, None, f"file not found in {folder}")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _holders(instance: Instance, moves: pd.DataFrame, problems: list[str]) -> dict[str, str]:
    after = {c.crn: c.staff_code for c in instance.cases}
    seen: set[str] = set()
    for row, move in enumerate(moves.itertuples(index=False), start=2):
        if move.crn not in after:
            problems.append(f"{ALLOCATIONS_FILE} row {row}: unknown case {move.crn}")
            continue
        if move.crn in seen:
            problems.append(f"{ALLOCATIONS_FILE} row {row}: case {move.crn} moved twice")
        seen.add(move.crn)
        if move.from_staff_code != after[move.crn]:
            problems.append(
                f"{ALLOCATIONS_FILE} row {row}: {move.crn} is held by {after[move.crn] or 'nobody'}, "
                f"not {move.from_staff_code or 'nobody'}"
            )
        expected = Action.TRANSFER if after[move.crn] else Action.ALLOCATE
        if move.action != expected:
            problems.append(f"{ALLOCATIONS_FILE} row {row}: action {move.action}, expected {expected}")
        after[move.crn] = move.to_staff_code
    return after


def check_result(instance: Instance, rules: Rules, folder: Path) -> list[str]:
    """Every inconsistency between the input, the rules and the result files; empty when sound."""
    summary_path = folder / SUMMARY_FILE
    if not summary_path.is_file():
        raise InputError(SUMMARY_FILE, None, None, f"file not found in {folder}")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    moves, left, work = _read(folder, ALLOCATIONS_FILE), _read(folder, UNALLOCATED_FILE), _read(folder, WORKLOAD_FILE)
    problems: list[str] = []
    after = _holders(instance, moves, problems)
    problems += verify(instance, rules, after, int(summary.get("max_transfers", 0)))
    still_unallocated = {crn for crn, holder in after.items() if not holder}
    listed = set(left["crn"])
    problems += [
        f"case {crn} is neither allocated nor listed in {UNALLOCATED_FILE}"
        for crn in sorted(still_unallocated - listed)
    ]
    problems += [
        f"case {crn} is listed in {UNALLOCATED_FILE} but was allocated" for crn in sorted(listed - still_unallocated)
    ]
    loads = workloads(instance, rules, after)
    problems += _compare_workload(loads, work)
    figures = {
        "allocated": int((moves["action"] == Action.ALLOCATE).sum()),
        "transfers": int((moves["action"] == Action.TRANSFER).sum()),
        "unallocated": len(still_unallocated),
        "max_wmt_pct": float(max_pct(loads, "wmt_pct_after")),
        "max_wmt_pct_before": float(max_pct(loads, "wmt_pct_before")),
    }
    problems += [
        f"{SUMMARY_FILE}: {key} is {summary.get(key)}, re-derived {value}"
        for key, value in figures.items()
        if summary.get(key) != value
    ]
    if float(summary.get("lower_bound_pct", 0)) > figures["max_wmt_pct"]:
        problems.append(f"{SUMMARY_FILE}: lower_bound_pct {summary['lower_bound_pct']} is above the maximum achieved")
    return problems


def _compare_workload(loads, work: pd.DataFrame) -> list[str]:
    problems = []
    rows = {r["staff_code"]: r for r in work.to_dict("records")}
    for w in loads:
        row = rows.get(w.staff_code)
        if row is None:
            problems.append(f"{WORKLOAD_FILE}: no row for {w.staff_code}")
            continue
        expected = {
            "available_points": str(w.available_points),
            "points_before": str(w.points_before),
            "points_after": str(w.points_after),
            "cases_before": str(w.cases_before),
            "cases_after": str(w.cases_after),
            "wmt_pct_before": format_pct(w.wmt_pct_before),
            "wmt_pct_after": format_pct(w.wmt_pct_after),
        }
        problems += [
            f"{WORKLOAD_FILE}: {w.staff_code} {col} is {row.get(col)!r}, re-derived {value!r}"
            for col, value in expected.items()
            if row.get(col) != value
        ]
    return problems

"""``optimiser check``: re-derive every figure of a result folder from the instance and report each violation.

It trusts nothing in the output: holders come from allocations.csv applied to the input, and every
figure in workload.csv and summary.json is recomputed and compared.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from .domain import Holders, Instance
from .errors import InputError
from .files import read_input, unescape_cell
from .outcome import Workload, max_pct, moves, workloads
from .results import Action
from .rules import Rules
from .verify import verify
from .wmt import standing
from .writer import (
    ALLOCATION_COLUMNS,
    ALLOCATIONS_FILE,
    SUMMARY_FILE,
    UNALLOCATED_COLUMNS,
    UNALLOCATED_FILE,
    WORKLOAD_COLUMNS,
    WORKLOAD_FILE,
    format_pct,
)

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = {
    ALLOCATIONS_FILE: ALLOCATION_COLUMNS,
    UNALLOCATED_FILE: UNALLOCATED_COLUMNS,
    WORKLOAD_FILE: WORKLOAD_COLUMNS,
}


class Unreadable(Exception):
    """A result file that cannot be checked at all: a violation, reported as such."""


def _read(folder: Path, name: str) -> pd.DataFrame:
    """A result CSV as text cells, or Unreadable naming what is wrong with it."""
    import pandas as pd  # loaded only to check: validate and the other commands start faster

    try:
        frame = pd.read_csv(io.BytesIO(read_input(folder / name)), dtype=str, keep_default_na=False)
    except InputError as exc:
        raise Unreadable(f"{name}: {exc.message}") from None
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise Unreadable(f"{name}: not a readable CSV file ({type(exc).__name__})") from None
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise Unreadable(f"{name}: missing column {missing[0]}")
    return frame.map(unescape_cell)


def _summary(folder: Path) -> dict:
    try:
        data = json.loads(read_input(folder / SUMMARY_FILE).decode("utf-8"))
    except InputError as exc:
        raise Unreadable(f"{SUMMARY_FILE}: {exc.message}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unreadable(f"{SUMMARY_FILE}: not valid JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise Unreadable(f"{SUMMARY_FILE}: not a JSON object")
    budget = data.get("max_transfers", 0)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise Unreadable(f"{SUMMARY_FILE}: max_transfers is {budget!r}, not a whole number")
    return data


def _holders(instance: Instance, rules: Rules, moves: pd.DataFrame, problems: list[str]) -> Holders:
    index, points = instance.case_index, standing(instance, rules).points
    after: dict[str, str] = {}
    for row, move in enumerate(moves.itertuples(index=False), start=2):
        if move.crn not in index:
            problems.append(f"{ALLOCATIONS_FILE} row {row}: unknown case {move.crn}")
            continue
        case = instance.cases[index[move.crn]]
        if move.crn in after:
            problems.append(f"{ALLOCATIONS_FILE} row {row}: case {move.crn} moved twice")
        held = after.get(move.crn, case.staff_code)
        if move.from_staff_code != held:
            problems.append(
                f"{ALLOCATIONS_FILE} row {row}: {move.crn} is held by {held or 'nobody'}, "
                f"not {move.from_staff_code or 'nobody'}"
            )
        worth = str(points[index[move.crn]])
        if move.points != worth:
            problems.append(f"{ALLOCATIONS_FILE} row {row}: points {move.points!r}, re-derived {worth}")
        expected = Action.TRANSFER if held else Action.ALLOCATE
        if move.action != expected:
            problems.append(f"{ALLOCATIONS_FILE} row {row}: action {move.action}, expected {expected}")
        after[move.crn] = move.to_staff_code
    return Holders(instance, after)


def result_holders(instance: Instance, rules: Rules, folder: Path) -> Holders:
    """Every case's holder in a result folder ('' when unallocated); call ``check_result`` first."""
    return _holders(instance, rules, _read(folder, ALLOCATIONS_FILE), [])


def result_unallocated(folder: Path) -> dict[str, str]:
    """Each unallocated case's reason in a result folder; call ``check_result`` first."""
    frame = _read(folder, UNALLOCATED_FILE)
    return dict(zip(frame["crn"], frame["reason"], strict=True))


def check_result(instance: Instance, rules: Rules, folder: Path) -> list[str]:
    """Every inconsistency between the input, the rules and the result files; empty when sound. A file
    that cannot be read, or lacks a column, is itself the one problem reported."""
    try:
        summary = _summary(folder)
        moves = _read(folder, ALLOCATIONS_FILE)
        left = _read(folder, UNALLOCATED_FILE)
        work = _read(folder, WORKLOAD_FILE)
    except Unreadable as exc:
        return [str(exc)]
    problems: list[str] = []
    after = _holders(instance, rules, moves, problems)
    problems += verify(instance, rules, after, summary.get("max_transfers", 0))
    still_unallocated = set(after.unallocated())
    listed = set(left["crn"])
    counts = left["crn"].value_counts()
    problems += [f"{UNALLOCATED_FILE}: case {crn} is listed {n} times" for crn, n in sorted(counts.items()) if n > 1]
    problems += [
        f"case {crn} is neither allocated nor listed in {UNALLOCATED_FILE}"
        for crn in sorted(still_unallocated - listed)
    ]
    problems += [
        f"case {crn} is listed in {UNALLOCATED_FILE} but was allocated" for crn in sorted(listed - still_unallocated)
    ]
    loads = workloads(instance, rules, after)
    problems += _compare_workload(loads, work)
    problems += _compare_reasons(instance, rules, after, loads, moves)
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
    bound = summary.get("lower_bound_pct", 0)
    if not isinstance(bound, int | float) or isinstance(bound, bool):
        problems.append(f"{SUMMARY_FILE}: lower_bound_pct is {bound!r}, not a number")
    elif bound > figures["max_wmt_pct"]:
        problems.append(f"{SUMMARY_FILE}: lower_bound_pct {summary['lower_bound_pct']} is above the maximum achieved")
    return problems


def _compare_workload(loads, work: pd.DataFrame) -> list[str]:
    problems = []
    known = {w.staff_code for w in loads}
    counts = work["staff_code"].value_counts()
    problems += [f"{WORKLOAD_FILE}: {code} has {n} rows" for code, n in sorted(counts.items()) if n > 1]
    problems += [
        f"{WORKLOAD_FILE}: row for unknown practitioner {code!r}" for code in sorted(set(counts.index) - known)
    ]
    rows = {r["staff_code"]: r for r in work.to_dict("records")}
    for w in loads:
        row = rows.get(w.staff_code)
        if row is None:
            problems.append(f"{WORKLOAD_FILE}: no row for {w.staff_code}")
            continue
        expected = {
            "name": w.name,
            "pdu": w.pdu,
            "team_code": w.team_code,
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


def _compare_reasons(
    instance: Instance, rules: Rules, after: Holders, loads: tuple[Workload, ...], frame: pd.DataFrame
) -> list[str]:
    """Each allocation's reason and receiver's name, pdu and team as re-derived from the holders (a case
    given to someone the instance does not have is the verifier's to report: it has no reason)."""
    staff = {w.staff_code: w for w in loads}
    known = Holders(instance, {crn: code for crn, code in after.changes.items() if not code or code in staff})
    expected = {m.crn: m for m in moves(instance, rules, known, loads)}
    problems = []
    for row, move in enumerate(frame.itertuples(index=False), start=2):
        found = expected.get(move.crn)
        if found is None or found.to_staff_code != move.to_staff_code:
            continue  # already reported as a wrong holder or an unknown case
        receiver = staff[found.to_staff_code]
        wanted = {"name": receiver.name, "pdu": receiver.pdu, "team_code": receiver.team_code, "reason": found.reason}
        problems += [
            f"{ALLOCATIONS_FILE} row {row}: {column} is {getattr(move, column)!r}, re-derived {value!r}"
            for column, value in wanted.items()
            if getattr(move, column) != value
        ]
    return problems

"""What a solve means in the users' terms: moves, cases left unallocated, and each practitioner's WMT.

Built from the instance and the final holder of every case, so the verifier, the writer and the
terminal report all read the same figures and none of them needs to know about the solver.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .domain import Instance
from .problem import cap_pct
from .rules import Rules
from .solve import Result
from .wmt import floor_pct, practitioner_capacity, wmt_pct

ALLOCATE = "ALLOCATE"
TRANSFER = "TRANSFER"


@dataclass(frozen=True)
class Move:
    crn: str
    from_staff_code: str
    to_staff_code: str
    action: str
    points: int


@dataclass(frozen=True)
class Workload:
    staff_code: str
    grade: str
    available_points: int
    points_before: int
    points_after: int
    cases_before: int
    cases_after: int
    cap_pct: Decimal | None

    @property
    def wmt_pct_before(self) -> Decimal | None:
        return wmt_pct(self.points_before, self.available_points)

    @property
    def wmt_pct_after(self) -> Decimal | None:
        return wmt_pct(self.points_after, self.available_points)


@dataclass(frozen=True)
class Outcome:
    moves: tuple[Move, ...]
    unallocated: tuple[tuple[str, str], ...]
    workloads: tuple[Workload, ...]
    summary: dict[str, Any]


def holders_after(instance: Instance, result: Result) -> dict[str, str]:
    """Every case's staff_code after the solve ('' for unallocated)."""
    codes = result.problem.staff_codes
    after = {c.crn: c.staff_code for c in instance.cases}
    for crn, p in result.assignments().items():
        after[crn] = "" if p is None else codes[p]
    return after


def workloads(instance: Instance, rules: Rules, after: dict[str, str]) -> tuple[Workload, ...]:
    """Each practitioner's points and cases before and after, from the case holders."""
    points = {c.crn: rules.case_points(c) for c in instance.cases}
    before_pts, after_pts = Counter(), Counter()
    before_n, after_n = Counter(), Counter()
    for case in instance.cases:
        before_pts[case.staff_code] += points[case.crn]
        before_n[case.staff_code] += 1
        after_pts[after[case.crn]] += points[case.crn]
        after_n[after[case.crn]] += 1
    return tuple(
        Workload(
            staff_code=p.staff_code,
            grade=p.grade.value,
            available_points=practitioner_capacity(p, rules),
            points_before=p.other_points + before_pts[p.staff_code],
            points_after=p.other_points + after_pts[p.staff_code],
            cases_before=before_n[p.staff_code],
            cases_after=after_n[p.staff_code],
            cap_pct=cap_pct(p, rules),
        )
        for p in instance.practitioners
    )


def moves(instance: Instance, rules: Rules, after: dict[str, str]) -> tuple[Move, ...]:
    """New allocations and transfers, in crn order."""
    out = []
    for case in sorted(instance.cases, key=lambda c: c.crn):
        new = after[case.crn]
        if new and new != case.staff_code:
            action = TRANSFER if case.staff_code else ALLOCATE
            out.append(Move(case.crn, case.staff_code, new, action, rules.case_points(case)))
    return tuple(out)


def max_pct(loads: tuple[Workload, ...], attr: str) -> Decimal:
    values = [getattr(w, attr) for w in loads if w.available_points > 0]
    return max(values, default=Decimal(0))


def over(loads: tuple[Workload, ...], attr: str, threshold: Decimal) -> int:
    return sum(1 for w in loads if w.available_points > 0 and getattr(w, attr) > threshold)


def build_outcome(instance: Instance, rules: Rules, result: Result) -> Outcome:
    """The users' view of a solve result."""
    after = holders_after(instance, result)
    loads = workloads(instance, rules, after)
    made = moves(instance, rules, after)
    reasons = dict(result.problem.unplaceable)
    left = tuple(sorted((crn, reasons[crn] if crn in reasons else _capacity_reason(result, crn))
                        for crn, p in after.items() if not p))
    summary = {
        "status": result.status,
        "max_wmt_pct_before": float(max_pct(loads, "wmt_pct_before")),
        "max_wmt_pct": float(max_pct(loads, "wmt_pct_after")),
        "lower_bound_pct": float(floor_pct(result.lower_bound_pct)),
        "lower_bound_pct_exact": float(floor_pct(result.lower_bound_pct, 4)),
        "transfers": sum(1 for m in made if m.action == TRANSFER),
        "allocated": sum(1 for m in made if m.action == ALLOCATE),
        "unallocated": len(left),
        "solve_seconds": round(result.seconds, 3),
        "max_transfers": result.options.max_transfers,
        "seed": result.options.seed,
        "time_limit": result.options.time_limit,
        "spread": "exact" if result.options.exact_spread else "pairwise",
        "spread_proven": result.spread_complete,
        "parts": result.parts,
        "parts_proven": result.parts_proven,
        "over_threshold_before": {str(t): over(loads, "wmt_pct_before", t) for t in rules.thresholds_pct},
        "over_threshold_after": {str(t): over(loads, "wmt_pct_after", t) for t in rules.thresholds_pct},
        "stages": _stage_tally(result),
    }
    return Outcome(moves=made, unallocated=left, workloads=loads, summary=summary)


def _stage_tally(result: Result) -> list[dict[str, Any]]:
    """Each stage's statuses over the parts; timings are left to the logs so reruns give identical files."""
    tally: dict[str, Counter] = {}
    for stage in result.stages:
        tally.setdefault(stage.name, Counter())[stage.status] += 1
    return [{"name": name, "statuses": dict(sorted(counts.items()))} for name, counts in tally.items()]


def _capacity_reason(result: Result, crn: str) -> str:
    codes = result.problem.staff_codes
    for cls in result.problem.classes:
        if crn in cls.crns:
            names = ", ".join(codes[p] for p in cls.targets[:3]) + (" and more" if len(cls.targets) > 3 else "")
            return f"capacity: every eligible practitioner ({names}) would exceed their WMT cap"
    raise KeyError(crn)

"""What a solve means in the users' terms: moves, cases left unallocated, and each practitioner's WMT.

Built from the instance and the final holder of every case, so the verifier, the writer and the
terminal report all read the same figures and none of them needs to know about the solver.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .domain import Holders, Instance
from .eligibility import capped_out
from .reasons import Reasons
from .results import Action, Result, Status
from .rules import Rules
from .wmt import cap_pct, cap_points, contracted_hours, floor_pct, practitioner_capacity, standing, wmt_pct

if TYPE_CHECKING:
    from .diagnosis import Diagnosis
    from .executor import Executor


@dataclass(frozen=True)
class Move:
    crn: str
    from_staff_code: str
    to_staff_code: str
    action: Action
    points: int
    reason: str
    """Why it went there, in plain English (see ``reasons``)."""


@dataclass(frozen=True)
class Workload:
    staff_code: str
    name: str
    pdu: str
    team_code: str
    grade: str
    hours: Decimal
    """Contracted hours less reductions: what the available points are for."""
    available_points: int
    points_before: int
    points_after: int
    cases_before: int
    cases_after: int
    cap_pct: Decimal | None

    @cached_property
    def wmt_pct_before(self) -> Decimal | None:
        """Kept once worked out, as ``wmt_pct_after``: sorting, charts, tables and group figures ask again."""
        return wmt_pct(self.points_before, self.available_points)

    @cached_property
    def wmt_pct_after(self) -> Decimal | None:
        return wmt_pct(self.points_after, self.available_points)

    @cached_property
    def limit(self) -> int | None:
        """The most points their cap allows (None: uncapped); asked once per eligible practitioner of every
        move's reason, hence kept."""
        return None if self.cap_pct is None else cap_points(self.cap_pct, self.available_points)

    def pct(self, points: int) -> Decimal | None:
        """Their WMT % were they to hold ``points``."""
        return wmt_pct(points, self.available_points)

    @cached_property
    def room(self) -> float:
        """The most points they may take before their cap stops them (-1: over it before the solve, so
        none; infinite: uncapped). Kept: a national solve's reasons ask it of each practitioner thousands
        of times."""
        limit = self.limit
        if limit is None:
            return math.inf
        return -1 if self.points_before > limit else limit - self.points_after

    def capped(self, extra: int) -> bool:
        """Whether taking ``extra`` more points breaks their cap (or they were over it before the solve)."""
        return extra > self.room


@dataclass(frozen=True)
class StageTally:
    """How the parts' runs of one stage ended: status -> how many parts."""

    name: str
    statuses: dict[str, int]


@dataclass(frozen=True)
class Summary:
    """The figures of ``summary.json``, in the file's order (the contract's keys first)."""

    status: Status
    max_wmt_pct_before: float
    max_wmt_pct: float
    lower_bound_pct: float
    """Proven: no allocation has a lower maximum WMT % (rounded down to one decimal)."""
    lower_bound_pct_exact: float
    transfers: int
    allocated: int
    unallocated: int
    solve_seconds: float
    max_transfers: int
    seed: int
    time_limit: float
    spread: str
    spread_proven: bool
    parts: int
    parts_proven: int
    over_threshold_before: dict[str, int]
    over_threshold_after: dict[str, int]
    stages: tuple[StageTally, ...]
    diagnosis: dict[str, Any]
    """Why cases are left unallocated or caps broken (see ``diagnosis.Diagnosis.to_dict``)."""
    instance: str = ""
    """The instance folder solved (absolute), so ``explain`` finds it; empty when it is kept beside the result."""
    instance_hash: str = ""
    """SHA-256 of the instance files, so ``explain`` refuses an instance changed since the solve."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (statuses as their names, stages as a list)."""
        data = asdict(self)
        data["status"] = self.status.value
        data["stages"] = [asdict(t) for t in self.stages]
        return data

    def to_json(self) -> str:
        """``summary.json``'s text: the one place the summary is serialised."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"


@dataclass(frozen=True)
class Outcome:
    moves: tuple[Move, ...]
    unallocated: tuple[tuple[str, str], ...]
    workloads: tuple[Workload, ...]
    summary: Summary
    diagnosis: Diagnosis
    rules: Rules


def holders_after(instance: Instance, result: Result) -> Holders:
    """Every case's staff_code after the solve ('' for unallocated)."""
    codes = result.problem.staff_codes
    return Holders(instance, {crn: "" if p is None else codes[p] for crn, p in result.assignments().items()})


def workloads(instance: Instance, rules: Rules, after: Holders | None = None) -> tuple[Workload, ...]:
    """Each practitioner's points and cases before and after (``after`` None: every case where it is now)."""
    now = standing(instance, rules)
    after_pts, after_n = now.after(after) if after is not None else (now.load, now.held)
    return tuple(
        Workload(
            staff_code=p.staff_code,
            name=p.name,
            pdu=p.pdu,
            team_code=p.team_code,
            grade=p.grade.value,
            hours=contracted_hours(p, rules) - p.reduction_hours,
            available_points=practitioner_capacity(p, rules),
            points_before=now.load[p.staff_code],
            points_after=after_pts[p.staff_code],
            cases_before=now.held[p.staff_code],
            cases_after=after_n[p.staff_code],
            cap_pct=cap_pct(p, rules),
        )
        for p in instance.practitioners
    )


def moves(instance: Instance, rules: Rules, after: Holders, loads: tuple[Workload, ...]) -> tuple[Move, ...]:
    """New allocations and transfers, in crn order, each with its reason (``loads``: the workloads of ``after``)."""
    reasons = Reasons(instance, rules, loads, max_pct(loads, "wmt_pct_after"))
    points = standing(instance, rules).points
    out = []
    for i, case, new in sorted((move for move in after.changed() if move[2]), key=lambda move: move[1].crn):
        action = Action.TRANSFER if case.staff_code else Action.ALLOCATE
        reason = reasons.of(case, new, points[i])
        out.append(Move(case.crn, case.staff_code, new, action, points[i], reason))
    return tuple(out)


def max_pct(loads: tuple[Workload, ...], attr: str) -> Decimal:
    values = [getattr(w, attr) for w in loads if w.available_points > 0]
    return max(values, default=Decimal(0))


def over(loads: tuple[Workload, ...], attr: str, threshold: Decimal) -> int:
    return sum(1 for w in loads if w.available_points > 0 and getattr(w, attr) > threshold)


def build_outcome(
    instance: Instance,
    rules: Rules,
    result: Result,
    after: Holders | None = None,
    loads: tuple[Workload, ...] | None = None,
    executor: Executor | None = None,
) -> Outcome:
    """The users' view of a solve result, with the diagnosis of anything left unallocated (``after``: the
    result's ``holders_after``, and ``loads``: its ``workloads``, when the caller has them already; the
    diagnosis's conflict searches on ``executor`` while the moves are worked out here)."""
    from .diagnosis import begin_diagnosis  # the CP-SAT conflict search: validate's workloads need none of it

    after = holders_after(instance, result) if after is None else after
    loads = workloads(instance, rules, after) if loads is None else loads
    reasons = dict(result.problem.unplaceable)
    left = tuple(
        (crn, reasons[crn] if crn in reasons else _capacity_reason(result, crn)) for crn in after.unallocated()
    )
    options = result.options
    diagnosing = begin_diagnosis(instance, rules, loads, left, options.max_transfers, executor)
    made = moves(instance, rules, after, loads)
    diagnosis = diagnosing()
    summary = Summary(
        status=result.status,
        max_wmt_pct_before=float(max_pct(loads, "wmt_pct_before")),
        max_wmt_pct=float(max_pct(loads, "wmt_pct_after")),
        lower_bound_pct=float(floor_pct(result.lower_bound_pct)),
        lower_bound_pct_exact=float(floor_pct(result.lower_bound_pct, 4)),
        transfers=sum(1 for m in made if m.action is Action.TRANSFER),
        allocated=sum(1 for m in made if m.action is Action.ALLOCATE),
        unallocated=len(left),
        solve_seconds=round(result.seconds, 3),
        max_transfers=options.max_transfers,
        seed=options.seed,
        time_limit=options.time_limit,
        spread="exact" if options.exact_spread else "pairwise",
        spread_proven=result.spread_complete,
        parts=result.parts,
        parts_proven=result.parts_proven,
        over_threshold_before={str(t): over(loads, "wmt_pct_before", t) for t in rules.thresholds_pct},
        over_threshold_after={str(t): over(loads, "wmt_pct_after", t) for t in rules.thresholds_pct},
        stages=_stage_tally(result),
        diagnosis=diagnosis.to_dict(),
    )
    return Outcome(moves=made, unallocated=left, workloads=loads, summary=summary, diagnosis=diagnosis, rules=rules)


def _stage_tally(result: Result) -> tuple[StageTally, ...]:
    """Each stage's statuses over the parts; timings are left to the logs so reruns give identical files."""
    tally: dict[str, Counter[str]] = {}
    for stage in result.stages:
        tally.setdefault(stage.name, Counter())[stage.status.value] += 1
    return tuple(StageTally(name, dict(sorted(counts.items()))) for name, counts in tally.items())


def _capacity_reason(result: Result, crn: str) -> str:
    codes = result.problem.staff_codes
    for cls in result.problem.classes:
        if crn in cls.crns:
            return capped_out([codes[p] for p in cls.targets], already=False)
    raise KeyError(crn)

"""When probation is full: the fewest extra practitioners that bring every caseload to a target WMT %.

Per pdu (hires join one pdu, and pdus do not share cases), mixes of the listed grades are tried by total,
fewest first, and within a total with the lower grades first (PSO, then PQiP, then PO: easier to
recruit). Each mix is decided on the transfers frontier at the target level: it reaches the target
(an allocation found), or it is proven not to (fewer transfers than the target needs are allowed, a
bound above it, or a proven optimum above it). The first total whose mix reaches the target is the
answer, and it is proven minimal when every mix of one fewer was proven to miss. The totals start from a
volume bound (the pdu's work at the target against its room), which is itself a proof for the totals below.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from .bounds import transfers_needed
from .decompose import split, whole
from .domain import Grade, Instance, Practitioner
from .eligibility import Eligibility
from .executor import Executor
from .frontier import Frontier
from .interrupt import Cancellation
from .problem import compile_problem
from .results import SolveOptions
from .rules import Rules
from .wmt import LEVELS_PER_PCT, level, points_at_level, practitioner_capacity

HIRE_PREFIX = "HIRE"
GRADE_ORDER = (Grade.PSO, Grade.PQIP, Grade.PO, Grade.SPO)
"""Easier to recruit first: ties in the number of hires go to the earlier grades."""
MAX_HIRES = 500
"""The most hires a pdu is searched for; beyond it the answer is reported as not found."""
SHOWN = 5
"""Practitioners named in a reason before 'and N more'."""
SATURATION_AFTER = 3
"""Totals tried past the volume bound before checking that any number of hires can reach the target."""


@dataclass(frozen=True)
class GroupFigures:
    """Demand and capacity of one eligibility group: the cases only these grades may hold."""

    grades: tuple[str, ...]
    demand_points: int
    capacity_points: int
    """Points these grades' practitioners may hold at the target."""
    demand_fte: float
    capacity_fte: float


@dataclass(frozen=True)
class PduStaffing:
    """One pdu's answer."""

    pdu: str
    hires: dict[str, int]
    reached: bool
    proven: bool
    """One hire fewer (in any mix of the grades) is proven to miss the target."""
    full: bool
    """Today's staff cannot reach the target."""
    blockers: tuple[str, ...] = ()
    """Why no number of hires reaches the target (load that cannot move, too few transfers allowed)."""
    transfers: int = 0
    checked: int = 0
    """Mixes decided."""


@dataclass(frozen=True)
class StaffingAnswer:
    target_pct: Decimal
    grades: tuple[str, ...]
    profile: HireProfile
    pdus: tuple[PduStaffing, ...]
    groups: tuple[GroupFigures, ...]
    hopeless: tuple[str, ...] = field(default=())
    """Unallocated cases no practitioner or hire of the listed grades may take (skills, pdu): not counted."""

    @property
    def reached(self) -> bool:
        return all(p.reached for p in self.pdus)

    @property
    def hires(self) -> dict[str, int]:
        total: dict[str, int] = defaultdict(int)
        for pdu in self.pdus:
            for grade, n in pdu.hires.items():
                total[grade] += n
        return dict(total)


def target_level(target_pct: Decimal) -> int:
    """The level (tenths of a percent) at or under the target: every load with 1000 x load <= L x available."""
    return int(Fraction(target_pct) * LEVELS_PER_PCT)


@dataclass(frozen=True)
class HireProfile:
    """What every hire brings: contracted hours and training (skill codes)."""

    hours: Decimal
    skills: frozenset[str] = frozenset()


def hire(grade: Grade, profile: HireProfile, pdu: str, n: int) -> Practitioner:
    return Practitioner(
        staff_code=f"{HIRE_PREFIX}-{pdu or 'ALL'}-{grade.value}-{n}",
        name=f"New {grade.value} {n}",
        grade=grade,
        pdu=pdu,
        contracted_hours=profile.hours,
        skills=profile.skills,
    )


def pdu_instance(instance: Instance, pdu: str) -> Instance:
    """The practitioners of one pdu, the cases they hold, and the unallocated cases of that pdu."""
    staff = tuple(p for p in instance.practitioners if p.pdu == pdu)
    codes = {p.staff_code for p in staff}
    cases = tuple(c for c in instance.cases if c.staff_code in codes or (not c.allocated and c.pdu == pdu))
    return Instance(practitioners=staff, cases=cases)


def mixes(total: int, grades: tuple[Grade, ...]) -> list[dict[Grade, int]]:
    """Every way to hire ``total`` of ``grades``, lower grades first."""
    ordered = sorted(grades, key=GRADE_ORDER.index)
    found = []
    for counts in itertools.product(range(total + 1), repeat=len(ordered)):
        if sum(counts) == total:
            found.append(dict(zip(ordered, counts, strict=True)))
    return sorted(found, key=lambda mix: tuple(mix[g] for g in reversed(ordered)))


def decide(
    instance: Instance,
    rules: Rules,
    level_at: int,
    hopeless: int,
    options: SolveOptions,
    cancellation: Cancellation | None = None,
) -> bool | None:
    """Does some allocation of ``instance`` keep everyone at or under ``level_at`` within the budget?
    True (found), False (proven not), None (not decided in time)."""
    problem = compile_problem(instance, rules, options.max_transfers)
    parts = split(problem) or [whole(problem)]
    with Executor(1, cancellation=cancellation) as here:
        frontier = Frontier(problem, parts, options, here, time.time() + options.time_limit)
        if (
            any(part.unallocated > 0 for part in frontier.parts)
            and sum(part.unallocated for part in frontier.parts) + len(problem.unplaceable) > hopeless
        ):
            return False if all(part.base.proven for part in frontier.parts) else None
        frontier.evaluate(level_at, options.max_transfers)
        low, high = frontier.sums(level_at)
    if high is not None and high <= options.max_transfers:
        return True
    if low is None or low > options.max_transfers:
        return False
    return None


def staff_pdu(
    instance: Instance,
    rules: Rules,
    pdu: str,
    target_pct: Decimal,
    grades: tuple[Grade, ...],
    profile: HireProfile,
    hopeless: int,
    options: SolveOptions,
    cancellation: Cancellation | None = None,
) -> PduStaffing:
    """The fewest hires for one pdu (a task: plain data in and out)."""
    level_at = target_level(target_pct)
    blockers = _blockers(instance, rules, level_at, options.max_transfers)
    if blockers:
        return PduStaffing(pdu, {}, reached=False, proven=True, full=True, blockers=blockers)
    start = _volume_hires(instance, rules, level_at, grades, profile)
    checked, proven = 0, True
    for total in range(start, MAX_HIRES + 1):
        if (
            total == start + SATURATION_AFTER
            and _saturated(instance, rules, pdu, level_at, grades, profile, hopeless, options, cancellation) is False
        ):
            return PduStaffing(
                pdu,
                {},
                reached=False,
                proven=True,
                full=True,
                checked=checked,
                blockers=(
                    "even one hire per case to place or move cannot reach the target: some cases need a "
                    "training or grade no hire has (hires' skills: "
                    + (";".join(sorted(profile.skills)) or "none")
                    + "), or a case is larger than anyone's room at the target",
                ),
            )
        for mix in mixes(total, grades):
            verdict = decide(_with_hires(instance, mix, profile, pdu), rules, level_at, hopeless, options, cancellation)
            checked += 1
            if verdict:
                hires = {g.value: n for g, n in mix.items() if n}
                return PduStaffing(pdu, hires, True, proven, total > 0, checked=checked)
            proven = proven and verdict is False
    return PduStaffing(
        pdu,
        {},
        reached=False,
        proven=False,
        full=True,
        checked=checked,
        blockers=(f"not reached with {MAX_HIRES} hires",),
    )


def _with_hires(instance: Instance, mix: dict[Grade, int], profile: HireProfile, pdu: str) -> Instance:
    joined = [hire(g, profile, pdu, n) for g in mix for n in range(1, mix[g] + 1)]
    return Instance(practitioners=(*instance.practitioners, *joined), cases=instance.cases)


def _saturated(
    instance: Instance,
    rules: Rules,
    pdu: str,
    level_at: int,
    grades: tuple[Grade, ...],
    profile: HireProfile,
    hopeless: int,
    options: SolveOptions,
    cancellation: Cancellation | None,
) -> bool | None:
    """Whether the target is reachable with one hire of each grade per case that must be placed or may
    move: no number of hires can do better, since every such case then has a practitioner of its own."""
    cases = sum(1 for c in instance.cases if not c.allocated) + options.max_transfers
    joined = _with_hires(instance, dict.fromkeys(grades, cases), profile, pdu)
    return decide(joined, rules, level_at, hopeless, options, cancellation)


def _blockers(instance: Instance, rules: Rules, level_at: int, budget: int) -> tuple[str, ...]:
    """Why no number of hires can reach the level: load that cannot move, or more transfers than allowed."""
    problem = compile_problem(instance, rules, budget)
    stuck = sorted(
        (
            (level(base, a), problem.staff_codes[p])
            for p, (base, a) in enumerate(zip(problem.base_load, problem.available, strict=True))
            if a > 0 and level(base, a) > level_at
        ),
        reverse=True,
    )
    if stuck:
        names = {q.staff_code: q.name for q in instance.practitioners}
        named = ", ".join(
            f"{code}{f' ({names[code]})' if names[code] else ''} {lvl / LEVELS_PER_PCT:.1f}%"
            for lvl, code in stuck[:SHOWN]
        )
        more = f" and {len(stuck) - SHOWN} more" if len(stuck) > SHOWN else ""
        movable = "no held case may move" if budget == 0 else "their pinned cases and other work cannot move"
        return (
            f"{len(stuck)} practitioner(s) already hold more than the target in work that stays with them "
            f"({movable}): {named}{more}"
            + (". Allow transfers (--max-transfers N) so hires can take some of their cases" if budget == 0 else ""),
        )
    needed = transfers_needed(problem, level_at)
    if needed is None:
        return ("held cases that cannot move keep someone above the target",)
    if needed > budget:
        over = [
            problem.staff_codes[p]
            for p, load in enumerate(problem.load_before())
            if problem.available[p] > 0 and level(load, problem.available[p]) > level_at
        ]
        return (
            f"at least {needed} transfers are needed to bring {len(over)} practitioner(s) "
            f"({', '.join(over[:5])}{', ...' if len(over) > 5 else ''}) down to the target; "
            f"--max-transfers allows {budget}",
        )
    return ()


def _volume_hires(
    instance: Instance, rules: Rules, level_at: int, grades: tuple[Grade, ...], profile: HireProfile
) -> int:
    """Hires no allocation can do with fewer of: the pdu's work beyond its room at the target, over the
    most room one hire of the listed grades brings (cases treated as divisible: a relaxation)."""
    problem = compile_problem(instance, rules, 0)
    room = 0
    for p, a in enumerate(problem.available):
        if a > 0:
            most = points_at_level(level_at, a)
            cap = problem.max_load[p]
            room += min(most, cap) if cap is not None else most
    work = sum(problem.base_load) + sum(c.points * c.count for c in problem.classes)
    per_hire = max(points_at_level(level_at, practitioner_capacity(hire(g, profile, "", 0), rules)) for g in grades)
    deficit = work - room
    return 0 if deficit <= 0 or per_hire <= 0 else -(-deficit // per_hire)


def eligibility_groups(instance: Instance, rules: Rules, target_pct: Decimal) -> tuple[GroupFigures, ...]:
    """Demand (every case's points) and capacity at the target, per set of grades that may hold a case."""
    by_grades: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for case in instance.cases:
        allowed = tuple(
            g.value
            for g in Grade
            if rules.grade_allows(g, case.rosh, case.mappa_level) and rules.grades[g].nominal_target > 0
        )
        by_grades[allowed][0] += rules.case_points(case)
    fte_points = Fraction(rules.grades[Grade.PO].nominal_target) * Fraction(target_pct) / 100
    figures = []
    for allowed, (demand, _) in sorted(by_grades.items(), key=lambda kv: len(kv[0])):
        capacity = sum(
            points_at_level(target_level(target_pct), practitioner_capacity(p, rules))
            for p in instance.practitioners
            if p.grade.value in allowed
        )
        figures.append(
            GroupFigures(
                allowed, demand, capacity, round(float(demand / fte_points), 1), round(float(capacity / fte_points), 1)
            )
        )
    return tuple(figures)


def staffing(
    instance: Instance,
    rules: Rules,
    target_pct: Decimal,
    grades: tuple[Grade, ...],
    profile: HireProfile,
    options: SolveOptions,
    executor: Executor,
) -> StaffingAnswer:
    """The fewest hires per pdu (pdus in parallel on the executor)."""
    pdus = sorted({p.pdu for p in instance.practitioners})
    untagged = [c.crn for c in instance.cases if not c.allocated and not c.pdu]
    if len(pdus) > 1 and untagged:
        raise ValueError(
            f"{len(untagged)} unallocated cases name no pdu, so hires cannot be placed by pdu "
            f"(first: {untagged[0]}); give each case its pdu"
        )
    probe = Instance(
        practitioners=(*instance.practitioners, *(hire(g, profile, pdu, 0) for g in grades for pdu in pdus)),
        cases=instance.cases,
    )
    elig = Eligibility(probe, rules)
    hopeless = tuple(c.crn for c in instance.cases if not c.allocated and not elig.eligible(c))
    jobs = []
    for pdu in pdus:
        part = pdu_instance(instance, pdu) if len(pdus) > 1 else instance
        lost = sum(1 for c in part.cases if c.crn in set(hopeless))
        jobs.append((part, rules, pdu, target_pct, grades, profile, lost, replace(options, workers=1)))
    answers = executor.map(staff_pdu, jobs).values()
    return StaffingAnswer(
        target_pct,
        tuple(g.value for g in grades),
        profile,
        tuple(answers),
        eligibility_groups(instance, rules, target_pct),
        hopeless,
    )


STAFFING_FILE = "staffing.json"


def with_hires(instance: Instance, answer: StaffingAnswer) -> Instance:
    """The instance with every pdu's hires joined (named HIRE-<pdu>-<grade>-<n>)."""
    joined = [
        hire(Grade(g), answer.profile, pdu.pdu, n)
        for pdu in answer.pdus
        for g, count in pdu.hires.items()
        for n in range(1, count + 1)
    ]
    return Instance(practitioners=(*instance.practitioners, *joined), cases=instance.cases)


def staffing_json(answer: StaffingAnswer, now: Decimal | None, after: Decimal | None) -> str:
    """``staffing.json``: the contract's keys first, then each pdu's answer and proof."""
    data = {
        "target_pct": float(answer.target_pct),
        "hires": answer.hires,
        "hires_by_pdu": {p.pdu: p.hires for p in answer.pdus},
        "max_wmt_pct_now": None if now is None else float(now),
        "max_wmt_pct_after": None if after is None else float(after),
        "full": any(p.full for p in answer.pdus),
        "reached": answer.reached,
        "grades": list(answer.grades),
        "hours": float(answer.profile.hours),
        "skills": sorted(answer.profile.skills),
        "pdus": [
            {
                "pdu": p.pdu,
                "hires": p.hires,
                "reached": p.reached,
                "proven_minimal": p.proven,
                "full": p.full,
                "why_not": list(p.blockers),
                "mixes_checked": p.checked,
            }
            for p in answer.pdus
        ],
        "groups": [
            {
                "may_be_held_by": list(g.grades),
                "demand_points": g.demand_points,
                "capacity_points": g.capacity_points,
                "demand_fte": g.demand_fte,
                "capacity_fte": g.capacity_fte,
            }
            for g in answer.groups
        ],
        "unplaceable_cases": len(answer.hopeless),
    }
    return json.dumps(data, indent=2) + "\n"

"""Independent re-check of an allocation against the instance and the hard rules.

It re-derives everything from the instance, the rules and each case's holder after the solve, sharing
no code with the model, so a modelling bug shows up here instead of in a practitioner's caseload.
"""

from __future__ import annotations

from .domain import Instance
from .eligibility import Signature, exclusion
from .rules import Rules
from .wmt import cap_pct, cap_points, practitioner_capacity


def verify(instance: Instance, rules: Rules, after: dict[str, str], max_transfers: int) -> list[str]:
    """Every broken hard rule, as a sentence; empty when the allocation is sound."""
    staff = {p.staff_code: p for p in instance.practitioners}
    capacity = {code: practitioner_capacity(p, rules) for code, p in staff.items()}
    problems: list[str] = []
    missing = [c.crn for c in instance.cases if c.crn not in after]
    problems += [f"case {crn} has no outcome" for crn in missing]
    holders = [after.get(c.crn, c.staff_code) for c in instance.cases]
    received: set[str] = set()
    transfers = 0
    for case, new in zip(instance.cases, holders, strict=True):
        if new == case.staff_code:
            continue
        if case.pinned:
            problems.append(f"pinned case {case.crn} moved from {case.staff_code} to {new or 'nobody'}")
            continue
        if not new:
            problems.append(f"case {case.crn} was taken from {case.staff_code} and left unallocated")
            continue
        if new not in staff:
            problems.append(f"case {case.crn} given to unknown practitioner {new}")
            continue
        excluded = exclusion(staff[new], capacity[new], Signature.of(case), rules)
        if excluded:
            problems.append(f"case {case.crn} given to {new}, who is excluded ({excluded})")
        received.add(new)
        transfers += bool(case.staff_code)
    if transfers > max_transfers:
        problems.append(f"{transfers} transfers made, more than the {max_transfers} allowed")
    problems += _cap_violations(instance, rules, holders, received, capacity)
    return problems


def _cap_violations(
    instance: Instance, rules: Rules, holders: list[str], received: set[str], capacity: dict[str, int]
) -> list[str]:
    """A practitioner who received new work must have started, and must end, at or below their cap
    (``holders``: each case's holder after, in the instance's order)."""
    load = {p.staff_code: p.other_points for p in instance.practitioners}
    start = dict(load)
    for case, holder, points in zip(instance.cases, holders, rules.points_of(instance.cases), strict=True):
        if holder in load:
            load[holder] += points
        if case.staff_code in start:
            start[case.staff_code] += points
    problems = []
    for p in instance.practitioners:
        cap = cap_pct(p, rules)
        if cap is None or p.staff_code not in received:
            continue
        if start[p.staff_code] > cap_points(cap, capacity[p.staff_code]):
            problems.append(f"{p.staff_code} was already above their {cap}% cap and still received new work")
        elif load[p.staff_code] > cap_points(cap, capacity[p.staff_code]):
            problems.append(
                f"{p.staff_code} received new work and ends at {load[p.staff_code]} points, above their "
                f"{cap}% cap of {cap_points(cap, capacity[p.staff_code])} points"
            )
    return problems

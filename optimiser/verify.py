"""Independent re-check of an allocation against the instance and the hard rules.

It re-derives everything from the instance, the rules and each case's holder after the solve, sharing
with the model only the points table's arithmetic (``wmt.standing``: each case's points and each
practitioner's load before), so a modelling bug shows up here instead of in a practitioner's caseload.
"""

from __future__ import annotations

from .domain import Holders, Instance
from .eligibility import Signature, exclusion
from .rules import Rules
from .wmt import cap_pct, cap_points, practitioner_capacity, standing


def verify(instance: Instance, rules: Rules, after: Holders, max_transfers: int) -> list[str]:
    """Every broken hard rule, as a sentence; empty when the allocation is sound."""
    staff = {p.staff_code: p for p in instance.practitioners}
    capacity = {code: practitioner_capacity(p, rules) for code, p in staff.items()}
    problems = [f"case {crn} is not in the instance" for crn in after.unknown()]
    received: set[str] = set()
    transfers = 0
    for _, case, new in after.changed():
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
    problems += _cap_violations(instance, rules, after, received, capacity)
    return problems


def _cap_violations(
    instance: Instance, rules: Rules, after: Holders, received: set[str], capacity: dict[str, int]
) -> list[str]:
    """A practitioner who received new work must have started, and must end, at or below their cap."""
    now = standing(instance, rules)
    start, (load, _) = now.load, now.after(after)
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

"""The solver against exhaustive enumeration on many small random instances.

The enumeration shares no code with the model: it tries every assignment of every case, keeps those
that pass the independent verifier, and ranks them by (unallocated, max WMT level, transfers).
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings

from optimiser.domain import Holders, Instance
from optimiser.eligibility import Signature, exclusion
from optimiser.outcome import holders_after
from optimiser.results import SolveOptions, Status
from optimiser.solve import solve
from optimiser.verify import verify
from optimiser.wmt import level, practitioner_capacity

from .strategies import RULES, instances


def brute_force(instance: Instance, max_transfers: int) -> tuple[int, int, int]:
    """Best (unallocated, max level, transfers) over every assignment that passes the verifier."""
    staff = instance.practitioners
    capacity = {p.staff_code: practitioner_capacity(p, RULES) for p in staff}
    options = []
    for case in instance.cases:
        if case.pinned:
            options.append([case.staff_code])
            continue
        allowed = [
            p.staff_code for p in staff if exclusion(p, capacity[p.staff_code], Signature.of(case), RULES) is None
        ]
        options.append(sorted(set(allowed) | {case.staff_code}))
    best = None
    for choice in itertools.product(*options):
        after = {c.crn: holder for c, holder in zip(instance.cases, choice, strict=True)}
        if verify(instance, RULES, Holders(instance, after), max_transfers):
            continue
        score = _score(instance, after, capacity)
        best = score if best is None or score < best else best
    assert best is not None  # leaving everything where it is always passes
    return best


def _score(instance, after, capacity):
    load = {p.staff_code: p.other_points for p in instance.practitioners}
    for case in instance.cases:
        if after[case.crn]:
            load[after[case.crn]] += case.points
    top = max((level(load[c], a) for c, a in capacity.items() if a > 0), default=0)
    moved = sum(1 for c in instance.cases if c.staff_code and after[c.crn] != c.staff_code)
    unallocated = sum(1 for c in instance.cases if not after[c.crn])
    return unallocated, top, moved


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_matches_exhaustive_optimum(drawn):
    instance, budget = drawn
    result = solve(instance, RULES, SolveOptions(max_transfers=budget, time_limit=20))
    assert result.status is Status.OPTIMAL
    after = holders_after(instance, result)
    assert verify(instance, RULES, after, budget) == []
    capacity = {p.staff_code: practitioner_capacity(p, RULES) for p in instance.practitioners}
    assert _score(instance, after, capacity) == brute_force(instance, budget)

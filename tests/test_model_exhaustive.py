"""The solver against exhaustive enumeration on many small random instances.

The enumeration shares no code with the model: it tries every assignment of every case, keeps those
that pass the independent verifier, and ranks them by (unallocated, max WMT level, transfers).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.domain import Case, Grade, Instance, Practitioner, Rosh
from optimiser.eligibility import Signature, exclusion
from optimiser.outcome import holders_after
from optimiser.results import SolveOptions, Status
from optimiser.rules import rules_from_dict
from optimiser.solve import solve
from optimiser.verify import verify
from optimiser.wmt import level, practitioner_capacity

RULES = rules_from_dict({})


@st.composite
def instances(draw):
    n = draw(st.integers(1, 4))
    staff = []
    for i in range(n):
        grade = draw(st.sampled_from([Grade.PO, Grade.PO, Grade.PSO, Grade.PQIP, Grade.SPO]))
        cap = draw(st.sampled_from([None, None, Decimal(100), Decimal("80.5")]))
        staff.append(
            Practitioner(
                staff_code=f"P{i}",
                grade=grade,
                contracted_hours=draw(st.sampled_from([Decimal(37), Decimal(30), Decimal("18.5")])),
                reduction_hours=draw(st.sampled_from([Decimal(0), Decimal("7.4")])),
                other_points=draw(st.sampled_from([0, 0, 138, 900])),
                protected=cap == Decimal(100),
                max_wmt_pct=cap if cap != Decimal(100) else None,
                skills=draw(st.sampled_from([frozenset(), frozenset({"DA"})])),
                pdu=draw(st.sampled_from(["N", "N", "S"])),
            )
        )
    holders = [p.staff_code for p in staff if practitioner_capacity(p, RULES) > 0]
    cases = []
    for j in range(draw(st.integers(1, 6))):
        holder = draw(st.sampled_from([""] * 3 + holders)) if holders else ""
        cases.append(
            Case(
                crn=f"C{j}",
                rosh=draw(st.sampled_from(list(Rosh))),
                mappa_level=draw(st.sampled_from([0, 0, 1, 2])),
                points=draw(st.integers(0, 700)),
                staff_code=holder,
                pinned=bool(holder) and draw(st.booleans()) and draw(st.booleans()),
                required_skills=draw(st.sampled_from([frozenset()] * 3 + [frozenset({"DA"})])),
                pdu=draw(st.sampled_from(["", "", "N", "S"])) if not holder else "",
            )
        )
    return Instance(practitioners=tuple(staff), cases=tuple(cases)), draw(st.integers(0, 2))


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
        if verify(instance, RULES, after, max_transfers):
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

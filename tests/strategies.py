"""Hypothesis strategies and exhaustive enumeration shared by the per-stage tests and the whole-solve tests.

The enumeration works on the compiled problem (class counts) and shares no code with the solver stages: it
tries every distribution of every class over the practitioners who may hold it and keeps the ones within
the caps and the transfer budget.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal

from hypothesis import strategies as st

from optimiser.domain import Case, Grade, Instance, Practitioner, Rosh
from optimiser.problem import AllocationProblem, compile_problem
from optimiser.results import Solution
from optimiser.rules import rules_from_dict
from optimiser.wmt import practitioner_capacity

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


@st.composite
def problems(draw) -> AllocationProblem:
    """A compiled problem from a small instance, with a transfer budget of 0 to 2."""
    instance, budget = draw(instances())
    return compile_problem(instance, RULES, budget)


def _splits(count: int, bins: int) -> Iterator[tuple[int, ...]]:
    """Every way to put ``count`` identical cases into ``bins`` bins."""
    if bins == 1:
        yield (count,)
        return
    for first in range(count + 1):
        for rest in _splits(count - first, bins - 1):
            yield (first, *rest)


def feasible_solutions(problem: AllocationProblem) -> Iterator[Solution]:
    """Every allocation of the problem's classes within caps and the transfer budget."""
    per_class = []
    for k, cls in enumerate(problem.classes):
        bins = list(cls.holders) + ([None] if k in problem.slack_classes else [])
        options = []
        for split in _splits(cls.count, len(bins)):
            counts = {p: n for p, n in zip(bins, split, strict=True) if p is not None and n}
            options.append((counts, split[-1] if bins[-1] is None else 0))
        per_class.append(options)
    for choice in itertools.product(*per_class):
        solution = Solution(counts=tuple(c for c, _ in choice), unallocated=tuple(u for _, u in choice))
        loads = solution.loads(problem)
        if solution.transfers(problem) > problem.max_transfers:
            continue
        if any(cap is not None and load > cap for load, cap in zip(loads, problem.max_load, strict=True)):
            continue
        yield solution


def optimum(problem: AllocationProblem) -> tuple[int, int, int]:
    """The best (unallocated, max level, transfers) of any feasible allocation."""
    return min((sum(s.unallocated), s.max_level(problem), s.transfers(problem)) for s in feasible_solutions(problem))

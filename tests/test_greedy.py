"""The greedy stage: largest case first to whoever ends lowest, within caps and eligibility."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from optimiser.greedy import greedy
from optimiser.problem import AllocationProblem, CaseClass

from .strategies import problems


def _problem(classes, available=(1000, 1000), base=(0, 0), caps=(None, None)) -> AllocationProblem:
    return AllocationProblem(
        staff_codes=tuple(f"P{i}" for i in range(len(available))),
        available=available,
        base_load=base,
        max_load=caps,
        classes=tuple(classes),
        max_transfers=0,
        unplaceable=(),
    )


def test_largest_first_to_whoever_ends_lowest():
    classes = [
        CaseClass(points=100, crns=("S1", "S2"), holder=None, targets=(0, 1)),
        CaseClass(points=300, crns=("L1",), holder=None, targets=(0, 1)),
    ]
    solution = greedy(_problem(classes, base=(0, 50)))
    # 300 first goes to P0 (ends 300 < 350); then 100 to P1 (150), then 100 to P1 (250 < 400)
    assert solution.counts == ({1: 2}, {0: 1})
    assert solution.unallocated == (0, 0)


def test_a_case_that_fits_no_cap_is_left_unallocated():
    classes = [CaseClass(points=300, crns=("A", "B"), holder=None, targets=(0,))]
    solution = greedy(_problem(classes, caps=(400, None)))
    assert solution.counts == ({0: 1},) and solution.unallocated == (1,)


def test_freed_held_cases_are_placed_too():
    classes = [CaseClass(points=400, crns=("H1", "H2"), holder=0, targets=(1,))]
    problem = _problem(classes, base=(0, 0))
    assert greedy(problem).counts == ({0: 2},)  # nothing freed: held cases stay
    assert greedy(problem, {0: 1}).counts == ({0: 1, 1: 1},)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_greedy_keeps_caps_eligibility_and_makes_no_transfers(problem):
    solution = greedy(problem)
    loads = solution.loads(problem)
    assert solution.transfers(problem) == 0
    for cls, taken, left in zip(problem.classes, solution.counts, solution.unallocated, strict=True):
        assert set(taken) <= set(cls.holders)
        assert sum(taken.values()) + left == cls.count
    for p, cap in enumerate(problem.max_load):
        assert cap is None or loads[p] <= cap or loads[p] == problem.load_before()[p]

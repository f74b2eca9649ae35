"""The proven bounds (volume, transfer budget, level range) against exhaustive optima on tiny problems:
a bound above a true optimum would make the solver claim a proof it does not have."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings

from optimiser.bounds import (
    _NO_VOLUME_BOUND,
    _room,
    bound_pct,
    shed_plan,
    shedding,
    transfers_needed,
    volume_level,
    volume_pct,
)
from optimiser.problem import AllocationProblem, CaseClass
from optimiser.wmt import points_at_level

from .strategies import feasible_solutions, optimum, problems

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems())
def test_level_range_brackets_the_exhaustive_optimum(problem):
    unallocated, best, _ = optimum(problem)
    low, high = problem.level_range
    best_allocating_all = min(
        s.max_level(problem) for s in feasible_solutions(problem) if sum(s.unallocated) == unallocated
    )
    assert best == best_allocating_all
    assert low <= best <= max(high, best)
    for group in {c.holders for c in problem.classes}:
        if not problem.slack_classes:
            assert volume_level(problem, group) <= best


@SETTINGS
@given(problems())
def test_the_exact_bound_is_never_above_the_exhaustive_optimum_and_never_below_its_level(problem):
    unallocated = optimum(problem)[0]
    lowest = min(s.max_pct(problem) for s in feasible_solutions(problem) if sum(s.unallocated) == unallocated)
    low = problem.level_range[0]
    assert Fraction(max(low - 1, 0), 10) <= bound_pct(problem, low) <= lowest


@SETTINGS
@given(problems())
def test_transfers_needed_never_exceeds_the_fewest_transfers_at_a_level(problem):
    solutions = list(feasible_solutions(problem))
    for top in sorted({s.max_level(problem) for s in solutions}):
        fewest = min(s.transfers(problem) for s in solutions if s.max_level(problem) <= top)
        needed = transfers_needed(problem, top)
        assert needed is not None and needed <= fewest


def _one_holder(points: list[int], available: int = 1000, base: int = 0, budget: int = 5) -> AllocationProblem:
    """Practitioner 0 holds one movable case of each of ``points``; practitioner 1 may take them and is empty."""
    classes = tuple(CaseClass(points=pts, crns=(f"H{i}",), holder=0, targets=(1,)) for i, pts in enumerate(points))
    return AllocationProblem(
        staff_codes=("A", "B"),
        available=(available, available),
        base_load=(base, 0),
        max_load=(None, None),
        classes=classes,
        max_transfers=budget,
        unplaceable=(),
    )


def test_shedding_takes_the_largest_held_cases_first():
    problem = _one_holder([100, 300, 200])  # A at 600/1000 = level 600
    assert transfers_needed(problem, 600) == 0
    assert shedding(problem, 500) == {1: 1}  # 300 off: 300 <= 500
    assert transfers_needed(problem, 300) == 1
    assert transfers_needed(problem, 299) == 2
    assert transfers_needed(problem, 0) == 3


def test_a_level_below_fixed_load_or_over_the_budget_has_no_plan():
    problem = _one_holder([100, 300], base=400, budget=1)
    assert transfers_needed(problem, 399) is None  # the fixed 400 points stay
    assert transfers_needed(problem, 400) == 2
    assert shed_plan(problem, 400) is None  # two needed, one allowed
    assert shed_plan(problem, 500) == {1: 1}


def _two_new(available: tuple[int, int], points: int, count: int, base: tuple[int, int] = (0, 0)) -> AllocationProblem:
    """``count`` new cases of ``points`` that A or B may take, nothing held."""
    classes = (CaseClass(points=points, crns=tuple(f"N{i}" for i in range(count)), holder=None, targets=(0, 1)),)
    return AllocationProblem(
        staff_codes=("A", "B"),
        available=available,
        base_load=base,
        max_load=(None, None),
        classes=classes,
        max_transfers=0,
        unplaceable=(),
    )


@SETTINGS
@given(problems())
def test_the_volume_level_is_the_lowest_with_room_for_the_groups_cases(problem):
    """The search out from the divisible guess lands where room first holds the demand (room grows with
    the level), or says 0 when no level does."""
    for group in {c.holders for c in problem.classes}:
        demand = sum(c.points * c.count for c in problem.classes if set(group).issuperset(c.holders))

        def room(top: int, group=group) -> int:
            return sum(_room(problem, p, points_at_level(top, problem.available[p])) for p in group)

        found = volume_level(problem, group)
        if found == 0 and demand > 0:
            assert room(2 * _NO_VOLUME_BOUND) < demand
        else:
            assert room(found) >= demand and (found == 0 or room(found - 1) < demand)


def test_volume_level_is_the_lowest_level_with_room_for_the_groups_cases():
    problem = _two_new((1000, 2000), 500, 2, base=(0, 500))
    # 1500 points over 3000 available: level 500 (50.0%) exactly, in any divisible split
    assert volume_level(problem, (0, 1)) == 500
    assert problem.level_range[0] == 500


def test_the_volume_bound_is_exact_below_its_level():
    """A (2000 points available) and B (300) must hold 2,301 one-point cases: at 100.0% they have room for
    2,300, so the level is 100.1%; but A takes the last case at 2001/2000 = 100.05%, which is the optimum."""
    problem = _two_new((2000, 300), 1, 2301)
    assert problem.level_range[0] == 1001
    assert volume_pct(problem) == Fraction(10005, 100)
    assert bound_pct(problem, 1001) == Fraction(10005, 100)
    assert bound_pct(problem, 1002) == Fraction(1001, 10)  # a stronger proof of the level wins


def test_the_volume_bound_is_exact_for_large_available_points_too():
    """Past 2**20 available points the ratios are ordered as fractions, not floats: the same answer."""
    big = 2**21
    problem = _two_new((big, 300), big + 301, 1)
    assert problem.level_range[0] == 1001
    assert volume_pct(problem) == Fraction(100 * (big + 1), big)

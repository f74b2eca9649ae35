"""The configuration LP bound of ``benchmarks/hard_level.py`` never claims more transfers than a level
needs: on tiny instances, at every level some allocation reaches, it is at most the fewest transfers
exhaustive search finds there (a bound above that would pass off an open level as closed); and a level
someone cannot get down to even shedding everything has no bound at all."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.bounds import transfers_needed
from optimiser.problem import compile_problem

from .strategies import RULES, feasible_solutions, instances

_SPEC = importlib.util.spec_from_file_location(
    "hard_level", Path(__file__).resolve().parent.parent / "benchmarks" / "hard_level.py"
)
assert _SPEC is not None and _SPEC.loader is not None
hard_level = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(hard_level)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(instances(), st.integers(0, 3))
def test_the_configuration_bound_is_at_most_the_fewest_transfers_at_each_level(drawn, budget):
    instance, _ = drawn
    problem = compile_problem(instance, RULES, budget)
    fewest: dict[int, int] = {}
    for solution in feasible_solutions(problem):
        if not sum(solution.unallocated):
            top = solution.max_level(problem)
            fewest[top] = min(fewest.get(top, math.inf), solution.transfers(problem))
    for top in sorted(fewest):
        needed = min(t for level, t in fewest.items() if level <= top)
        assert hard_level.configuration_bound(problem, top) <= needed + 1e-6
    for top in range(min(fewest, default=0) - 300, min(fewest, default=0), 30):
        if transfers_needed(problem, top) is None:
            assert hard_level.configuration_bound(problem, top) == math.inf

"""Independent parts: practitioners linked by cases both may hold; solving parts apart equals solving whole."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings

from optimiser.decompose import merge, split, whole
from optimiser.generate import generate
from optimiser.greedy import greedy
from optimiser.partsolve import solve_part
from optimiser.problem import compile_problem
from optimiser.results import SolveOptions
from optimiser.solve import solve_problem

from .strategies import RULES, problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_parts_partition_the_classes_and_no_class_crosses_parts(problem):
    parts = split(problem)
    owned = sorted(k for part in parts for k in part.classes)
    assert owned == list(range(len(problem.classes)))
    for part in parts:
        members = set(part.staff)
        for k in part.classes:
            assert set(problem.classes[k].holders) <= members
    staff = [p for part in parts for p in part.staff]
    assert len(staff) == len(set(staff))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_merging_the_parts_greedy_solutions_gives_the_whole_problems_loads(problem):
    parts = split(problem) or [whole(problem)]
    merged = merge(problem, parts, [greedy(part.problem) for part in parts])
    direct = greedy(problem)
    assert sum(merged.unallocated) == sum(direct.unallocated) or problem.slack_classes
    assert sum(sum(c.values()) for c in merged.counts) + sum(merged.unallocated) == sum(
        c.count for c in problem.classes
    )


def test_pdus_are_parts_and_the_parts_solved_apart_give_the_whole_optimum():
    problem = compile_problem(generate(24, 60, seed=5, pdus=3), RULES)
    parts = split(problem)
    assert len(parts) >= 3
    pdus = {code.split("-")[0] for part in parts for code in part.problem.staff_codes}
    assert len(pdus) == 3 and all(len({c.split("-")[0] for c in part.problem.staff_codes}) == 1 for part in parts)
    apart = solve_problem(problem, SolveOptions())
    together = solve_part(problem, SolveOptions(), deadline=time.time() + 60)
    assert apart.solution.max_level(problem) == together.solution.max_level(problem)

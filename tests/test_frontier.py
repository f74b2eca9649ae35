"""The transfers frontier: one budget shared by several parts matches exhaustive search; the trade-off curve
never rises and matches exhaustive search on tiny instances."""

from __future__ import annotations

import multiprocessing
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.decompose import split
from optimiser.executor import Executor, TaskFailed
from optimiser.frontier import Frontier
from optimiser.problem import compile_problem
from optimiser.results import SolveOptions, Status
from optimiser.solve import solve_problem
from optimiser.tradeoff import tradeoff
from optimiser.wmt import wmt_pct

from .strategies import RULES, feasible_solutions, instances, optimum

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@SETTINGS
@given(instances(), st.integers(0, 5))
def test_one_budget_over_several_parts_matches_exhaustive_search(drawn, budget):
    instance, _ = drawn
    problem = compile_problem(instance, RULES, budget)
    result = solve_problem(problem, SolveOptions(max_transfers=budget, time_limit=20))
    found = (sum(result.solution.unallocated), result.solution.max_level(problem), result.solution.transfers(problem))
    assert found == optimum(problem)
    assert result.status is Status.OPTIMAL


def _best_levels(problem, budgets):
    """Exhaustive: the lowest maximum level with at most b transfers, allocating as many as with none."""
    solutions = list(feasible_solutions(problem))
    placed = min(sum(s.unallocated) for s in solutions if s.transfers(problem) == 0)
    return [
        min(s.max_level(problem) for s in solutions if s.transfers(problem) <= b and sum(s.unallocated) <= placed)
        for b in budgets
    ]


@SETTINGS
@given(instances())
def test_the_tradeoff_never_rises_and_matches_exhaustive_search(drawn):
    instance, _ = drawn
    budgets = [0, 1, 2, 3]
    with Executor(1) as here:
        points = tradeoff(instance, RULES, budgets, SolveOptions(time_limit=20), here)
    assert [p.max_transfers for p in points] == budgets
    shown = [p.max_wmt_pct for p in points]
    assert shown == sorted(shown, reverse=True)
    assert all(p.lower_bound_pct <= p.max_wmt_pct and p.transfers <= p.max_transfers for p in points)
    problem = compile_problem(instance, RULES, max(budgets))
    best = _best_levels(problem, budgets)
    assert [p.status for p in points] == [Status.OPTIMAL] * len(points)
    assert [p.level for p in points] == best
    assert all(p.max_wmt_pct <= Decimal(p.level) / 10 for p in points)


def test_auto_lists_each_budget_where_the_maximum_changes(tiny_copy):
    from optimiser.reader import read_instance

    loaded = read_instance(tiny_copy)
    with Executor(1) as here:
        points = tradeoff(loaded.instance, loaded.rules, None, SolveOptions(), here)
    assert [(p.max_transfers, p.transfers, p.max_wmt_pct) for p in points] == [
        (0, 0, Decimal("80.0")),
        (1, 1, Decimal("75.0")),
    ]


@pytest.mark.slow
def test_frontier_levels_bound_each_other():
    from optimiser.generate import generate

    problem = compile_problem(generate(40, 60, seed=7, pdus=2), RULES, 10)
    parts = split(problem)
    with Executor(1) as here:
        frontier = Frontier(problem, parts, SolveOptions(max_transfers=10), here, time.time() + 60)
        steps = frontier.staircase(10)
    levels = [s.level for s in steps]
    assert levels == sorted(levels, reverse=True) and len(set(levels)) == len(levels)
    assert [s.budget for s in steps] == sorted(s.budget for s in steps)
    for step in steps:
        assert step.bound <= step.level and step.transfers <= step.budget
        loads = [r.solution.loads(part.problem) for r, part in zip(step.reaches, frontier.parts, strict=True)]
        for part, load in zip(frontier.parts, loads, strict=True):
            shown = [wmt_pct(x, a) for x, a in zip(load, part.problem.available, strict=True) if a > 0]
            assert max(v for v in shown if v is not None) <= Decimal(step.level) / 10


def _fails_on_two(x: int, cancellation=None) -> int:
    if x == 2:
        raise ValueError("two is not allowed")
    return x * 10


def test_a_failed_task_is_reported_and_the_others_are_kept_in_process_and_on_a_cluster():
    for workers in (1, 2):
        with Executor(workers) as executor:
            results = executor.map(_fails_on_two, [(1,), (2,), (3,)])
        assert results[0] == 10 and results[2] == 30
        assert isinstance(results[1], TaskFailed) and "two is not allowed" in results[1].error


def test_many_jobs_on_a_cluster_come_back_in_order_each_told_once_and_a_failure_alone():
    """Forty jobs on two workers run as sixteen Dask tasks (``BATCHES_PER_WORKER``), each a share of the
    jobs: the job that fails is reported alone, the rest of its task's share is kept."""
    told = []
    with Executor(2) as executor:
        results = executor.map(_fails_on_two, [(x,) for x in range(40)], lambda i, r: told.append((i, r)))
    assert [r for i, r in enumerate(results) if i != 2] == [x * 10 for x in range(40) if x != 2]
    assert isinstance(results[2], TaskFailed) and "two is not allowed" in results[2].error
    assert sorted(told) == [(x, x * 10) for x in range(40) if x != 2]


def _process_id(x: int, cancellation=None) -> int:
    import os

    return os.getpid()


def _loaded(module: str, cancellation=None) -> tuple[bool, int]:
    import os
    import sys

    return module in sys.modules, os.getppid()


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server here")
def test_preloaded_workers_are_forked_from_a_server_that_loaded_the_solver():
    """``preload`` (the solve begins it before reading): the workers come from a fork server, not spawned
    by this process, with CP-SAT loaded before any task asked for it (the solver loads it on first use)."""
    import os

    from optimiser.cpsat.lazy import MODULE
    from optimiser.solve import TASK_MODULES

    with Executor(2) as executor:
        executor.preload(*TASK_MODULES)
        found = executor.map(_loaded, [(MODULE,), (MODULE,)]).values()
    assert [loaded for loaded, _ in found] == [True, True]
    assert all(parent != os.getpid() for _, parent in found)


def test_workers_are_spawned_as_before_when_the_fork_server_cannot_start(monkeypatch):
    import os
    from multiprocessing import forkserver

    def refused() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(forkserver, "ensure_running", refused)
    with Executor(2) as executor:
        executor.preload("optimiser.solve")
        found = executor.map(_loaded, [("optimiser.solve",), ("optimiser.solve",)]).values()
    assert [parent for _, parent in found] == [os.getpid(), os.getpid()]


def test_a_cluster_closed_in_the_background_has_ended_its_workers_once_closed():
    """``close_soon`` lets this process write its results while the workers end; ``close`` (the context's
    exit) waits for them, and a lone task given after it runs here."""
    import os

    with Executor(2) as executor:
        workers = set(executor.map(_process_id, [(1,), (2,), (3,)]).values())
        assert os.getpid() not in workers
        executor.close_soon()
        executor.close_soon()  # once is enough; again is harmless
        assert executor.start(_process_id, [(1,)]).results().values() == [os.getpid()]
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # ended and reaped


def test_a_task_begun_alone_runs_here_until_a_cluster_is_up_then_on_it():
    """``Executor.start``: a lone task (a report's charts) is not worth starting a cluster for, but once the
    parts have started one, it runs there while this process goes on; in process, when asked for."""
    import os

    with Executor(2) as executor:
        alone = executor.start(_process_id, [(1,)])
        assert alone.results().values() == [os.getpid()]
        executor.map(_process_id, [(1,), (2,)])  # the parts: the cluster starts
        begun = executor.start(_process_id, [(1,)])
        assert begun.results().values() != [os.getpid()]
    ran = []
    with Executor(1) as executor:
        later = executor.start(lambda x, cancellation=None: ran.append(x) or x, [(7,)])
        assert ran == []  # nothing runs until the results are asked for
        assert later.results().values() == [7] and ran == [7]


def test_a_level_evaluated_again_keeps_its_fewest_transfers_strongest_proof_and_stages():
    """A second pass at a level may start elsewhere and find an allocation with more transfers; the better
    one found is kept (with the second pass's stronger bound), so a point never needs more than its budget.
    What is known at the level carries the stages that searched it, for the result's stage reports."""
    from optimiser.frontier import Reach
    from optimiser.generate import generate
    from optimiser.results import StageReport, StageStatus

    problem = compile_problem(generate(12, 20, seed=3, pdus=2), RULES, 5)
    with Executor(1) as here:
        part = Frontier(problem, split(problem), SolveOptions(max_transfers=5), here, time.time() + 60).parts[0]
    level, start = part.top - 1, part.base.solution
    first, second = (StageReport("level_transfers", StageStatus.FEASIBLE, n, 1, 0.1) for n in (2, 4))
    part.record(Reach(level, 1, 2, start, (first,)))
    part.record(Reach(level, 2, 4, None, (second,)))
    known = part.at(level)
    assert (known.low, known.high, known.solution, known.stages) == (2, 2, start, (first, second))

"""Each CP-SAT stage on its own, against exhaustive optima: allocate as many as caps allow, the lowest
maximum, the fewest transfers at it, and one leximax spread step."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings

from optimiser.cpsat import StageRunner
from optimiser.cpsat.constraints import Bounds
from optimiser.cpsat.objective import Goal, top_band
from optimiser.greedy import greedy
from optimiser.interrupt import Cancellation
from optimiser.problem import AllocationProblem, CaseClass

from .strategies import feasible_solutions, optimum, problems

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _runner(problem: AllocationProblem) -> StageRunner:
    return StageRunner(problem, seed=0, cancellation=Cancellation(), deadline=time.monotonic() + 60)


@SETTINGS
@given(problems())
def test_allocate_then_max_then_transfers_reach_the_exhaustive_lexicographic_optimum(problem):
    run = _runner(problem)
    hint = greedy(problem)
    allocate = run.run("allocate", Goal.UNALLOCATED, Bounds(), hint, 5)
    unallocated = sum(allocate.solution.unallocated)
    bounds = Bounds(max_unallocated=unallocated)
    top = run.run("max_wmt", Goal.MAX_LEVEL, bounds, allocate.solution, 5)
    level = top.solution.max_level(problem)
    fewest = run.run("transfers", Goal.TRANSFERS, Bounds(unallocated, level), top.solution, 5)
    assert allocate.optimal and top.optimal and fewest.optimal
    assert (unallocated, level, fewest.solution.transfers(problem)) == optimum(problem)


def test_a_spread_step_minimises_the_top_band_then_how_many_are_in_it():
    # P0 is fixed at 60.0% by a pinned load; three 100-point cases go to P1 and P2 (1000 points each).
    classes = (CaseClass(points=100, crns=("A", "B", "C"), holder=None, targets=(1, 2)),)
    problem = AllocationProblem(
        staff_codes=("P0", "P1", "P2"),
        available=(1000, 1000, 1000),
        base_load=(600, 0, 0),
        max_load=(None, None, None),
        classes=classes,
        max_transfers=0,
        unplaceable=(),
    )
    step = _runner(problem).run("spread 0", Goal.SPREAD, Bounds(), greedy(problem), 5, frozenset({1, 2}), 10)
    levels = step.solution.levels(problem)
    top, in_band = top_band(levels, {1, 2}, 10)
    assert step.optimal and top == 200 and len(in_band) == 1  # one takes 2 cases (20.0%), the other 1
    assert sorted(levels[p] for p in (1, 2)) == [100, 200]


def test_a_stage_past_the_deadline_is_skipped_and_keeps_its_hint():
    problem = AllocationProblem(
        staff_codes=("P0",),
        available=(1000,),
        base_load=(0,),
        max_load=(None,),
        classes=(CaseClass(points=10, crns=("A",), holder=None, targets=(0,)),),
        max_transfers=0,
        unplaceable=(),
    )
    hint = next(feasible_solutions(problem))
    late = StageRunner(problem, seed=0, cancellation=Cancellation(), deadline=time.monotonic() - 1)
    outcome = late.run("max_wmt", Goal.MAX_LEVEL, Bounds(), hint, 5)
    assert not outcome.ran and outcome.solution is hint and outcome.report.status == "SKIPPED"


@pytest.mark.slow
def test_a_model_too_large_to_build_in_time_is_skipped_and_the_local_answer_kept(monkeypatch):
    """Building costs time outside CP-SAT's limit, so beyond a size the stage is skipped, deterministically."""
    import optimiser.cpsat.stages as stages
    from optimiser.generate import generate
    from optimiser.outcome import holders_after
    from optimiser.results import SolveOptions
    from optimiser.rules import load_rules
    from optimiser.solve import solve
    from optimiser.verify import verify

    rules = load_rules(None)

    settled = generate(60, 100, 1, 1)  # the benchmark's pdu-settled seed 1: CP-SAT runs with transfers
    options = SolveOptions(max_transfers=30, time_limit=4)
    full = solve(settled, rules, options)
    assert any(s.status not in ("SKIPPED", "DONE") for s in full.stages)
    monkeypatch.setattr(stages, "MAX_MODEL_SIZE", full.problem.model_size - 1)
    capped = solve(settled, rules, options)
    assert all(s.status in ("SKIPPED", "DONE") for s in capped.stages)
    assert capped.lower_bound_pct <= capped.solution.max_level(capped.problem) / 10
    assert verify(settled, rules, holders_after(settled, capped), 30) == []


class _Values:
    """A stand-in for a solved CpSolver: the value of each variable by name."""

    def __init__(self, values: dict[str, int]):
        self.values = values

    def value(self, var) -> int:
        return self.values.get(var.name, 0)


def test_a_pool_returns_a_holders_own_cases_first_and_hands_the_rest_to_others():
    """Practitioners 0 and 1 hold interchangeable cases (one pool); 2 may take them too. The model says
    each sheds one, and 1 and 2 each receive one from the pool: read back, 1 keeps its own case (nothing
    moves for nothing) and 0's goes to 2, a single transfer, not A->B plus B->C."""
    from optimiser.cpsat.model import AllocationModel

    problem = AllocationProblem(
        staff_codes=("A", "B", "C"),
        available=(100, 100, 100),
        base_load=(0, 0, 0),
        max_load=(None, None, None),
        classes=(
            CaseClass(points=10, crns=("X1", "X2"), holder=0, targets=(1, 2)),
            CaseClass(points=10, crns=("Y1",), holder=1, targets=(0, 2)),
        ),
        max_transfers=5,
        unplaceable=(),
    )
    assert len(problem.pools) == 1
    built = AllocationModel(problem, Bounds(), Goal.TRANSFERS)
    solution = built.read(_Values({"s0": 1, "s1": 1, "r0_1": 1, "r0_2": 1}))
    assert solution.counts == ({0: 1, 2: 1}, {1: 1})
    assert solution.transfers(problem) == 1


def test_or_tools_loads_on_first_use_once_from_many_threads():
    """A worker of a real cluster may build its first models side by side: each sees the one real module."""
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from optimiser.cpsat.lazy import cp_model\n"
        "assert 'numpy' not in sys.modules\n"
        "seen = []\n"
        "threads = [threading.Thread(target=lambda: seen.append(cp_model.CpModel)) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "from ortools.sat.python import cp_model as real\n"
        "print(len(seen), all(s is real.CpModel for s in seen))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["8", "True"]

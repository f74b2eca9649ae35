"""A plain reference model: one boolean per case x practitioner who may hold it, one CP-SAT solve minimising
the maximum level (unplaced cases first, where caps may leave some out).

It shares nothing with the staged model but the compiled problem, so the tests compare the staged solve
against it, and the benchmarks measure the product against it as the naive peer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..problem import AllocationProblem
from ..wmt import SCALE
from .lazy import cp_model


@dataclass
class PeerRun:
    """What a peer reached: its best level, a proven bound on the level, transfers, and when it got to a target."""

    level: int | None
    max_pct: float | None
    """The exact maximum WMT % of the best allocation found."""
    bound_pct: float | None
    transfers: int | None
    proven: bool
    """The solver proved its level optimal."""
    seconds: float
    reached_target_at: float | None


def movable_cases(problem: AllocationProblem) -> list[tuple[int, int | None, tuple[int, ...], bool]]:
    """(points, holder, who may hold it, may stay unallocated) for every movable case, one entry per case."""
    return [
        (c.points, c.holder, c.holders, k in problem.slack_classes)
        for k, c in enumerate(problem.classes)
        for _ in c.crns
    ]


def max_pct(problem: AllocationProblem, load: list[list[tuple[Any, int]]], value: Callable[[Any], float]) -> float:
    """Exact maximum % of an allocation, from each practitioner's chosen cases."""
    totals = [
        problem.base_load[p] + sum(points for var, points in load[p] if value(var) > 0.5) for p in range(problem.n)
    ]
    return max(100 * t / a for t, a in zip(totals, problem.available, strict=True) if a > 0)


def top_level(problem: AllocationProblem) -> int:
    extra = sum(c.points * c.count for c in problem.classes)
    return max(-(-SCALE * (b + extra) // a) for b, a in zip(problem.base_load, problem.available, strict=True) if a > 0)


def naive_cpsat(problem: AllocationProblem, target: int, seconds: float, workers: int = 2) -> PeerRun:
    """Boolean per case x eligible practitioner; minimise the level in one solve."""
    started = time.monotonic()
    model = cp_model.CpModel()
    load: list[list[tuple[Any, int]]] = [[] for _ in range(problem.n)]
    moved = []
    unplaced = []
    for i, (points, holder, holders, slack) in enumerate(movable_cases(problem)):
        x = {p: model.new_bool_var(f"x{i}_{p}") for p in holders}
        if slack:
            u = model.new_bool_var(f"u{i}")
            unplaced.append(u)
            model.add(sum(x.values()) + u == 1)
        else:
            model.add_exactly_one(x.values())
        for p, var in x.items():
            load[p].append((var, points))
        if holder is not None:
            moved.append(x[holder].Not())
    top = top_level(problem)
    z = model.new_int_var(0, top, "level")
    for p in range(problem.n):
        expr = problem.base_load[p] + cp_model.LinearExpr.weighted_sum(
            [var for var, _ in load[p]], [points for _, points in load[p]]
        )
        cap = problem.max_load[p]
        if cap is not None:
            model.add(expr <= cap)
        if problem.available[p] > 0 and load[p]:
            model.add(SCALE * expr <= z * problem.available[p])
    if moved:
        model.add(sum(moved) <= problem.max_transfers)
    model.minimize((top + 1) * sum(unplaced) + z if unplaced else z)

    reached: list[float] = []

    class Watch(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if not reached and self.value(z) <= target:
                reached.append(time.monotonic() - started)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds - (time.monotonic() - started), 1.0)
    solver.parameters.num_workers = workers
    if workers == 1:  # one worker: also a deterministic-time limit, so the same model always ends the same way
        solver.parameters.max_deterministic_time = seconds
    status = solver.solve(model, Watch())
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = solver.best_objective_bound if not unplaced else None
    return PeerRun(
        level=round(solver.value(z)) if found else None,
        max_pct=max_pct(problem, load, lambda var: solver.value(var)) if found else None,
        bound_pct=None if bound is None else max(round(bound) - 1, 0) / 10,
        transfers=sum(round(solver.value(m)) for m in moved) if found else None,
        proven=status == cp_model.OPTIMAL,
        seconds=time.monotonic() - started,
        reached_target_at=reached[0] if reached else None,
    )

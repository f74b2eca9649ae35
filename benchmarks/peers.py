"""The peers the product is measured against, all built from the same compiled problem (same eligibility).

- naive CP-SAT: one boolean per case x practitioner who may hold it, one solve minimising the level;
- the same model as a MIP in HiGHS;
- its LP relaxation in HiGHS: the limit any allocation can reach.

Levels are tenths of a percentage point, as in the product: ``1000 * load <= level * available``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimiser.problem import SCALE, AllocationProblem


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


def _cases(problem: AllocationProblem) -> list[tuple[int, int | None, tuple[int, ...], bool]]:
    """(points, holder, who may hold it, may stay unallocated) for every movable case, one entry per case."""
    return [(c.points, c.holder, c.holders, k in problem.slack_classes)
            for k, c in enumerate(problem.classes) for _ in c.crns]


def _max_pct(problem: AllocationProblem, load: list[list[tuple[object, int]]], value) -> float:
    """Exact maximum % of an allocation, from each practitioner's chosen cases."""
    totals = [problem.base_load[p] + sum(points for var, points in load[p] if value(var) > 0.5) for p in range(problem.n)]
    return max(100 * t / a for t, a in zip(totals, problem.available, strict=True) if a > 0)


def _top_level(problem: AllocationProblem) -> int:
    extra = sum(c.points * c.count for c in problem.classes)
    return max(-(-SCALE * (b + extra) // a) for b, a in zip(problem.base_load, problem.available, strict=True) if a > 0)


def naive_cpsat(problem: AllocationProblem, target: int, seconds: float, workers: int = 2) -> PeerRun:
    """Boolean per case x eligible practitioner; minimise the level in one solve."""
    started = time.monotonic()
    model = cp_model.CpModel()
    load = [[] for _ in range(problem.n)]
    moved = []
    unplaced = []
    for i, (points, holder, holders, slack) in enumerate(_cases(problem)):
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
    top = _top_level(problem)
    z = model.new_int_var(0, top, "level")
    for p in range(problem.n):
        expr = problem.base_load[p] + sum(points * var for var, points in load[p])
        if problem.max_load[p] is not None:
            model.add(expr <= problem.max_load[p])
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
        max_pct=_max_pct(problem, load, solver.value) if found else None,
        bound_pct=None if bound is None else max(round(bound) - 1, 0) / 10,
        transfers=sum(round(solver.value(m)) for m in moved) if found else None,
        proven=status == cp_model.OPTIMAL,
        seconds=time.monotonic() - started,
        reached_target_at=reached[0] if reached else None,
    )


def highs_model(problem: AllocationProblem, relax: bool) -> tuple[object, object, list, list]:
    """The naive model in HiGHS; ``relax`` makes it the LP relaxation (the level then continuous)."""
    import highspy  # the benchmarks' own dependency (pip install ".[bench]")

    h = highspy.Highs()
    h.silent()
    top = _top_level(problem)
    z = h.addVariable(lb=0, ub=top) if relax else h.addIntegral(lb=0, ub=top)
    load = [[] for _ in range(problem.n)]
    moved = []
    for points, holder, holders, slack in _cases(problem):
        xs = {p: (h.addVariable(lb=0, ub=1) if relax else h.addBinary()) for p in holders}
        if slack:
            h.addConstr(sum(xs.values()) <= 1)
        else:
            h.addConstr(sum(xs.values()) == 1)
        for p, var in xs.items():
            load[p].append((var, points))
        if holder is not None:
            moved.append(xs[holder])
    for p in range(problem.n):
        if not load[p]:
            continue
        expr = sum(points * var for var, points in load[p])
        if problem.max_load[p] is not None:
            h.addConstr(expr <= problem.max_load[p] - problem.base_load[p])
        if problem.available[p] > 0:
            h.addConstr(SCALE * expr - problem.available[p] * z <= -SCALE * problem.base_load[p])
    if moved:
        h.addConstr(len(moved) - sum(moved) <= problem.max_transfers)
    return h, z, moved, load


def highs_mip(problem: AllocationProblem, target: int, seconds: float) -> PeerRun:
    """The naive model as a MIP in HiGHS, one solve minimising the level."""
    started = time.monotonic()
    h, z, moved, load = highs_model(problem, relax=False)
    reached: list[float] = []

    def watch(event) -> None:
        if not reached and event.data_out.objective_function_value <= target + 1e-6:
            reached.append(time.monotonic() - started)

    h.cbMipImprovingSolution.subscribe(watch)
    h.setOptionValue("time_limit", max(seconds - (time.monotonic() - started), 1.0))
    h.setOptionValue("threads", 2)
    h.minimize(z)
    info = h.getInfo()
    found = info.primal_solution_status == 2
    values = h.getSolution().col_value if found else None
    return PeerRun(
        level=round(values[z.index]) if found else None,
        max_pct=_max_pct(problem, load, lambda var: values[var.index]) if found else None,
        bound_pct=max(round(info.mip_dual_bound - 1e-6 + 0.5) - 1, 0) / 10 if info.mip_dual_bound > -1e30 else None,
        transfers=sum(1 for m in moved if values[m.index] < 0.5) if found else None,
        proven=h.getModelStatus().name == "kOptimal",
        seconds=time.monotonic() - started,
        reached_target_at=reached[0] if reached else None,
    )


def lp_bound(problem: AllocationProblem, seconds: float) -> PeerRun:
    """The LP relaxation's optimum: no allocation, fractional or not, has a lower maximum."""
    started = time.monotonic()
    h, z, _, _ = highs_model(problem, relax=True)
    h.setOptionValue("time_limit", seconds)
    h.minimize(z)
    solved = h.getModelStatus().name == "kOptimal"
    value = h.getInfo().objective_function_value
    return PeerRun(level=None, max_pct=None, bound_pct=value / 10 if solved else None, transfers=None, proven=solved,
                   seconds=time.monotonic() - started, reached_target_at=None)

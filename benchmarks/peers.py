"""The peers the product is measured against, all built from the same compiled problem (same eligibility).

- naive CP-SAT: one boolean per case x practitioner who may hold it, one solve minimising the level;
- the same model as a MIP in HiGHS;
- its LP relaxation in HiGHS: the limit any allocation can reach.

Levels are tenths of a percentage point, as in the product: ``1000 * load <= level * available``.
"""

from __future__ import annotations

import time

from optimiser.cpsat.plain import PeerRun, max_pct, movable_cases, naive_cpsat, top_level
from optimiser.problem import AllocationProblem
from optimiser.wmt import SCALE

__all__ = ["PeerRun", "highs_mip", "lp_bound", "naive_cpsat"]


def highs_model(problem: AllocationProblem, relax: bool) -> tuple[object, object, list, list]:
    """The naive model in HiGHS; ``relax`` makes it the LP relaxation (the level then continuous)."""
    import highspy  # the benchmarks' own dependency (pip install ".[bench]")

    h = highspy.Highs()
    h.silent()
    top = top_level(problem)
    z = h.addVariable(lb=0, ub=top) if relax else h.addIntegral(lb=0, ub=top)
    load = [[] for _ in range(problem.n)]
    moved = []
    for points, holder, holders, slack in movable_cases(problem):
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
        max_pct=max_pct(problem, load, lambda var: values[var.index]) if found else None,
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
    return PeerRun(
        level=None,
        max_pct=None,
        bound_pct=value / 10 if solved else None,
        transfers=None,
        proven=solved,
        seconds=time.monotonic() - started,
        reached_target_at=None,
    )

"""The greedy allocation a lead makes by hand: biggest case first, to whoever ends lowest.

Used as the solver's first hint, as its fallback when a time limit leaves no model solution, and as the
baseline in the benchmarks. On its own it never transfers; given a transfer plan it places the freed cases.
"""

from __future__ import annotations

from collections.abc import Mapping

from .problem import AllocationProblem
from .results import Solution


def greedy(problem: AllocationProblem, freed: Mapping[int, int] | None = None) -> Solution:
    """Place each unallocated case, largest first, on the eligible practitioner with the lowest WMT after it.

    ``freed`` (held class -> count) lifts that many held cases off their holder to be placed the same
    way (back on the holder too, which is then no transfer): how a transfer plan is filled in.
    """
    freed = freed or {}
    load = list(problem.base_load)
    counts: list[dict[int, int]] = [{} for _ in problem.classes]
    for k, cls in enumerate(problem.classes):
        if cls.holder is not None and cls.count > freed.get(k, 0):
            counts[k][cls.holder] = cls.count - freed.get(k, 0)
            load[cls.holder] += cls.points * counts[k][cls.holder]
    unallocated = [0] * len(problem.classes)
    placing = {k: (c.count if c.holder is None else freed.get(k, 0)) for k, c in enumerate(problem.classes)}
    order = sorted((k for k, n in placing.items() if n), key=lambda k: -problem.classes[k].points)
    for k in order:
        cls = problem.classes[k]
        for _ in range(placing[k]):
            best = _lowest_after(problem, load, cls.holders, cls.points)
            if best is None:
                unallocated[k] += 1
                continue
            load[best] += cls.points
            counts[k][best] = counts[k].get(best, 0) + 1
    return Solution(counts=tuple(counts), unallocated=tuple(unallocated))


def _lowest_after(problem: AllocationProblem, load: list[int], targets: tuple[int, ...], points: int) -> int | None:
    """The first target with the lowest ratio after taking ``points`` within their cap (ratios compared as
    integers: a Fraction per target was most of a national part's greedy)."""
    best, best_after, best_available = None, 0, 1
    for p in targets:
        after = load[p] + points
        cap = problem.max_load[p]
        if cap is not None and after > cap:
            continue
        available = problem.available[p]
        if best is None or after * best_available < best_after * available:
            best, best_after, best_available = p, after, available
    return best

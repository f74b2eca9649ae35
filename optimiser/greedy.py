"""The greedy allocation a lead makes by hand: biggest case first, to whoever ends lowest.

Used as the solver's first hint, as its fallback when a time limit leaves no model solution, and as the
baseline in the benchmarks. It never transfers.
"""

from __future__ import annotations

from fractions import Fraction

from .model import Solution
from .problem import AllocationProblem


def greedy(problem: AllocationProblem) -> Solution:
    """Place each unallocated case, largest first, on the eligible practitioner with the lowest WMT after it."""
    load = list(problem.base_load)
    counts: list[dict[int, int]] = [{} for _ in problem.classes]
    for k, cls in enumerate(problem.classes):
        if cls.holder is not None:
            counts[k][cls.holder] = cls.count
            load[cls.holder] += cls.points * cls.count
    unallocated = [0] * len(problem.classes)
    order = sorted((k for k, c in enumerate(problem.classes) if c.holder is None), key=lambda k: -problem.classes[k].points)
    for k in order:
        cls = problem.classes[k]
        for _ in range(cls.count):
            best = _lowest_after(problem, load, cls.targets, cls.points)
            if best is None:
                unallocated[k] += 1
                continue
            load[best] += cls.points
            counts[k][best] = counts[k].get(best, 0) + 1
    return Solution(counts=tuple(counts), unallocated=tuple(unallocated))


def _lowest_after(problem: AllocationProblem, load: list[int], targets: tuple[int, ...], points: int) -> int | None:
    best, best_ratio = None, None
    for p in targets:
        after = load[p] + points
        cap = problem.max_load[p]
        if cap is not None and after > cap:
            continue
        ratio = Fraction(after, problem.available[p])
        if best_ratio is None or ratio < best_ratio:
            best, best_ratio = p, ratio
    return best

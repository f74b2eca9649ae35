"""Proven lower bounds on the best maximum level of an AllocationProblem, computed without a model.

- The volume bound: a group of practitioners must have room, at the level, for every case only that
  group may hold (a relaxation: cases treated as divisible, who takes which ignored).
- The transfer-budget bound: everyone whose load before is above a level must shed held cases; the
  fewest that do it are the largest first, so a budget smaller than that count makes the level impossible.

Both are lower bounds, so a solution that meets them is proven optimal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .wmt import level, points_at_level

if TYPE_CHECKING:
    from .problem import AllocationProblem

_NO_VOLUME_BOUND = 1 << 40
"""A level beyond any real WMT: a group whose caps can never hold its cases gives no volume bound."""


def level_range(problem: AllocationProblem) -> tuple[int, int]:
    """A valid range for the maximum level: fixed loads, volume and transfer budget below; everything on
    one practitioner above."""
    active = [p for p in range(problem.n) if problem.available[p] > 0]
    if not active:
        return 0, 0
    low = max(level(problem.base_load[p], problem.available[p]) for p in active)
    if not problem.slack_classes:
        low = max([low] + [volume_level(problem, group) for group in {c.holders for c in problem.classes}])
    extra = sum(c.points * c.count for c in problem.classes)
    high = max(level(problem.base_load[p] + extra, problem.available[p]) for p in active)
    low = max(low, transfer_level(problem, low, max(low, high)))
    return low, max(low, high)


def volume_level(problem: AllocationProblem, group: tuple[int, ...]) -> int:
    """Lowest level at which ``group`` has room for every case that only ``group`` may hold."""
    members = set(group)
    demand = sum(c.points * c.count for c in problem.classes if members.issuperset(c.holders))

    def room(top: int) -> int:
        total = 0
        for p in group:
            most = points_at_level(top, problem.available[p])
            cap = problem.max_load[p]
            if cap is not None:
                most = min(most, cap)
            total += max(0, most - problem.base_load[p])
        return total

    low, high = 0, 1
    while room(high) < demand:
        if high > _NO_VOLUME_BOUND:
            return 0
        low, high = high, high * 2
    while low < high:
        mid = (low + high) // 2
        low, high = (mid + 1, high) if room(mid) < demand else (low, mid)
    return high


def transfer_level(problem: AllocationProblem, low: int, high: int) -> int:
    """Lowest level in [low, high] the transfer budget can reach (see ``transfers_needed``)."""
    if not any(c.holder is not None for c in problem.classes):
        return low
    while low < high:
        mid = (low + high) // 2
        needed = transfers_needed(problem, mid)
        low, high = (mid + 1, high) if needed is None or needed > problem.max_transfers else (low, mid)
    return low


def shedding(problem: AllocationProblem, top: int) -> dict[int, int] | None:
    """The fewest held cases to lift off each holder so none starts above level ``top``, largest first,
    as class -> count (None: some holder cannot get down to it)."""
    start = problem.load_before()
    plan: dict[int, int] = {}
    for p, held in problem.held_classes.items():
        excess = start[p] - points_at_level(top, problem.available[p])
        for k in held:
            while excess > 0 and plan.get(k, 0) < problem.classes[k].count:
                plan[k] = plan.get(k, 0) + 1
                excess -= problem.classes[k].points
        if excess > 0:
            return None
    return plan


def shed_plan(problem: AllocationProblem, top: int) -> dict[int, int] | None:
    """The shedding ``transfers_needed`` counts, as class -> count (None: impossible or over the budget)."""
    plan = shedding(problem, top)
    return plan if plan is not None and sum(plan.values()) <= problem.max_transfers else None


def transfers_needed(problem: AllocationProblem, top: int) -> int | None:
    """A lower bound on the transfers any allocation at or below level ``top`` makes (None: none can).

    New cases only add load, so they cannot lower the count.
    """
    plan = shedding(problem, top)
    return None if plan is None else sum(plan.values())

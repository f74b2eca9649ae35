"""Proven lower bounds on the best maximum level of an AllocationProblem, computed without a model.

- The volume bound: a group of practitioners must have room, at the level, for every case only that
  group may hold (a relaxation: cases treated as divisible, who takes which ignored).
- The transfer-budget bound: everyone whose load before is above a level must shed held cases; the
  fewest that do it are the largest first, so a budget smaller than that count makes the level impossible.

Both are lower bounds, so a solution that meets them is proven optimal.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

from .wmt import LEVELS_PER_PCT, SCALE, exact_pct, level, points_at_level

if TYPE_CHECKING:
    from .problem import AllocationProblem

SCALE_RATIO = Fraction(1, SCALE)
"""One level as a load ratio."""
_FLOAT_EXACT = 1 << 20
"""Ratios k / a of integers with a below this are ordered exactly by their floats: distinct ones differ by
at least 1 / a**2, far more than a float's rounding, and equal ones round alike."""
_NO_VOLUME_BOUND = 1 << 40
"""A level beyond any real WMT: a group whose caps can never hold its cases gives no volume bound."""


def level_range(problem: AllocationProblem) -> tuple[int, int]:
    """A valid range for the maximum level: fixed loads, volume and transfer budget below; everything on
    one practitioner above."""
    active = [p for p in range(problem.n) if problem.available[p] > 0]
    if not active:
        return 0, 0
    low = max(level(problem.base_load[p], problem.available[p]) for p in active)
    low = max([low, *problem.volume_levels.values()])
    extra = sum(c.points * c.count for c in problem.classes)
    high = max(level(problem.base_load[p] + extra, problem.available[p]) for p in active)
    low = max(low, transfer_level(problem, low, max(low, high)))
    return low, max(low, high)


def volume_levels(problem: AllocationProblem) -> dict[tuple[int, ...], int]:
    """Each group of possible holders' volume level (none when caps may leave cases out)."""
    if problem.slack_classes:
        return {}
    return {group: volume_level(problem, group) for group in {c.holders for c in problem.classes}}


def _demand(problem: AllocationProblem, group: tuple[int, ...]) -> int:
    """Points of the cases only ``group`` may hold."""
    members = set(group)
    return sum(points for holders, points in problem.points_by_holders.items() if members.issuperset(holders))


def _room(problem: AllocationProblem, p: int, most: int) -> int:
    """Points ``p`` can take on top of fixed load when holding at most ``most`` (and within any cap)."""
    cap = problem.max_load[p]
    return max(0, (most if cap is None else min(most, cap)) - problem.base_load[p])


def volume_level(problem: AllocationProblem, group: tuple[int, ...]) -> int:
    """Lowest level at which ``group`` has room for every case that only ``group`` may hold (0: none up to
    twice ``_NO_VOLUME_BOUND``). Searched outwards from where the room would be were the cases divisible
    and no one capped or above it, which is within a few levels of the answer: a national solve asks this
    of six hundred groups."""
    demand, available = _demand(problem, group), problem.available

    def short(top: int) -> bool:
        return sum(_room(problem, p, points_at_level(top, available[p])) for p in group) < demand

    if short(2 * _NO_VOLUME_BOUND):
        return 0
    total = sum(available[p] for p in group)
    guess = level(demand + sum(problem.base_load[p] for p in group), total) if total else 0
    step = 1
    if short(guess):  # room(low) < demand <= room(high), galloping up
        low = guess
        while short(low + step):
            low, step = low + step, step * 2
        high = low + step
    else:  # galloping down; low -1: nothing below was short
        high = guess
        while high - step >= 0 and not short(high - step):
            high, step = high - step, step * 2
        low = max(high - step, -1)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if short(middle) else (low, middle)
    return high


def volume_ratio(problem: AllocationProblem, group: tuple[int, ...], top: int) -> Fraction:
    """The exact least maximum load ratio (points / available) at which ``group``, whose volume level is
    ``top``, has room in whole points for the cases only it may hold: finer than the level, which only says
    the ratio is above the level below. A practitioner at ratio r holds at most floor(r x available), so
    the answer is one of the ratios k / available, just above the level below, where someone's room grows."""
    demand, available = _demand(problem, group), problem.available
    below = (top - 1) * SCALE_RATIO
    room = {p: _room(problem, p, int(below * available[p])) for p in group}
    total = sum(room.values())
    steps = [
        (k, p)
        for p in group
        if available[p] > 0
        for k in range(int(below * available[p]) + 1, int(top * SCALE_RATIO * available[p]) + 1)
    ]
    if max(available[p] for p in group) < _FLOAT_EXACT:
        steps.sort(key=lambda step: step[0] / available[step[1]])
    else:
        steps.sort(key=lambda step: Fraction(step[0], available[step[1]]))
    for k, p in steps:
        grown = _room(problem, p, k)
        total, room[p] = total + grown - room[p], grown
        if total >= demand:
            return Fraction(k, available[p])
    return top * SCALE_RATIO  # not reached: the group has room at its level


def volume_pct(problem: AllocationProblem) -> Fraction:
    """The volume bound as an exact WMT %: the least ratio of the groups that set it (0 without one)."""
    levels = problem.volume_levels
    top = max(levels.values(), default=0)
    return max(
        (100 * volume_ratio(problem, g, top) for g, lvl in levels.items() if lvl == top and top > 0),
        default=Fraction(0),
    )


def fixed_pct(problem: AllocationProblem) -> Fraction:
    """The highest exact WMT % of fixed load alone: no allocation ends anyone below it."""
    return max(
        (exact_pct(b, a) for b, a in zip(problem.base_load, problem.available, strict=True) if a > 0),
        default=Fraction(0),
    )


def bound_pct(
    problem: AllocationProblem, level_bound: int, parts: Iterable[AllocationProblem] | None = None
) -> Fraction:
    """A proven lower bound on the best maximum WMT %: above (level_bound - 1) tenths, at least every fixed
    load's exact %, and at least the volume bound's exact % in each of ``parts`` (default: the problem
    itself; a whole problem's groups are its parts' groups, so a caller with parts at hand passes them)."""
    volume = [part.volume_pct for part in ([problem] if parts is None else parts)]
    return max([fixed_pct(problem), *volume, Fraction(max(level_bound - 1, 0), LEVELS_PER_PCT)])


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

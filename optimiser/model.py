"""The CP-SAT model of one solve stage: variables, constraints and objective over an AllocationProblem.

Loads are compared exactly in integers: a practitioner is at or below level L (tenths of a percent)
when ``1000 * load <= L * available``; no float ever decides feasibility. Each lexicographic stage builds
a fresh model with the earlier stages' optima as constraints (see ``solve.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from ortools.sat.python import cp_model

from .problem import AllocationProblem, CaseClass
from .wmt import LEVELS_PER_PCT, level

SCALE = 100 * LEVELS_PER_PCT


class Goal(Enum):
    """What a stage minimises."""

    UNALLOCATED = "unallocated"
    MAX_LEVEL = "max_level"
    TRANSFERS = "transfers"
    SPREAD = "spread"
    """Leximax step: the highest level among the free practitioners, then how many sit at it."""


@dataclass(frozen=True)
class Bounds:
    """Optima of earlier stages, kept as constraints in later ones."""

    max_unallocated: int | None = None
    max_level: int | None = None
    max_transfers: int | None = None
    level_caps: Mapping[int, int] = field(default_factory=dict)
    """Fixed practitioners' levels from earlier leximax steps."""


@dataclass(frozen=True)
class Solution:
    """How many cases of each class each practitioner takes (``counts[k][p]``, holders included)."""

    counts: tuple[Mapping[int, int], ...]
    unallocated: tuple[int, ...]

    def loads(self, problem: AllocationProblem) -> list[int]:
        load = list(problem.base_load)
        for cls, taken in zip(problem.classes, self.counts, strict=True):
            for p, n in taken.items():
                load[p] += n * cls.points
        return load

    def levels(self, problem: AllocationProblem) -> dict[int, int]:
        """Level of every practitioner with capacity."""
        return {p: level(load, a) for p, (load, a) in enumerate(zip(self.loads(problem), problem.available)) if a > 0}

    def transfers(self, problem: AllocationProblem) -> int:
        return sum(n for cls, taken in zip(problem.classes, self.counts) if cls.holder is not None
                   for p, n in taken.items() if p != cls.holder)


def needs_slack(problem: AllocationProblem, k: int) -> bool:
    """An unallocated class whose every receiver is capped may not fit: let it stay unallocated."""
    cls = problem.classes[k]
    return cls.holder is None and all(problem.max_load[p] is not None for p in cls.targets)


def level_bounds(problem: AllocationProblem) -> tuple[int, int]:
    """A valid range for the maximum level: fixed loads and volume below, everything on one practitioner above."""
    extra = sum(c.points * c.count for c in problem.classes)
    active = [p for p in range(problem.n) if problem.available[p] > 0]
    if not active:
        return 0, 0
    low = max(level(problem.base_load[p], problem.available[p]) for p in active)
    if not any(needs_slack(problem, k) for k in range(len(problem.classes))):
        low = max([low] + [_volume_level(problem, group) for group in {_holders(c) for c in problem.classes}])
    high = max(level(problem.base_load[p] + extra, problem.available[p]) for p in active)
    return low, max(low, high)


def _holders(cls: CaseClass) -> tuple[int, ...]:
    """Everyone who may hold a class's cases after the solve."""
    return cls.targets if cls.holder is None else tuple(sorted({*cls.targets, cls.holder}))


def _volume_level(problem: AllocationProblem, group: tuple[int, ...]) -> int:
    """Lowest level at which ``group`` has room for every case that only ``group`` may take.

    A relaxation (it ignores which practitioner takes which case and that cases are indivisible), so
    the true optimum can never be below it.
    """
    members = set(group)
    demand = sum(c.points * c.count for c in problem.classes if members.issuperset(_holders(c)))

    def room(top: int) -> int:
        total = 0
        for p in group:
            most = top * problem.available[p] // SCALE
            if problem.max_load[p] is not None:
                most = min(most, problem.max_load[p])
            total += max(0, most - problem.base_load[p])
        return total

    low, high = 0, 1
    while room(high) < demand:
        if high > 1 << 40:  # the group's caps can never hold its cases: no volume bound from it
            return 0
        low, high = high, high * 2
    while low < high:
        mid = (low + high) // 2
        low, high = (mid + 1, high) if room(mid) < demand else (low, mid)
    return high


class AllocationModel:
    """One stage's CP-SAT model."""

    def __init__(self, problem: AllocationProblem, bounds: Bounds, goal: Goal, free: frozenset[int] = frozenset(),
                 step: int = 1):
        self.problem = problem
        self.model = cp_model.CpModel()
        self._variables()
        self._constraints(bounds)
        self._objective(goal, free, step)

    def _variables(self) -> None:
        problem, model = self.problem, self.model
        budget = problem.max_transfers
        self.take: list[dict[int, cp_model.IntVar]] = []
        self.unallocated: dict[int, cp_model.IntVar] = {}
        for k, cls in enumerate(problem.classes):
            most = cls.count if cls.holder is None else min(cls.count, budget)
            self.take.append({p: model.new_int_var(0, most, f"x{k}_{p}") for p in cls.targets})
            if needs_slack(problem, k):
                self.unallocated[k] = model.new_int_var(0, cls.count, f"u{k}")
        self.load = [cp_model.LinearExpr.constant(b) for b in problem.base_load]
        terms: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(problem.n)]
        for k, cls in enumerate(problem.classes):
            for p, var in self.take[k].items():
                terms[p].append((var, cls.points))
            if cls.holder is not None:
                moved = sum(self.take[k].values())
                self.load[cls.holder] = self.load[cls.holder] + cls.points * (cls.count - moved)
        for p in range(problem.n):
            if terms[p]:
                variables, coeffs = zip(*terms[p], strict=True)
                self.load[p] = self.load[p] + cp_model.LinearExpr.weighted_sum(variables, coeffs)
        moves = [var for k, cls in enumerate(problem.classes) if cls.holder is not None for var in self.take[k].values()]
        self.transfers = cp_model.LinearExpr.sum(moves) if moves else cp_model.LinearExpr.constant(0)
        self.unallocated_total = cp_model.LinearExpr.sum(list(self.unallocated.values()))
        self.level_range = level_bounds(problem)
        self.max_level = model.new_int_var(*self.level_range, "max_level")

    def _constraints(self, bounds: Bounds) -> None:
        problem, model = self.problem, self.model
        for k, cls in enumerate(problem.classes):
            placed = sum(self.take[k].values())
            if cls.holder is None:
                model.add(placed + self.unallocated.get(k, 0) == cls.count)
            else:
                model.add(placed <= cls.count)
        for p in range(problem.n):
            if problem.max_load[p] is not None:
                model.add(self.load[p] <= problem.max_load[p])
            if problem.available[p] > 0 and p in self.problem.varying:
                model.add(SCALE * self.load[p] <= self.max_level * problem.available[p])
        model.add(self.transfers <= problem.max_transfers)
        if bounds.max_transfers is not None:
            model.add(self.transfers <= bounds.max_transfers)
        if bounds.max_unallocated is not None:
            model.add(self.unallocated_total <= bounds.max_unallocated)
        if bounds.max_level is not None:
            model.add(self.max_level <= bounds.max_level)
        for p, cap in bounds.level_caps.items():
            model.add(SCALE * self.load[p] <= cap * problem.available[p])

    def _objective(self, goal: Goal, free: frozenset[int], step: int) -> None:
        model = self.model
        if goal is Goal.UNALLOCATED:
            model.minimize(self.unallocated_total)
        elif goal is Goal.MAX_LEVEL:
            model.minimize(self.max_level)
        elif goal is Goal.TRANSFERS:
            model.minimize(self.transfers)
        else:
            self._spread_step(free, step)

    def _spread_step(self, free: frozenset[int], step: int) -> None:
        """Minimise the top band t (``step`` levels wide) over ``free``, then how many free practitioners are in it."""
        model, problem = self.model, self.problem
        self.step = step
        self.top = model.new_int_var(0, -(-self.level_range[1] // step), "top")
        self.at_top = {p: model.new_bool_var(f"at_top{p}") for p in sorted(free)}
        for p, at in self.at_top.items():
            a = step * problem.available[p]
            model.add(SCALE * self.load[p] <= (self.top - 1) * a + a * at)
        model.minimize((len(free) + 1) * self.top + sum(self.at_top.values()))

    def add_hint(self, solution: Solution) -> None:
        """Start the search from an earlier stage's solution (always feasible for the next stage)."""
        for k, taken in enumerate(self.take):
            for p, var in taken.items():
                self.model.add_hint(var, solution.counts[k].get(p, 0))
        for k, var in self.unallocated.items():
            self.model.add_hint(var, solution.unallocated[k])
        levels = solution.levels(self.problem)
        varying = [levels[p] for p in range(self.problem.n) if self.problem.available[p] > 0 and p in self.problem.varying]
        self.model.add_hint(self.max_level, max(varying + [self.level_range[0]]))
        if hasattr(self, "at_top"):
            top = max(-(-levels[p] // self.step) for p in self.at_top)
            self.model.add_hint(self.top, top)
            for p, at in self.at_top.items():
                self.model.add_hint(at, levels[p] > (top - 1) * self.step)

    def read(self, solver: cp_model.CpSolver) -> Solution:
        counts = []
        for k, cls in enumerate(self.problem.classes):
            taken = {p: solver.value(var) for p, var in self.take[k].items()}
            taken = {p: n for p, n in taken.items() if n}
            if cls.holder is not None:
                stay = cls.count - sum(taken.values())
                if stay:
                    taken[cls.holder] = stay
            counts.append(taken)
        unallocated = tuple(solver.value(self.unallocated[k]) if k in self.unallocated else 0
                            for k in range(len(self.problem.classes)))
        return Solution(counts=tuple(counts), unallocated=unallocated)

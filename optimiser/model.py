"""The CP-SAT model of one solve stage: variables, constraints and objective over an AllocationProblem.

Loads are compared exactly in integers: a practitioner is at or below level L (tenths of a percent)
when ``1000 * load <= L * available``; no float ever decides feasibility. Each lexicographic stage builds
a fresh model with the earlier stages' optima as constraints (see ``solve.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from ortools.sat.python import cp_model

from .problem import SCALE, AllocationProblem
from .wmt import level


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
        return {p: level(load, a) for p, (load, a) in enumerate(zip(self.loads(problem), problem.available, strict=True)) if a > 0}

    def max_level(self, problem: AllocationProblem) -> int:
        return max(self.levels(problem).values(), default=0)

    def transfers(self, problem: AllocationProblem) -> int:
        return sum(n for cls, taken in zip(problem.classes, self.counts, strict=True) if cls.holder is not None
                   for p, n in taken.items() if p != cls.holder)


def top_band(levels: Mapping[int, int], free: Iterable[int], step: int) -> tuple[int, frozenset[int]]:
    """The highest ``step``-wide band the ``free`` practitioners reach (its top level) and who is in it."""
    band = max(-(-levels[p] // step) for p in free)
    return band * step, frozenset(p for p in free if levels[p] > (band - 1) * step)


class AllocationModel:
    """One stage's CP-SAT model."""

    def __init__(self, problem: AllocationProblem, bounds: Bounds, goal: Goal, free: frozenset[int] = frozenset(),
                 step: int = 1):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.at_top: dict[int, cp_model.IntVar] = {}
        """Spread stage only: whether each free practitioner is in the top band."""
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
            if k in problem.slack_classes:
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
        self.max_level = model.new_int_var(*problem.level_range, "max_level")

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
        self.top = model.new_int_var(0, -(-problem.level_range[1] // step), "top")
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
        self.model.add_hint(self.max_level, max(varying + [self.problem.level_range[0]]))
        if self.at_top:
            top, in_band = top_band(levels, self.at_top, self.step)
            self.model.add_hint(self.top, top // self.step)
            for p, at in self.at_top.items():
                self.model.add_hint(at, p in in_band)

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

"""One stage's CP-SAT model: variables, constraints and objective over an AllocationProblem, with hinting
from and reading into solver-neutral Solutions. Each lexicographic stage builds a fresh model with the
earlier stages' optima as constraints (see ``stages.py`` and ``solve.py``)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from ..problem import AllocationProblem
from ..results import Solution
from .constraints import Bounds, add_constraints
from .objective import Goal, Objective, top_band
from .variables import Variables


class AllocationModel:
    """One stage's CP-SAT model."""

    def __init__(
        self, problem: AllocationProblem, bounds: Bounds, goal: Goal, free: frozenset[int] = frozenset(), step: int = 1
    ):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.vars = Variables(self.model, problem)
        add_constraints(self.model, problem, self.vars, bounds)
        self.objective = Objective(self.model, problem, self.vars, goal, free, step)

    def add_hint(self, solution: Solution) -> None:
        """Start the search from an earlier stage's solution (always feasible for the next stage)."""
        problem, v = self.problem, self.vars
        for k, taken in enumerate(v.take):
            for p, var in taken.items():
                self.model.add_hint(var, solution.counts[k].get(p, 0))
        for k, var in v.unallocated.items():
            self.model.add_hint(var, solution.unallocated[k])
        levels = solution.levels(problem)
        varying = [levels[p] for p in range(problem.n) if problem.available[p] > 0 and p in problem.varying]
        self.model.add_hint(v.max_level, max([*varying, problem.level_range[0]]))
        spread = self.objective
        if spread.top is not None:
            top, in_band = top_band(levels, spread.at_top, spread.step)
            self.model.add_hint(spread.top, top // spread.step)
            for p, at in spread.at_top.items():
                self.model.add_hint(at, p in in_band)

    def read(self, solver: cp_model.CpSolver) -> Solution:
        """The solver's solution as class counts (held cases not taken stay with their holder)."""
        counts = []
        for k, cls in enumerate(self.problem.classes):
            taken = {p: solver.value(var) for p, var in self.vars.take[k].items()}
            taken = {p: n for p, n in taken.items() if n}
            if cls.holder is not None:
                stay = cls.count - sum(taken.values())
                if stay:
                    taken[cls.holder] = stay
            counts.append(taken)
        unallocated = tuple(
            solver.value(self.vars.unallocated[k]) if k in self.vars.unallocated else 0
            for k in range(len(self.problem.classes))
        )
        return Solution(counts=tuple(counts), unallocated=unallocated)

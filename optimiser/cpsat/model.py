"""One stage's CP-SAT model: variables, constraints and objective over an AllocationProblem, with hinting
from and reading into solver-neutral Solutions. Each lexicographic stage builds a fresh model with the
earlier stages' optima as constraints (see ``stages.py`` and ``solve.py``)."""

from __future__ import annotations

from ..problem import AllocationProblem
from ..results import Solution
from .constraints import Bounds, add_constraints
from .lazy import cp_model
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
        for k, var in v.shed.items():
            holder = problem.classes[k].holder
            self.model.add_hint(var, sum(n for p, n in solution.counts[k].items() if p != holder))
        for pool, received in zip(problem.pools, v.receive, strict=True):
            for p, var in received.items():
                got = sum(solution.counts[k].get(p, 0) for k in pool.classes if problem.classes[k].holder != p)
                self.model.add_hint(var, got)
        for g, var in v.unallocated.items():
            self.model.add_hint(var, sum(solution.unallocated[k] for k in problem.pools[g].classes))
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
        """The solver's solution as class counts: each pool's receipts handed out from its classes in order
        (a holder receiving from its own pool keeps its own cases first, so no case moves for nothing)."""
        problem, v = self.problem, self.vars
        counts: list[dict[int, int]] = [{} for _ in problem.classes]
        unallocated = [0] * len(problem.classes)
        for g, pool in enumerate(problem.pools):
            wanted = {p: n for p, var in v.receive[g].items() if (n := solver.value(var))}
            left = solver.value(v.unallocated[g]) if g in v.unallocated else 0
            handed: list[tuple[int, int]] = []
            for k in pool.classes:
                cls = problem.classes[k]
                if cls.holder is None:
                    unallocated[k] = min(left, cls.count)
                    left -= unallocated[k]
                    handed.append((k, cls.count - unallocated[k]))
                    continue
                shed = solver.value(v.shed[k])
                back = min(shed, wanted.get(cls.holder, 0))
                if back:
                    wanted[cls.holder] -= back
                if cls.count - shed + back:
                    counts[k][cls.holder] = cls.count - shed + back
                handed.append((k, shed - back))
            receivers = iter(sorted(wanted.items()))
            p, room = 0, 0
            for k, n in handed:
                while n:
                    while not room:
                        p, room = next(receivers)
                    given = min(n, room)
                    counts[k][p] = counts[k].get(p, 0) + given
                    n, room = n - given, room - given
        return Solution(counts=tuple(counts), unallocated=tuple(unallocated))

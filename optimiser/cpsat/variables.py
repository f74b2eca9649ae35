"""The decision variables of an allocation stage and the load expressions built from them.

Counts, not booleans: ``take[k][p]`` is how many cases of class k practitioner p receives (a held class's
cases that are not taken stay with their holder), so interchangeable cases carry no symmetry.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from ..problem import AllocationProblem


class Variables:
    """Counts per class x receiver, unallocated counts where caps may leave cases out, loads, transfers, the maximum."""

    def __init__(self, model: cp_model.CpModel, problem: AllocationProblem):
        budget = problem.max_transfers
        self.take: list[dict[int, cp_model.IntVar]] = []
        self.unallocated: dict[int, cp_model.IntVar] = {}
        for k, cls in enumerate(problem.classes):
            most = cls.count if cls.holder is None else min(cls.count, budget)
            self.take.append({p: model.new_int_var(0, most, f"x{k}_{p}") for p in cls.targets})
            if k in problem.slack_classes:
                self.unallocated[k] = model.new_int_var(0, cls.count, f"u{k}")
        self.load = self._loads(problem)
        moves = [
            var for k, cls in enumerate(problem.classes) if cls.holder is not None for var in self.take[k].values()
        ]
        self.transfers = cp_model.LinearExpr.sum(moves) if moves else cp_model.LinearExpr.constant(0)
        self.unallocated_total = cp_model.LinearExpr.sum(list(self.unallocated.values()))
        self.max_level = model.new_int_var(*problem.level_range, "max_level")

    def _loads(self, problem: AllocationProblem) -> list[cp_model.LinearExpr]:
        """Each practitioner's points: fixed load, held cases that stay, cases received."""
        load: list[cp_model.LinearExpr] = [cp_model.LinearExpr.constant(b) for b in problem.base_load]
        terms: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(problem.n)]
        for k, cls in enumerate(problem.classes):
            for p, var in self.take[k].items():
                terms[p].append((var, cls.points))
            if cls.holder is not None:
                moved = sum(self.take[k].values())
                load[cls.holder] = load[cls.holder] + cls.points * (cls.count - moved)
        for p in range(problem.n):
            if terms[p]:
                variables, coeffs = zip(*terms[p], strict=True)
                load[p] = load[p] + cp_model.LinearExpr.weighted_sum(variables, coeffs)
        return load

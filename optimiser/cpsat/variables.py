"""The decision variables of an allocation stage and the load expressions built from them.

Counts, not booleans, and pooled: ``shed[k]`` is how many cases of held class k leave their holder, and
``receive[g][p]`` how many cases of pool g practitioner p receives. A pool's cases are interchangeable to a
receiver whoever holds them now (same points, same possible holders), so neither interchangeable cases
nor interchangeable holders carry symmetry: with transfers this model is several times smaller than one
count per class x receiver, and CP-SAT proves its transfer counts where that one could not.
"""

from __future__ import annotations

from ..problem import AllocationProblem
from .lazy import cp_model


class Variables:
    """Sheds per held class, receipts per pool x receiver, unallocated counts where caps may leave cases
    out, loads, transfers, the maximum."""

    def __init__(self, model: cp_model.CpModel, problem: AllocationProblem):
        most = [c.count if c.holder is None else min(c.count, problem.max_transfers) for c in problem.classes]
        self.shed: dict[int, cp_model.IntVar] = {
            k: model.new_int_var(0, most[k], f"s{k}") for k, c in enumerate(problem.classes) if c.holder is not None
        }
        self.receive: list[dict[int, cp_model.IntVar]] = []
        self.unallocated: dict[int, cp_model.IntVar] = {}
        """Per pool holding slack classes: how many of its new cases stay unallocated."""
        for g, pool in enumerate(problem.pools):
            handed = sum(most[k] for k in pool.classes)
            self.receive.append({p: model.new_int_var(0, handed, f"r{g}_{p}") for p in pool.holders})
            slack = sum(problem.classes[k].count for k in pool.classes if k in problem.slack_classes)
            if slack:
                self.unallocated[g] = model.new_int_var(0, slack, f"u{g}")
        self.load = self._loads(problem)
        moves = list(self.shed.values())
        self.transfers = cp_model.LinearExpr.sum(moves) if moves else cp_model.LinearExpr.constant(0)
        self.unallocated_total = cp_model.LinearExpr.sum(list(self.unallocated.values()))
        self.max_level = model.new_int_var(*problem.level_range, "max_level")

    def supply(self, problem: AllocationProblem, g: int) -> cp_model.LinearExprT:
        """Cases pool g hands out: its new cases and the held ones shed."""
        pool = problem.pools[g]
        new = sum(problem.classes[k].count for k in pool.classes if k not in self.shed)
        return cp_model.LinearExpr.sum([self.shed[k] for k in pool.classes if k in self.shed]) + new

    def _loads(self, problem: AllocationProblem) -> list[cp_model.LinearExpr]:
        """Each practitioner's points: fixed load, held cases that stay, cases received."""
        load: list[cp_model.LinearExpr] = [cp_model.LinearExpr.constant(b) for b in problem.base_load]
        terms: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(problem.n)]
        for k, cls in enumerate(problem.classes):
            if cls.holder is not None:
                load[cls.holder] = load[cls.holder] + cls.points * cls.count
                terms[cls.holder].append((self.shed[k], -cls.points))
        for pool, received in zip(problem.pools, self.receive, strict=True):
            for p, var in received.items():
                terms[p].append((var, pool.points))
        for p in range(problem.n):
            if terms[p]:
                variables, coeffs = zip(*terms[p], strict=True)
                load[p] = load[p] + cp_model.LinearExpr.weighted_sum(variables, coeffs)
        return load

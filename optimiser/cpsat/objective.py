"""What each lexicographic stage minimises: unallocated cases, the maximum level, transfers, or one
leximax step of the spread."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from ..problem import AllocationProblem
from ..wmt import SCALE
from .lazy import cp_model
from .variables import Variables


class Goal(Enum):
    """What a stage minimises."""

    UNALLOCATED = "unallocated"
    MAX_LEVEL = "max_level"
    TRANSFERS = "transfers"
    SPREAD = "spread"
    """Leximax step: the highest level among the free practitioners, then how many sit at it."""


def top_band(levels: Mapping[int, int], free: Iterable[int], step: int) -> tuple[int, frozenset[int]]:
    """The highest ``step``-wide band the ``free`` practitioners reach (its top level) and who is in it."""
    free = list(free)
    band = max(-(-levels[p] // step) for p in free)
    return band * step, frozenset(p for p in free if levels[p] > (band - 1) * step)


class Objective:
    """Sets a stage's objective; the spread step adds its band variables, kept here for hinting."""

    def __init__(
        self,
        model: cp_model.CpModel,
        problem: AllocationProblem,
        v: Variables,
        goal: Goal,
        free: frozenset[int],
        step: int,
    ):
        self.step = step
        self.top: cp_model.IntVar | None = None
        self.at_top: dict[int, cp_model.IntVar] = {}
        """Spread stage only: whether each free practitioner is in the top band."""
        if goal is Goal.UNALLOCATED:
            model.minimize(v.unallocated_total)
        elif goal is Goal.MAX_LEVEL:
            model.minimize(v.max_level)
        elif goal is Goal.TRANSFERS:
            model.minimize(v.transfers)
        else:
            self._spread_step(model, problem, v, free)

    def _spread_step(
        self, model: cp_model.CpModel, problem: AllocationProblem, v: Variables, free: frozenset[int]
    ) -> None:
        """Minimise the top band t (``step`` levels wide) over ``free``, then how many free practitioners are in it."""
        step = self.step
        self.top = model.new_int_var(0, -(-problem.level_range[1] // step), "top")
        self.at_top = {p: model.new_bool_var(f"at_top{p}") for p in sorted(free)}
        for p, at in self.at_top.items():
            a = step * problem.available[p]
            model.add(SCALE * v.load[p] <= (self.top - 1) * a + a * at)
        model.minimize((len(free) + 1) * self.top + sum(self.at_top.values()))

"""The hard rules of a stage, and the optima of earlier stages kept as constraints in later ones.

Loads are compared exactly in integers: a practitioner is at or below level L (tenths of a percent) when
``1000 * load <= L * available``; no float ever decides feasibility.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..problem import AllocationProblem
from ..wmt import SCALE
from .lazy import cp_model
from .variables import Variables


@dataclass(frozen=True)
class Bounds:
    """Optima of earlier stages, kept as constraints in later ones."""

    max_unallocated: int | None = None
    max_level: int | None = None
    max_transfers: int | None = None
    level_caps: Mapping[int, int] = field(default_factory=dict)
    """Fixed practitioners' levels from earlier leximax steps."""


def add_constraints(model: cp_model.CpModel, problem: AllocationProblem, v: Variables, bounds: Bounds) -> None:
    """Every case a pool hands out received once (or counted unallocated), caps, the maximum, the transfer
    budget, earlier optima."""
    for g, received in enumerate(v.receive):
        model.add(sum(received.values()) + v.unallocated.get(g, 0) == v.supply(problem, g))
    for p in range(problem.n):
        cap = problem.max_load[p]
        if cap is not None:
            model.add(v.load[p] <= cap)
        if problem.available[p] > 0 and p in problem.varying:
            model.add(SCALE * v.load[p] <= v.max_level * problem.available[p])
    model.add(v.transfers <= problem.max_transfers)
    if bounds.max_transfers is not None:
        model.add(v.transfers <= bounds.max_transfers)
    if bounds.max_unallocated is not None:
        model.add(v.unallocated_total <= bounds.max_unallocated)
    if bounds.max_level is not None:
        model.add(v.max_level <= bounds.max_level)
    for p, cap in bounds.level_caps.items():
        model.add(SCALE * v.load[p] <= cap * problem.available[p])

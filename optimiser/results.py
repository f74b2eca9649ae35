"""Solver-neutral types of a solve: its options, a solution as class counts, stage and part reports, the
result with what is proven, and the statuses and actions the outputs speak of.

Heuristics, the CP-SAT stages, the orchestration and the writers all share these types, so none of them
depends on another's internals (the heuristics do not import OR-Tools).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from .problem import AllocationProblem
from .wmt import exact_pct, level


class Status(StrEnum):
    """What is proven about a result's maximum (and transfers)."""

    OPTIMAL = "OPTIMAL"
    """Proven best at 0.1 pp."""
    FEASIBLE = "FEASIBLE"
    """Every rule holds; the proof was not finished within the time limit (see the lower bound)."""


class StageStatus(StrEnum):
    """How one stage ended: a local search ran to its end, a stage was skipped, or CP-SAT's own status."""

    DONE = "DONE"
    SKIPPED = "SKIPPED"
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    UNKNOWN = "UNKNOWN"
    INFEASIBLE = "INFEASIBLE"


class Action(StrEnum):
    """What a row of allocations.csv does."""

    ALLOCATE = "ALLOCATE"
    TRANSFER = "TRANSFER"


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: transfer budget, wall-clock limit, seed, workers and how far to prove the spread."""

    max_transfers: int = 0
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 1
    """Processes solving independent parts in parallel; the result is the same whatever the number."""
    scheduler: str | None = None
    """An existing Dask cluster's scheduler address (tcp://HOST:PORT) to run the parts on."""
    exact_spread: bool = False
    """After the pairwise spread, prove the spread with CP-SAT leximax steps (slower; small instances)."""
    spread_resolution_pct: Decimal = Decimal(1)
    """Width of the bands the leximax stage fixes practitioners in (the maximum itself is at 0.1 pp)."""
    gap_pct: Decimal = Decimal("0.1")
    """A maximum found within this many percentage points of its proven bound is searched past only
    briefly, and so are fewer transfers at it (0: always search in full). The result then says FEASIBLE
    with its bound, never proven."""


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
        loads = self.loads(problem)
        return {p: level(loads[p], a) for p, a in enumerate(problem.available) if a > 0}

    def max_level(self, problem: AllocationProblem) -> int:
        return max(self.levels(problem).values(), default=0)

    def max_pct(self, problem: AllocationProblem) -> Fraction:
        """The highest WMT % of anyone with capacity, exactly."""
        loads = self.loads(problem)
        return max((exact_pct(loads[p], a) for p, a in enumerate(problem.available) if a > 0), default=Fraction(0))

    def transfers(self, problem: AllocationProblem) -> int:
        return sum(
            n
            for cls, taken in zip(problem.classes, self.counts, strict=True)
            if cls.holder is not None
            for p, n in taken.items()
            if p != cls.holder
        )


@dataclass(frozen=True)
class StageReport:
    """What one solve stage did, for logs and explanations."""

    name: str
    status: StageStatus
    objective: int | None
    bound: int | None
    seconds: float
    part: int = 1
    """Which independent part (1-based) the stage solved."""


@dataclass(frozen=True)
class PartSolved:
    """Progress: part ``part`` of ``parts`` finished, with its maximum and proven bound (WMT %)."""

    part: int
    parts: int
    max_pct: float
    bound_pct: float
    proven: bool
    stages: tuple[StageReport, ...]


@dataclass(frozen=True)
class PartResult:
    """One independent part's solve: its solution and what is proven about it."""

    solution: Solution
    level_bound: int
    """Proven: no allocation of the part has a lower maximum level."""
    proven: bool
    """The part's maximum (and transfers) are proven optimal at 0.1 pp."""
    spread_complete: bool
    stages: tuple[StageReport, ...]
    bound_pct: Fraction
    """Proven: no allocation of the part has a lower maximum WMT % (``bounds.bound_pct``, finer than levels)."""


@dataclass(frozen=True)
class Result:
    """A solve's outcome: the problem, the solution, and what is proven about it."""

    status: Status
    problem: AllocationProblem
    solution: Solution
    lower_bound_pct: Fraction
    """Proven: no allocation allocating as many cases has a lower maximum WMT %."""
    stages: tuple[StageReport, ...]
    seconds: float
    spread_complete: bool
    """True when exact leximax steps ran and each was proven optimal (each band minimised, then its head count)."""
    parts: int = 1
    parts_proven: int = 1
    """Parts whose maximum (and transfers) are proven optimal at 0.1 pp."""
    options: SolveOptions = field(default_factory=SolveOptions)

    def assignments(self) -> dict[str, int | None]:
        """Each movable or unallocated case's practitioner index after the solve (None: left unallocated)."""
        return assign_cases(self.problem, self.solution)


def assign_cases(problem: AllocationProblem, solution: Solution) -> dict[str, int | None]:
    """Turn class counts into named cases, deterministically: holders keep the first cases, others go in index order."""
    result: dict[str, int | None] = {}
    for cls, taken in zip(problem.classes, solution.counts, strict=True):
        crns = iter(cls.crns)
        order = sorted(taken, key=lambda p: (p != cls.holder, p))
        for p in order:
            for _ in range(taken[p]):
                result[next(crns)] = p
        for crn in crns:
            result[crn] = None
    return result

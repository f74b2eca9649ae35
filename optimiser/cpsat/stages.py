"""Run one CP-SAT stage: build its model, hint it, solve within a deterministic-time budget, report.

Every stage is single-threaded with a deterministic-time budget, so reruns agree whatever the machine's
load; the wall-clock deadline (the whole run's) is only a safety net.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ..interrupt import Cancellation
from ..problem import AllocationProblem
from ..results import Solution, StageReport, StageStatus
from .constraints import Bounds
from .lazy import cp_model
from .model import AllocationModel
from .objective import Goal

MIN_DETERMINISTIC_TIME = 0.05
"""The smallest budget a stage gets, so a tiny share still lets CP-SAT read its hint."""
MAX_MODEL_SIZE = 500_000
"""The largest model a stage builds (``AllocationProblem.model_size``: pool x receiver counts and
held-class sheds). Building costs about 17 us per variable in Python, outside CP-SAT's time limit: a
600-practitioner pdu with transfers had 5.4 million class x receiver counts (90 s to build against a 30 s
limit) and still has 520,155 pooled. Larger parts keep the local search's answer and its proven bound.
A size, not a clock, so the same input gives the same result on any machine."""


@dataclass(frozen=True)
class StageOutcome:
    """One stage's result: the best solution (the hint if none was found) and what is proven."""

    ran: bool
    optimal: bool
    solution: Solution
    bound: int | None
    """The solver's proven bound on the stage objective, when it has one."""
    report: StageReport
    infeasible: bool = False
    """Proven: no solution meets the stage's constraints (only when the hint was not known feasible)."""


@dataclass(frozen=True)
class StageRunner:
    """Runs a part's CP-SAT stages under one cancellation, seed and wall deadline."""

    problem: AllocationProblem
    seed: int
    cancellation: Cancellation
    deadline: float
    """The whole run's wall-clock deadline (time.monotonic)."""

    def run(
        self,
        name: str,
        goal: Goal,
        bounds: Bounds,
        hint: Solution,
        budget: float,
        free: frozenset[int] = frozenset(),
        step: int = 1,
        hint_feasible: bool = True,
    ) -> StageOutcome:
        """Solve one stage within ``budget`` seconds of deterministic time, starting from ``hint``.

        With ``hint_feasible`` (the hint meets every constraint) infeasibility is a bug; without, it is an
        answer: the stage's bounds cannot all hold."""
        self.cancellation.check()
        if self.deadline - time.monotonic() <= 0.05 or self.problem.model_size > MAX_MODEL_SIZE:
            skipped = StageReport(name, StageStatus.SKIPPED, None, None, 0.0)
            return StageOutcome(ran=False, optimal=False, solution=hint, bound=None, report=skipped)
        built = AllocationModel(self.problem, bounds, goal, free, step)
        built.add_hint(hint)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(self.deadline - time.monotonic(), 0.01)  # building took some
        solver.parameters.max_deterministic_time = max(budget, MIN_DETERMINISTIC_TIME)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        solver.parameters.catch_sigint_signal = False
        started = time.monotonic()
        self.cancellation.attach(solver)
        try:
            status = solver.solve(built.model)
        finally:
            self.cancellation.detach(solver)
        self.cancellation.check()
        if status == cp_model.INFEASIBLE and not hint_feasible:
            report = StageReport(name, StageStatus.INFEASIBLE, None, None, round(time.monotonic() - started, 3))
            return StageOutcome(ran=True, optimal=True, solution=hint, bound=None, report=report, infeasible=True)
        if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
            raise RuntimeError(f"stage {name}: model {solver.status_name(status)} although its hint is feasible")
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        bound = round(solver.best_objective_bound) if math.isfinite(solver.best_objective_bound) else None
        report = StageReport(
            name,
            StageStatus(solver.status_name(status)),
            round(solver.objective_value) if found else None,
            bound,
            round(time.monotonic() - started, 3),
        )
        return StageOutcome(
            ran=True,
            optimal=status == cp_model.OPTIMAL,
            solution=built.read(solver) if found else hint,
            bound=bound,
            report=report,
        )

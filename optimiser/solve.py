"""The lexicographic solve: a function of (instance, rules, options) returning a self-explaining Result.

The problem is first split into independent parts (see ``decompose.py``), solved one by one or in
parallel processes; each part goes through these stages, each starting from the previous one's solution:

0. allocate as many cases as the caps allow (CP-SAT; only when some case can go only to capped
   practitioners);
1. lower the maximum WMT by pairwise re-splits of new cases (``rebalance.py``); when that reaches the
   part's volume bound the maximum is proven optimal, otherwise CP-SAT minimises the maximum level
   (tenths of a percentage point) from there;
2. minimise transfers at that maximum (CP-SAT; only when the transfer budget lets held cases move);
3. spread the rest: pairwise re-splits until no pair can lower its higher member, then, with
   ``exact_spread``, CP-SAT leximax steps that minimise the highest band among the practitioners not yet
   fixed and how many sit in it.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

from ortools.sat.python import cp_model

from .domain import Instance
from .decompose import Part, merge, split
from .greedy import greedy
from .interrupt import Cancellation
from .model import AllocationModel, Bounds, Goal, Solution, top_band
from .problem import AllocationProblem, compile_problem
from .rebalance import lower_max, spread
from .rules import Rules
from .wmt import LEVELS_PER_PCT, exact_pct

SPREAD_STEP_SHARE = 0.02
"""Each leximax step may use this share of the time limit; a step cut short fixes its best found."""
OPTIMAL = "OPTIMAL"
FEASIBLE = "FEASIBLE"


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: transfer budget, wall-clock limit, seed, worker processes and how far to prove the spread."""

    max_transfers: int = 0
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 1
    """Processes solving independent parts in parallel; the result is the same whatever the number."""
    exact_spread: bool = False
    """After the pairwise spread, prove the spread with CP-SAT leximax steps (slower; small instances)."""
    spread_resolution_pct: Decimal = Decimal(1)
    """Width of the bands the leximax stage fixes practitioners in (the maximum itself is at 0.1 pp)."""


@dataclass(frozen=True)
class StageReport:
    """What one solve stage did, for logs and explanations."""

    name: str
    status: str
    objective: int | None
    bound: int | None
    seconds: float
    part: int = 1
    """Which independent part (1-based) the stage solved."""


@dataclass(frozen=True)
class Result:
    """A solve's outcome: the problem, the solution, and what is proven about it."""

    status: str
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


@dataclass(frozen=True)
class _StageOutcome:
    """One stage's result: the best solution (the hint if none was found) and what is proven."""

    ran: bool
    optimal: bool
    solution: Solution
    bound: int | None
    """The solver's proven bound on the stage objective, when it has one."""


class _Stages:
    """Runs a part's stages and records what each did.

    Each CP-SAT stage gets a share of the part's time in deterministic time, so reruns agree; the
    wall-clock ``deadline`` (the whole run's, a system-wide monotonic time) is only a safety net.
    """

    def __init__(self, problem: AllocationProblem, options: SolveOptions, cancellation: Cancellation, deadline: float):
        self.problem = problem
        self.options = options
        self.cancellation = cancellation
        self.deadline = deadline
        self.reports: list[StageReport] = []

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, name: str, goal: Goal, bounds: Bounds, hint: Solution, share: float, free: frozenset[int] = frozenset(),
            step: int = 1) -> _StageOutcome:
        """Solve one stage within ``share`` of the time limit (deterministic time, so reruns agree)."""
        self.cancellation.check()
        if self.remaining() <= 0.05:
            self.reports.append(StageReport(name, "SKIPPED", None, None, 0.0))
            return _StageOutcome(ran=False, optimal=False, solution=hint, bound=None)
        built = AllocationModel(self.problem, bounds, goal, free, step)
        built.add_hint(hint)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(self.remaining(), 0.01)  # building may have used the rest
        solver.parameters.max_deterministic_time = max(share * self.options.time_limit, 0.05)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.options.seed
        solver.parameters.catch_sigint_signal = False
        started = time.monotonic()
        self.cancellation.attach(solver)
        try:
            status = solver.solve(built.model)
        finally:
            self.cancellation.detach(solver)
        self.cancellation.check()
        seconds = time.monotonic() - started
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
            raise RuntimeError(f"stage {name}: model {solver.status_name(status)} although its hint is feasible")
        bound = round(solver.best_objective_bound) if math.isfinite(solver.best_objective_bound) else None
        self.reports.append(StageReport(name, solver.status_name(status), round(solver.objective_value) if found else None,
                                        bound, round(seconds, 3)))
        return _StageOutcome(ran=True, optimal=status == cp_model.OPTIMAL, solution=built.read(solver) if found else hint,
                             bound=bound)

    def local(self, name: str, search: Callable[..., Solution], solution: Solution) -> Solution:
        """Run a local search stage (deterministic; it stops early only at the deadline or on a signal)."""
        started = time.monotonic()
        found = search(self.problem, solution, lambda: self.cancellation.cancelled or self.remaining() <= 0)
        self.cancellation.check()
        self.reports.append(StageReport(name, "DONE", found.max_level(self.problem), None,
                                        round(time.monotonic() - started, 3)))
        return found


@dataclass(frozen=True)
class _PartResult:
    solution: Solution
    level_bound: int
    proven: bool
    spread_complete: bool
    stages: tuple[StageReport, ...]


def solve(instance: Instance, rules: Rules, options: SolveOptions | None = None,
          cancellation: Cancellation | None = None) -> Result:
    """Allocate the instance's unallocated cases (and transfers within budget) under the rules."""
    options = options or SolveOptions()
    return solve_problem(compile_problem(instance, rules, options.max_transfers), options, cancellation)


def solve_problem(problem: AllocationProblem, options: SolveOptions, cancellation: Cancellation | None = None) -> Result:
    """Solve each independent part (in ``options.workers`` processes) and put the parts back together.

    Each part gets the share of the time limit its size warrants, whatever the number of workers, so
    the result does not depend on it. With a transfer budget the parts would compete for it, so the
    problem is then solved whole.
    """
    started = time.monotonic()
    cancellation = cancellation or Cancellation()
    parts = split(problem) if problem.max_transfers == 0 else []
    if len(parts) <= 1:
        parts = [Part(problem=problem, staff=tuple(range(problem.n)), classes=tuple(range(len(problem.classes))))]
    total = sum(p.size for p in parts) or 1
    deadline = started + options.time_limit
    jobs = [(part.problem, replace(options, time_limit=options.time_limit * part.size / total), deadline)
            for part in parts]
    done = _run_parts(jobs, options.workers, cancellation)
    return Result(
        status=OPTIMAL if all(d.proven for d in done) else FEASIBLE,
        problem=problem,
        solution=merge(problem, parts, [d.solution for d in done]),
        lower_bound_pct=_bound_pct(problem, max((d.level_bound for d in done), default=0)),
        stages=tuple(replace(s, part=i + 1) for i, d in enumerate(done) for s in d.stages),
        seconds=time.monotonic() - started,
        spread_complete=all(d.spread_complete for d in done),
        options=options,
        parts=len(parts),
        parts_proven=sum(d.proven for d in done),
    )


def _run_parts(jobs: list[tuple[AllocationProblem, SolveOptions, float]], workers: int,
               cancellation: Cancellation) -> list[_PartResult]:
    """Solve the parts here, or in a pool of worker processes that a signal terminates at once."""
    if workers <= 1 or len(jobs) <= 1:
        return [_solve_part(problem, opts, deadline, cancellation) for problem, opts, deadline in jobs]
    pool = multiprocessing.get_context("spawn").Pool(min(workers, len(jobs)), initializer=_ignore_sigint)
    try:
        pending = pool.starmap_async(_solve_part, jobs, chunksize=1)
        while not pending.ready():
            pending.wait(0.1)
            cancellation.check()
        return pending.get()
    finally:
        pool.terminate()
        pool.join()


def _ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the parent, which terminates them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _solve_part(problem: AllocationProblem, options: SolveOptions, deadline: float,
                cancellation: Cancellation | None = None) -> _PartResult:
    """The staged lexicographic solve of one part; a cancellation raises Interrupted between stages."""
    stages = _Stages(problem, options, cancellation or Cancellation(), deadline)
    solution = greedy(problem)
    proven = True
    bounds = Bounds(max_unallocated=sum(solution.unallocated))
    if bounds.max_unallocated and problem.slack_classes:
        stage = stages.run("allocate", Goal.UNALLOCATED, Bounds(), solution, 0.15)
        proven, solution = proven and stage.optimal, stage.solution
        bounds = Bounds(max_unallocated=sum(solution.unallocated))
    solution = stages.local("rebalance", lower_max, solution)
    top = level_bound = solution.max_level(problem)
    if top > problem.level_range[0]:
        stage = stages.run("max_wmt", Goal.MAX_LEVEL, bounds, solution, 0.3)
        proven, solution = proven and stage.optimal, stage.solution
        top = solution.max_level(problem)
        level_bound = top if stage.optimal else max(problem.level_range[0], min(top, stage.bound or 0))
    bounds = replace(bounds, max_level=top)
    if solution.transfers(problem) > (problem.transfers_needed(top) or 0):
        stage = stages.run("transfers", Goal.TRANSFERS, bounds, solution, 0.15)
        proven, solution = proven and stage.optimal, stage.solution
        bounds = replace(bounds, max_transfers=solution.transfers(problem))
    solution = stages.local("spread", spread, solution)
    complete = False
    if options.exact_spread:
        solution, complete = _spread(stages, bounds, solution)
    return _PartResult(solution, level_bound, proven, complete, tuple(stages.reports))


def _bound_pct(problem: AllocationProblem, level_bound: int) -> Fraction:
    """The best maximum WMT % is above (bound - 1) tenths and at least every fixed load's exact %."""
    fixed = [exact_pct(b, a) for b, a in zip(problem.base_load, problem.available, strict=True) if a > 0]
    from_levels = Fraction(max(level_bound - 1, 0), LEVELS_PER_PCT)
    return max(fixed + [from_levels])


def _spread(stages: _Stages, bounds: Bounds, solution: Solution) -> tuple[Solution, bool]:
    """Leximax: fix the practitioners at the top level, minimise the top of the rest, until none is left."""
    problem = stages.problem
    free = frozenset(p for p in problem.varying if problem.available[p] > 0)
    caps: dict[int, int] = {}
    complete = True
    step = round(stages.options.spread_resolution_pct * LEVELS_PER_PCT)
    while free:
        fixing = replace(bounds, level_caps=dict(caps))
        stage = stages.run(f"spread {len(caps)}", Goal.SPREAD, fixing, solution, SPREAD_STEP_SHARE, free, step)
        if not stage.ran:
            return solution, False
        complete, solution = complete and stage.optimal, stage.solution
        top, fixed = top_band(solution.levels(problem), free, step)
        caps.update({p: top for p in fixed})
        free -= fixed
    return solution, complete

"""The staged lexicographic solve of one independent part, each stage starting from the previous one's
solution:

0. ``greedy``: largest case first to whoever ends lowest; then, only when some case can go only to capped
   practitioners, CP-SAT allocates as many cases as the caps allow;
1. ``rebalance``: pairwise re-splits (and, with a budget, transfers) lower the maximum; when they reach the
   part's proven bound (``bounds``) the maximum is proven, otherwise CP-SAT minimises the maximum level
   from there;
2. CP-SAT minimises transfers at that maximum (only when the budget lets held cases move and the
   transfer bound is not met already);
3. ``rebalance.spread``: pairwise re-splits until no pair can lower its higher member; with
   ``exact_spread``, CP-SAT leximax steps then prove it band by band.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .bounds import bound_pct, transfers_needed
from .cpsat import StageOutcome, StageRunner
from .cpsat.constraints import Bounds
from .cpsat.objective import Goal, top_band
from .greedy import greedy
from .interrupt import Cancellation
from .problem import AllocationProblem
from .rebalance import lower_max, spread
from .results import PartResult, Solution, SolveOptions, StageReport, StageStatus
from .wmt import LEVELS_PER_PCT

ALLOCATE_SHARE, MAX_SHARE, TRANSFERS_SHARE = 0.15, 0.3, 0.15
"""Shares of a part's time limit its CP-SAT stages may use (deterministic time)."""
BRIEF_SECONDS = 0.1
"""Deterministic time the maximum and transfers stages get at most once the maximum is within ``gap_pct`` of
its bound: twice the most the easy proofs took in the benchmark families (0.057 s), nothing like the
minutes the hard ones take."""
SPREAD_STEP_SHARE = 0.02
"""Each leximax step may use this share of the time limit; a step cut short fixes its best found."""


@dataclass
class _PartSolve:
    """One part's stages in order, with the report of each."""

    problem: AllocationProblem
    options: SolveOptions
    cpsat: StageRunner
    reports: list[StageReport] = field(default_factory=list)

    def stage(
        self,
        name: str,
        goal: Goal,
        bounds: Bounds,
        hint: Solution,
        share: float,
        free: frozenset[int] = frozenset(),
        step: int = 1,
        *,
        brief: bool = False,
    ) -> StageOutcome:
        """A CP-SAT stage given ``share`` of the part's time limit (``brief``: at most BRIEF_SECONDS)."""
        budget = share * self.options.time_limit
        outcome = self.cpsat.run(name, goal, bounds, hint, min(budget, BRIEF_SECONDS) if brief else budget, free, step)
        self.report(outcome.report)
        return outcome

    def report(self, stage: StageReport) -> None:
        """Keep a stage's report and tell listeners in this process that it ended."""
        self.reports.append(stage)
        self.cpsat.cancellation.tell(stage)

    def local(self, name: str, search: Callable[..., Solution], solution: Solution) -> Solution:
        """A local search stage (deterministic; it stops early only at the deadline or on a signal)."""
        started, cancel = time.monotonic(), self.cpsat.cancellation
        found = search(self.problem, solution, lambda: cancel.cancelled or time.monotonic() >= self.cpsat.deadline)
        cancel.check()
        self.report(
            StageReport(
                name, StageStatus.DONE, found.max_level(self.problem), None, round(time.monotonic() - started, 3)
            )
        )
        return found


def solve_part(
    problem: AllocationProblem,
    options: SolveOptions,
    deadline: float,
    spread_out: bool = True,
    cancellation: Cancellation | None = None,
) -> PartResult:
    """The staged lexicographic solve of one part, by ``deadline`` (epoch seconds, so it holds on any
    machine of a cluster); without ``spread_out`` it stops at the fewest transfers (a frontier's start,
    spread later). A cancellation raises Interrupted between stages."""
    local_deadline = time.monotonic() + (deadline - time.time())
    runner = StageRunner(problem, options.seed, cancellation or Cancellation(), local_deadline)
    part = _PartSolve(problem, options, runner)
    solution = greedy(problem)
    proven = True
    bounds = Bounds(max_unallocated=sum(solution.unallocated))
    if bounds.max_unallocated and problem.slack_classes:
        stage = part.stage("allocate", Goal.UNALLOCATED, Bounds(), solution, ALLOCATE_SHARE)
        proven, solution = proven and stage.optimal, stage.solution
        bounds = Bounds(max_unallocated=sum(solution.unallocated))
    solution = part.local("rebalance", lower_max, solution)
    top = level_bound = solution.max_level(problem)
    brief = solution.max_pct(problem) - bound_pct(problem, problem.level_range[0]) <= options.gap_pct
    if top > problem.level_range[0]:
        stage = part.stage("max_wmt", Goal.MAX_LEVEL, bounds, solution, MAX_SHARE, brief=brief)
        proven, solution = proven and stage.optimal, stage.solution
        top = solution.max_level(problem)
        level_bound = top if stage.optimal else max(problem.level_range[0], min(top, stage.bound or 0))
    bounds = replace(bounds, max_level=top)
    if solution.transfers(problem) > (transfers_needed(problem, top) or 0):
        stage = part.stage("transfers", Goal.TRANSFERS, bounds, solution, TRANSFERS_SHARE, brief=brief and not proven)
        proven, solution = proven and stage.optimal, stage.solution
        bounds = replace(bounds, max_transfers=solution.transfers(problem))
    if spread_out:
        solution = part.local("spread", spread, solution)
    complete = False
    if spread_out and options.exact_spread:
        solution, complete = _exact_spread(part, bounds, solution)
    return PartResult(solution, level_bound, proven, complete, tuple(part.reports), bound_pct(problem, level_bound))


def _exact_spread(part: _PartSolve, bounds: Bounds, solution: Solution) -> tuple[Solution, bool]:
    """Leximax: fix the practitioners at the top level, minimise the top of the rest, until none is left."""
    problem = part.problem
    free = frozenset(p for p in problem.varying if problem.available[p] > 0)
    caps: dict[int, int] = {}
    complete = True
    step = round(part.options.spread_resolution_pct * LEVELS_PER_PCT)
    while free:
        fixing = replace(bounds, level_caps=dict(caps))
        stage = part.stage(f"spread {len(caps)}", Goal.SPREAD, fixing, solution, SPREAD_STEP_SHARE, free, step)
        if not stage.ran:
            return solution, False
        complete, solution = complete and stage.optimal, stage.solution
        top, fixed = top_band(solution.levels(problem), free, step)
        caps.update({p: top for p in fixed})
        free -= fixed
    return solution, complete

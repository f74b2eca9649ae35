"""The solve: a function of (instance, rules, options) returning a Result with its proof.

The problem is split into independent parts (``decompose``: practitioners linked by cases both may hold,
usually pdus), run as tasks on the ``executor``:

- with no transfer budget, each part goes through the staged solve of ``partsolve`` on its own;
- with a budget and several parts, the parts compete for it: ``frontier`` finds, per part, the fewest
  transfers for each maximum level and the lowest level whose transfers fit the budget in total; each
  part's allocation at that level is then spread by pairwise re-splits (never adding a transfer);
- with a budget and one part, the staged solve does it all.
"""

from __future__ import annotations

import time
from dataclasses import replace

from .bounds import bound_pct, fixed_pct
from .cpsat.lazy import MODULE as CP_SAT
from .decompose import Part, merge, split, whole
from .domain import Instance
from .executor import Executor
from .frontier import Frontier, spread_reach
from .interrupt import Cancellation
from .partsolve import solve_part
from .problem import AllocationProblem, compile_problem
from .results import PartResult, PartSolved, Result, SolveOptions, Status
from .rules import Rules
from .wmt import LEVELS_PER_PCT

TASK_MODULES = (solve_part.__module__, Frontier.__module__, CP_SAT)
"""What a worker loads to run this module's tasks (``Executor.preload``)."""


def solve(
    instance: Instance,
    rules: Rules,
    options: SolveOptions | None = None,
    cancellation: Cancellation | None = None,
    executor: Executor | None = None,
    cache: PartCache | None = None,
) -> Result:
    """Allocate the instance's unallocated cases (and transfers within budget) under the rules."""
    options = options or SolveOptions()
    problem = compile_problem(instance, rules, options.max_transfers)
    return solve_problem(problem, options, cancellation, executor, cache)


class PartCache:
    """Proven part results by part problem, so a what-if run re-solves only the parts its scenario changed.

    Only proven parts are kept: a proven part's stages all ended before their budgets, so the same part
    solved again with the same seed gives the same result (deterministic time), whatever its share.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[AllocationProblem, SolveOptions], PartResult] = {}

    @staticmethod
    def _key(problem: AllocationProblem, options: SolveOptions) -> tuple[AllocationProblem, SolveOptions]:
        return problem, replace(options, time_limit=0.0, workers=1, scheduler=None)

    def get(self, problem: AllocationProblem, options: SolveOptions) -> PartResult | None:
        return self._known.get(self._key(problem, options))

    def put(self, problem: AllocationProblem, options: SolveOptions, result: PartResult) -> None:
        if result.proven and (result.spread_complete or not options.exact_spread):
            self._known[self._key(problem, options)] = result


def solve_problem(
    problem: AllocationProblem,
    options: SolveOptions,
    cancellation: Cancellation | None = None,
    executor: Executor | None = None,
    cache: PartCache | None = None,
) -> Result:
    """Solve each independent part and put the parts back together.

    Each part gets the share of the time limit its size warrants, whatever the number of workers, so
    the result does not depend on it.
    """
    if executor is None:
        with Executor(options.workers, options.scheduler, cancellation) as own:
            return solve_problem(problem, options, cancellation, own, cache)
    started = time.monotonic()
    parts = split(problem) or [whole(problem)]
    if problem.max_transfers > 0 and len(parts) > 1:
        return _shared_budget(problem, parts, options, executor, started)
    if problem.max_transfers > 0:  # whole, so fixed loads outside the part bound what transfers are worth
        parts = [whole(problem)]
    total = sum(p.size for p in parts) or 1
    deadline = time.time() + options.time_limit
    jobs = [(part.problem, replace(options, time_limit=options.time_limit * part.size / total)) for part in parts]
    cache = cache if cache is not None else PartCache()
    known = [cache.get(*job) for job in jobs]
    todo = [i for i, found in enumerate(known) if found is None]

    def tell(index: int, solved: PartResult) -> None:
        part = parts[todo[index]]
        executor.cancellation.tell(
            PartSolved(
                part=todo[index] + 1,
                parts=len(parts),
                max_pct=solved.solution.max_level(part.problem) / LEVELS_PER_PCT,
                bound_pct=float(solved.bound_pct),
                proven=solved.proven,
                stages=solved.stages,
            )
        )

    fresh = iter(executor.map(solve_part, [(*jobs[i], deadline) for i in todo], tell).values())
    done = [found or next(fresh) for found in known]
    for job, result in zip(jobs, done, strict=True):
        cache.put(*job, result)
    return Result(
        status=Status.OPTIMAL if all(d.proven for d in done) else Status.FEASIBLE,
        problem=problem,
        solution=merge(problem, parts, [d.solution for d in done]),
        lower_bound_pct=max([fixed_pct(problem), *(d.bound_pct for d in done)]),  # each part's, worked out there
        stages=tuple(replace(s, part=i + 1) for i, d in enumerate(done) for s in d.stages),
        seconds=time.monotonic() - started,
        spread_complete=all(d.spread_complete for d in done),
        options=options,
        parts=len(parts),
        parts_proven=sum(d.proven for d in done),
    )


def _shared_budget(
    problem: AllocationProblem, parts: list[Part], options: SolveOptions, executor: Executor, started: float
) -> Result:
    """Several parts, one transfer budget: the lowest level whose fewest transfers fit it, from the frontier."""
    deadline = time.time() + options.time_limit
    frontier = Frontier(problem, parts, options, executor, deadline)
    best = frontier.best(problem.max_transfers)
    jobs = [(part.problem, reach, deadline) for part, reach in zip(frontier.parts, best.reaches, strict=True)]
    solutions = executor.map(spread_reach, jobs).values()
    stages = [(*part.base.stages, *part.at(best.level).stages) for part in frontier.parts]
    return Result(
        status=Status.OPTIMAL if best.proven else Status.FEASIBLE,
        problem=problem,
        solution=merge(problem, parts, solutions),
        lower_bound_pct=bound_pct(problem, best.bound, [part.problem for part in frontier.parts]),
        stages=tuple(replace(s, part=i + 1) for i, found in enumerate(stages) for s in found),
        seconds=time.monotonic() - started,
        spread_complete=False,
        options=options,
        parts=len(parts),
        parts_proven=sum(reach.proven for reach in best.reaches) if best.level == best.bound else 0,
    )

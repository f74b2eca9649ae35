"""The transfers frontier: for each independent part, the fewest transfers that bring its maximum WMT to each
level, and, across parts sharing one budget, the lowest level whose transfers fit it.

Per part, a level's answer is bracketed: from below by the transfer-budget bound (everyone above the level
must shed held cases, fewest if largest first: ``bounds.transfers_needed``), from above by the bound's own
plan made concrete (``rebalance.reach_by_plan``), which usually meets it and so proves the count. Only
when they differ does CP-SAT minimise transfers at the level, hinted with the best known allocation. What
one level proves bounds the others (fewer transfers never reach a lower level), so each evaluation
warm-starts the next and the staircase is never built twice: the trade-off curve, the staffing probes and
a solve with a budget across pdus all read the same frontier.

With a budget K over several parts, the best maximum is the lowest level L with sum over parts of
(fewest transfers to reach L there) <= K; the fewest transfers at it are that sum. Everything a part
needs runs as tasks on the executor, parts in parallel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .bounds import transfers_needed
from .cpsat import StageRunner
from .cpsat.constraints import Bounds
from .cpsat.objective import Goal
from .decompose import Part
from .executor import Executor
from .greedy import greedy
from .interrupt import Cancellation
from .partsolve import solve_part
from .problem import AllocationProblem
from .rebalance import reach_by_plan, spread
from .results import PartResult, Solution, SolveOptions, StageReport
from .wmt import level

REACH_SHARE = 0.05
"""Deterministic time a level's CP-SAT step may use, as a share of the time limit."""


@dataclass(frozen=True)
class Reach:
    """The fewest transfers that bring a part's maximum to at or below ``level``, proven in [low, high]."""

    level: int
    low: int | None
    """Proven: fewer transfers cannot reach the level (None: no number within the part's budget can)."""
    high: int | None
    """Transfers of ``solution`` (None: no allocation at the level found)."""
    solution: Solution | None
    stages: tuple[StageReport, ...] = ()

    @property
    def proven(self) -> bool:
        return self.low == self.high

    @property
    def reachable(self) -> bool:
        return self.high is not None


def reach_level(
    problem: AllocationProblem,
    level: int,
    most_unallocated: int,
    hint: Solution | None,
    options: SolveOptions,
    deadline: float,
    exact: bool,
    cancellation: Cancellation | None = None,
) -> Reach:
    """The fewest transfers (within ``problem.max_transfers``) that bring the part to ``level``, keeping at
    most ``most_unallocated`` cases out: the bound and the galloped plan, then (``exact``) CP-SAT between
    them. A task: plain data in, plain data out."""
    cancellation = cancellation or Cancellation()
    if level < problem.level_range[0]:
        return Reach(level, None, None, None)
    low = transfers_needed(problem, level)
    if low is None or low > problem.max_transfers:
        return Reach(level, None, None, None)
    fits = hint is not None and hint.max_level(problem) <= level and sum(hint.unallocated) <= most_unallocated
    if fits and hint is not None and hint.transfers(problem) == low:
        return Reach(level, low, low, hint)

    def stop() -> bool:
        return cancellation.cancelled or time.time() >= deadline

    planned = _gallop(problem, level, low, most_unallocated, stop)
    cancellation.check()
    if planned is not None and planned.transfers(problem) == low:
        return Reach(level, low, low, planned)
    if not exact:
        return Reach(level, low, None if planned is None else planned.transfers(problem), planned)
    if planned is not None and (not fits or planned.transfers(problem) < (hint.transfers(problem) if hint else 0)):
        hint, fits = planned, True
    runner = StageRunner(problem, options.seed, cancellation, time.monotonic() + (deadline - time.time()))
    start = hint if fits and hint is not None else greedy(problem)
    bounds = Bounds(max_unallocated=most_unallocated, max_level=level)
    stage = runner.run(
        "level_transfers",
        Goal.TRANSFERS,
        bounds,
        start,
        REACH_SHARE * options.time_limit,
        hint_feasible=fits,
    )
    if stage.infeasible:
        return Reach(level, None, None, None, (stage.report,))
    found = stage.solution if (stage.ran and stage.report.objective is not None) or fits else None
    high = None if found is None else found.transfers(problem)
    proven_low = high if stage.optimal and high is not None else max(low, stage.bound or 0)
    return Reach(level, proven_low, high, found, (stage.report,))


def _gallop(
    problem: AllocationProblem, level: int, low: int, most_unallocated: int, stop: Callable[[], bool]
) -> Solution | None:
    """The transfer plan made concrete with the bound's count of transfers, then with 1, 2, 4, ... more
    (the local search may shed beyond the plan): the first allocation that reaches ``level``."""
    extra = 0
    while low + extra <= problem.max_transfers and not stop():
        found = reach_by_plan(replace(problem, max_transfers=low + extra), level, most_unallocated, stop)
        if found is not None:
            return found
        extra = 2 * extra or 1
    return None


class PartFrontier:
    """One part's staircase as far as it has been evaluated: every level's fewest transfers, bracketed."""

    def __init__(self, problem: AllocationProblem, base: PartResult):
        self.problem = problem
        """The part with its whole budget (held cases movable)."""
        self.base = base
        """The part solved with no transfers."""
        self.unallocated = sum(base.solution.unallocated)
        self.top = base.solution.max_level(problem)
        """The lowest level reached with no transfers."""
        self._reaches: dict[int, Reach] = {}

    def record(self, reach: Reach) -> None:
        """Keep ``reach`` with what was known at its level before: the stronger proof, and of the two
        allocations the one with fewer transfers (the later on a tie). A level is evaluated again from
        another start (a search for a budget, then for the fewest transfers), which can find a worse
        allocation than the first; kept alone, it showed a trade-off point with more transfers than its
        budget."""
        known = self._reaches.get(reach.level)
        if known is not None:
            low = None if known.low is None or reach.low is None else max(known.low, reach.low)
            kept = known if reach.high is None or (known.high is not None and known.high < reach.high) else reach
            reach = Reach(reach.level, low, kept.high, kept.solution, known.stages + reach.stages)
        self._reaches[reach.level] = reach

    def at(self, level: int) -> Reach:
        """What is known at ``level``: the best allocation at or below it found so far, and the strongest
        proof (an evaluation at a higher level bounds this one from below)."""
        if level >= self.top:
            return Reach(level, 0, 0, self.base.solution)
        below = [r for lvl, r in self._reaches.items() if lvl <= level and r.high is not None]
        best = min(below, key=lambda r: (r.high, r.level), default=None)
        above = [r for lvl, r in self._reaches.items() if lvl >= level]
        if level < self.problem.level_range[0] or any(r.low is None for r in above):
            return Reach(level, None, None, None)
        closed = transfers_needed(self.problem, level)
        if closed is None or closed > self.problem.max_transfers:
            return Reach(level, None, None, None)
        low = max([closed, *(r.low for r in above if r.low is not None)])
        if level < self.base.level_bound:  # proven out of reach with no transfers
            low = max(low, 1)
            if low > self.problem.max_transfers:
                return Reach(level, None, None, None)
        if best is None:
            return Reach(level, low, None, None)
        return Reach(level, low, best.high, best.solution, best.stages)

    def hint(self, level: int) -> Solution | None:
        """The allocation closest above ``level`` to start from: the lowest-level one found so far."""
        found = [r for r in self._reaches.values() if r.high is not None and r.solution is not None]
        return min(found, key=lambda r: abs(r.level - level)).solution if found else None


@dataclass(frozen=True)
class Combined:
    """The best maximum for one budget over all parts, with what is proven and each part's allocation."""

    budget: int
    level: int
    """The lowest level found whose transfers fit the budget."""
    bound: int
    """Proven: no allocation within the budget has a maximum below this level."""
    transfers: int
    transfers_proven: bool
    reaches: tuple[Reach, ...]
    """Each part's allocation at ``level``."""

    @property
    def proven(self) -> bool:
        return self.level == self.bound and self.transfers_proven


class Frontier:
    """The frontiers of a problem's parts under one budget, evaluated on demand on an executor."""

    def __init__(
        self,
        problem: AllocationProblem,
        parts: Sequence[Part],
        options: SolveOptions,
        executor: Executor,
        deadline: float,
    ):
        problems = [part.problem for part in parts]
        inside = {p for part in parts for p in part.staff}
        self.fixed = max(
            (level(problem.base_load[p], a) for p, a in enumerate(problem.available) if a > 0 and p not in inside),
            default=0,
        )
        """The highest level of practitioners in no part: their load cannot change, whatever the budget."""
        self.options = options
        self.executor = executor
        self.deadline = deadline
        total = sum(sum(c.count for c in p.classes) + p.n for p in problems) or 1
        self.shares = [
            replace(options, time_limit=options.time_limit * (sum(c.count for c in p.classes) + p.n) / total)
            for p in problems
        ]
        jobs = [
            (replace(p, max_transfers=0), opts, deadline, False) for p, opts in zip(problems, self.shares, strict=True)
        ]
        bases = executor.map(solve_part, jobs).values()
        self.parts = [PartFrontier(p, base) for p, base in zip(problems, bases, strict=True)]

    @property
    def top(self) -> int:
        """The maximum with no transfers."""
        return max([self.fixed, *(part.top for part in self.parts)])

    @property
    def floor(self) -> int:
        """No level below this is reachable within the parts' budgets (fixed loads, volume, shedding)."""
        return max([self.fixed, *(part.problem.level_range[0] for part in self.parts)])

    def evaluate(self, level: int, budget: int | None = None) -> None:
        """Bring the parts' answers at ``level`` closer to proven, parts in parallel: first the bound and the
        plans, then CP-SAT, each pass only while it matters (for ``budget``: until it is clear whether the
        level fits it; None: until every part is proven)."""
        for exact in (False, True):
            if self._decided(level, budget):
                return
            self._pass(level, exact)

    def _decided(self, level: int, budget: int | None) -> bool:
        low, high = self.sums(level)
        if budget is None:
            return all(part.at(level).proven for part in self.parts)
        return low is None or low > budget or (high is not None and high <= budget)

    def _pass(self, level: int, exact: bool) -> None:
        todo = [i for i, part in enumerate(self.parts) if not part.at(level).proven]
        jobs = [
            (
                self.parts[i].problem,
                level,
                self.parts[i].unallocated,
                self.parts[i].hint(level),
                self.shares[i],
                self.deadline,
                exact,
            )
            for i in todo
        ]
        for i, reach in zip(todo, self.executor.map(reach_level, jobs).values(), strict=True):
            self.parts[i].record(reach)

    def sums(self, level: int) -> tuple[int | None, int | None]:
        """(proven fewest, found) transfers over all parts to reach ``level`` (None: unreachable / not found)."""
        known = [part.at(level) for part in self.parts]
        low = None if any(r.low is None for r in known) else sum(r.low or 0 for r in known)
        high = None if any(r.high is None for r in known) else sum(r.high or 0 for r in known)
        return low, high

    def best(self, budget: int) -> Combined:
        """The lowest level whose transfers fit ``budget``, and the proven bound below it."""
        low, high = self.floor, self.top
        while low < high:
            middle = (low + high) // 2
            self.evaluate(middle, budget)
            found = self.sums(middle)[1]
            if found is not None and found <= budget:
                high = middle
            else:
                low = middle + 1
        level = high
        self.evaluate(level)  # the fewest transfers at the level found, proven where CP-SAT can
        bound = self._bound(budget, level)
        reaches = tuple(part.at(level) for part in self.parts)
        proven_low, found = self.sums(level)
        return Combined(
            budget=budget,
            level=level,
            bound=bound,
            transfers=found or 0,
            transfers_proven=proven_low == found,
            reaches=reaches,
        )

    def _bound(self, budget: int, level: int) -> int:
        """The lowest level not proven out of reach within ``budget`` (fewest transfers over it)."""
        bound = level
        while bound > self.floor:
            fewest = self.sums(bound - 1)[0]
            if fewest is None or fewest > budget:
                break
            bound -= 1
        return bound

    def restart_clock(self) -> None:
        """Give the next point the whole time limit again (a curve's points each get the time limit)."""
        self.deadline = time.time() + self.options.time_limit

    def staircase(self, limit: int) -> list[Combined]:
        """Every budget from 0 to ``limit`` at which the best maximum changes, each with its best maximum
        (each point within the time limit). A budget is the transfers its point takes; a point found later
        for the same budget (a lower level the first search missed) replaces the earlier one."""
        steps = [self.best(0)]
        while steps[-1].level > self.floor:
            below = steps[-1].level - 1
            self.evaluate(below)
            self.restart_clock()
            low, high = self.sums(below)
            if high is None or high > limit:
                last = self.best(limit) if low is not None and low <= limit else None
                if last is not None and last.level < steps[-1].level:  # not proven out of reach: the limit's best
                    self._add(steps, replace(last, budget=max(last.transfers, steps[-1].budget)))
                break
            self._add(steps, self.best(high))
        return steps

    @staticmethod
    def _add(steps: list[Combined], step: Combined) -> None:
        while steps and steps[-1].budget >= step.budget:
            steps.pop()
        steps.append(step)


def spread_reach(
    problem: AllocationProblem, reach: Reach, deadline: float, cancellation: Cancellation | None = None
) -> Solution:
    """A part's allocation at the chosen level, spread by pairwise re-splits (never adding a transfer)."""
    cancellation = cancellation or Cancellation()
    if reach.solution is None:
        raise ValueError(f"no allocation at level {reach.level}")
    budget = replace(problem, max_transfers=reach.high or 0)
    spread_out = spread(budget, reach.solution, lambda: cancellation.cancelled or time.time() >= deadline)
    cancellation.check()
    return spread_out

"""Pairwise rebalancing: a fast local search that lowers the maximum WMT before any model is built.

The practitioner at the top is paired with each other practitioner in turn; the new cases the two hold
that either may take are re-split between them exactly (a subset-sum over their points), and the best
split that lowers the top is kept. Cases are small against a caseload, so this usually reaches the
volume bound (which proves the maximum) in milliseconds, and otherwise hands CP-SAT a near-optimal hint.
With a transfer budget, held cases are shed from the top one at a time, each with a re-split around it
(in effect a swap of a held case for new ones); the transfer bound's own plans are tried level by level;
and transfers the maximum turns out not to need are sent back.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from .bounds import shed_plan
from .greedy import greedy
from .pairsplit import Pair, best_split, best_top
from .problem import AllocationProblem
from .results import Solution


class _Pool(NamedTuple):
    """Two practitioners' movable cases as a re-split sees them: the pair's figures, the cases either may
    take (largest first) with their points, and the cases fixed on each."""

    pair: Pair
    free: list[int]
    weights: list[int]
    fixed_p: list[int]
    fixed_q: list[int]


@dataclass(frozen=True)
class _Split:
    """The best re-split of two practitioners' shared cases: who ends with which, and the pair's new maximum."""

    top: Fraction
    to_p: list[int]
    to_q: list[int]


class Rebalancer:
    """Each practitioner's movable cases (as class indices) and load while the search runs.

    A movable case is a new case, or a held case away from its holder (a transfer). Held cases at
    their holder are counted in ``staying``; moving one away costs a transfer, moving it back refunds it.
    """

    def __init__(self, problem: AllocationProblem, solution: Solution):
        self.problem = problem
        self.start = solution
        self.load = solution.loads(problem)
        self.items: list[list[int]] = [[] for _ in range(problem.n)]
        self.allowed = [frozenset(c.holders) for c in problem.classes]
        self.points = [c.points for c in problem.classes]
        self.staying = [0] * len(problem.classes)
        for k, (cls, taken) in enumerate(zip(problem.classes, solution.counts, strict=True)):
            for p, n in taken.items():
                if p == cls.holder:
                    self.staying[k] = n
                else:
                    self.items[p].extend([k] * n)
        self.transfers = solution.transfers(problem)
        self.changes = [0] * problem.n
        """How often each practitioner's cases changed: a pair's best re-split depends on nothing else."""
        self._tried: dict[tuple[int, int], tuple[int, int, tuple[int, int] | None]] = {}
        """Each pair's last re-split top, with the two change counts it was worked out at."""
        self._taking: dict[int, tuple[int, frozenset[int]]] = {}
        """Each practitioner's ``_takers``, with the change count it was worked out at."""
        self.partners = problem.partners
        self.active = [p for p in range(problem.n) if problem.available[p] > 0 and self.partners[p]]
        common = math.lcm(*{a for a in problem.available if a > 0})
        self._scale = [common // a if a > 0 else 0 for a in problem.available]

    def ratio(self, p: int) -> Fraction:
        return Fraction(self.load[p], self.problem.available[p])

    def _scaled(self, p: int) -> int:
        """p's ratio times a multiple of everyone's available points: an integer that orders (and ties)
        exactly as the ratios do, for the searches that sort and heap them (a Fraction costs far more)."""
        return self.load[p] * self._scale[p]

    def lower_top(self, stop: Callable[[], bool]) -> bool:
        """Lower the top practitioner until no pair re-split helps; True when anything moved."""
        heap = [(-self._scaled(p), p) for p in self.active]
        heapq.heapify(heap)
        moved = False
        while heap and not stop():
            neg, p = heap[0]
            if -neg != self._scaled(p):
                heapq.heapreplace(heap, (-self._scaled(p), p))
                continue
            q = self._improve(p, stop)
            if q is None:
                break
            moved = True
            heapq.heapreplace(heap, (-self._scaled(p), p))
            heapq.heappush(heap, (-self._scaled(q), q))
        return moved

    def spread(self, stop: Callable[[], bool]) -> None:
        """Pairwise leximax: from the top down, lower each practitioner while some pair re-split helps."""
        moved = True
        while moved and not stop():
            moved = self.lower_top(stop)
            for p in sorted(self.active, key=lambda p: (-self._scaled(p), p)):
                while not stop() and self._improve(p, stop) is not None:
                    moved = True

    def _improve(self, p: int, stop: Callable[[], bool]) -> int | None:
        """Apply the best re-split of p with a partner that lowers p's ratio without lifting the partner
        to it (the lowest new top; among equal tops, the partner first in ``partners``); the partner, or
        None when no such split exists (or time ran out: on a part of hundreds of practitioners one call
        tries hundreds of partners).

        Partners are tried by their pooled ratio with p, lowest first: a split's top is at least that
        ratio, so the first splits found are near the best and spare the subset-sums of most others, and
        once the pooled ratio passes the best top no later partner can win."""
        mine, room = self.load[p], self.problem.available[p]  # ratios as (numerator, denominator) pairs
        best_q, best, best_rank = None, (mine, room), -1
        for pooled, rank, q in self._by_pooled(p):
            if stop():
                break
            if pooled > best[0] / best[1]:
                break
            if not self._may_lower(p, q, best, best_q is not None and rank < best_rank):
                continue
            top = self._pair_top(p, q)
            if top is None or top[0] * room >= mine * top[1]:  # not under p's ratio now
                continue
            lower = top[0] * best[1] - best[0] * top[1]
            if best_q is None or lower < 0 or (lower == 0 and rank < best_rank):
                best_q, best, best_rank = q, top, rank
        if best_q is not None:
            split = self._split(p, best_q)
            assert split is not None and split.top == Fraction(*best)  # the same cases as when weighed
            self._apply(p, best_q, split)
        return best_q

    def _by_pooled(self, p: int) -> list[tuple[float, int, int]]:
        """p's partners that a re-split could bring under p's ratio, as (pooled ratio with p, rank in
        ``partners``, partner), lowest ratio first.

        A re-split lowers p only by handing q some of p's cases, at least one point more than q hands back,
        and leaves q under p's ratio only if q has more than a point of room below it: partners that may
        take none of p's cases, lack that room or are at their cap are left out (seven in ten of those
        weighed on a national instance) and spared their subset-sums.

        A float is only an order here: rounding keeps it monotone, so a later float that is strictly higher
        is an exactly higher ratio (the break in ``_improve``); ties are decided exactly."""
        load, available = self.load, self.problem.available
        mine, room = load[p], available[p]
        takers, caps = self._takers(p), self.problem.max_load
        return sorted(
            ((mine + load[q]) / (room + available[q]), rank, q)
            for rank, q in enumerate(self.partners[p])
            if q in takers
            and mine * available[q] > (load[q] + 1) * room
            and ((cap := caps[q]) is None or load[q] < cap)
        )

    def _takers(self, p: int) -> frozenset[int]:
        """Everyone who may take at least one of p's movable cases, remembered until p's cases change."""
        known = self._taking.get(p)
        if known is None or known[0] != self.changes[p]:
            known = (self.changes[p], frozenset().union(*(self.allowed[k] for k in set(self.items[p]))))
            self._taking[p] = known
        return known[1]

    def solution(self) -> Solution:
        """The current allocation as class counts (held cases where the starting solution had them)."""
        counts: list[dict[int, int]] = [
            {c.holder: n} if n and c.holder is not None else {}
            for c, n in zip(self.problem.classes, self.staying, strict=True)
        ]
        for p, items in enumerate(self.items):
            for k in items:
                counts[k][p] = counts[k].get(p, 0) + 1
        return Solution(counts=tuple(counts), unallocated=self.start.unallocated)

    def _may_lower(self, p: int, q: int, below: tuple[int, int], or_equal: bool = False) -> bool:
        """Whether a re-split of p and q might bring the higher of the two under the ratio ``below``
        (numerator, denominator), or to it with ``or_equal``: it cannot when their pooled ratio is above
        it, as the higher of two ratios is at least their pooled one. Most partners fail this integer
        test, which spares their subset-sum."""
        available = self.problem.available
        pooled = (self.load[p] + self.load[q]) * below[1]
        limit = below[0] * (available[p] + available[q])
        return pooled <= limit if or_equal else pooled < limit

    def _pair_top(self, p: int, q: int) -> tuple[int, int] | None:
        """``_split_top(p, q)``, remembered until either one's cases change: the spread's closing passes ask
        again of every pair whether it can help, and most pairs are as they were."""
        changes = (self.changes[p], self.changes[q])
        known = self._tried.get((p, q))
        if known is None or known[:2] != changes:
            known = (*changes, self._split_top(p, q))
            self._tried[p, q] = known
        return known[2]

    def _split_top(self, p: int, q: int) -> tuple[int, int] | None:
        """The higher of p's and q's ratios after their best re-split (``_split``'s top, as numerator and
        denominator), without the split: a search weighs many pairs and re-splits one. The cases are sorted
        out as ``_pool`` does, in one pass and unsorted: a subset-sum's reachable sums do not depend on
        the order of its weights."""
        allowed, points, available = self.allowed, self.points, self.problem.available
        if available[q] <= 0:
            return None
        reach, total, free = 1, 0, 0
        bases = []
        for who, other in ((p, q), (q, p)):
            base = self.load[who]
            for k in self.items[who]:
                may = allowed[k]
                if other in may:
                    weight = points[k]
                    base -= weight
                    if who in may:
                        reach |= reach << weight
                        total += weight
                        free += 1
            bases.append(base)
        if not free:
            return None
        caps = self.problem.max_load
        return best_top(Pair(bases[0], bases[1], available[p], available[q], caps[p], caps[q]), total, reach)

    def _split(self, p: int, q: int, keep_on_q: int | None = None) -> _Split | None:
        """The split of p's and q's shared movable cases minimising the higher of their two ratios
        (one case of class ``keep_on_q`` held by q stays there: a transfer being tried)."""
        pool = self._pool(p, q, keep_on_q)
        found = None if pool is None else best_split(pool.pair, pool.weights)
        if pool is None or found is None:
            return None
        top, to_p = found
        chosen = list(zip(pool.free, to_p, strict=True))[::-1]  # last first: the order later tie-breaks depend on
        return _Split(
            top, pool.fixed_p + [k for k, mine in chosen if mine], pool.fixed_q + [k for k, mine in chosen if not mine]
        )

    def _pool(self, p: int, q: int, keep_on_q: int | None = None) -> _Pool | None:
        """p's and q's movable cases sorted into those fixed on either and those both may take (largest
        first), with the pair's figures; None when there is nothing to re-split."""
        problem, points = self.problem, self.points
        pool_q = list(self.items[q])
        if keep_on_q is not None:
            pool_q.remove(keep_on_q)
        free: list[int] = []
        fixed_p, base_p = self._sort_out(self.items[p], p, q, free)
        fixed_q, base_q = self._sort_out(pool_q, q, p, free)
        if keep_on_q is not None:
            fixed_q.append(keep_on_q)
        free.sort(key=lambda k: -points[k])
        if not free and keep_on_q is None:
            return None
        if problem.available[q] <= 0:
            return None
        pair = Pair(
            base_p=base_p,
            base_q=base_q,
            available_p=problem.available[p],
            available_q=problem.available[q],
            cap_p=problem.max_load[p],
            cap_q=problem.max_load[q],
        )
        return _Pool(pair, free, [points[k] for k in free], fixed_p, fixed_q)

    def _sort_out(self, own: list[int], who: int, other: int, free: list[int]) -> tuple[list[int], int]:
        """Of ``who``'s movable cases, those ``other`` may not take (fixed on ``who``), and ``who``'s load
        less the rest; the cases both may take are added to ``free``."""
        allowed, points = self.allowed, self.points
        fixed = []
        base = self.load[who]
        for k in own:
            if other not in allowed[k]:
                fixed.append(k)
                continue
            base -= points[k]
            if who in allowed[k]:
                free.append(k)
        return fixed, base

    def _points(self, items: list[int]) -> int:
        points = self.points
        return sum(points[k] for k in items)

    def _apply(self, p: int, q: int, split: _Split) -> None:
        for who, new in ((p, split.to_p), (q, split.to_q)):
            self.load[who] += self._points(new) - self._points(self.items[who])
            self.items[who] = self._settle(who, new)
            self.changes[who] += 1

    def _settle(self, who: int, items: list[int]) -> list[int]:
        """Held cases back with their holder stop being transfers."""
        kept = []
        for k in items:
            if self.problem.classes[k].holder == who:
                self.staying[k] += 1
                self.transfers -= 1
            else:
                kept.append(k)
        return kept

    def shed(self, p: int, stop: Callable[[], bool]) -> bool:
        """Transfer one of p's held cases to a partner, re-splitting the two's movable cases around it, where that
        lowers p without lifting the partner to p's level; the best such move, or False if there is none."""
        problem, current = self.problem, self.ratio(p)
        best: tuple[Fraction, int, int, _Split] | None = None
        tried: set[tuple[int, int]] = set()
        for k, cls in enumerate(problem.classes):
            if cls.holder != p or not self.staying[k]:
                continue
            for q in cls.targets:
                if stop():
                    break
                if (q, cls.points) in tried or problem.available[q] <= 0:
                    continue
                tried.add((q, cls.points))
                self._move(k, p, q)
                split = self._split(p, q, keep_on_q=k)
                self._move(k, q, p)
                if split is not None and split.top < current and (best is None or split.top < best[0]):
                    best = (split.top, k, q, split)
        if best is None:
            return False
        _, k, q, split = best
        self._move(k, p, q)
        self._apply(p, q, split)
        return True

    def _move(self, k: int, source: int, target: int) -> None:
        """Move one case of held class k between its holder and another practitioner (a transfer, or its undoing)."""
        points = self.problem.classes[k].points
        if self.problem.classes[k].holder == source:
            self.staying[k] -= 1
            self.transfers += 1
            self.items[target].append(k)
        else:
            self.items[source].remove(k)
            self.staying[k] += 1
            self.transfers -= 1
        self.load[source] -= points
        self.load[target] += points
        self.changes[source] += 1
        self.changes[target] += 1

    def lower_with_transfers(self, budget: int, stop: Callable[[], bool]) -> None:
        """Lower the top by re-splits, then by transferring held cases off it, one at a time, within ``budget``."""
        self.lower_top(stop)
        if not self.active:
            return
        while self.transfers < budget and not stop() and self.shed(self._top(), stop):
            self.lower_top(stop)

    def _top(self) -> int:
        """The practitioner with the highest ratio (fixed ones included: shedding cannot lower them)."""
        return max(
            (p for p in range(self.problem.n) if self.problem.available[p] > 0), key=lambda p: (self.ratio(p), -p)
        )

    def return_transfers(self) -> None:
        """Send transferred cases back to their holders wherever that keeps everyone within the current maximum."""
        problem = self.problem
        top = max((self.ratio(p) for p in self.active), default=Fraction(0))
        for q in range(problem.n):
            for k in sorted(self.items[q], key=lambda k: -problem.classes[k].points):
                holder, points = problem.classes[k].holder, problem.classes[k].points
                if holder is None or Fraction(self.load[holder] + points, problem.available[holder]) > top:
                    continue
                cap = problem.max_load[holder]
                if cap is not None and self.load[holder] + points > cap:
                    continue
                self._move(k, q, holder)


def lower_max(problem: AllocationProblem, solution: Solution, stop: Callable[[], bool]) -> Solution:
    """``solution`` with its maximum lowered by pairwise re-splits and, within the budget, transfers."""
    best = _lowered(problem, solution, stop)
    return _planned(problem, best, stop) if problem.max_transfers else best


def _lowered(problem: AllocationProblem, solution: Solution, stop: Callable[[], bool]) -> Solution:
    """Re-split, shed from the top while the budget lasts, then send back the transfers the maximum does not need."""
    search = Rebalancer(problem, solution)
    search.lower_with_transfers(problem.max_transfers, stop)
    search.return_transfers()
    return search.solution()


def _planned(problem: AllocationProblem, best: Solution, stop: Callable[[], bool]) -> Solution:
    """Try the transfer bound's own plans, from its level up: lift the largest held cases off everyone above
    the level, place them and the new cases greedily, re-split; keep the lowest level reached. A plan that
    leaves more cases unallocated than ``best`` is no use: allocating comes before the maximum."""
    left = sum(best.unallocated)

    def attempt(top: int) -> Solution | None:
        return reach_by_plan(problem, top, left, stop)

    failed, reached = problem.level_range[0] - 1, best.max_level(problem)
    step = 1
    while failed + step < reached and not stop():
        found = attempt(failed + step)
        if found is not None:
            best, reached = found, found.max_level(problem)
            break
        failed, step = failed + step, step * 2
    while failed + 1 < reached and not stop():
        middle = (failed + reached) // 2
        found = attempt(middle)
        if found is None:
            failed = middle
        else:
            best, reached = found, found.max_level(problem)
    return best


def reach_by_plan(
    problem: AllocationProblem, top: int, most_unallocated: int, stop: Callable[[], bool]
) -> Solution | None:
    """An allocation at or below level ``top`` built from the transfer bound's plan (lift the largest held
    cases off everyone above it, place them and the new cases greedily, re-split), leaving at most
    ``most_unallocated`` cases out; None when the plan is over the budget or does not get there."""
    plan = shed_plan(problem, top)
    if plan is None:
        return None
    found = _lowered(problem, greedy(problem, plan), stop)
    return found if found.max_level(problem) <= top and sum(found.unallocated) <= most_unallocated else None


def spread(problem: AllocationProblem, solution: Solution, stop: Callable[[], bool]) -> Solution:
    """``solution`` spread by pairwise re-splits until no pair can lower its higher member (a leximax local optimum).

    Re-splits never add a transfer, so the transfer count of ``solution`` is kept or lowered.
    """
    search = Rebalancer(problem, solution)
    search.spread(stop)
    return search.solution()

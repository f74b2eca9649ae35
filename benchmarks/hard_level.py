"""Probe one level of one instance with a transfer budget: can its maximum reach the level, and with how few
transfers? The evidence behind the README's known limit (``pdu-settled`` seed 1), kept so it can be re-run.

    python benchmarks/hard_level.py benchmarks/.cache/pdu-settled-1 --transfers 30 --level 1717 --seconds 600

Prints, for the level (tenths of a percent):

- the shedding bound the product uses (``bounds.transfers_needed``);
- the configuration LP bound: each practitioner picks one *pattern* (what it sheds from its own cases and
  receives from each pool, ending at or below the level), every pool's cases go somewhere, fewest
  transfers; solved by column generation in HiGHS, each practitioner's best pattern found by a dynamic
  programme over its load. Stronger than the shedding bound, weaker than the integer answer;
- CP-SAT on the product's model at the level, minimising transfers within the budget, for ``--seconds`` on
  ``--workers``, hinted with the product's own answer when that is at the level.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from optimiser.bounds import transfers_needed  # noqa: E402
from optimiser.cpsat.constraints import Bounds  # noqa: E402
from optimiser.cpsat.lazy import cp_model  # noqa: E402
from optimiser.cpsat.model import AllocationModel  # noqa: E402
from optimiser.cpsat.objective import Goal  # noqa: E402
from optimiser.problem import AllocationProblem, compile_problem  # noqa: E402
from optimiser.reader import read_instance  # noqa: E402
from optimiser.results import SolveOptions  # noqa: E402
from optimiser.solve import solve_problem  # noqa: E402
from optimiser.wmt import points_at_level  # noqa: E402

ARTIFICIAL_COST = 1e4
"""Cost of the pattern that keeps the first LPs feasible; an optimum above it means no pattern mix reaches
the level."""


def _supply(problem: AllocationProblem) -> list[int]:
    """Each pool's most cases to hand out: its new cases and the held ones the budget lets move."""
    classes, budget = problem.classes, problem.max_transfers
    return [
        sum(classes[k].count if classes[k].holder is None else min(classes[k].count, budget) for k in pool.classes)
        for pool in problem.pools
    ]


def _items(
    problem: AllocationProblem, p: int, pool_of: dict[int, int], supply: list[int]
) -> list[tuple[int, int, int, float]]:
    """What practitioner ``p`` may do, as (load change, pool row, count in that row, transfers) chunks:
    shed its own held cases (negative change first) and receive from each pool it may hold. Counts are
    split in powers of two, so a 0/1 pass over the chunks covers every count."""
    chunks: list[tuple[int, int, int, float]] = []

    def add(points: int, row: int, count: int, sign: int, cost: float) -> None:
        size = 1
        while count > 0:
            take = min(size, count)
            chunks.append((sign * points * take, row, sign * take, cost * take))
            count, size = count - take, size * 2

    for k, cls in enumerate(problem.classes):
        if cls.holder == p:
            add(cls.points, pool_of[k], min(cls.count, problem.max_transfers), -1, 1.0)
    for g, pool in enumerate(problem.pools):
        if p in pool.holders:
            add(pool.points, g, supply[g], 1, 0.0)
    return sorted(chunks, key=lambda chunk: chunk[0] >= 0)


def _best_pattern(
    room: int, chunks: list[tuple[int, int, int, float]], duals: np.ndarray
) -> tuple[float, float, dict[int, float]]:
    """The pattern of least reduced cost ending at or below ``room`` more points: (reduced cost before the
    practitioner's own row, transfers, pool row counts)."""
    lowest = sum(-change for change, *_ in chunks if change < 0)
    size = lowest + max(room, 0) + 1
    cost = np.full(size, np.inf)
    cost[lowest] = 0.0
    taken = []
    for change, row, count, transfers in chunks:
        price = transfers - count * duals[row]
        moved = np.full(size, np.inf)
        if change >= size:
            continue
        if change >= 0:
            moved[change:] = cost[: size - change] + price
        else:
            moved[:change] = cost[-change:] + price
        better = moved < cost
        cost = np.where(better, moved, cost)
        taken.append(((change, row, count, transfers), better))
    cost[max(lowest + room + 1, 0) :] = np.inf  # beyond the level (all of it when sheds cannot get there)
    at = int(np.argmin(cost))
    reduced = float(cost[at])
    rows: dict[int, float] = defaultdict(float)
    spent = 0.0
    for (change, row, count, transfers), better in reversed(taken):
        if better[at]:
            rows[row] += count
            spent += transfers
            at -= change
    return reduced, spent, rows


def configuration_bound(problem: AllocationProblem, level: int, rounds: int = 500) -> float:
    """The configuration LP's least transfers to bring every practitioner to ``level`` (inf: no mix of
    patterns can)."""
    import highspy

    load = problem.load_before()
    members = sorted(problem.varying)
    pool_of = {k: g for g, pool in enumerate(problem.pools) for k in pool.classes}
    supply = _supply(problem)
    chunks = {p: _items(problem, p, pool_of, supply) for p in members}
    room = {}
    for p in members:  # without available points no level applies: only a cap, if any
        caps = [problem.max_load[p]] if problem.max_load[p] is not None else []
        if problem.available[p] > 0:
            caps.append(points_at_level(level, problem.available[p]))
        most = sum(change for change, *_ in chunks[p] if change > 0)
        room[p] = min(caps, default=load[p] + most) - load[p]
    new = [
        sum(problem.classes[k].count for k in pool.classes if problem.classes[k].holder is None)
        for pool in problem.pools
    ]
    pools = len(problem.pools)
    h = highspy.Highs()
    h.silent()
    lower = np.array([*new, *([1.0] * len(members))], dtype=float)
    h.addRows(
        len(lower), lower, lower.copy(), 0, np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([])
    )
    for i in range(len(members)):
        h.addCol(ARTIFICIAL_COST, 0.0, highspy.kHighsInf, 1, np.array([pools + i], dtype=np.int32), np.array([1.0]))
    for g, count in enumerate(new):  # pools short of receivers stay feasible, at the artificial cost
        if count:
            h.addCol(ARTIFICIAL_COST, 0.0, highspy.kHighsInf, 1, np.array([g], dtype=np.int32), np.array([1.0]))
    best = -math.inf
    for _ in range(rounds):
        h.run()
        value = h.getInfo().objective_function_value
        duals = np.array(h.getSolution().row_dual)
        lagrangian, added = value, 0
        for i, p in enumerate(members):
            reduced, spent, rows = _best_pattern(room[p], chunks[p], duals)
            reduced -= duals[pools + i]
            lagrangian += min(0.0, reduced)
            if reduced < -1e-7:
                rows[pools + i] += 1
                index = np.array(sorted(rows), dtype=np.int32)
                h.addCol(spent, 0.0, highspy.kHighsInf, len(index), index, np.array([rows[r] for r in index]))
                added += 1
        best = max(best, lagrangian)
        if not added:
            break
    return math.inf if best >= ARTIFICIAL_COST else best


def cpsat_probe(problem: AllocationProblem, level: int, seconds: float, workers: int, hint) -> str:
    """CP-SAT on the product's model: fewest transfers at ``level`` within the budget."""
    built = AllocationModel(problem, Bounds(max_unallocated=0, max_level=level), Goal.TRANSFERS)
    if hint is not None and hint.max_level(problem) <= level:
        built.add_hint(hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(built.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return (
        f"{solver.status_name(status)} after {solver.wall_time:.0f} s: "
        f"fewest transfers found {round(solver.objective_value) if found else 'none'}, "
        f"bound {solver.best_objective_bound if found or status == cp_model.UNKNOWN else '-'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--transfers", type=int, required=True)
    parser.add_argument("--level", type=int, required=True, help="tenths of a percent, e.g. 1717 for 171.7%%")
    parser.add_argument("--seconds", type=float, default=60.0, help="CP-SAT's time (0: skip it)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    loaded = read_instance(args.instance)
    problem = compile_problem(loaded.instance, loaded.rules, args.transfers)
    started = time.monotonic()
    answer = solve_problem(problem, SolveOptions(max_transfers=args.transfers)).solution
    print(
        f"product: level {answer.max_level(problem)} with {answer.transfers(problem)} transfers "
        f"({time.monotonic() - started:.1f} s); volume and budget bounds: level {problem.level_range[0]}"
    )
    print(f"level {args.level}: shedding bound {transfers_needed(problem, args.level)} transfers")
    started = time.monotonic()
    bound = configuration_bound(problem, args.level)
    print(f"level {args.level}: configuration LP bound {bound:.3f} transfers ({time.monotonic() - started:.1f} s)")
    if args.seconds > 0:
        print(f"level {args.level}: CP-SAT {cpsat_probe(problem, args.level, args.seconds, args.workers, answer)}")


if __name__ == "__main__":
    main()

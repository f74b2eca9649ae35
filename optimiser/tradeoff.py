"""The value of transfers: the best maximum WMT % for each transfer budget, and the transfers each needs.

One frontier serves every budget (``frontier.py``): each level evaluated for one budget bounds and
warm-starts the others, so the curve is built once, never as independent solves. ``auto`` lists every
budget at which the best maximum changes, up to the budget beyond which no transfer helps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .bounds import bound_pct
from .decompose import Part, merge, split, whole
from .domain import Instance
from .executor import Executor
from .frontier import Combined, Frontier
from .problem import AllocationProblem, compile_problem
from .results import SolveOptions, Status
from .rules import Rules
from .wmt import floor_pct, wmt_pct
from .writer import csv_text

MAX_BUDGETS = 200
"""The most budgets one trade-off may list."""


@dataclass(frozen=True)
class TradeoffPoint:
    """One budget's best maximum, the transfers it takes, and what is proven."""

    max_transfers: int
    transfers: int
    max_wmt_pct: Decimal
    lower_bound_pct: Decimal
    status: Status
    transfers_proven: bool
    level: int
    """The maximum in exact levels (tenths of a percent, rounded up): what the proof is about."""


def movable_held(instance: Instance) -> int:
    """Held cases that may move: the largest budget that can matter."""
    return sum(1 for c in instance.cases if c.allocated and not c.pinned)


def tradeoff(
    instance: Instance, rules: Rules, budgets: list[int] | None, options: SolveOptions, executor: Executor
) -> list[TradeoffPoint]:
    """The best maximum for each budget (``None``: every budget where it changes), never rising."""
    limit = movable_held(instance) if budgets is None else max(budgets, default=0)
    problem = compile_problem(instance, rules, limit)
    parts = split(problem) or [whole(problem)]
    frontier = Frontier(problem, parts, options, executor, time.time() + options.time_limit)
    if budgets is None:
        found = frontier.staircase(limit)
    else:
        found = []
        for budget in sorted(set(budgets)):
            frontier.restart_clock()
            found.append(frontier.best(budget))
    points: list[TradeoffPoint] = []
    best: Combined | None = None
    for combined in found:
        if best is None or combined.level < best.level:
            best = combined  # a smaller budget's allocation stays valid for a larger one: never rising
        points.append(_point(problem, parts, combined, best))
    return points


def _point(problem: AllocationProblem, parts: list[Part], combined: Combined, best: Combined) -> TradeoffPoint:
    """``combined``'s budget and proven bound, with the best allocation found up to it (``best``)."""
    solutions = []
    for reach in best.reaches:
        if reach.solution is None:
            raise ValueError(f"no allocation at level {best.level}")
        solutions.append(reach.solution)
    loads = merge(problem, parts, solutions).loads(problem)
    shown = [wmt_pct(load, a) for load, a in zip(loads, problem.available, strict=True) if a > 0]
    return TradeoffPoint(
        max_transfers=combined.budget,
        transfers=best.transfers,
        max_wmt_pct=max((v for v in shown if v is not None), default=Decimal(0)),
        lower_bound_pct=floor_pct(bound_pct(problem, combined.bound, [part.problem for part in parts])),
        status=Status.OPTIMAL if best.level == combined.bound and best.transfers_proven else Status.FEASIBLE,
        transfers_proven=best.transfers_proven,
        level=best.level,
    )


TRADEOFF_CSV, TRADEOFF_PNG = "tradeoff.csv", "tradeoff.png"
TRADEOFF_COLUMNS = ["max_transfers", "transfers", "max_wmt_pct", "lower_bound_pct", "status", "transfers_proven"]


def _rows(points: list[TradeoffPoint]) -> list[list[object]]:
    return [
        [
            p.max_transfers,
            p.transfers,
            f"{p.max_wmt_pct:.1f}",
            f"{p.lower_bound_pct:.1f}",
            p.status.value,
            "true" if p.transfers_proven else "false",
        ]
        for p in points
    ]


def tradeoff_csv(points: list[TradeoffPoint]) -> str:
    """``tradeoff.csv``: one row per budget, the maximum never rising as the budget grows."""
    return csv_text(_rows(points), TRADEOFF_COLUMNS)


def tradeoff_json(points: list[TradeoffPoint]) -> str:
    """The same rows as JSON objects with typed values, for scripts."""
    types: tuple[Callable[[Any], object], ...] = (int, int, float, float, str, lambda v: v == "true")
    return (
        json.dumps(
            [{c: t(v) for c, t, v in zip(TRADEOFF_COLUMNS, types, row, strict=True)} for row in _rows(points)], indent=2
        )
        + "\n"
    )

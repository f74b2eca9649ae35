"""Which hard rules, together, make it impossible to allocate every case: a minimal conflicting set.

The model asks only "can every case be placed?", with each rule group (a practitioner's cap, the grade
rule for one RoSH/MAPPA combination, one skill, the transfer budget) switched on by an assumption
literal. CP-SAT's sufficient assumptions give a first core; it is then shrunk by deletion (drop a rule,
re-check) until every rule left is needed: remove any one and the cases fit. Knows nothing of files or
wording: rules are numbers, named by the caller (``diagnosis.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .lazy import cp_model

ANYONE_UNCAPPED = -1


@dataclass(frozen=True)
class Group:
    """``count`` interchangeable cases of ``points``; ``options`` are (practitioner, rules a placement there
    breaks), practitioner ``ANYONE_UNCAPPED`` standing for every uncapped one (their load never limits); a
    held group (``holder`` set) may stay with its holder, a move counting against the budget."""

    points: int
    count: int
    options: tuple[tuple[int, tuple[int, ...]], ...]
    holder: int | None = None


@dataclass(frozen=True)
class ConflictProblem:
    rules: int
    """Rule groups, numbered 0..rules-1."""
    fixed: tuple[int, ...]
    """Each practitioner's points that stay whatever happens."""
    limit: tuple[int | None, ...]
    """Most points under the cap (None: uncapped); a practitioner already above it may receive nothing."""
    closed: tuple[bool, ...]
    cap_rule: tuple[int | None, ...]
    groups: tuple[Group, ...]
    budget: int
    budget_rule: int | None


@dataclass(frozen=True)
class Conflict:
    rules: tuple[int, ...]
    minimal: bool
    """False when a check ran out of time, so a rule was kept without proof that it is needed."""


def _feasible(
    problem: ConflictProblem, enforced: tuple[int, ...], seconds: float
) -> tuple[bool | None, tuple[int, ...]]:
    """Whether every case can be placed with only ``enforced`` rules on (None: unknown in time), and when
    not, the enforced rules CP-SAT found sufficient for that (its core, not necessarily minimal)."""
    model = cp_model.CpModel()
    on = [model.new_bool_var(f"rule{r}") for r in range(problem.rules)]
    incoming: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in problem.fixed]
    load = [cp_model.LinearExpr.constant(f) for f in problem.fixed]
    moved = []
    for g in problem.groups:
        taken = []
        for p, broken in g.options:
            x = model.new_int_var(0, g.count, "")
            for r in broken:
                model.add(x == 0).only_enforce_if(on[r])
            if p != ANYONE_UNCAPPED:
                incoming[p].append((g.points, x))
            taken.append(x)
        if g.holder is None:
            model.add(sum(taken) == g.count)
        else:
            model.add(sum(taken) <= g.count)
            moved += taken
            load[g.holder] += g.points * (g.count - sum(taken))
    for p, limit in enumerate(problem.limit):
        rule = problem.cap_rule[p]
        if limit is None or rule is None:
            continue  # no cap to hold: its load is never looked at (most of a national instance)
        total = load[p] + sum(points * x for points, x in incoming[p])
        if problem.closed[p]:
            for _, x in incoming[p]:
                model.add(x == 0).only_enforce_if(on[rule])
        else:
            model.add(total <= limit).only_enforce_if(on[rule])
    if problem.budget_rule is not None and moved:
        model.add(sum(moved) <= problem.budget).only_enforce_if(on[problem.budget_rule])
    model.add_assumptions([on[r] for r in enforced])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.cp_model_presolve = False  # these feasibility checks are easy; presolve was most of the time
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True, ()
    if status == cp_model.INFEASIBLE:
        index = {var.index: r for r, var in enumerate(on)}
        core = tuple(sorted(index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index))
        return False, core or enforced
    return None, ()


def minimal_conflict(problem: ConflictProblem, deadline: float, seconds_per_check: float = 2.0) -> Conflict | None:
    """A minimal set of rules that together leave some case unplaceable; None when every case fits (or that
    could not be shown by ``deadline``, a ``time.monotonic()``)."""
    verdict, core = _feasible(problem, tuple(range(problem.rules)), _left(deadline, seconds_per_check))
    if verdict is not False:
        return None
    minimal = True
    for rule in tuple(core):
        if rule not in core:
            continue
        if time.monotonic() >= deadline:
            return Conflict(core, False)
        trial = tuple(r for r in core if r != rule)
        verdict, smaller = _feasible(problem, trial, _left(deadline, seconds_per_check))
        if verdict is False:
            core = tuple(r for r in trial if r in smaller)
        elif verdict is None:
            minimal = False
    return Conflict(core, minimal)


def _left(deadline: float, most: float) -> float:
    return max(min(most, deadline - time.monotonic()), 0.01)

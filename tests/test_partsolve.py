"""The staged solve of one part: how long its CP-SAT stages may search once the maximum is near its bound."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

import optimiser.partsolve as partsolve
from optimiser.cpsat import StageRunner
from optimiser.generate import generate
from optimiser.problem import compile_problem
from optimiser.results import SolveOptions
from optimiser.rules import load_rules


@pytest.fixture(scope="module")
def settled():
    """The benchmark's pdu-settled seed 1 with 30 transfers: the rebalance ends at 171.8%, 0.09 pp above the
    exact volume bound (171.69%), and whether 171.7% can be reached is more than CP-SAT decides in minutes."""
    return compile_problem(generate(60, 100, 1, 1), load_rules(None), 30)


def _budgets(monkeypatch, problem, options):
    """Solve the part; return it and each CP-SAT stage's deterministic-time budget."""
    asked: dict[str, float] = {}
    run = StageRunner.run

    def spy(self, name, goal, bounds, hint, budget, *args, **kwargs):
        asked[name] = budget
        return run(self, name, goal, bounds, hint, budget, *args, **kwargs)

    monkeypatch.setattr(StageRunner, "run", spy)
    return partsolve.solve_part(problem, options, deadline=1e12), asked


def test_a_maximum_within_the_gap_of_its_bound_is_searched_past_briefly(monkeypatch, settled):
    options = SolveOptions(max_transfers=30, time_limit=4)
    result, asked = _budgets(monkeypatch, settled, options)
    assert asked == {"max_wmt": partsolve.BRIEF_SECONDS, "transfers": partsolve.BRIEF_SECONDS}
    assert not result.proven
    assert result.solution.max_pct(settled) - result.bound_pct <= options.gap_pct
    assert result.bound_pct > Decimal("171.69")  # finer than the level's 171.6


def test_with_no_gap_the_stages_search_their_full_shares(monkeypatch, settled):
    options = replace(SolveOptions(max_transfers=30, time_limit=4), gap_pct=Decimal(0))
    _, asked = _budgets(monkeypatch, settled, options)
    assert asked == {"max_wmt": partsolve.MAX_SHARE * 4, "transfers": partsolve.TRANSFERS_SHARE * 4}


def test_a_proof_the_brief_search_finds_is_kept(monkeypatch):
    """A 60-practitioner pdu (the benchmark's pdu family, seed 4): the rebalance ends within the gap of the
    bound, and the brief search proves its level optimal."""
    problem = compile_problem(generate(60, 650, 4, 1), load_rules(None), 0)
    result, asked = _budgets(monkeypatch, problem, SolveOptions(time_limit=4))
    assert asked == {"max_wmt": partsolve.BRIEF_SECONDS}
    assert result.proven

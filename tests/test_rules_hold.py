"""Every hard rule, checked from the output files alone, and the leximax spread below the maximum."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from optimiser.cli import app
from optimiser.domain import Case, Grade, Instance, Practitioner, Rosh
from optimiser.eligibility import Eligibility, Rule, Signature, exclusion
from optimiser.generate import generate, write_instance
from optimiser.outcome import holders_after
from optimiser.results import SolveOptions
from optimiser.rules import rules_from_dict
from optimiser.solve import solve
from optimiser.wmt import practitioner_capacity

from .strategies import instances

RULES = rules_from_dict({})


def _rule(found):
    return None if found is None else (found.rule, found.reason)


def test_exclusion_names_each_rule():
    po = Practitioner(staff_code="A", grade=Grade.PO, pdu="N", skills=frozenset({"DA"}))
    pso = Practitioner(staff_code="B", grade=Grade.PSO, pdu="N")
    sig = lambda rosh, mappa=0, skills=(), pdu="": Signature(rosh, mappa, frozenset(skills), pdu)  # noqa: E731
    assert exclusion(po, 2176, sig(Rosh.VERY_HIGH, 3, ["DA"], "N"), RULES) is None
    assert _rule(exclusion(po, 2176, sig(Rosh.LOW, pdu="S"), RULES)) == (Rule.PDU, "not in pdu 'S'")
    assert _rule(exclusion(po, 0, sig(Rosh.LOW), RULES)) == (Rule.CAPACITY, "with no available points")
    assert _rule(exclusion(pso, 2176, sig(Rosh.HIGH), RULES)) == (
        Rule.GRADE,
        "of a grade barred from RoSH HIGH, MAPPA 0 (grade rule)",
    )
    assert _rule(exclusion(pso, 2176, sig(Rosh.MEDIUM, 1), RULES)) == (
        Rule.GRADE,
        "of a grade barred from RoSH MEDIUM, MAPPA 1 (grade rule)",
    )
    assert _rule(exclusion(pso, 2176, sig(Rosh.MEDIUM, 0, ["DA"]), RULES)) == (Rule.SKILLS, "without skill DA")
    relaxed = rules_from_dict({"grades": {"PSO": {"allowed_rosh": ["LOW", "MEDIUM", "HIGH"], "max_mappa": 1}}})
    assert exclusion(pso, 2176, sig(Rosh.HIGH, 1), relaxed) is None


def _pct(points, available):
    return 100 * points / available


def test_generated_pdu_output_files_keep_every_rule(tmp_path):
    instance = generate(14, 90, seed=11, pdus=2)
    folder, out = tmp_path / "inst", tmp_path / "out"
    write_instance(folder, instance)
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out), "--max-transfers", "5"])
    assert result.exit_code in (0, 1), result.output
    staff = pd.read_csv(folder / "practitioners.csv", dtype=str, keep_default_na=False).set_index("staff_code")
    cases = pd.read_csv(folder / "cases.csv", dtype=str, keep_default_na=False).set_index("crn")
    moves = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
    left = pd.read_csv(out / "unallocated.csv", dtype=str, keep_default_na=False)
    work = pd.read_csv(out / "workload.csv", keep_default_na=False).set_index("staff_code")
    unallocated = set(cases.index[cases.staff_code == ""])
    allocated_now = set(moves.crn[moves.action == "ALLOCATE"])
    assert allocated_now | set(left.crn) == unallocated and not allocated_now & set(left.crn)
    assert len(moves[moves.action == "TRANSFER"]) <= 5
    allowed_rosh = {
        "PO": {"LOW", "MEDIUM", "HIGH", "VERY_HIGH"},
        "PQiP": {"LOW", "MEDIUM", "HIGH"},
        "PSO": {"LOW", "MEDIUM"},
    }
    max_mappa = {"PO": 3, "PQiP": 1, "PSO": 0}
    for _, move in moves.iterrows():
        case, to = cases.loc[move.crn], staff.loc[move.to_staff_code]
        assert case.pinned != "true"
        assert case.rosh in allowed_rosh[to.grade] and int(case.mappa_level) <= max_mappa[to.grade]
        assert set(filter(None, case.required_skills.split(";"))) <= set(filter(None, to.skills.split(";")))
        assert case.pdu in ("", to.pdu)
        assert work.loc[move.to_staff_code, "available_points"] > 0
    receivers = set(moves.to_staff_code)
    for code, row in work.iterrows():
        if row.cap_pct != "" and code in receivers:
            assert _pct(row.points_after, row.available_points) <= float(row.cap_pct) + 1e-9
    summary = json.loads((out / "summary.json").read_text())
    assert summary["lower_bound_pct"] <= summary["max_wmt_pct"]
    top = max(_pct(r.points_after, r.available_points) for _, r in work.iterrows() if r.available_points > 0)
    assert abs(top - summary["max_wmt_pct"]) <= 0.05 + 1e-9


@pytest.mark.parametrize("exact_spread", [False, True])
def test_one_stuck_practitioner_does_not_license_loading_everyone_up(exact_spread):
    """P1 sits at 190% on pinned work; the spread still shares the new cases evenly between P2 and P3."""
    staff = tuple(Practitioner(staff_code=f"P{i}", grade=Grade.PO) for i in (1, 2, 3))
    held = (Case(crn="H", rosh=Rosh.LOW, points=4134, staff_code="P1", pinned=True),)
    new = tuple(Case(crn=f"N{j}", rosh=Rosh.LOW, points=100) for j in range(20))
    instance = Instance(practitioners=staff, cases=held + new)
    result = solve(instance, RULES, SolveOptions(exact_spread=exact_spread))
    after = holders_after(instance, result)
    counts = [sum(1 for c in new if after[c.crn] == code) for code in ("P1", "P2", "P3")]
    assert counts == [0, 10, 10]
    assert result.spread_complete == exact_spread


def test_capped_practitioner_over_cap_gets_nothing_and_short_capacity_leaves_cases_listed():
    staff = (
        Practitioner(staff_code="NQO", grade=Grade.PO, protected=True),
        Practitioner(staff_code="PT", grade=Grade.PO, max_wmt_pct=Decimal(50)),
    )
    cases = (
        Case(crn="H", rosh=Rosh.LOW, points=2200, staff_code="NQO"),
        *tuple(Case(crn=f"N{j}", rosh=Rosh.LOW, points=500) for j in range(4)),
    )
    instance = Instance(practitioners=staff, cases=cases)
    result = solve(instance, RULES, SolveOptions())
    after = holders_after(instance, result)
    assert [after[f"N{j}"] for j in range(4)].count("PT") == 2  # 1000 of PT's 1088-point cap
    assert all(after[f"N{j}"] in ("PT", "") for j in range(4))


def test_a_transfer_plan_never_trades_an_allocated_case_for_a_lower_maximum():
    """Found by hypothesis: moving P0's held case onto capped P3 would lower the maximum but leave a new
    case with no room; allocating every case comes first, so the case stays and everything is allocated."""
    staff = (
        Practitioner(
            staff_code="P0", grade=Grade.PO, contracted_hours=Decimal("18.5"), other_points=900, protected=True
        ),
        Practitioner(staff_code="P3", grade=Grade.PO, other_points=138, max_wmt_pct=Decimal("80.5")),
    )
    cases = (
        Case(crn="C0", rosh=Rosh.LOW, points=110),
        Case(crn="C1", rosh=Rosh.LOW, points=221),
        Case(crn="C2", rosh=Rosh.LOW, points=641),
        Case(crn="C3", rosh=Rosh.LOW, points=642, staff_code="P0"),
    )
    instance = Instance(practitioners=staff, cases=cases)
    result = solve(instance, RULES, SolveOptions(max_transfers=1))
    after = holders_after(instance, result)
    assert [after[c] for c in ("C0", "C1", "C2", "C3")] == ["P3", "P3", "P3", "P0"]
    assert result.status == "OPTIMAL"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(instances())
def test_eligibility_by_groups_of_alike_staff_is_eligibility_practitioner_by_practitioner(drawn):
    """Eligibility tests a signature once per group of staff the rules treat alike; it must find what testing
    every practitioner finds: the same eligible, in order, and the same count kept out by each rule (and the
    cases nobody may take, found by signature, are those)."""
    instance, _ = drawn
    rules = RULES
    elig = Eligibility(instance, rules)
    for case in instance.cases:
        sig = Signature.of(case)
        found = [exclusion(p, practitioner_capacity(p, rules), sig, rules) for p in instance.practitioners]
        assert elig.eligible(case) == tuple(i for i, f in enumerate(found) if f is None)
        counts = Counter(f.rule for f in found if f is not None)
        assert elig.excluded_counts(case) == {rule: counts[rule] for rule in Rule if counts[rule]}
    assert elig.stranded(instance.cases) == [c for c in instance.cases if not elig.eligible(c)]

"""Staffing: the fewest hires, proven minimal (one fewer misses the target, proven), grades respected and
ties to lower grades; a target no number of hires reaches says why, exit 1."""

from __future__ import annotations

import json
from decimal import Decimal

from optimiser.domain import Grade
from optimiser.reader import read_instance
from optimiser.results import SolveOptions
from optimiser.staffing import HireProfile, decide, hire, mixes, target_level

from .conftest import write_csv
from .test_cli import run


def _pdu(tmp_path, cases):
    """One PO with nothing held; ``cases`` as (rosh, mappa, points), all unallocated."""
    folder = tmp_path / "pdu"
    folder.mkdir()
    write_csv(folder / "practitioners.csv", ["staff_code", "grade", "pdu"], [["A", "PO", "X"]])
    write_csv(
        folder / "cases.csv",
        ["crn", "rosh", "mappa_level", "points", "pdu"],
        [[f"C{i}", r, m, pts, "X"] for i, (r, m, pts) in enumerate(cases)],
    )
    return folder


def _staffing(folder, tmp_path, *args):
    out = tmp_path / "out"
    result = run("staffing", folder, "--out", out, "--workers", "1", *args)
    data = json.loads((out / "staffing.json").read_text()) if (out / "staffing.json").exists() else None
    return result, data


def test_ties_go_to_the_lower_grade_and_one_fewer_is_proven_to_miss(tmp_path):
    # 10 LOW cases of 435 points: 4350 points; at 100% one practitioner holds 2176: one hire is enough
    folder = _pdu(tmp_path, [("LOW", 0, 435)] * 10)
    result, data = _staffing(folder, tmp_path, "--target", "100", "--grades", "PO,PSO")
    assert result.exit_code == 0, result.output
    assert data["hires"] == {"PSO": 1} and data["hires_by_pdu"] == {"X": {"PSO": 1}}
    assert data["pdus"][0]["proven_minimal"] and data["full"] and data["max_wmt_pct_after"] <= 100
    loaded = read_instance(folder)
    assert decide(loaded.instance, loaded.rules, target_level(Decimal(100)), 0, SolveOptions()) is False


def test_cases_only_a_po_may_hold_need_po_hires_whatever_the_order_of_grades(tmp_path):
    folder = _pdu(tmp_path, [("VERY_HIGH", 2, 435)] * 10)
    result, data = _staffing(folder, tmp_path, "--target", "100", "--grades", "PSO,PO")
    assert result.exit_code == 0, result.output
    assert data["hires"] == {"PO": 1}
    groups = {tuple(g["may_be_held_by"]): g for g in data["groups"]}
    assert groups[("PO",)]["demand_points"] == 4350 and groups[("PO",)]["capacity_points"] == 2176
    loaded = read_instance(folder)
    one_pso = loaded.instance.model_copy(
        update={"practitioners": (*loaded.instance.practitioners, hire(Grade.PSO, HireProfile(Decimal(37)), "X", 1))}
    )
    assert decide(one_pso, loaded.rules, 1000, 0, SolveOptions()) is False  # a PSO cannot take them
    result, data = _staffing(folder, tmp_path, "--target", "100", "--grades", "PSO")
    assert result.exit_code == 1 and "no number of PSO hires" in result.output


def test_a_bigger_deficit_needs_more_hires_and_says_the_pdu_is_full(tmp_path):
    folder = _pdu(tmp_path, [("LOW", 0, 400)] * 30)  # 12000 points: 5.5 practitioners at 100%
    result, data = _staffing(folder, tmp_path, "--target", "100", "--grades", "PSO")
    assert result.exit_code == 0, result.output
    assert data["hires"] == {"PSO": 5} and data["pdus"][0]["proven_minimal"]
    assert "FULL at 100.0%" in result.output and "one fewer cannot reach it (proven)" in result.output


def test_load_that_cannot_move_makes_the_target_impossible_with_the_reason(tiny_copy, tmp_path):
    result, data = _staffing(tiny_copy, tmp_path, "--target", "70")
    assert result.exit_code == 1
    assert "PQ1 (Dev Singh) 80.0%" in result.output and "--max-transfers" in result.output
    assert data["pdus"][0]["why_not"] and not data["reached"]
    result, data = _staffing(tiny_copy, tmp_path, "--target", "70", "--max-transfers", "3")
    assert result.exit_code == 1 and "even one hire per case" in result.output  # H2 (1632) > 70% of anyone


def test_mixes_put_lower_grades_first():
    assert mixes(2, (Grade.PO, Grade.PSO)) == [
        {Grade.PSO: 2, Grade.PO: 0},
        {Grade.PSO: 1, Grade.PO: 1},
        {Grade.PSO: 0, Grade.PO: 2},
    ]

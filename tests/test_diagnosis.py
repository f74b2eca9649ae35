"""Diagnosis: the blocking rule per case, and a minimal set of rules that together leave cases unallocated,
checked minimal end to end: relax any one rule of the set and the product allocates every case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import write_csv
from .test_cli import run

STAFF = ["staff_code", "name", "grade", "pdu", "contracted_hours", "other_points", "protected", "skills"]
CASES = ["crn", "tier", "rosh", "mappa_level", "staff_code", "pinned", "points", "required_skills", "pdu"]


def _instance(folder: Path, po1_other: int = 2000, held: int = 0, protected=("yes", "yes"), rules: str = "") -> Path:
    """Two protected POs with 176 points of room each (2,176 available, cap 100%), one uncapped PSO, and five
    HIGH-RoSH cases of 100 points that only a PO may hold; PO1 may also hold ``held`` LOW cases of 100."""
    folder.mkdir()
    write_csv(
        folder / "practitioners.csv",
        STAFF,
        [
            ["PO1", "Ann", "PO", "A", 37, po1_other - 100 * held, protected[0], ""],
            ["PO2", "Bo", "PO", "A", 37, 2000, protected[1], ""],
            ["PSO1", "Cy", "PSO", "A", 37, 0, "no", ""],
        ],
    )
    rows = [[f"H{i}", "B2", "HIGH", 0, "", "", 100, "", "A"] for i in range(5)]
    rows += [[f"L{i}", "D0", "LOW", 0, "PO1", "false", 100, "", "A"] for i in range(held)]
    write_csv(folder / "cases.csv", CASES, rows)
    if rules:
        (folder / "rules.toml").write_text(rules)
    return folder


def _solve(instance: Path, *options: str) -> tuple[int, dict]:
    out = instance.parent / (instance.name + "-out")
    result = run("solve", instance, "--out", out, "--no-history", *options)
    return result.exit_code, json.loads((out / "summary.json").read_text()) | {"_output": result.output}


def test_caps_and_the_grade_rule_conflict_and_the_set_is_minimal(tmp_path):
    code, summary = _solve(_instance(tmp_path / "i"))
    assert code == 1 and summary["unallocated"] == 3
    diagnosis = summary["diagnosis"]
    assert diagnosis["unallocated_by_rule"] == {"WMT cap": 3}
    [conflict] = diagnosis["conflicts"]
    assert conflict["minimal"] is True and conflict["pdu"] == "A"
    assert sorted(conflict["rules"]) == [
        "PO1's WMT cap of 100%",
        "PO2's WMT cap of 100%",
        "the grade rule for RoSH HIGH, MAPPA 0 (PO/PQiP/SPO only)",
    ]
    assert (
        "5 unallocated case(s) of this pdu that only capped practitioners may take need 500 points"
        in conflict["explanation"]
    )
    assert "(PO1, PO2) have 352 points of room" in conflict["explanation"]
    assert "these rules together make it impossible" in summary["_output"]
    # each rule of the set is needed: relax it alone and every case is allocated
    relaxed = [
        _instance(tmp_path / "no-cap-1", protected=("no", "yes")),
        _instance(tmp_path / "no-cap-2", protected=("yes", "no")),
        _instance(
            tmp_path / "no-grade",
            rules='[grades.PSO]\nallowed_rosh = ["LOW", "MEDIUM", "HIGH"]\n',
        ),
    ]
    for instance in relaxed:
        code, summary = _solve(instance)
        assert (code, summary["unallocated"], summary["diagnosis"]["conflicts"]) == (0, 0, [])


def test_conflicts_searched_on_workers_are_those_searched_here(tmp_path):
    """With workers, each pdu's conflict search is a task on the cluster (begun before the moves are worked
    out); the diagnosis is the one searched in this process, pdu by pdu."""
    folder = _instance(tmp_path / "i")
    for name, rows in (("practitioners.csv", 3), ("cases.csv", 5)):
        lines = (folder / name).read_text().splitlines()
        twins = [
            line.replace(",A", ",B").replace("PO1", "PO3").replace("PO2", "PO4").replace("PSO1", "PSO2")
            for line in lines[1 : rows + 1]
        ]
        twins = [("K" + line) if name == "cases.csv" else line for line in twins]  # other crns
        (folder / name).write_text("\n".join([*lines, *twins]) + "\n")
    here = _solve(folder)
    there = _solve(folder, "--workers", "2")
    assert here[0] == there[0] == 1
    conflicts = here[1]["diagnosis"]["conflicts"]
    assert [c["pdu"] for c in conflicts] == ["A", "B"]
    assert all("5 unallocated case(s) of this pdu" in c["explanation"] for c in conflicts)  # its own cases only
    assert here[1]["diagnosis"] == there[1]["diagnosis"]


def test_a_conflict_search_begun_after_its_deadline_says_so():
    import time

    from optimiser.cpsat.conflict import ConflictProblem
    from optimiser.diagnosis import search_conflict

    problem = ConflictProblem(rules=0, fixed=(), limit=(), closed=(), cap_rule=(), groups=(), budget=0, budget_rule=0)
    assert search_conflict(problem, time.time() - 1) == (False, None)


def test_a_transfer_budget_of_zero_is_part_of_the_conflict_when_moves_would_make_room(tmp_path):
    instance = _instance(tmp_path / "i", po1_other=2100, held=4)
    code, summary = _solve(instance)
    [conflict] = summary["diagnosis"]["conflicts"]
    assert code == 1 and "at most 0 transfer(s)" in conflict["rules"] and conflict["minimal"]
    code, summary = _solve(instance, "--max-transfers", "4")
    assert (code, summary["unallocated"], summary["diagnosis"]["conflicts"]) == (0, 0, [])


@pytest.mark.parametrize(
    ("case", "rule", "words"),
    [
        (["X", "B2", "LOW", 0, "", "", "", "", "NOWHERE"], "pdu", "pdu: no practitioner in pdu 'NOWHERE'"),
        (["X", "B2", "VERY_HIGH", 3, "", "", "", "", "A"], "grade rule", "it needs PO or SPO (excluded: PSO1 (PSO))"),
        (
            ["X", "B2", "LOW", 0, "", "", "", "DA", "A"],
            "skills",
            "skills: nobody in pdu 'A' who may hold it by grade has DA",
        ),
    ],
)
def test_each_case_names_its_blocking_rule_in_one_wording(tmp_path, case, rule, words):
    folder = tmp_path / "i"
    folder.mkdir()
    write_csv(folder / "practitioners.csv", STAFF, [["PSO1", "Cy", "PSO", "A", 37, 0, "no", ""]])
    write_csv(folder / "cases.csv", CASES, [case])
    code, summary = _solve(folder)
    left = (tmp_path / "i-out" / "unallocated.csv").read_text()
    assert code == 1 and summary["diagnosis"]["unallocated_by_rule"] == {rule: 1}
    assert words in left and summary["diagnosis"]["conflicts"] == []
    validated = run("validate", folder)
    assert words in validated.output


def test_a_conflict_search_out_of_time_names_the_pdus_it_did_not_examine(tmp_path, monkeypatch):
    import optimiser.diagnosis

    monkeypatch.setattr(optimiser.diagnosis, "DIAGNOSIS_SECONDS", 0.0)
    code, summary = _solve(_instance(tmp_path / "i"))
    assert code == 1 and summary["diagnosis"]["conflicts"] == []
    assert summary["diagnosis"]["conflicts_not_examined"] == ["A"]
    assert "Rule conflicts not examined" in summary["_output"]

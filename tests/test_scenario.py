"""Scenarios: applied as a pure function to a new valid instance; bad scenarios stop with exit 2 naming
the file and the key, and write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from optimiser.reader import read_instance
from optimiser.scenario import apply_scenario, load_scenario

from .conftest import TINY, write_csv
from .test_cli import run


def _scenario(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_applying_is_pure_and_the_result_validates_like_files(tmp_path):
    loaded = read_instance(TINY)
    path = _scenario(
        tmp_path,
        '[[leave]]\nstaff_code = "PO1"\n[[join]]\ngrade = "PSO"\ncount = 2\n'
        '[[demand]]\ncount = 3\ntier = "D1"\nrosh = "LOW"\n',
    )
    applied = apply_scenario(loaded, load_scenario(path))
    assert read_instance(TINY).instance == loaded.instance  # the input is untouched
    staff = [p.staff_code for p in applied.loaded.instance.practitioners]
    assert "PO1" not in staff and staff[-2:] == ["NEW-1", "NEW-2"]
    assert applied.forced == {"H1"}  # pinned, but its holder leaves
    h1 = next(c for c in applied.loaded.instance.cases if c.crn == "H1")
    assert not h1.staff_code and not h1.pinned
    assert [c.crn for c in applied.loaded.instance.cases][-3:] == ["EXTRA-1", "EXTRA-2", "EXTRA-3"]


def _whatif(tmp_path, *scenarios, extra=()):
    out = tmp_path / "out"
    result = run("whatif", TINY, *scenarios, "--out", out, "--workers", "1", *extra)
    return result, out


def test_a_leavers_cases_all_move_and_nothing_else_moves_without_budget(tmp_path):
    path = _scenario(
        tmp_path, 'name = "PO2 and PO1 leave"\n[[leave]]\nstaff_code = "PO2"\n[[leave]]\nstaff_code = "PO1"\n'
    )
    result, out = _whatif(tmp_path, path)
    assert result.exit_code == 1, result.output  # U10 is in a pdu nobody works in, in every run
    run_dir = out / "po2-and-po1-leave"
    moves = pd.read_csv(run_dir / "allocations.csv", dtype=str, keep_default_na=False)
    left = pd.read_csv(run_dir / "unallocated.csv", dtype=str, keep_default_na=False).set_index("crn")
    assert (moves.action == "ALLOCATE").all()  # no transfer of anyone else's case
    assert set(moves.crn) & {"H3", "H4"} == set()
    assert "H2" in set(moves.crn)  # MEDIUM: PSO1 may take it
    assert "H1" in left.index and "already above" not in left.loc["H1", "reason"]  # HIGH: nobody left may
    workload = pd.read_csv(run_dir / "workload.csv").set_index("staff_code")
    assert "PO1" not in workload.index and "PO2" not in workload.index
    rows = pd.read_csv(out / "whatif.csv", dtype=str, keep_default_na=False).set_index("scenario")
    assert rows.loc["PO2 and PO1 leave", "forced_transfers"] == "1"  # H2 moved; H1 is counted as unallocated
    assert rows.loc["PO2 and PO1 leave", "transfers"] == "0"
    assert rows.loc["baseline", "forced_transfers"] == "0"


def test_a_joiner_lowers_the_maximum(tmp_path):
    folder = tmp_path / "pdu"
    folder.mkdir()
    write_csv(folder / "practitioners.csv", ["staff_code", "grade"], [["A", "PO"], ["B", "PSO"]])
    write_csv(folder / "cases.csv", ["crn", "rosh", "points"], [[f"C{i}", "LOW", 400] for i in range(12)])
    path = _scenario(tmp_path, '[[join]]\ngrade = "PSO"\n')
    out = tmp_path / "out"
    result = run("whatif", folder, path, "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out / "whatif.csv").set_index("scenario")
    # 12 x 400 = 4800 points: 2400 each on two (110.3%), 1600 each on three (73.5%)
    assert rows.loc["baseline", "max_wmt_pct"] == 110.3 and rows.loc["s", "max_wmt_pct"] == 73.5


def test_a_pqip_who_qualifies_can_take_what_only_a_po_may_hold(tmp_path):
    folder = tmp_path / "pdu"
    folder.mkdir()
    write_csv(folder / "practitioners.csv", ["staff_code", "grade", "reduction_hours"], [["T", "PQiP", 14.8]])
    write_csv(
        folder / "cases.csv",
        ["crn", "tier", "rosh", "mappa_level"],
        [["V", "A3", "VERY_HIGH", 2], ["H", "B2", "HIGH", 1]],
    )
    path = _scenario(tmp_path, '[[change]]\nstaff_code = "T"\ngrade = "PO"\nreduction_hours = 7.4\n')
    out = tmp_path / "out"
    result = run("whatif", folder, path, "--out", out, "--workers", "1")
    assert result.exit_code == 1, result.output  # the baseline cannot place V
    rows = pd.read_csv(out / "whatif.csv").set_index("scenario")
    assert rows.loc["baseline", "unallocated"] == 1 and rows.loc["s", "unallocated"] == 0
    baseline_left = pd.read_csv(out / "baseline" / "unallocated.csv")
    assert (
        list(baseline_left.crn) == ["V"]
        and baseline_left.reason[0]
        == "grade rule: nobody in the instance may hold RoSH VERY_HIGH, MAPPA 2; it needs PO or SPO (excluded: T (PQiP))"
    )


def test_whatif_folders_pass_check_and_record_whatif_runs_that_alerts_ignore(tmp_path):
    path = _scenario(
        tmp_path,
        '[[change]]\nstaff_code = "PQ1"\nprotected = false\n[[demand]]\ncount = 2\ntier = "C2"\nrosh = "MEDIUM"\n',
    )
    db = tmp_path / "h.sqlite"
    result, out = _whatif(tmp_path, path, extra=("--db", db))
    assert result.exit_code == 1, result.output
    for folder in ("baseline", "s"):
        checked = run("check", out / folder / "instance", out / folder)
        assert checked.exit_code == 0, checked.output
    listed = run("history", "--db", db)
    assert listed.output.count("\n") >= 3, listed.output  # a header and both runs
    assert "No runs recorded yet" in run("alerts", "--db", db).output


BAD = [
    ("unknown top-level key", 'nmae = "x"\n', "nmae"),
    ("malformed TOML", "[[leave]\n", "malformed TOML"),
    ("unknown practitioner in a change", '[[change]]\nstaff_code = "NOBODY"\ngrade = "PO"\n', "change[1].staff_code"),
    ("unknown column in a change", '[[change]]\nstaff_code = "PO1"\ngrade_x = "PO"\n', "change[1].grade_x"),
    ("bad grade in a change", '[[change]]\nstaff_code = "PO1"\ngrade = "BOSS"\n', "change[1].grade"),
    ("leaver without staff_code", "[[leave]]\n", "leave[1].staff_code"),
    ("leaver twice", '[[leave]]\nstaff_code = "PO1"\n[[leave]]\nstaff_code = "PO1"\n', "leave[2].staff_code"),
    ("joiner without grade", "[[join]]\ncount = 2\n", "join[1].grade"),
    ("joiner count zero", '[[join]]\ngrade = "PO"\ncount = 0\n', "join[1].count"),
    ("joiner named like a practitioner", '[[join]]\ngrade = "PO"\nstaff_code = "PO2"\n', "join[1].staff_code"),
    (
        "joiner with impossible hours",
        '[[join]]\ngrade = "PO"\ncontracted_hours = 10\nreduction_hours = 20\n',
        "join[1]",
    ),
    ("demand with an unknown rosh", '[[demand]]\nrosh = "SCARY"\ntier = "A1"\n', "demand[1].rosh"),
    ("demand reusing a crn", '[[demand]]\ncrn = "H1"\nrosh = "LOW"\ntier = "D1"\n', "demand[1].crn"),
    ("demand file missing", '[[demand]]\ncases = "nope.csv"\n', "nope.csv"),
    ("a change leaving a holder no points", '[[change]]\nstaff_code = "PO1"\ngrade = "SPO"\n', "key change[1]:"),
    (
        "demand held by someone with no points",
        '[[demand]]\ncrn = "X1"\ntier = "D1"\nrosh = "LOW"\nstaff_code = "SPO1"\n',
        "key demand[1]:",
    ),
    ("rules leaving a holder no points", "[rules.grades.PO]\nnominal_target = 0\n", "key rules:"),
    ("rules with a bad value", "[rules]\nprotected_cap_pct = -5\n", "rules.protected_cap_pct"),
    ("rules not a table", 'rules = "strict"\n', "rules"),
]


@pytest.mark.parametrize(("text", "key"), [(t, k) for _, t, k in BAD], ids=[n for n, _, _ in BAD])
def test_bad_scenarios_exit_2_naming_the_file_and_key_and_write_nothing(tmp_path, text, key):
    path = _scenario(tmp_path, text, "bad-one.toml")
    result, out = _whatif(tmp_path, path)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and key in errors[0] and ("bad-one.toml" in errors[0] or "nope.csv" in errors[0])
    assert "Traceback" not in result.output and not out.exists()


def test_a_demand_csv_is_read_like_cases_csv_with_its_own_name_in_errors(tmp_path):
    write_csv(tmp_path / "extra.csv", ["crn", "tier", "rosh"], [["E1", "D1", "LOW"], ["E2", "Z9", "LOW"]])
    path = _scenario(tmp_path, '[[demand]]\ncases = "extra.csv"\n')
    result, _ = _whatif(tmp_path, path)
    assert result.exit_code == 2 and "extra.csv, row 3, column tier" in result.output
    write_csv(tmp_path / "extra.csv", ["crn", "tier", "rosh"], [["E1", "D1", "LOW"], ["E2", "D2", "LOW"]])
    result, out = _whatif(tmp_path, path)
    assert result.exit_code == 1, result.output
    runs = json.loads((out / "whatif.json").read_text())["runs"]
    assert runs[1]["allocated"] == runs[0]["allocated"] + 2


def test_whatif_on_a_dask_cluster_gives_the_same_files_as_in_process(tmp_path):
    scenarios = [
        _scenario(tmp_path, '[[leave]]\nstaff_code = "PO2"\n', "leave.toml"),
        _scenario(tmp_path, '[[join]]\ngrade = "PO"\ncount = 2\n', "join.toml"),
        _scenario(tmp_path, '[[demand]]\ncount = 5\ntier = "C1"\nrosh = "MEDIUM"\n', "demand.toml"),
    ]
    outs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        result = run(
            "whatif", TINY, *scenarios, "--out", out, "--workers", workers, "--no-history", "--max-transfers", "2"
        )
        assert result.exit_code == 1, result.output
        outs[workers] = {
            p.relative_to(out): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "summary.json"
        }
    assert outs["1"] == outs["2"] and len(outs["1"]) > 20

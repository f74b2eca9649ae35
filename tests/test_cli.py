"""The CLI end to end on the bundled tiny instance: files, figures, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
from typer.testing import CliRunner

from optimiser.cli import app
from optimiser.domain import Holders
from optimiser.generate import generate, write_instance

from .conftest import TINY

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_tiny_reaches_the_optimum_its_readme_explains(tmp_path):
    out = tmp_path / "out"
    result = run("solve", TINY, "--out", out)
    assert result.exit_code == 1, result.output  # U10 is in a pdu nobody works in
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "OPTIMAL"
    assert (summary["max_wmt_pct_before"], summary["max_wmt_pct"], summary["lower_bound_pct"]) == (80.0, 80.0, 80.0)
    assert (summary["allocated"], summary["unallocated"], summary["transfers"]) == (9, 1, 0)
    moves = pd.read_csv(out / "allocations.csv", dtype=str).set_index("crn")["to_staff_code"].to_dict()
    assert {crn for crn, to in moves.items() if to == "PO1"} == {"U01", "U02", "U06"}
    assert {crn for crn, to in moves.items() if to == "PSO1"} == {"U03", "U04", "U05", "U07", "U08", "U09"}
    work = pd.read_csv(out / "workload.csv", dtype=str).set_index("staff_code")
    assert work.loc["PO1", "wmt_pct_after"] == "70.2" and work.loc["PSO1", "wmt_pct_after"] == "37.3"
    assert work.loc["PQ1", "cap_pct"] == "100" and pd.isna(work.loc["SPO1", "wmt_pct_after"])
    assert (work.loc["PO1", "name"], work.loc["PO1", "team_code"]) == ("Asha Patel", "T1")
    left = pd.read_csv(out / "unallocated.csv", dtype=str)
    assert list(left["crn"]) == ["U10"] and "pdu 'NORTH'" in left["reason"][0]
    assert "80.0% before -> 80.0% after" in result.output


def test_one_transfer_moves_the_trainees_case(tmp_path):
    out = tmp_path / "out"
    run("solve", TINY, "--out", out, "--max-transfers", "1")
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["max_wmt_pct"], summary["transfers"]) == (75.0, 1)
    moves = pd.read_csv(out / "allocations.csv", dtype=str)
    assert moves[moves.action == "TRANSFER"][["crn", "from_staff_code"]].values.tolist() == [["H4", "PQ1"]]


def test_everything_allocated_exits_zero(tiny_copy, tmp_path):
    cases = tiny_copy / "cases.csv"
    cases.write_text("\n".join(line for line in cases.read_text().splitlines() if not line.startswith("U10")) + "\n")
    out = tmp_path / "out"
    assert run("solve", tiny_copy, "--out", out).exit_code == 0
    assert pd.read_csv(out / "unallocated.csv").empty


def test_bad_input_exits_two_and_writes_nothing(tiny_copy, tmp_path):
    cases = tiny_copy / "cases.csv"
    cases.write_text(cases.read_text().replace("U04,D1,COMMUNITY,LOW", "U04,D1,COMMUNITY,LOWISH"))
    out = tmp_path / "out"
    result = run("solve", tiny_copy, "--out", out)
    assert result.exit_code == 2
    assert "cases.csv, row 9, column rosh" in result.output
    assert not out.exists()


def test_validate_and_rules_commands(tiny_copy):
    result = run("validate", tiny_copy)
    assert result.exit_code == 0 and "Max WMT now: 80.0%" in result.output
    (tiny_copy / "rules.toml").write_text("protected_cap_pct = 90\n")
    printed = run("rules", tiny_copy)
    assert printed.exit_code == 0 and "protected_cap_pct = 90" in printed.output


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "optimiser", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "solve" in done.stdout


def test_generate_is_reproducible(tmp_path):
    for name in ("a", "b"):
        assert (
            run(
                "generate", tmp_path / name, "--practitioners", 12, "--unallocated", 30, "--seed", 5, "--pdus", 2
            ).exit_code
            == 0
        )
    for file in ("practitioners.csv", "cases.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    assert run("validate", tmp_path / "a").exit_code == 0


def test_check_accepts_a_solve_and_catches_tampering(tmp_path):
    out = tmp_path / "out"
    run("solve", TINY, "--out", out, "--max-transfers", "1")
    assert run("check", TINY, out).exit_code == 0
    moves = out / "allocations.csv"
    moves.write_text(moves.read_text().replace("U01,,PO1", "U01,,PSO1"))
    result = run("check", TINY, out)
    assert result.exit_code == 3
    assert "grade rule" in result.output and "workload.csv: PO1 points_after" in result.output


def test_london_pdu_is_proven_within_a_tenth_under_a_one_second_limit_and_checks(tmp_path):
    london, out = TINY.parent / "london-pdu", tmp_path / "out"
    result = run("solve", london, "--out", out, "--time-limit", "1")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "OPTIMAL"
    assert (summary["allocated"], summary["unallocated"], summary["transfers"]) == (650, 0, 0)
    assert (summary["max_wmt_pct_before"], summary["max_wmt_pct"], summary["lower_bound_pct"]) == (187.6, 207.6, 207.5)
    assert (
        "Highest WMT: 187.6% before ->" in result.output
        and "Over 110% WMT: 52 practitioner(s) before ->" in result.output
    )
    assert run("check", london, out).exit_code == 0


def test_validate_reports_demand_capacity_and_the_overloaded():
    result = run("validate", TINY.parent / "london-pdu")
    assert result.exit_code == 0
    assert "650 unallocated" in result.output
    assert "Capacity 98340 points; held now 149697 (152.2%); unallocated demand 43591 points" in result.output
    assert "Over 110% now: 52 practitioners: LDN-021 (Practitioner LDN-021) 187.6%" in result.output


def test_solve_refuses_to_write_a_result_that_breaks_a_rule(tmp_path, monkeypatch):
    """Sabotage the solver's answer (a high-risk case handed to a PSO): verification stops the write."""
    import optimiser.pipeline as pipeline

    real = pipeline.holders_after

    def sabotaged(instance, result):
        return Holders(instance, {**real(instance, result).changes, "H1": "PSO1"})

    monkeypatch.setattr(pipeline, "holders_after", sabotaged)
    out = tmp_path / "out"
    result = run("solve", TINY, "--out", out)
    assert result.exit_code == 3
    assert "This is a bug" in result.output and "H1" in result.output and "PSO1" in result.output
    assert not out.exists()


def test_a_result_that_breaks_a_rule_is_refused_with_its_charts_begun_on_a_worker(tmp_path, monkeypatch):
    """With workers, the charts are begun on one before the check (they take as long as the rest of the
    outcome): a broken rule still stops the write, and the cluster is closed without a word from it."""
    import optimiser.pipeline as pipeline

    instance = tmp_path / "three-pdus"
    write_instance(instance, generate(30, 60, seed=11, pdus=3))
    real = pipeline.holders_after
    moved = []

    def sabotaged(instance, result):
        case = next(c for c in instance.cases if c.pdu)
        stranger = next(p for p in instance.practitioners if p.pdu != case.pdu)
        moved.append((case.crn, stranger.staff_code))
        return Holders(instance, {**real(instance, result).changes, case.crn: stranger.staff_code})

    monkeypatch.setattr(pipeline, "holders_after", sabotaged)
    out = tmp_path / "out"
    result = run("solve", instance, "--out", out, "--workers", "2", "--no-history")
    assert result.exit_code == 3, result.output
    ((crn, code),) = moved
    assert "This is a bug" in result.output and crn in result.output and code in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_an_unexpected_failure_is_reported_as_a_bug_and_writes_nothing(tmp_path, monkeypatch):
    import optimiser.pipeline as pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(pipeline, "solve", broken)
    out = tmp_path / "out"
    result = run("solve", TINY, "--out", out)
    assert result.exit_code == 3
    assert "internal error (RuntimeError: solver exploded)" in result.output and "Traceback" in result.output
    assert not out.exists()


def test_a_time_limit_that_stops_the_proof_returns_the_best_found_with_its_bound(tmp_path):
    """A settled PDU with a transfer budget: the last 0.1 pp cannot be proven in 2 s, so the run says
    FEASIBLE, still allocates everything, and reports a proven bound just under what it reached."""
    folder = tmp_path / "settled"
    write_instance(folder, generate(60, 100, seed=1))
    out = tmp_path / "out"
    result = run("solve", folder, "--out", out, "--max-transfers", "30", "--time-limit", "2")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "FEASIBLE" and summary["time_limit"] == 2.0
    assert (summary["allocated"], summary["unallocated"]) == (100, 0) and summary["transfers"] <= 30
    assert summary["max_wmt_pct_before"] - 15 > summary["max_wmt_pct"]  # the transfers pay off
    assert summary["lower_bound_pct"] <= summary["max_wmt_pct"] <= summary["lower_bound_pct"] + 0.5
    assert run("check", folder, out).exit_code == 0
    assert summary["lower_bound_pct_exact"] == 171.6911  # the volume bound, exactly: 171.783% is within --gap


def test_validate_lists_the_cases_nobody_may_take_with_the_rule_that_excludes_them():
    result = run("validate", TINY)
    assert result.exit_code == 0 and "U10: pdu: no practitioner in pdu 'NORTH'" in result.output


def test_the_cli_loads_matplotlib_alembic_and_or_tools_only_when_a_command_needs_them():
    """Each costs a tenth to a third of a second at start: validate, rules and the other commands that
    draw nothing, solve nothing and open no database must not pay for them (OR-Tools brings numpy and
    pandas; SQLAlchemy is the history's)."""
    import subprocess
    import sys

    code = (
        "import sys, optimiser.cli; "
        "print(sorted(m for m in ('matplotlib', 'alembic', 'sqlalchemy', 'numpy', 'pandas') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"

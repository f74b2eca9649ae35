"""``optimiser explain``: one case's or one practitioner's story, true of the result folder it reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from .conftest import TINY
from .test_cli import run


def _solved(tmp_path, *options: str):
    instance = tmp_path / "tiny"
    shutil.copytree(TINY, instance)
    out = tmp_path / "out"
    run("solve", instance, "--out", out, "--no-history", *options)
    return instance, out


def test_a_transferred_case_tells_its_reason_ranks_the_eligible_and_forces_the_alternatives(tmp_path):
    instance, out = _solved(tmp_path, "--max-transfers", "3")
    result = run("explain", out, "H4", "--json", "--alternatives", "2")
    assert result.exit_code == 0, result.output
    story = json.loads(result.output)
    moves = pd.read_csv(out / "allocations.csv", dtype=str).set_index("crn")
    assert story["reason"] == moves.loc["H4", "reason"]
    assert story["before"].startswith("PQ1") and story["after"].startswith("PSO1")
    ranked = [c for c in story["ranked"] if not c["over_cap"]]
    assert [c["pct_with_case"] for c in ranked] == sorted(c["pct_with_case"] for c in ranked)
    assert story["eligible"] == len(story["ranked"]) and story["total"] == 5
    assert story["excluded"] == {"with no available points": ["SPO1"]}
    # each forced alternative is what a solve of the instance with the case pinned there gives
    assert len(story["forced"]) == 2
    for forced in story["forced"]:
        pinned = tmp_path / f"pinned-{forced['staff_code']}"
        shutil.copytree(instance, pinned)
        cases = pd.read_csv(pinned / "cases.csv", dtype=str, keep_default_na=False)
        cases.loc[cases.crn == "H4", ["staff_code", "pinned"]] = [forced["staff_code"], "true"]
        cases.to_csv(pinned / "cases.csv", index=False)
        check = tmp_path / f"check-{forced['staff_code']}"
        run("solve", pinned, "--out", check, "--no-history", "--max-transfers", "3", "--time-limit", "10")
        summary = json.loads((check / "summary.json").read_text())
        assert (forced["max_wmt_pct"], forced["unallocated"]) == (summary["max_wmt_pct"], summary["unallocated"])
    text = run("explain", out, "H4").output
    assert "Forcing it elsewhere" in text and "<- has it" in text and "spread" in text


def test_a_practitioner_story_lists_what_they_received_and_gave_up(tmp_path):
    _, out = _solved(tmp_path, "--max-transfers", "3")
    moves = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
    for code in ("PQ1", "PSO1", "PO1"):
        story = json.loads(run("explain", out, "--staff", code, "--json").output)
        assert [r[0] for r in story["received"]] == sorted(moves[moves.to_staff_code == code].crn)
        assert [g[0] for g in story["gave"]] == sorted(moves[moves.from_staff_code == code].crn)
        assert all(r[3] == moves.set_index("crn").loc[r[0], "reason"] for r in story["received"])
    text = run("explain", out, "--staff", "PQ1").output
    assert "PQ1 (Dev Singh): PQiP" in text and "cap: 100% (" in text and "Gave up 1 case(s)" in text


def test_an_unallocated_case_says_what_blocks_it(tmp_path):
    _, out = _solved(tmp_path)
    result = run("explain", out, "U10")
    assert result.exit_code == 0 and "Why: pdu: no practitioner in pdu 'NORTH'" in result.output
    assert "Eligible: 0 of 5" in result.output


def test_a_whatif_run_folder_is_explained_from_its_own_instance(tmp_path):
    out = tmp_path / "w"
    scenario = tmp_path / "s.toml"
    scenario.write_text('[[leave]]\nstaff_code = "PO2"\n')
    run("whatif", TINY, scenario, "--out", out, "--workers", "1", "--no-history")
    result = run("explain", out / "s", "--staff", "PO1")
    assert result.exit_code == 0 and "PO1 (Asha Patel)" in result.output


def test_bad_requests_are_one_line_and_exit_two(tmp_path):
    instance, out = _solved(tmp_path)
    for args, words in [
        (("explain", out), "give either a case's CRN or --staff CODE"),
        (("explain", out, "U01", "--staff", "PO1"), "give either"),
        (("explain", out, "NOPE"), "no case 'NOPE'"),
        (("explain", out, "--staff", "NOPE"), "no practitioner 'NOPE'"),
        (("explain", tmp_path / "missing", "U01"), "summary.json"),
    ]:
        result = run(*args)
        assert result.exit_code == 2 and words in result.output, (args, result.output)
        assert "Traceback" not in result.output
    (instance / "cases.csv").write_text((instance / "cases.csv").read_text().replace("U01,", "U01X,"))
    result = run("explain", out, "U02")
    assert result.exit_code == 2 and "the instance has changed since this result was written" in result.output
    shutil.copytree(TINY, instance, dirs_exist_ok=True)
    moves = out / "allocations.csv"
    moves.write_text(moves.read_text().replace(",PO1,", ",PO2,", 1))
    result = run("explain", out, "U02")
    assert result.exit_code == 2 and "the result does not match" in result.output


def test_a_tampered_summary_is_one_line_and_exit_two(tmp_path):
    _, out = _solved(tmp_path)
    summary = json.loads((out / "summary.json").read_text())
    for key, value in [("seed", "x"), ("seed", -1), ("seed", 2**40), ("instance", 7), ("instance", "/nowhere")]:
        (out / "summary.json").write_text(json.dumps(summary | {key: value}))
        result = run("explain", out, "U01", "--alternatives", "1")
        assert result.exit_code == 2 and "Traceback" not in result.output, (key, value, result.output)
    (out / "summary.json").write_text("[1, 2]")
    assert run("explain", out, "U01").exit_code == 2


def test_forced_alternatives_re_solve_only_the_part_the_pin_changes(monkeypatch):
    """Each alternative re-solves the instance with the case pinned there; the parts the pin leaves alone
    are solved once for all of them, and each answer is still that of a solve of its own."""
    from optimiser import solve as solving
    from optimiser.decompose import split
    from optimiser.domain import Instance
    from optimiser.explain import explain_case
    from optimiser.generate import generate
    from optimiser.outcome import holders_after
    from optimiser.pipeline import solve_loaded
    from optimiser.problem import compile_problem
    from optimiser.reader import LoadedInstance
    from optimiser.results import SolveOptions
    from optimiser.rules import load_rules

    loaded = LoadedInstance(generate(30, 45, seed=2, pdus=3), load_rules(None))
    result, _ = solve_loaded(loaded, SolveOptions())
    after = holders_after(loaded.instance, result)
    crn = after.changed()[0][1].crn  # a case the solve allocated
    parts = len(split(compile_problem(loaded.instance, loaded.rules)))
    solved = []
    real = solving.solve_part
    monkeypatch.setattr(solving, "solve_part", lambda *a, **k: (solved.append(1), real(*a, **k))[1])
    story = explain_case(loaded, after, crn, "", SolveOptions(), 2)
    assert parts == 3 and len(story.forced) == 2 and len(solved) == parts + 1
    for forced in story.forced:
        cases = tuple(
            c.model_copy(update={"staff_code": forced.staff_code, "pinned": True}) if c.crn == crn else c
            for c in loaded.instance.cases
        )
        alone = LoadedInstance(Instance(practitioners=loaded.instance.practitioners, cases=cases), loaded.rules)
        assert forced.max_wmt_pct == solve_loaded(alone, SolveOptions())[1].summary.max_wmt_pct


def _on_disk(folder: Path) -> str:
    """``files.digest`` of the instance files in ``folder`` as they are now."""
    from optimiser.files import digest
    from optimiser.reader import INSTANCE_FILES

    return digest((name, (folder / name).read_bytes()) for name in INSTANCE_FILES if (folder / name).exists())


def test_a_run_records_the_data_it_read_so_a_file_replaced_meanwhile_is_refused(tmp_path, monkeypatch):
    """The instance hash a result records is of the bytes the solve read, not of the files after it: a
    cases.csv replaced while the solve ran is not taken for the data solved (explain refuses it)."""
    from optimiser import cli

    instance = tmp_path / "tiny"
    shutil.copytree(TINY, instance)
    before = _on_disk(instance)
    read = cli.read_instance

    def read_then_replace(folder):
        loaded = read(folder)
        cases = instance / "cases.csv"
        cases.write_text(cases.read_text().replace("LOW", "MEDIUM", 1))
        return loaded

    monkeypatch.setattr(cli, "read_instance", read_then_replace)
    out = tmp_path / "out"
    run("solve", instance, "--out", out, "--no-history")
    assert json.loads((out / "summary.json").read_text())["instance_hash"] == before
    monkeypatch.setattr(cli, "read_instance", read)
    result = run("explain", out, "U01")
    assert result.exit_code == 2 and "the instance has changed since this result was written" in result.output


def test_the_digest_of_a_read_is_that_of_its_files_with_or_without_rules(tiny_copy):
    from optimiser.reader import read_instance

    for rules in (None, "", "protected_cap_pct = 90\n"):
        path = tiny_copy / "rules.toml"
        path.unlink(missing_ok=True)
        if rules is not None:
            path.write_text(rules)
        assert read_instance(tiny_copy).digest == _on_disk(tiny_copy)

"""Unattended runs, by failure class: every expected failure is one plain line with the contract's exit
status, never a traceback, and leaves the output folder as it was. Several members of each class."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from optimiser.files import escape_cell, unescape_cell

from .conftest import ROOT, TINY
from .test_cli import run

LONDON = ROOT / "instances" / "london-pdu"
ONE_LINE_ERRORS = 1


def _plain_failure(result, status: int) -> str:
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == ONE_LINE_ERRORS, result.output
    return errors[0]


# --- input paths that are not regular files -------------------------------------------------------------


def _fifo(folder: Path, name: str) -> None:
    (folder / name).unlink()
    os.mkfifo(folder / name)


def _directory(folder: Path, name: str) -> None:
    (folder / name).unlink()
    (folder / name).mkdir()


def _unreadable(folder: Path, name: str) -> None:
    if os.geteuid() == 0:  # root reads anything: make it a dangling symlink instead, equally unreadable
        (folder / name).unlink()
        (folder / name).symlink_to(folder / "nowhere")
    else:
        (folder / name).chmod(0)


def _device(folder: Path, name: str) -> None:
    (folder / name).unlink()
    (folder / name).symlink_to("/dev/zero")


@pytest.mark.parametrize(
    "make", [_fifo, _directory, _unreadable, _device], ids=["fifo", "folder", "unreadable", "device"]
)
@pytest.mark.parametrize("name", ["cases.csv", "practitioners.csv", "rules.toml"])
def test_input_paths_that_are_not_regular_files_are_refused_before_opening(tiny_copy, tmp_path, make, name):
    if name == "rules.toml":
        (tiny_copy / name).write_text("protected_cap_pct = 100\n")
    make(tiny_copy, name)
    out = tmp_path / "out"
    started = time.monotonic()
    error = _plain_failure(run("solve", tiny_copy, "--out", out), 2)
    assert time.monotonic() - started < 20  # never blocked on a pipe or read /dev/zero
    assert error.startswith(f"error: {name}") and not out.exists()


# --- options ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        ("--time-limit", "inf"),
        ("--time-limit", "nan"),
        ("--time-limit", "0"),
        ("--time-limit", "-3"),
        ("--seed", str(2**31)),
        ("--seed", "-1"),
        ("--workers", "0"),
        ("--max-transfers", "-1"),
        ("--max-transfers", "99999999999"),
        ("--gap", "nan"),
        ("--gap", "-0.1"),
        ("--gap", "inf"),
    ],
)
def test_absurd_options_are_refused_by_the_parser_with_exit_2(tmp_path, option):
    result = run("solve", TINY, "--out", tmp_path / "out", *option)
    assert result.output.strip() == _plain_failure(result, 2)
    assert option[0] in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("solve",),  # no instance
        ("solve", TINY),  # no --out
        ("solve", TINY, "--out"),  # an option without its value
        ("solve", TINY, "--out", "OUT", "--schedular", "tcp://x:1"),  # a misspelt option
        ("slove", TINY),  # a misspelt command
        ("whatif", TINY, "--out", "OUT"),  # no scenario
        ("staffing", TINY),  # no --target
        ("explain", "OUT"),  # neither a crn nor --staff
    ],
)
def test_usage_mistakes_are_one_plain_line_naming_the_help(tmp_path, args):
    result = run(*(tmp_path / "out" if a == "OUT" else a for a in args))
    line = _plain_failure(result, 2)
    assert result.output.strip() == line and "--help" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "option", [("--transfers", "a,b"), ("--transfers", "-1"), ("--time-limit", "inf"), ("--gap", "nan")]
)
def test_absurd_tradeoff_options_exit_2(tmp_path, option):
    result = run("tradeoff", TINY, *option)
    assert result.output.strip() == _plain_failure(result, 2)


# --- the output path ----------------------------------------------------------------------------------------


def _out_is_a_file(tmp_path: Path) -> Path:
    (tmp_path / "out").write_text("a file")
    return tmp_path / "out"


def _out_holds_a_folder_named_like_ours(tmp_path: Path) -> Path:
    (tmp_path / "out" / "summary.json").mkdir(parents=True)
    return tmp_path / "out"


def _out_under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("x")
    return tmp_path / "afile" / "out"


def _out_under_proc(tmp_path: Path) -> Path:
    return Path("/proc/self/nope/out")


@pytest.mark.parametrize(
    "make", [_out_is_a_file, _out_holds_a_folder_named_like_ours, _out_under_a_file, _out_under_proc]
)
def test_an_unwritable_output_path_is_refused_before_solving(tmp_path, make):
    out = make(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    error = _plain_failure(run("solve", TINY, "--out", out, "--time-limit", "60"), 2)
    assert str(out) in error
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


# --- files people open --------------------------------------------------------------------------------------


def test_outputs_have_ordinary_permissions_and_formula_cells_are_escaped_and_read_back(tiny_copy, tmp_path):
    cases = (tiny_copy / "cases.csv").read_text().replace("U03,", "=HYPERLINK(1),").replace("U04,", "+U04,")
    cases = cases.replace("U05,", "-U05,").replace("U07,", "@U07,")
    (tiny_copy / "cases.csv").write_text(cases)
    out = tmp_path / "out"
    assert run("solve", tiny_copy, "--out", out).exit_code == 1
    for path in out.iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~_umask(), path
    text = (out / "allocations.csv").read_text()
    assert "'=HYPERLINK(1)" in text and "'+U04" in text and "'-U05" in text and "'@U07" in text
    assert "\n=" not in text and "\n+" not in text
    checked = run("check", tiny_copy, out)
    assert checked.exit_code == 0, checked.output


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "'=quoted", "'x"])
def test_escaping_round_trips(value):
    assert unescape_cell(str(escape_cell(value))) == value


def test_a_formula_anywhere_in_a_column_is_escaped_and_the_rest_written_as_they_are():
    from optimiser.writer import csv_text

    rows = [["A1", 5, "Ann"], ["A2", -3, "Bo"], ["A3", 7, "=cmd|' /C calc'!A0"]]
    assert csv_text(rows, ["crn", "points", "name"]).splitlines() == [
        "crn,points,name",
        "A1,5,Ann",
        "A2,-3,Bo",
        "A3,7,'=cmd|' /C calc'!A0",
    ]
    assert csv_text([], ["crn", "reason"]) == "crn,reason\n"


# --- near-miss headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "wrong", "right"),
    [
        ("cases.csv", "required_skills", "required_skill"),
        ("practitioners.csv", "contracted_hours", "contract_hours"),
        ("practitioners.csv", "reduction_hours", "reductions_hours"),
        ("practitioners.csv", "max_wmt_pct", "max_wmt_pc"),
    ],
)
def test_a_header_close_to_a_column_is_an_error_with_the_suggestion(tiny_copy, tmp_path, file, wrong, right):
    path = tiny_copy / file
    path.write_text(path.read_text().replace(wrong, right, 1))
    error = _plain_failure(run("solve", tiny_copy, "--out", tmp_path / "out"), 2)
    assert f"column {right}" in error and f"did you mean '{wrong}'" in error


def test_an_unrelated_extra_column_still_only_warns(tiny_copy, tmp_path):
    path = tiny_copy / "practitioners.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",notes"] + [line + ",x" for line in lines[1:]]) + "\n")
    result = run("solve", tiny_copy, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "unknown column 'notes' ignored" in result.output


# --- every command ------------------------------------------------------------------------------------------


def test_alerts_say_when_the_history_is_too_short(tmp_path):
    db = tmp_path / "h.sqlite"
    assert run("solve", TINY, "--out", tmp_path / "out", "--db", db).exit_code == 1
    shown = run("alerts", "--db", db)
    assert shown.exit_code == 0 and "Not enough history: 1 weekly run(s)" in shown.output and "4 needed" in shown.output


def test_generate_refuses_a_folder_with_files_unless_forced_and_impossible_parameters(tmp_path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "keep.txt").write_text("mine")
    assert _plain_failure(run("generate", tmp_path / "g", "--practitioners", "6"), 2)
    assert run("generate", tmp_path / "g", "--practitioners", "6", "--unallocated", "5", "--force").exit_code == 0
    assert (tmp_path / "g" / "keep.txt").read_text() == "mine"
    assert (tmp_path / "g" / "cases.csv").stat().st_mode & 0o777 == 0o666 & ~_umask()
    refused = run("generate", tmp_path / "h", "--practitioners", "4", "--pdus", "3")
    assert refused.exit_code == 2 and not (tmp_path / "h").exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda out: (out / "workload.csv").write_text("garbage\x00,\n1,2,3\n"),
        lambda out: (out / "allocations.csv").write_text("crn,points\nU03,abc\n"),
        lambda out: (out / "workload.csv").write_text(
            (out / "workload.csv").read_text() + "PO1,PO,2176,1,1,0.0,0.0,1,1,\n"
        ),
        lambda out: (out / "summary.json").write_text("{not json"),
        lambda out: (out / "summary.json").write_text('{"max_transfers": "many"}'),
        lambda out: (out / "unallocated.csv").write_text(""),
        lambda out: (out / "unallocated.csv").write_text((out / "unallocated.csv").read_text() + "U10,again\n"),
        lambda out: (out / "allocations.csv").write_text(
            (out / "allocations.csv").read_text().replace(",ALLOCATE,63", ",ALLOCATE,sixty-three", 1)
        ),
        lambda out: (out / "allocations.csv").write_text(
            (out / "allocations.csv").read_text().replace("U03,,PSO1,", "U03,,NOBODY9,", 1)
        ),
        lambda out: (out / "allocations.csv").write_text(
            (out / "allocations.csv").read_text().replace("U03,,PSO1,", "U03,,,", 1)
        ),
        lambda out: (out / "allocations.csv").write_text(
            (text := (out / "allocations.csv").read_text()) + text.splitlines()[1].replace("U01,", "NOT-A-CASE,") + "\n"
        ),
        lambda out: (out / "allocations.csv").write_text(
            (text := (out / "allocations.csv").read_text()) + text.splitlines()[1].replace(",,PO1,", ",PO1,PO2,") + "\n"
        ),
    ],
)
def test_check_on_a_tampered_folder_reports_violations_with_exit_3(tmp_path, tamper):
    out = tmp_path / "out"
    assert run("solve", TINY, "--out", out).exit_code == 1
    tamper(out)
    result = run("check", TINY, out)
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output and "problem" in result.output


# --- a result set is replaced whole -------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        if path.name == "summary.json":
            summary = json.loads(data)
            summary.pop("solve_seconds", None)
            data = json.dumps(summary).encode()
        found[path.name] = data
    return found


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_killed_solve_leaves_the_old_set_or_the_new_set_never_a_mix(tmp_path, signum):
    """Kill real solves at instants spread over their run: the folder always holds one whole set."""
    old, new = tmp_path / "old", tmp_path / "new"
    assert run("solve", TINY, "--out", old).exit_code == 1
    assert run("solve", TINY, "--out", new, "--max-transfers", "3").exit_code == 1
    sets = [_files(old), _files(new)]
    assert sets[0] != sets[1]
    rounds = int(os.environ.get("KILL_ROUNDS", "6"))
    seen = set()
    for i in range(rounds):
        out = tmp_path / f"run{i}"
        shutil.copytree(old, out)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "optimiser",
                "solve",
                str(TINY),
                "--out",
                str(out),
                "--max-transfers",
                "3",
                "--no-history",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3 + 1.5 * i / max(rounds - 1, 1))
        proc.send_signal(signum)
        proc.wait(30)
        now = _files(out)
        assert now in sets, f"a mixed folder after {signum!r} at round {i}"
        seen.add(sets.index(now))
        assert not [
            p for p in tmp_path.iterdir() if p.name.startswith((".staging-run", ".retired-run")) and not (out.exists())
        ]
    assert seen  # at least one round observed a whole set


def test_staging_debris_of_a_killed_run_is_removed_on_the_next_run(tmp_path):
    out = tmp_path / "out"
    (tmp_path / ".staging-out.abc").mkdir()
    (tmp_path / ".staging-out.abc" / "allocations.csv").write_text("half")
    (tmp_path / ".retired-out.123").mkdir()
    assert run("solve", TINY, "--out", out).exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_solve_keeps_other_files_in_its_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "old").mkdir()
    (out / "old" / "a.csv").write_text("kept")
    assert run("solve", TINY, "--out", out).exit_code == 1
    assert (out / "notes.txt").read_text() == "mine" and (out / "old" / "a.csv").read_text() == "kept"
    assert (out / "summary.json").exists()


def test_bundled_instances_still_pass_check_after_the_whole_set_switch(tmp_path):
    out = tmp_path / "out"
    assert run("solve", ROOT / "instances" / "london-pdu", "--out", out).exit_code == 0
    assert run("check", ROOT / "instances" / "london-pdu", out).exit_code == 0
    assert pd.read_csv(out / "allocations.csv").shape[0] == 650


# --- history that never loses a run -------------------------------------------------------------------------


def _not_sqlite(tmp_path: Path) -> str:
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database\x00" * 100)
    return str(path)


def _newer_schema(tmp_path: Path) -> str:
    import sqlite3

    path = tmp_path / "h.sqlite"
    assert run("solve", TINY, "--out", tmp_path / "first", "--db", path).exit_code == 1
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    return str(path)


def _uncreatable_folder(tmp_path: Path) -> str:
    return "/proc/self/no/such/h.sqlite"


def _refused_server(tmp_path: Path) -> str:
    return "postgresql+psycopg://someone:s3cret-pw@127.0.0.1:1/db"


def _password_in_query(tmp_path: Path) -> str:
    return "postgresql+psycopg://someone@127.0.0.1:1/db?password=s3cret-pw"


@pytest.mark.parametrize("make", [_not_sqlite, _newer_schema, _uncreatable_folder, _refused_server, _password_in_query])
def test_a_broken_history_is_one_line_exit_4_and_the_results_are_kept(tmp_path, make):
    db = make(tmp_path)
    out = tmp_path / "out"
    result = run("solve", TINY, "--out", out, "--db", db)
    error = _plain_failure(result, 4)
    assert "s3cret-pw" not in result.output and "run history" in error
    assert (out / "summary.json").exists()  # the results were written before the history failed
    listed = run("history", "--db", db)
    assert _plain_failure(listed, 4) and "s3cret-pw" not in listed.output


@pytest.mark.slow
def test_many_solves_starting_at_once_on_a_fresh_history_all_record_their_run(tmp_path):
    db = tmp_path / "fresh" / "h.sqlite"
    procs = [
        subprocess.Popen(
            [  # in process: what is tested is the history, not eight clusters starting on two cores
                *(sys.executable, "-m", "optimiser", "solve", str(TINY), "--out", str(tmp_path / f"o{i}")),
                *("--db", str(db), "--workers", "1"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [1] * 8, errors
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 8


# --- logs a job can parse -----------------------------------------------------------------------------------


@pytest.mark.parametrize("breakage", ["none", "bad tier", "unknown column"])
def test_json_logs_are_json_lines_only_and_carry_no_names_or_case_data(tiny_copy, tmp_path, breakage):
    cases = tiny_copy / "cases.csv"
    if breakage == "bad tier":
        cases.write_text(cases.read_text().replace("U03,C2", "U03,ZZ"))
    elif breakage == "unknown column":
        lines = cases.read_text().splitlines()
        cases.write_text("\n".join([lines[0] + ",officer_note"] + [line + ",secret" for line in lines[1:]]) + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "optimiser",
            "solve",
            str(tiny_copy),
            "--out",
            str(tmp_path / "o"),
            "--log-json",
            "--no-history",
        ],
        capture_output=True,
        text=True,
    )
    lines = done.stderr.splitlines()
    assert lines and all(json.loads(line)["run_id"] for line in lines)
    for secret in ("Asha", "Patel", "U03", "H1", "ZZ", "secret"):
        assert secret not in done.stderr


# --- row numbers a text editor shows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (lambda text: text.replace("U03,C2", "U03,ZZ"), 8),  # no blank lines: the 8th line
        (lambda text: text.replace("H4,", "\nH4,").replace("U03,C2", "U03,ZZ"), 9),  # a blank line above it
        (lambda text: "\n\n" + text.replace("U03,C2", "U03,ZZ"), 10),  # blank lines before the header
        (
            lambda text: text.replace(
                "H2,C2,COMMUNITY,MEDIUM,0,PO2,false,1632,,", 'H2,C2,COMMUNITY,MEDIUM,0,PO2,false,1632,,"two\nlines"'
            ).replace("U03,C2", "U03,ZZ"),
            9,
        ),  # a quoted cell spanning two lines above it
        (lambda text: text.replace("\n", "\r\n").replace("U03,C2", "U03,ZZ"), 8),  # CRLF
    ],
)
def test_row_numbers_are_the_lines_a_text_editor_shows(tiny_copy, tmp_path, edit, line):
    cases = tiny_copy / "cases.csv"
    cases.write_text(edit(cases.read_text()), newline="")
    error = _plain_failure(run("solve", tiny_copy, "--out", tmp_path / "out"), 2)
    assert error.startswith(f"error: cases.csv, row {line}, column tier"), error


def test_a_row_with_more_cells_than_the_header_names_its_line(tiny_copy, tmp_path):
    cases = tiny_copy / "cases.csv"
    cases.write_text(cases.read_text().replace("U04,D1,COMMUNITY,LOW,0,,,,,", "U04,D1,COMMUNITY,LOW,0,,,,,,extra"))
    error = _plain_failure(run("solve", tiny_copy, "--out", tmp_path / "out"), 2)
    assert "cases.csv, row 9" in error and "cells" in error


# --- absurd sizes and a full disk ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "column"),
    [
        ("cases.csv", "U03,", "U" + "3" * 70 + ",", "crn"),
        ("practitioners.csv", "PO1,Asha Patel", "PO1," + "A" * 300, "name"),
        ("practitioners.csv", ",DA\n", "," + ";".join(f"S{i}" for i in range(60)) + "\n", "skills"),
        (
            "cases.csv",
            "U06,B1,COMMUNITY,HIGH,0,,,,DA,",
            "U06,B1,COMMUNITY,HIGH,0,,,," + "X" * 40 + ",",
            "required_skills",
        ),
    ],
)
def test_fields_longer_than_the_limits_are_invalid_input(tiny_copy, tmp_path, file, old, new, column):
    path = tiny_copy / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    error = _plain_failure(run("solve", tiny_copy, "--out", tmp_path / "out"), 2)
    assert f"error: {file}, row" in error and f"column {column}" in error


def test_a_disk_that_fills_while_writing_is_one_line_and_keeps_the_previous_results(tmp_path, monkeypatch):
    import errno

    import optimiser.atomic

    out = tmp_path / "out"
    assert run("solve", TINY, "--out", out).exit_code == 1
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []
    real_fsync = os.fsync

    def full(fd):
        calls.append(fd)
        if len(calls) == 2:  # the second file of the new set: part of it is already staged
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(optimiser.atomic.os, "fsync", full)
    error = _plain_failure(run("solve", TINY, "--out", out, "--max-transfers", "3"), 2)
    assert "No space left on device" in error and "unchanged" in error
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging debris


@pytest.mark.slow
def test_an_existing_cluster_by_address_gives_the_same_files(tmp_path):
    from distributed import LocalCluster

    scenario = tmp_path / "join.toml"
    scenario.write_text('[[join]]\ngrade = "PO"\n')
    outs = {}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for name, extra in (("here", ["--workers", "1"]), ("cluster", ["--scheduler", cluster.scheduler_address])):
            out = tmp_path / name
            result = run("whatif", TINY, scenario, "--out", out, "--no-history", "--max-transfers", "2", *extra)
            assert result.exit_code == 1, result.output
            outs[name] = {
                p.relative_to(out): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and p.name != "summary.json"
            }
    assert outs["here"] == outs["cluster"]


@pytest.mark.parametrize(
    ("command", "lines_read"),
    [
        (["solve", str(LONDON), "--out", "{tmp}/out", "--db", "{tmp}/h.db"], 1),
        (["solve", str(LONDON), "--out", "{tmp}/out", "--no-history", "--json"], 0),
        (["validate", str(TINY)], 0),
        (["rules"], 0),
    ],
)
def test_a_reader_that_goes_away_does_not_change_the_exit_status(tmp_path, command, lines_read):
    """london-pdu allocates every case (exit 0), so a closed pipe's 1 would show."""
    # `optimiser ... | head -1`: a closed stdout ends the output, never the run or its status (click alone
    # exits 1, which the contract reserves for cases left unallocated).
    args = [sys.executable, "-m", "optimiser", *(a.format(tmp=tmp_path) for a in command)]
    whole = subprocess.run(args, capture_output=True, text=True)
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for _ in range(lines_read):
        process.stdout.readline()
    process.stdout.close()  # the reader is gone, as `head` goes
    _, errors = process.communicate(timeout=120)
    assert process.returncode == whole.returncode == 0
    assert "Traceback" not in errors and "BrokenPipe" not in errors
    if command[0] == "solve":
        assert (tmp_path / "out" / "summary.json").exists()

"""What the terminal shows: plain-English status and counts, a progress display only on a terminal,
--quiet, --json, and JSON log lines emitted as each stage and part ends."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from optimiser.generate import generate, write_instance
from optimiser.progress import Display

from .conftest import TINY
from .test_cli import run

COMMAND = [sys.executable, "-m", "optimiser"]


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("region") / "inst"
    write_instance(folder, generate(120, 200, 3, 4))
    return folder


def _cli(*args: object) -> list[str]:
    return [*COMMAND, *(str(a) for a in args)]


def test_the_summary_says_what_is_proven_and_what_each_count_means(region, tmp_path):
    result = run("solve", region, "--out", tmp_path / "o", "--no-history", "--max-transfers", "5")
    text = result.output
    assert "Proven best: no allocation can have a lower maximum" in text or "Best found in" in text
    assert "transfers; up to 5 allowed" in text and "new case(s) (cases that had no practitioner)" in text
    assert "independent parts (pdus or groups that share no case)" in text
    assert text.count("    PDU00") == 4 and "By pdu" in text


def test_a_time_limited_run_says_how_far_from_the_best_it_may_be(tmp_path):
    from optimiser.narrative import status_sentence
    from optimiser.outcome import Summary
    from optimiser.results import Status

    summary = Summary(
        Status.FEASIBLE,
        130.0,
        120.4,
        119.8,
        119.81,
        3,
        10,
        0,
        30.2,
        20,
        0,
        30.0,
        "pairwise",
        False,
        1,
        0,
        {},
        {},
        (),
        {},
    )
    assert status_sentence(summary) == (
        "Best found in 30 s: a maximum of 120.4% WMT; the best possible is at least 119.8%, so this is at most 0.6 "
        "points from the best (a longer --time-limit, or --gap 0, may close the gap)."
    )


def test_no_control_characters_when_stdout_is_not_a_terminal(region, tmp_path):
    done = subprocess.run(
        _cli("solve", region, "--out", tmp_path / "o", "--no-history"), capture_output=True, text=True
    )
    assert done.returncode in (0, 1) and "\x1b" not in done.stdout and "\r" not in done.stdout
    assert "Proven best" in done.stdout


def test_a_terminal_sees_the_progress_of_the_parts(region, tmp_path):
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        _cli("solve", region, "--out", tmp_path / "o", "--no-history", "--time-limit", "5"),
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"COLUMNS": "160", "TERM": "xterm"},
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(60)
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "Solving" in text and "Proven best" in text and "\x1b" in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_every_step_is_drawn_when_it_starts_however_short_it_is():
    """A step is drawn as it starts, not at the display's next tick, so a fast part of a run is still seen."""
    screen = _Terminal()
    with Display(True, screen) as display:
        for step in ("Reading the instance", "Solving", "Writing the report"):
            display.step(step)
    assert all(step in screen.getvalue() for step in ("Reading the instance", "Solving", "Writing the report"))


def test_quiet_prints_nothing_and_json_prints_only_the_summary(tmp_path):
    out = tmp_path / "o"
    quiet = subprocess.run(_cli("solve", TINY, "--out", out, "--no-history", "--quiet"), capture_output=True, text=True)
    assert quiet.returncode == 1 and quiet.stdout == ""
    as_json = subprocess.run(
        _cli("solve", TINY, "--out", out, "--no-history", "--json"), capture_output=True, text=True
    )
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == json.loads((out / "summary.json").read_text()) | {
        "solve_seconds": json.loads(as_json.stdout)["solve_seconds"]
    }


def test_log_lines_come_as_each_stage_and_part_ends(region, tmp_path):
    done = subprocess.run(  # in this process, so each stage is heard as it ends
        _cli("solve", region, "--out", tmp_path / "o", "--no-history", "--log-json", "--workers", "1"),
        capture_output=True,
        text=True,
    )
    events = [json.loads(line) for line in done.stderr.splitlines()]
    names = [e["event"] for e in events]
    parts = [i for i, n in enumerate(names) if n == "part_solved"]
    assert len(parts) == 4 and parts[-1] < names.index("solved")
    # each part's stages are logged before that part ends, not gathered at the end
    assert names[: parts[0]].count("stage") >= 2 and names[parts[0] + 1 : parts[1]].count("stage") >= 2
    assert [events[i]["part"] for i in parts] == [1, 2, 3, 4]


def test_parts_solved_on_a_cluster_log_their_stages_with_them(region, tmp_path):
    done = subprocess.run(
        _cli("solve", region, "--out", tmp_path / "o", "--no-history", "--log-json", "--workers", "2"),
        capture_output=True,
        text=True,
    )
    parts = [e for e in map(json.loads, done.stderr.splitlines()) if e["event"] == "part_solved"]
    assert sorted(p["part"] for p in parts) == [1, 2, 3, 4]
    assert all(p["stages"] and p["stages"][0]["stage"] for p in parts)


def test_the_other_commands_print_json_for_scripts(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('[[leave]]\nstaff_code = "PO2"\n')
    whatif = run("whatif", TINY, scenario, "--out", tmp_path / "w", "--workers", "1", "--no-history", "--json")
    assert json.loads(whatif.output) == json.loads((tmp_path / "w" / "whatif.json").read_text())
    curve = json.loads(run("tradeoff", TINY, "--transfers", "0,1", "--workers", "1", "--json").output)
    assert [p["max_transfers"] for p in curve] == [0, 1] and curve[1]["max_wmt_pct"] <= curve[0]["max_wmt_pct"]
    hires = json.loads(run("staffing", TINY, "--target", "60", "--workers", "1", "--json").output)
    assert hires["target_pct"] == 60.0 and "hires" in hires


def test_a_shared_budget_solved_on_a_cluster_still_logs_every_stage(region, tmp_path):
    done = subprocess.run(
        _cli(
            "solve", region, "--out", tmp_path / "o", "--no-history", "--log-json", "--workers", "2",
            "--max-transfers", "5",
        ),
        capture_output=True,
        text=True,
    )  # fmt: skip
    events = [json.loads(line) for line in done.stderr.splitlines()]
    stages = [e for e in events if e["event"] == "stage"] + [
        s for e in events if e["event"] == "part_solved" for s in e.get("stages", [])
    ]
    assert stages and all(s["stage"] for s in stages)
    assert [e["event"] for e in events].index("solved") > max(i for i, e in enumerate(events) if e["event"] == "stage")

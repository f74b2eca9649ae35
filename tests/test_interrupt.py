"""Interruption: a signal stops the solve promptly, exits 128 + signal, and writes nothing."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from optimiser.generate import generate, write_instance
from optimiser.interrupt import Interrupted, run_interruptibly

from .conftest import ROOT


class FakeSearch:
    def __init__(self) -> None:
        self.stopped = threading.Event()

    def stop_search(self) -> None:
        self.stopped.set()


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_the_running_search_and_raises(signum, status):
    search = FakeSearch()

    def work(cancellation):
        cancellation.attach(search)
        os.kill(os.getpid(), signum)
        assert search.stopped.wait(10), "the search was never asked to stop"
        cancellation.check()
        return "finished"

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with pytest.raises(Interrupted) as info:
        run_interruptibly(work)
    assert info.value.exit_status == status
    assert {s: signal.getsignal(s) for s in before} == before  # handlers restored


def test_errors_and_results_pass_through():
    assert run_interruptibly(lambda cancellation: 42) == 42
    with pytest.raises(ZeroDivisionError):
        run_interruptibly(lambda cancellation: 1 / 0)


def _descendants(pid: int) -> set[int]:
    """Live processes descended from ``pid`` (Linux /proc): the workers, spawned by it or forked by its
    fork server."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, fresh = set(), {pid}
    while fresh:
        fresh = {child for child, parent in parents.items() if parent in fresh} - found
        found |= fresh
    return found


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for init to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def two_pdus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-pdus")
    write_instance(folder, generate(120, 1300, seed=3, pdus=2))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "two-workers"])
def test_killed_solve_leaves_the_output_folder_untouched(tmp_path, two_pdus, parallel):
    out = tmp_path / "out"
    out.mkdir()
    (out / "allocations.csv").write_text("previous run\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    instance = two_pdus if parallel else ROOT / "instances" / "london-pdu"
    extra = ["--workers", "2"] if parallel else []
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "optimiser",
            "solve",
            str(instance),
            "--out",
            str(out),
            "--time-limit",
            "120",
            "--exact-spread",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    time.sleep(2)
    while parallel and len(_descendants(proc.pid)) < 3 and time.monotonic() < deadline:  # the cluster is starting
        time.sleep(0.2)
    time.sleep(1)
    workers = _descendants(proc.pid)
    assert proc.poll() is None, "the solve finished before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err  # our handler ran: not the default action of SIGTERM (-15)
    assert "interrupted by SIGTERM" in err and "Traceback" not in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    if parallel:
        assert len(workers) >= 3, "expected two workers and the fork server (or resource tracker) beside them"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.1)
        assert not {pid for pid in workers if _alive(pid)}, "worker processes outlived the solve"


@pytest.mark.slow
@pytest.mark.parametrize("after", [1.0, 3.0], ids=["reading", "solving"])
def test_ctrl_c_at_a_terminal_reaches_every_process_and_prints_one_line(tmp_path, two_pdus, after):
    """Ctrl-C sends SIGINT to the whole process group: the fork server, the workers and this process. Only
    this process answers it (one line, status 130), whenever it comes; the workers end with it."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "optimiser", "solve", str(two_pdus), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--time-limit", "120", "--exact-spread", "--no-history"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal gives a command
    )
    time.sleep(after)
    family = _descendants(proc.pid)
    assert proc.poll() is None, "the solve finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        f"error: interrupted by SIGINT: stopped before writing anything; {out} is as it was."
    ]
    assert not out.exists()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in family - {proc.pid}):
        time.sleep(0.1)
    assert not {pid for pid in family - {proc.pid} if _alive(pid)}, "processes outlived the solve"


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server here")
def test_the_fork_server_leaves_with_a_command_that_ends_while_it_is_still_loading():
    """A command that needs no cluster after all (one part, a refused input) ends at once; its fork server
    must not hold the command's output streams open for the rest of its loading, or a script reading them
    waits for it (here: a minute)."""
    script = "from optimiser.executor import Executor; Executor(2).preload('tests.slow_to_load')"
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=30)  # the streams' end: every process holding them has gone
    assert proc.returncode == 0, err

"""Interruption: a signal stops the solve promptly, exits 128 + signal, and writes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

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

    with pytest.raises(Interrupted) as info:
        run_interruptibly(work)
    assert info.value.exit_status == status
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored


def test_errors_and_results_pass_through():
    assert run_interruptibly(lambda cancellation: 42) == 42
    with pytest.raises(ZeroDivisionError):
        run_interruptibly(lambda cancellation: 1 / 0)


def test_killed_solve_leaves_the_output_folder_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "allocations.csv").write_text("previous run\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "optimiser", "solve", str(ROOT / "instances" / "london-pdu"), "--out", str(out),
         "--time-limit", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (143, -signal.SIGTERM), err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

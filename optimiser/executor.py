"""Run independent solves (a problem's parts) here or in worker processes, with the same results either way.

Tasks carry plain data (compiled problems and options), never solver objects. A signal in the parent
cancels the wait and terminates the workers at once.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .interrupt import Cancellation

T = TypeVar("T")


def run_all(
    task: Callable[..., T], jobs: Sequence[tuple[Any, ...]], workers: int, cancellation: Cancellation
) -> list[T]:
    """``task(*job)`` for every job, in order: here when ``workers`` is 1, else in a process pool."""
    if workers <= 1 or len(jobs) <= 1:
        return [task(*job, cancellation) for job in jobs]
    pool = multiprocessing.get_context("spawn").Pool(min(workers, len(jobs)), initializer=_ignore_sigint)
    try:
        pending = pool.starmap_async(task, jobs, chunksize=1)
        while not pending.ready():
            pending.wait(0.1)
            cancellation.check()
        return pending.get()
    finally:
        pool.terminate()
        pool.join()


def _ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the parent, which terminates them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

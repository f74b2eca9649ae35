"""Run independent tasks (a problem's parts, what-if runs, staffing probes, frontier levels) on Dask
distributed, or in this process, with the same results either way.

- ``workers == 1`` and no scheduler: in this process, one task after another (tests, small jobs);
- otherwise a ``LocalCluster`` of ``workers`` single-threaded processes, started on first use;
- ``scheduler="tcp://HOST:PORT"``: an existing cluster (its workers must have this package installed).

A local cluster's workers are spawned (each a fresh Python loading Dask and the solver), or, after
``preload``, forked from a server process that loaded them while this process was reading its input.

Tasks carry plain validated data (compiled problems, options, epoch deadlines), never solver objects.
Many jobs go to a cluster as a few Dask tasks, each running its share in turn (``BATCHES_PER_WORKER``).
A job that raises is returned as a ``TaskFailed`` with its error, so the others are not lost. A signal in
this process (a ``Cancellation``) cancels the outstanding tasks and closes the local cluster at once.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

from .interrupt import Cancellation, Interrupted

T = TypeVar("T")
COMMAND_PID = "OPTIMISER_COMMAND_PID"
"""The environment variable that tells the fork server (``fork_server``) which process it serves."""
POLL_SECONDS = 0.1
"""The longest a wait for tasks goes without looking for a signal."""
BATCHES_PER_WORKER = 8
"""A cluster is sent at most this many tasks per worker for one batch of jobs, each task running its share
of the jobs in turn: Dask's scheduler (in this process, on the cores the workers use) spends about 4 ms a
task, and a national solve's 100 parts take about 40 ms each. Eight a worker still end close together,
and leave a region's ten pdus (staffing's jobs, each seconds long) one task each."""


@dataclass(frozen=True)
class TaskFailed:
    """A task that raised: its error, for the report; the other tasks' results are kept."""

    error: str


class Outcomes(Generic[T], list[T | TaskFailed]):
    """Results in job order, a failure where a task raised."""

    def values(self) -> list[T]:
        """Every result, raising RuntimeError on the first failure (callers that cannot use partial results)."""
        for item in self:
            if isinstance(item, TaskFailed):
                raise RuntimeError(f"a task failed: {item.error}")
        return list(self)  # type: ignore[arg-type]


class Pending(Generic[T]):
    """Tasks begun on an executor (``Executor.start``): their results, in job order, when asked for."""

    def __init__(self, collect: Callable[[Callable[[int, T], None] | None], Outcomes[T]]):
        self._collect = collect

    def results(self, on_done: Callable[[int, T], None] | None = None) -> Outcomes[T]:
        """Wait for every task (``on_done(index, result)`` as each one finishes) and return the results."""
        return self._collect(on_done)


def default_workers() -> int:
    """Workers for a local cluster sized to the machine."""
    return max(1, os.cpu_count() or 1)


class Executor:
    """Where independent tasks run; use as a context manager so a local cluster is always closed."""

    def __init__(self, workers: int = 1, scheduler: str | None = None, cancellation: Cancellation | None = None):
        self.workers = workers
        self.scheduler = scheduler
        self.cancellation = cancellation or Cancellation()
        self._client: Any = None
        self._cluster: Any = None
        self._start_method: str | None = None
        self._closing: threading.Thread | None = None
        self._close_error: Exception | None = None

    @property
    def in_process(self) -> bool:
        return self.workers <= 1 and not self.scheduler

    def preload(self, *modules: str) -> None:
        """Have a local cluster's workers start as forks of a server that loads ``modules`` (and Dask) now,
        where the system has one (Linux, macOS): it loads them on another core while this process reads its
        input, and each worker then starts in a fraction of a second with nothing left to load. Spawned, two
        workers took both cores for ~1.3 s before a national solve's first part came back.

        The server is one per process, and the first ``preload`` decides what it loads; the workers get
        Dask's settings for spawned workers (one thread for numeric libraries) from its environment. Each
        worker still runs this program's main module (as a spawned one does): name it among ``modules``."""
        if self.in_process or self.scheduler or "forkserver" not in multiprocessing.get_all_start_methods():
            return
        from multiprocessing import forkserver

        os.environ.update(_spawn_environ())  # as Dask sets it before a spawn
        os.environ[COMMAND_PID] = str(os.getpid())  # the server leaves with this process
        first = f"{__package__}.fork_server"  # not imported here: it ignores Ctrl-C, and leaves with this process
        multiprocessing.get_context("forkserver").set_forkserver_preload([first, "distributed", *modules])
        try:
            forkserver.ensure_running()
        except OSError:  # no socket or process for it (a full or locked-down temporary folder): spawn, as before
            return
        self._start_method = "forkserver"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and any local cluster (its worker processes end), and wait for a ``close_soon``."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        _close(client, cluster)
        if self._closing is not None:
            self._closing.join()
            self._closing = None
            error, self._close_error = self._close_error, None
            if error is not None:
                raise error

    def _abandon(self, futures: list[Any]) -> None:
        """Close with ``futures`` given up (a signal, an error): a cluster by address has them cancelled; a
        local cluster's workers are stopped, not asked to finish. Dask gives a busy worker 4 s to stop
        before it kills it, and a worker in a CP-SAT stage does not look up, so Ctrl-C took that long."""
        cluster = self._cluster
        if cluster is None:
            if self._client is not None:
                self._client.cancel(futures)
            self.close()
            return
        from distributed.core import Status

        logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)  # its word on the streams closing
        nannies = list(cluster.workers.values())
        pids = [pid for pid in (nanny.pid for nanny in nannies) if pid]
        self.close_soon()
        waited = time.monotonic() + 1.0  # each nanny is closing (so it will not start its worker again) ...
        while time.monotonic() < waited and any(nanny.status is Status.running for nanny in nannies):
            time.sleep(0.01)
        for pid in pids:  # ... and its worker goes now
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):  # the error that brought us here is the one to tell
            self.close()

    def close_soon(self) -> None:
        """Begin closing in the background, once no more tasks will be given: a local cluster's workers take
        about half a second to end, which this process spends writing its results; ``close`` waits for it."""
        if self._closing is None and (self._client is not None or self._cluster is not None):
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
            self._closing = threading.Thread(target=self._close_aside, args=(client, cluster), daemon=True)
            self._closing.start()

    def _close_aside(self, client: Any, cluster: Any) -> None:
        try:
            _close(client, cluster)
        except Exception as exc:  # raised by ``close``, in the thread that waits for it
            self._close_error = exc

    def map(
        self, task: Callable[..., T], jobs: Sequence[tuple[Any, ...]], on_done: Callable[[int, T], None] | None = None
    ) -> Outcomes[T]:
        """``task(*job)`` for every job, in job order; ``on_done(index, result)`` as each one finishes. A
        single task runs in this process (its data need not travel, and a warm process is faster)."""
        if self.in_process or (len(jobs) <= 1 and not self.scheduler):
            return self._here(task, jobs, on_done)
        return self._gather(self._submit(task, jobs), on_done)

    def start(self, task: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Pending[T]:
        """``task(*job)`` for every job, begun on the cluster at once so this process can do other work
        meanwhile; in this process the tasks run when their results are asked for. A single task runs in
        this process unless a cluster is up already (starting one costs more than the task saves)."""
        if self.in_process or (len(jobs) <= 1 and not self.scheduler and self._client is None):
            return Pending(lambda on_done: self._here(task, jobs, on_done))
        batches = self._submit(task, jobs)
        return Pending(lambda on_done: self._gather(batches, on_done))

    def _here(
        self, task: Callable[..., T], jobs: Sequence[tuple[Any, ...]], on_done: Callable[[int, T], None] | None
    ) -> Outcomes[T]:
        done: Outcomes[T] = Outcomes()
        for index, job in enumerate(jobs):
            self.cancellation.check()
            result = _attempt(task, job, cancellation=self.cancellation)
            done.append(result)
            if on_done is not None and not isinstance(result, TaskFailed):
                on_done(index, result)
        return done

    def _submit(self, task: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> _Batches:
        """The jobs begun on the cluster as a few tasks (``BATCHES_PER_WORKER``), dealt out in turn so that
        each task gets a share of the large jobs and the small."""
        client = self._connect()
        workers = len(client.scheduler_info().get("workers", ())) if self.scheduler else self.workers
        count = min(len(jobs), BATCHES_PER_WORKER * max(workers, 1))
        shares = [list(range(first, len(jobs), count)) for first in range(count)]
        futures = [client.submit(_run_batch, task, [jobs[i] for i in share], pure=False) for share in shares]
        return _Batches(futures, shares, len(jobs))

    def _gather(self, batches: _Batches, on_done: Callable[[int, T], None] | None) -> Outcomes[T]:
        """Each job's result in job order, ``on_done`` told of each as its task ends. Ends are queued by the
        futures' own callbacks, and the queue is read a poll at a time so that a signal is heard."""
        futures = batches.futures
        ended: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index, future in enumerate(futures):
            future.add_done_callback(functools.partial(_put, ended, index))
        results: list[T | TaskFailed | None] = [None] * batches.jobs
        told = 0
        try:
            while told < len(futures):
                self.cancellation.check()
                try:
                    index = ended.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    continue
                told += 1
                share = batches.shares[index]
                for job, result in zip(share, _batch_results(futures[index], len(share)), strict=True):
                    results[job] = result
                    if on_done is not None and not isinstance(result, TaskFailed):
                        on_done(job, result)
        except BaseException:
            self._abandon(futures)
            raise
        return Outcomes(results)  # type: ignore[arg-type]  # every job is told

    def _connect(self) -> Any:
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.scheduler:
                self._client = Client(self.scheduler, timeout="10s")
            else:
                self._cluster = self._local_cluster(LocalCluster)
                self._client = Client(self._cluster)
        return self._client

    def _local_cluster(self, cluster: Any) -> Any:
        """A cluster of ``workers`` single-threaded processes, forked from the preloaded server if there is one."""
        import dask.config
        import distributed.utils

        method = self._start_method or dask.config.get("distributed.worker.multiprocessing-method")
        if self._start_method == "forkserver":  # preloaded: else Dask loads its optional packages here to do it
            distributed.utils._forkserver_preload_set = True
        with dask.config.set({"distributed.worker.multiprocessing-method": method}):
            return cluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
                preload=[__name__],  # dask_setup, below
            )


def _spawn_environ() -> dict[str, str]:
    """Dask's environment for a spawned worker (``distributed.nanny.pre-spawn-environ``: one thread for
    numeric libraries, a memory trim threshold), from Dask's configuration with distributed's defaults,
    read without loading distributed: a quarter of a second that a command whose instance turns out to be
    one part (no cluster) would otherwise pay."""
    import dask.config
    import yaml

    spec = importlib.util.find_spec("distributed")
    defaults = Path(spec.origin).with_name("distributed.yaml") if spec and spec.origin else None
    if defaults is not None and defaults.exists():
        dask.config.update_defaults(yaml.safe_load(defaults.read_text()))  # what distributed does as it loads
    else:
        import distributed  # noqa: F401  (registers the same defaults)
    environ = dask.config.get("distributed.nanny.pre-spawn-environ", default={})
    return {name: str(value) for name, value in environ.items()}


def dask_setup(worker: Any) -> None:
    """Run by each local worker as it starts (Dask's preload hook): Ctrl-C at a terminal reaches every
    process of the group, and a worker would print a traceback for it; this process hears it, cancels the
    tasks and closes the cluster, so the workers ignore it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _close(client: Any, cluster: Any) -> None:
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


@dataclass(frozen=True)
class _Batches:
    """Jobs begun on a cluster: the tasks' futures, each task's share of the jobs (their indices), and
    how many jobs there are."""

    futures: list[Any]
    shares: list[list[int]]
    jobs: int


def _attempt(task: Callable[..., T], job: tuple[Any, ...], **given: Any) -> T | TaskFailed:
    """``task(*job)``, or its error as a TaskFailed: reported per job, and the other jobs go on."""
    try:
        return task(*job, **given)
    except Interrupted:
        raise
    except Exception as exc:
        return TaskFailed(f"{type(exc).__name__}: {exc}")


def _run_batch(task: Callable[..., T], jobs: list[tuple[Any, ...]]) -> list[T | TaskFailed]:
    """A cluster task: its share of the jobs, in turn."""
    return [_attempt(task, job) for job in jobs]


def _batch_results(future: Any, jobs: int) -> list[Any]:
    """A task's results, or its error once for each of its ``jobs`` (its worker died, say)."""
    if future.status == "finished":
        return future.result()
    error = future.exception()
    return [TaskFailed(f"{type(error).__name__}: {error}")] * jobs


def _put(ended: queue.SimpleQueue[int], index: int, _future: Any) -> None:
    """A future's callback: queue its index (it runs on Dask's callback thread)."""
    ended.put(index)

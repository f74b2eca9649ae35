"""Clean interruption: SIGINT or SIGTERM stops the search promptly and nothing is written.

The solve runs in a worker thread while the main thread waits, so Python's signal handlers run at once
(the main thread is never stuck inside the solver) and can ask the running CP-SAT search to stop.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Interrupted(Exception):
    """The run was stopped by a signal; ``exit_status`` follows the shell's 128 + signal convention."""

    def __init__(self, signum: int):
        self.signum = signum
        self.exit_status = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


class Search(Protocol):
    """A running search that can be asked to stop (CP-SAT's solver is one)."""

    def stop_search(self) -> None: ...


class Cancellation:
    """Shared between the waiting main thread and the solve: cancel() stops every attached search, and
    listeners hear of progress (stages and parts as they end) from work in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._searches: set[Search] = set()
        self._listeners: list[Callable[[object], None]] = []
        self.signum: int | None = None

    def listen(self, listener: Callable[[object], None]) -> None:
        """Hear every progress event (a ``StageReport`` or a ``PartSolved``) as it happens."""
        self._listeners.append(listener)

    def tell(self, event: object) -> None:
        for listener in self._listeners:
            listener(event)

    @property
    def cancelled(self) -> bool:
        return self.signum is not None

    def cancel(self, signum: int = signal.SIGINT) -> None:
        with self._lock:
            self.signum = self.signum or signum
            for search in self._searches:
                search.stop_search()

    def attach(self, search: Search) -> None:
        """Register a running search (anything with ``stop_search()``); stopped at once if already cancelled."""
        with self._lock:
            self._searches.add(search)
            if self.cancelled:
                search.stop_search()

    def detach(self, search: Search) -> None:
        with self._lock:
            self._searches.discard(search)

    def check(self) -> None:
        """Raise Interrupted if cancelled: called between stages."""
        if self.signum is not None:
            raise Interrupted(self.signum)


def run_interruptibly(work: Callable[[Cancellation], T]) -> T:
    """Run ``work`` in a worker thread; SIGINT/SIGTERM cancel it and raise Interrupted here."""
    cancellation = Cancellation()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work(cancellation)
        except BaseException as exc:  # handed to the main thread below
            outcome["error"] = exc

    previous = {
        s: signal.signal(s, lambda signum, _frame: cancellation.cancel(signum)) for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        worker = threading.Thread(target=target, name="solve", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    cancellation.check()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]

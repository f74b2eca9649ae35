"""What a long run is doing, as it does it: a ``rich`` progress display for people at a terminal, and JSON
log lines for scheduled jobs, both fed by the progress events of the solve (``Cancellation.listen``)."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from .results import PartSolved, StageReport
from .runlog import RunLog


class Display:
    """A progress line on a terminal: the step (reading, solving part 3 of 10 with best and bound, writing).
    Each step and event is drawn as it happens, not at the next tick, so a step shorter than a tick is still
    seen. Silent, with no control characters at all, when disabled or when the stream is not a terminal."""

    def __init__(self, enabled: bool, stream: TextIO | None = None):
        stream = stream or sys.stdout
        self.enabled = enabled and stream.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._best: tuple[float, float] | None = None
        if self.enabled:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=stream),
                transient=True,
            )

    def __enter__(self) -> Display:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("Starting", total=None)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def step(self, description: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=description, refresh=True)

    def hear(self, event: object) -> None:
        """A stage or a part ended."""
        if self._progress is None or self._task is None:
            return
        if isinstance(event, PartSolved):
            best, bound = self._best or (0.0, 0.0)
            self._best = (max(best, event.max_pct), max(bound, event.bound_pct))
            self._progress.update(
                self._task,
                total=event.parts,
                advance=1,
                description=f"Solving: part {event.part} of {event.parts} done; highest so far "
                f"{self._best[0]:.1f}% (best possible at least {self._best[1]:.1f}%)",
                refresh=True,
            )
        elif isinstance(event, StageReport):
            self._progress.update(
                self._task, description=f"Solving: stage {event.name} ended ({event.status})", refresh=True
            )


class StageLog:
    """JSON log lines as each stage and each part ends (stages of parts solved elsewhere come with the part)."""

    def __init__(self, log: RunLog):
        self.log = log
        self.live = False
        self.parts = 0

    def hear(self, event: object) -> None:
        if isinstance(event, StageReport):
            self.live = True
            self.log.event("stage", **_stage(event))
        elif isinstance(event, PartSolved):
            fields: dict[str, object] = {
                "part": event.part,
                "parts": event.parts,
                "max_wmt_pct": event.max_pct,
                "bound_pct": event.bound_pct,
                "proven": event.proven,
            }
            if not self.live:  # solved in another process: its stages arrive with it
                fields["stages"] = [_stage(s) for s in event.stages]
            self.parts += 1
            self.log.event("part_solved", **fields)

    def finish(self, stages: tuple[StageReport, ...]) -> None:
        """Log the stages of a solve that told nothing as it went (its parts ran elsewhere, as one batch)."""
        if not self.live and not self.parts:
            for stage in stages:
                self.log.event("stage", part=stage.part, **_stage(stage))


def _stage(stage: StageReport) -> dict[str, object]:
    return {
        "stage": stage.name,
        "status": stage.status,
        "objective": stage.objective,
        "bound": stage.bound,
        "seconds": stage.seconds,
    }

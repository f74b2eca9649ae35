"""What-if runs: the baseline and each scenario solved with the same options, compared side by side.

The instance is read once; each scenario is applied in memory (``scenario.py``). The baseline's proven
parts are kept, so a scenario re-solves only the parts it changed (the same part gives the same result,
by determinism). Every run's parts are tasks on one executor. A run that fails is reported with its error
and does not lose the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from .errors import VerificationError
from .executor import Executor
from .outcome import Outcome
from .pipeline import solve_loaded
from .reader import LoadedInstance
from .report import REPORT_FILE, start_charts, whatif_chart, whatif_html
from .results import Action, SolveOptions
from .scenario import BASELINE, Scenario, apply_scenario, slug
from .solve import PartCache
from .wmt import practitioner_capacity
from .writer import csv_text, render, render_instance

WHATIF_CSV, WHATIF_JSON = "whatif.csv", "whatif.json"
INSTANCE_FOLDER = "instance"
THRESHOLDS = (Decimal(100), Decimal(110), Decimal(120))
COLUMNS = [
    "scenario",
    "status",
    "max_wmt_pct",
    "lower_bound_pct",
    "mean_wmt_pct",
    "over_100",
    "over_110",
    "over_120",
    "forced_transfers",
    "transfers",
    "allocated",
    "unallocated",
    "practitioners",
    "available_points",
    "demand_points",
    "error",
]
HEADERS = {
    "status": "status", "max_wmt_pct": "max %", "lower_bound_pct": "bound %", "mean_wmt_pct": "mean %",
    "over_100": ">100", "over_110": ">110", "over_120": ">120", "forced_transfers": "forced",
    "transfers": "transfers", "unallocated": "unalloc.", "practitioners": "staff", "available_points": "capacity",
    "demand_points": "demand",
}  # fmt: skip
"""The comparison's columns shown to people (terminal and report), with their short headers."""


@dataclass(frozen=True)
class Run:
    """One what-if run: its name, folder, the instance it solved, and its outcome or its error."""

    name: str
    slug: str
    loaded: LoadedInstance
    forced: frozenset[str]
    changes: tuple[str, ...]
    outcome: Outcome | None
    error: str | None = None

    @cached_property
    def row(self) -> dict[str, Any]:
        """The comparison table's row (the contract's columns, plus the error of a failed run): the table,
        whatif.csv, whatif.json and the report all show it, so it is worked out once (a demand sum over
        every case of the instance)."""
        instance, rules = self.loaded.instance, self.loaded.rules
        capacity = [practitioner_capacity(p, rules) for p in instance.practitioners]
        demand = sum(p.other_points for p in instance.practitioners) + sum(rules.points_of(instance.cases))
        row: dict[str, Any] = {
            "scenario": self.name,
            "practitioners": sum(1 for a in capacity if a > 0),
            "available_points": sum(capacity),
            "demand_points": demand,
            "error": self.error or "",
        }
        if self.outcome is None:
            return {c: row.get(c, "") for c in COLUMNS} | {"status": "ERROR"}
        s = self.outcome.summary
        after: list[Decimal] = [w.wmt_pct_after for w in self.outcome.workloads if w.wmt_pct_after is not None]
        mean = sum(after, Decimal(0)) / len(after) if after else Decimal(0)
        moved = {m.crn for m in self.outcome.moves if m.action is Action.ALLOCATE}
        row |= {
            "status": s.status.value,
            "max_wmt_pct": s.max_wmt_pct,
            "lower_bound_pct": s.lower_bound_pct,
            "mean_wmt_pct": float(round(mean, 1)),
            **{f"over_{t}": sum(1 for v in after if v > t) for t in THRESHOLDS},
            "forced_transfers": len(self.forced & moved),
            "transfers": s.transfers,
            "allocated": s.allocated,
            "unallocated": s.unallocated,
        }
        return {c: row[c] for c in COLUMNS}


def run_whatif(
    loaded: LoadedInstance, scenarios: list[Scenario], options: SolveOptions, executor: Executor
) -> list[Run]:
    """Apply every scenario (all errors surface before anything is solved), then solve the baseline and
    each scenario with the same options."""
    applied = [apply_scenario(loaded, scenario) for scenario in scenarios]
    taken: set[str] = set()
    cache = PartCache()
    runs = [_solve_run(BASELINE, BASELINE, loaded, frozenset(), (), options, executor, cache)]
    runs += [
        _solve_run(
            a.scenario.name, slug(a.scenario.name, taken), a.loaded, a.forced, a.changes, options, executor, cache
        )
        for a in applied
    ]
    return runs


def _solve_run(
    name: str,
    folder: str,
    loaded: LoadedInstance,
    forced: frozenset[str],
    changes: tuple[str, ...],
    options: SolveOptions,
    executor: Executor,
    cache: PartCache,
) -> Run:
    try:
        _, outcome = solve_loaded(loaded, options, executor=executor, cache=cache)
        return Run(name, folder, loaded, forced, changes, outcome)
    except VerificationError as exc:
        return Run(name, folder, loaded, forced, changes, None, f"result failed verification (a bug): {exc}")
    except (ValueError, RuntimeError) as exc:
        return Run(name, folder, loaded, forced, changes, None, f"{type(exc).__name__}: {exc}")


def render_whatif(runs: list[Run], executor: Executor | None = None) -> dict[str, str]:
    """Every file of a what-if folder, by relative path: the comparison, and each run's outputs and instance.
    Every chart is begun first (on a cluster's worker, if one is up; a chart several runs show, once), and
    the instances are written out while it draws."""
    rows = [run.row for run in runs]
    solved = [(run, run.outcome) for run in runs if run.outcome is not None]
    overview = whatif_chart(rows, runs[0].loaded.rules.thresholds_pct)
    reports = [(o.workloads, o.rules.thresholds_pct, run.name) for run, o in solved]
    drawing, charts = start_charts(reports, executor, also=[overview])
    files: dict[str, str] = {WHATIF_CSV: _csv(rows), WHATIF_JSON: whatif_json(runs)}
    for run in runs:
        files |= {
            f"{run.slug}/{INSTANCE_FOLDER}/{name}": text
            for name, text in render_instance(run.loaded.instance, run.loaded.rules).items()
        }
    files[REPORT_FILE] = whatif_html(
        rows,
        HEADERS,
        [(run.name, run.changes) for run in runs],
        {run.name: f"{run.slug}/{REPORT_FILE}" for run, _ in solved},
        drawing.svgs([overview])[0],
    )
    for (run, outcome), drawn in zip(solved, charts, strict=True):
        files |= {f"{run.slug}/{name}": text for name, text in render(outcome, run.name, drawn).items()}
    return files


def whatif_json(runs: list[Run]) -> str:
    """``whatif.json``: every run's row and each scenario's changes as applied."""
    data = {
        "runs": [run.row for run in runs],
        "scenarios": [{"scenario": r.name, "folder": r.slug, "changes": list(r.changes)} for r in runs],
    }
    return json.dumps(data, indent=2, default=str) + "\n"


def _csv(rows: list[dict[str, Any]]) -> str:
    return csv_text([[row[c] for c in COLUMNS] for row in rows], COLUMNS)

"""What a run leaves in the history, and where the history is: without the database library, so the
commands that only read an instance start without loading it."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .outcome import Outcome

DB_ENV = "OPTIMISER_DB"
DEFAULT_DB = Path.home() / ".local" / "share" / "optimiser" / "history.sqlite"
SOLVE_KIND, WHATIF_KIND = "solve", "whatif"
"""Run kinds: alerts count only real allocations (solve), never scenario runs."""


class HistoryError(Exception):
    """The run history cannot be opened or written: one plain line, the URL's password masked."""


def database_url(db: str | None) -> str:
    """``--db`` as given (a URL, or a path to a SQLite file), else $OPTIMISER_DB, else the default file."""
    db = db or os.environ.get(DB_ENV) or str(DEFAULT_DB)
    if "://" in db:
        return db
    path = Path(db).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(f"run history {path}: its folder cannot be created ({exc.strerror})") from None
    return f"sqlite:///{path}"


def new_run_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class RunRecord:
    """What one solve leaves in the history."""

    run_id: str
    started_at: datetime
    instance: str
    instance_hash: str
    parameters: dict[str, Any]
    summary: dict[str, Any]
    workloads: list[dict[str, Any]]
    allocations: list[dict[str, Any]]
    kind: str = SOLVE_KIND


def run_record(
    run_id: str,
    started_at: datetime,
    instance: Path,
    hashed: str,
    parameters: dict[str, Any],
    outcome: Outcome,
    kind: str = SOLVE_KIND,
) -> RunRecord:
    """The history's copy of a solve's outcome."""
    return RunRecord(
        kind=kind,
        run_id=run_id,
        started_at=started_at,
        instance=str(instance)[-1024:],
        instance_hash=hashed,
        parameters=parameters,
        summary=outcome.summary.to_dict(),
        workloads=[
            {
                "staff_code": w.staff_code,
                "grade": w.grade,
                "available_points": w.available_points,
                "points_before": w.points_before,
                "points_after": w.points_after,
                "wmt_pct_before": _float(w.wmt_pct_before),
                "wmt_pct_after": _float(w.wmt_pct_after),
                "cases_before": w.cases_before,
                "cases_after": w.cases_after,
            }
            for w in outcome.workloads
        ],
        allocations=[
            {
                "crn": m.crn,
                "from_staff_code": m.from_staff_code,
                "to_staff_code": m.to_staff_code,
                "action": m.action,
                "points": m.points,
            }
            for m in outcome.moves
        ],
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)

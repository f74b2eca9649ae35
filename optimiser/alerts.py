"""The inspectorate's excessive-workload rule: over a WMT threshold in every one of the last N weekly runs.

Runs are grouped by ISO week (Monday to Sunday, UTC); a practitioner's figure for a week is their WMT
after the latest run of that week that included them. Someone missing from a week is not flagged: the
history cannot say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Alert:
    staff_code: str
    grade: str
    weekly_pct: tuple[float, ...]
    """WMT % after each week's latest run, oldest first."""

    @property
    def change(self) -> float:
        return round(self.weekly_pct[-1] - self.weekly_pct[0], 1)

    @property
    def trend(self) -> str:
        return "rising" if self.change > 0 else "falling" if self.change < 0 else "flat"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of ``moment``'s ISO week, in ``moment``'s time zone."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def window(as_of: datetime, weeks: int) -> tuple[datetime, datetime]:
    """From the Monday ``weeks - 1`` weeks before ``as_of``'s week, to ``as_of``."""
    return week_start(as_of) - timedelta(weeks=weeks - 1), as_of


def weeks_covered(series: Iterable[tuple[str, str, datetime, float | None]], as_of: datetime, weeks: int) -> int:
    """How many of the ``weeks`` weeks up to ``as_of`` have at least one recorded run."""
    first, _ = window(as_of, weeks)
    return len({(week_start(at) - first).days // 7 for _, _, at, _ in series if first <= at <= as_of})


def excessive(
    series: Iterable[tuple[str, str, datetime, float | None]], as_of: datetime, weeks: int, threshold: float
) -> list[Alert]:
    """Practitioners over ``threshold`` % in each of the ``weeks`` weeks up to ``as_of``, highest last figure first."""
    first, _ = window(as_of, weeks)
    latest: dict[str, dict[int, tuple[datetime, float | None]]] = {}
    grades: dict[str, str] = {}
    for staff, grade, at, pct in series:
        index = (week_start(at) - first).days // 7
        if not 0 <= index < weeks or at > as_of:
            continue
        grades[staff] = grade
        seen = latest.setdefault(staff, {})
        if index not in seen or at >= seen[index][0]:
            seen[index] = (at, pct)
    alerts = []
    for staff, by_week in latest.items():
        values = [by_week[i][1] if i in by_week else None for i in range(weeks)]
        known = [v for v in values if v is not None]
        if len(known) == weeks and all(v > threshold for v in known):
            alerts.append(Alert(staff, grades[staff], tuple(known)))
    return sorted(alerts, key=lambda a: (-a.weekly_pct[-1], a.staff_code))

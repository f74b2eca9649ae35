"""Write a solve's outcome as the contract's files, all or nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from .atomic import replace_folder
from .domain import Instance
from .files import ESCAPED_STARTS, escape_cell
from .outcome import Outcome
from .reader import CASES_FILE, PRACTITIONERS_FILE
from .report import REPORT_FILE, Charts, report_html
from .rules import RULES_FILE, Rules, dump_toml

ALLOCATIONS_FILE = "allocations.csv"
UNALLOCATED_FILE = "unallocated.csv"
WORKLOAD_FILE = "workload.csv"
SUMMARY_FILE = "summary.json"
OUTPUT_FILES = (ALLOCATIONS_FILE, UNALLOCATED_FILE, WORKLOAD_FILE, SUMMARY_FILE, REPORT_FILE)

ALLOCATION_COLUMNS = [
    "crn",
    "from_staff_code",
    "to_staff_code",
    "action",
    "points",
    "name",
    "pdu",
    "team_code",
    "reason",
]
"""``name``, ``pdu`` and ``team_code`` are the receiver's (empty when the input has none)."""
UNALLOCATED_COLUMNS = ["crn", "reason"]
WORKLOAD_COLUMNS = [
    "staff_code",
    "name",
    "pdu",
    "team_code",
    "grade",
    "available_points",
    "points_before",
    "points_after",
    "wmt_pct_before",
    "wmt_pct_after",
    "cases_before",
    "cases_after",
    "cap_pct",
]


def csv_text(rows: Sequence[Sequence[object]], columns: list[str]) -> str:
    """A CSV file's text, every cell escaped against formula injection: the one CSV writer. The standard
    library's writer (minimal quoting, ``\n`` line ends): the same bytes as pandas' ``to_csv`` wrote,
    3x faster (a what-if writes each run's instance, 150,000 rows a region)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*map(_escaped, zip(*rows, strict=True)), strict=True))
    return text.getvalue()


_ESCAPED_LINE = re.compile("\n[" + re.escape("".join(ESCAPED_STARTS)) + "]")
"""A line of a column's text (its cells joined by line ends) that starts as ``escape_cell`` escapes."""


def _escaped(column: Sequence[object]) -> Sequence[object]:
    """One column's cells through ``escape_cell``; a column of text as it is when no cell needs it (nearly
    always: a cell at a time cost a third of writing a national solve's files), looked at in one search (a
    line end inside a cell can only make it escape the column cell by cell)."""
    try:
        needs = _ESCAPED_LINE.search("\n" + "\n".join(column)) is not None  # type: ignore[arg-type]
    except TypeError:  # numbers among the cells: each through escape_cell
        needs = True
    return [escape_cell(v) for v in column] if needs else column


def format_pct(value: Decimal | None) -> str:
    """WMT % as written in the files: one decimal, empty without capacity."""
    return "" if value is None else f"{value:.1f}"


def render(outcome: Outcome, title: str = "", charts: Charts | None = None) -> dict[str, str]:
    """The contract's output files as text, by file name (the report headed ``title``, with ``charts`` if
    they were begun already)."""
    staff = {w.staff_code: w for w in outcome.workloads}
    allocations = [
        [
            m.crn,
            m.from_staff_code,
            m.to_staff_code,
            m.action,
            m.points,
            staff[m.to_staff_code].name,
            staff[m.to_staff_code].pdu,
            staff[m.to_staff_code].team_code,
            m.reason,
        ]
        for m in outcome.moves
    ]
    workload = [
        [
            w.staff_code,
            w.name,
            w.pdu,
            w.team_code,
            w.grade,
            w.available_points,
            w.points_before,
            w.points_after,
            format_pct(w.wmt_pct_before),
            format_pct(w.wmt_pct_after),
            w.cases_before,
            w.cases_after,
            "" if w.cap_pct is None else str(w.cap_pct),
        ]
        for w in outcome.workloads
    ]
    return {
        ALLOCATIONS_FILE: csv_text(allocations, ALLOCATION_COLUMNS),
        UNALLOCATED_FILE: csv_text([list(row) for row in outcome.unallocated], UNALLOCATED_COLUMNS),
        WORKLOAD_FILE: csv_text(workload, WORKLOAD_COLUMNS),
        SUMMARY_FILE: outcome.summary.to_json(),
        REPORT_FILE: report_html(outcome, title, charts),
    }


PRACTITIONER_COLUMNS = [
    "staff_code",
    "name",
    "grade",
    "pdu",
    "team_code",
    "contracted_hours",
    "reduction_hours",
    "other_points",
    "protected",
    "max_wmt_pct",
    "skills",
]
CASE_COLUMNS = [
    "crn",
    "tier",
    "case_type",
    "rosh",
    "mappa_level",
    "staff_code",
    "pinned",
    "points",
    "required_skills",
    "pdu",
]


def _cell(value: object) -> object:
    """A domain value as an instance CSV cell: sets as ``;`` lists, booleans as true/false, enums by value."""
    if type(value) in (str, int):  # most cells, first (an enum is a str too, but not of this exact type)
        return value
    if value is None:
        return ""
    if isinstance(value, frozenset):
        return ";".join(sorted(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return getattr(value, "value", value)


def render_instance(instance: Instance, rules: Rules | None = None) -> dict[str, str]:
    """An instance as the contract's files (and its rules as rules.toml when given), by file name."""
    files = {
        PRACTITIONERS_FILE: csv_text(
            [[_cell(getattr(p, c)) for c in PRACTITIONER_COLUMNS] for p in instance.practitioners], PRACTITIONER_COLUMNS
        ),
        CASES_FILE: csv_text([[_cell(getattr(c, col)) for col in CASE_COLUMNS] for c in instance.cases], CASE_COLUMNS),
    }
    if rules is not None:
        files[RULES_FILE] = dump_toml(rules)
    return files


def write_result(folder: Path, files: dict[str, str]) -> None:
    """Replace the result set in ``folder`` (``render``'s files) as a whole; other files there are kept."""
    replace_folder(Path(folder), files, keep_others=True)

"""Read an instance folder (the contract's CSV files and optional rules.toml) into validated domain types.

Every problem is reported as an :class:`InputError` naming the file, the spreadsheet row and the column.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .collector import paused
from .domain import Case, Instance, Practitioner
from .errors import InputError
from .files import digest, read_input, unescape_cell
from .rules import RULES_FILE, Rules, read_rules
from .wmt import contracted_hours, practitioner_capacity

PRACTITIONERS_FILE = "practitioners.csv"
CASES_FILE = "cases.csv"
INSTANCE_FILES = (PRACTITIONERS_FILE, CASES_FILE, RULES_FILE)
HEADER_ROW = 1
NEAR_MISS = 0.8
"""How alike an unknown header must be to a known column to be taken for a misspelling of it."""


@dataclass(frozen=True)
class LoadedInstance:
    """What an instance folder holds: the instance, the rules in force, and warnings for the user."""

    instance: Instance
    rules: Rules
    warnings: tuple[str, ...] = field(default=())
    digest: str = ""
    """``files.digest`` of the files as read: what a run records of its instance, so a file replaced while it
    ran is not taken for the one it solved ("": not read from a folder)."""


@dataclass(frozen=True)
class _TableSpec:
    file: str
    model: type[BaseModel]
    key: str
    required: tuple[str, ...]


_PRACTITIONERS = _TableSpec(PRACTITIONERS_FILE, Practitioner, "staff_code", ("staff_code", "grade"))
_CASES = _TableSpec(CASES_FILE, Case, "crn", ("crn", "rosh"))


def _decode(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(name, row, None, f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x})") from None


@dataclass(frozen=True)
class _Table:
    """A CSV file's rows, checked against its header but not yet validated: each record with the line a
    text editor shows it on, and the known columns as (cell index, column name)."""

    spec: _TableSpec
    width: int
    keep: tuple[tuple[int, str], ...]
    lines: Sequence[int]
    records: list[list[str]]

    def cells(self, values: list[str]) -> dict[str, str]:
        """A record's non-empty known cells, stripped and unescaped, by column."""
        cells = {}
        for i, column in self.keep:
            if i < len(values) and (cell := values[i].strip()):
                cells[column] = unescape_cell(cell) if cell[0] == "'" else cell
        return cells


def _read_table(path: Path, spec: _TableSpec) -> tuple[_Table, list[str], bytes]:
    """The rows of a CSV in ``spec``'s format, warnings for unknown columns, and the file's bytes as read;
    errors name the file as ``path.name``."""
    name = path.name
    spec = replace(spec, file=name)
    raw = read_input(path)
    text = _decode(name, raw)
    if "\x00" in text:
        raise InputError(name, text.count("\n", 0, text.index("\x00")) + 1, None, "contains a NUL byte")
    lines, records = _records(spec.file, text)
    if not records:
        raise InputError(spec.file, None, None, "file is empty: expected a header row")
    header_line, first = lines[0], records[0]
    header = [c.strip().lower() for c in first]
    _check_header(spec, header, header_line)
    known = set(spec.model.model_fields)
    for column in header:
        near = difflib.get_close_matches(column, sorted(known), n=1, cutoff=NEAR_MISS) if column not in known else []
        if near:  # a misspelt column would silently drop a rule: refuse it
            raise InputError(spec.file, header_line, column, f"unknown column: did you mean {near[0]!r}?")
    warnings = [f"{spec.file}: unknown column {c!r} ignored" for c in header if c not in known]
    if len(records) == 1:
        raise InputError(spec.file, None, None, "has a header but no rows")
    if max(map(len, records)) > len(header):
        line, values = next((n, r) for n, r in zip(lines, records, strict=True) if len(r) > len(header))
        raise InputError(spec.file, line, None, f"has {len(values)} cells, the header has {len(header)}")
    keep = tuple((i, c) for i, c in enumerate(header) if c in known)
    return _Table(spec, len(header), keep, lines[1:], records[1:]), warnings, raw


def _records(name: str, text: str) -> tuple[Sequence[int], list[list[str]]]:
    """The CSV's non-blank records, and the line a text editor shows each starting on (blank lines and
    newlines inside quoted cells counted). A file of one line per record, the usual kind, is read in
    one go: its lines are its record numbers."""
    if text.count("\r") != text.count("\r\n"):  # a lone return is a line break of its own to the CSV reader
        return _numbered_records(name, text)
    records = _unquoted_records(text)
    if records is None:
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:
            return _numbered_records(name, text)  # names the line
    if len(records) != text.count("\n") + (not text.endswith("\n")):
        return _numbered_records(name, text)
    if all(r and (r[0].strip() or any(cell.strip() for cell in r)) for r in records):
        return range(1, len(records) + 1), records
    return _numbered_records(name, text)


def _unquoted_records(text: str) -> list[list[str]] | None:
    """The records of a CSV with no quote character and no line longer than the CSV reader's cell limit,
    split at its commas (what the reader would give, in two thirds of the time); None for any other CSV."""
    if '"' in text:
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(text) > csv.field_size_limit() and max(map(len, lines)) > csv.field_size_limit():
        return None  # the reader refuses such a cell, and the error names its line
    return [line.split(",") for line in lines]


def _numbered_records(name: str, text: str) -> tuple[list[int], list[list[str]]]:
    """``_records`` one record at a time, counting lines as the CSV reader goes."""
    reader = csv.reader(io.StringIO(text, newline=""))
    lines, records, last = [], [], 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if any(cell.strip() for cell in record):
                lines.append(start)
                records.append(record)
    except csv.Error as exc:
        raise InputError(name, last + 1, None, f"not a well-formed CSV file: {exc}") from None
    return lines, records


def _check_header(spec: _TableSpec, header: list[str], line: int = HEADER_ROW) -> None:
    seen: set[str] = set()
    for col in header:
        if col == "":
            raise InputError(spec.file, line, None, "a column has an empty name")
        if col in seen:
            raise InputError(spec.file, line, col, "column appears twice")
        seen.add(col)
    for col in spec.required:
        if col not in seen:
            raise InputError(spec.file, line, col, "required column is missing")
    if spec.model is Case and "tier" not in seen and "points" not in seen:
        raise InputError(spec.file, line, "tier", "required column is missing (or give a points column)")


def explain_error(error: dict[str, Any], cells: dict[str, Any]) -> tuple[str | None, str]:
    """A pydantic error as (the column it is about, a message for people): the one translation, used for
    CSV rows and scenario entries alike."""
    column = _column_of(error)
    if error.get("type") == "extra_forbidden":
        return column, "unknown column"
    return column, _message(error, column, cells)


def _column_of(error: dict[str, Any]) -> str | None:
    """The column a pydantic error is about; model-level errors say it as 'column: message'."""
    if error["loc"]:
        return str(error["loc"][0])
    prefix = error["msg"].removeprefix("Value error, ").split(":", 1)[0]
    return prefix if prefix.isidentifier() else None


def _message(error: dict[str, Any], column: str | None, cells: dict[str, str]) -> str:
    msg = error["msg"].removeprefix("Value error, ")
    if column and msg.startswith(column + ": "):
        msg = msg[len(column) + 2 :]
    if column in cells:
        return f"{msg} (got {cells[column]!r})"
    return msg


def _parse_rows(table: _Table) -> list[Any]:
    """Every row validated into the spec's model, in order; the first bad row raises its InputError (a
    repeated key included: keys are compared once all rows are read, or when a row fails, among the rows
    before it, so the row named is the same as if each were checked as it was read)."""
    items: list[Any] = []
    recode = _Recoder.of(table)
    try:
        for line, values in zip(table.lines, table.records, strict=True):
            item = recode.fast(values) if recode else None
            if item is None:
                item = _validate(table, line, values)
                if recode:
                    recode.learn(values, item)
            items.append(item)
    except InputError:
        _check_keys(table, items)
        raise
    _check_keys(table, items)
    return items


def _check_keys(table: _Table, items: list[Any]) -> None:
    """The first of ``items`` (the first rows of the table) whose key an earlier one has, as an InputError."""
    spec = table.spec
    keys = [getattr(item, spec.key) for item in items]
    if len(set(keys)) == len(keys):
        return
    first_row: dict[str, int] = {}
    for line, key in zip(table.lines, keys, strict=False):
        if key in first_row:
            raise InputError(spec.file, line, spec.key, f"duplicate {spec.key} {key!r} (first on row {first_row[key]})")
        first_row[key] = line


def _validate(table: _Table, line: int, values: list[str]) -> Any:
    """One row through the model's full validation; its first error as an InputError naming the cell."""
    cells = table.cells(values)
    try:
        return table.spec.model.model_validate(cells)
    except ValidationError as exc:
        column, message = explain_error(dict(exc.errors()[0]), cells)
        raise InputError(table.spec.file, line, column, message) from None


@dataclass
class _Recoder:
    """Cases whose cells are the same but for their codes are validated once: the rest get the first
    one's fields under their own codes (``Case.recoded``), which check the codes as validation would.
    A row that is not plain (short, a code quoted against spreadsheet formulas) is validated in full."""

    width: int
    shape: Callable[[list[str]], tuple[str, ...]]
    crn: int
    staff_code: int | None
    seen: dict[tuple[tuple[str, ...], bool], Case] = field(default_factory=dict)

    @classmethod
    def of(cls, table: _Table) -> _Recoder | None:
        if table.spec.model is not Case:
            return None
        where = {column: i for i, column in table.keep}
        others = [i for i, column in table.keep if column not in Case.CODES]
        shape = itemgetter(*others, *others[:1])  # a tuple whatever the number of columns
        return cls(table.width, shape, where["crn"], where.get("staff_code"))

    def fast(self, values: list[str]) -> Case | None:
        if len(values) != self.width:
            return None
        crn = values[self.crn]  # a code with spaces around it is validated in full (``recoded``)
        staff_code = "" if self.staff_code is None else values[self.staff_code]
        template = self.seen.get((self.shape(values), bool(staff_code)))
        if template is None or crn[:1] == "'" or staff_code[:1] == "'":
            return None
        return template.recoded(crn, staff_code)

    def learn(self, values: list[str], case: Case) -> None:
        if len(values) == self.width:
            self.seen.setdefault((self.shape(values), case.allocated), case)


def hours_problem(practitioner: Practitioner, rules: Rules) -> str | None:
    """Why a practitioner's hours are impossible under the rules (the reduction column), or None."""
    if practitioner.reduction_hours > contracted_hours(practitioner, rules):
        return "must not exceed contracted_hours (default: the grade's hours)"
    return None


def holder_problem(case: Case, capacity: dict[str, int]) -> str | None:
    """Why a case's holder is impossible (the staff_code column), or None."""
    if not case.staff_code:
        return None
    if case.staff_code not in capacity:
        return f"unknown practitioner {case.staff_code!r}"
    if capacity[case.staff_code] <= 0:
        return (
            f"held by {case.staff_code!r}, who has 0 available points (check their grade, hours and "
            "reductions, or leave staff_code empty so the case is reallocated)"
        )
    return None


def _check_hours(rows: Sequence[int], practitioners: list[Practitioner], rules: Rules) -> None:
    for row, practitioner in zip(rows, practitioners, strict=True):
        if problem := hours_problem(practitioner, rules):
            raise InputError(PRACTITIONERS_FILE, row, "reduction_hours", problem)


def _check_holders(case_rows: Sequence[int], cases: list[Case], capacity: dict[str, int]) -> None:
    if {c.staff_code for c in cases} <= {code for code, room in capacity.items() if room > 0} | {""}:
        return  # every holder known and with room: no row to name
    for row, case in zip(case_rows, cases, strict=True):
        if problem := holder_problem(case, capacity):
            raise InputError(CASES_FILE, row, "staff_code", problem)


def read_cases_file(path: Path) -> tuple[list[Case], list[str]]:
    """Cases from any CSV in cases.csv's format (a scenario's extra demand), with warnings; errors name it."""
    table, warnings, _ = _read_table(path, _CASES)
    return _parse_rows(table), warnings


def read_instance(folder: Path) -> LoadedInstance:
    """Read and validate an instance folder; raises InputError on the first problem found."""
    with paused():  # else half a national read is collections, and a validate's summary after it 2.6 s, not 1.1
        return _read_instance(Path(folder))


def _read_instance(folder: Path) -> LoadedInstance:
    if not folder.is_dir():
        raise InputError(str(folder), None, None, "instance folder not found")
    rules, rules_raw = read_rules(folder / RULES_FILE)
    p_table, p_warn, p_raw = _read_table(folder / PRACTITIONERS_FILE, _PRACTITIONERS)
    c_table, c_warn, c_raw = _read_table(folder / CASES_FILE, _CASES)
    read = [
        (PRACTITIONERS_FILE, p_raw),
        (CASES_FILE, c_raw),
        *([(RULES_FILE, rules_raw)] if rules_raw is not None else []),
    ]
    practitioners = _parse_rows(p_table)
    cases = _parse_rows(c_table)
    _check_hours(p_table.lines, practitioners, rules)
    capacity = {p.staff_code: practitioner_capacity(p, rules) for p in practitioners}
    _check_holders(c_table.lines, cases, capacity)
    # every row is validated, and the keys and holders checked with their rows named: Instance's own
    # cross-check would repeat that over every case (a tenth of a second for a national file)
    instance = Instance.model_construct(practitioners=tuple(practitioners), cases=tuple(cases))
    return LoadedInstance(instance=instance, rules=rules, warnings=tuple(p_warn + c_warn), digest=digest(read))

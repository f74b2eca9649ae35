"""What-if scenarios: a named set of changes to an instance (rules, practitioners changed, leavers, joiners,
extra demand), read from TOML and applied as a pure function to a new, validated instance.

Applying a scenario goes through the same validation as reading files does (the domain types, the hours
and holder checks), and every error names the scenario file and the key, e.g. ``join[2].grade``.
A leaver's cases, pinned or not, become unallocated in the applied instance: the solve reallocates them
like any new case and reports them as forced moves, apart from the transfer budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .domain import Case, Instance, Practitioner
from .errors import InputError, ScenarioError
from .files import read_toml
from .reader import LoadedInstance, explain_error, holder_problem, hours_problem, read_cases_file
from .rules import Rules, merge_rules
from .wmt import practitioner_capacity

SCENARIO_KEYS = frozenset({"name", "rules", "change", "leave", "join", "demand"})
JOIN_PREFIX = "NEW"
DEMAND_PREFIX = "EXTRA"
BASELINE = "baseline"
MAX_COUNT = 10_000
"""The most joiners or demand copies one entry may add."""


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file: its name, its file and its tables as written (validated when applied)."""

    name: str
    path: Path
    rules: dict[str, Any] = field(default_factory=dict)
    change: tuple[dict[str, Any], ...] = ()
    leave: tuple[dict[str, Any], ...] = ()
    join: tuple[dict[str, Any], ...] = ()
    demand: tuple[dict[str, Any], ...] = ()

    @property
    def file(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Applied:
    """A scenario applied: the new instance and rules, the leavers' cases, and what changed, in words."""

    scenario: Scenario
    loaded: LoadedInstance
    forced: frozenset[str]
    """CRNs of the leavers' cases: forced moves, never counted against the transfer budget."""
    changes: tuple[str, ...]


def load_scenario(path: Path) -> Scenario:
    """Read a scenario TOML file; unknown keys and wrong shapes are errors naming the file and key."""
    path = Path(path)
    data = read_toml(path, ScenarioError)
    unknown = sorted(set(data) - SCENARIO_KEYS)
    if unknown:
        raise ScenarioError(path.name, None, unknown[0], f"unknown key (expected {', '.join(sorted(SCENARIO_KEYS))})")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(path.name, None, "name", "must be non-empty text")
    if not isinstance(data.get("rules", {}), dict):
        raise ScenarioError(path.name, None, "rules", "must be a table ([rules])")
    tables = {key: _entries(path.name, key, data.get(key, [])) for key in ("change", "leave", "join", "demand")}
    return Scenario(name=name.strip(), path=path, rules=data.get("rules", {}), **tables)


def _entries(file: str, key: str, value: object) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ScenarioError(file, None, key, f"must be an array of tables ([[{key}]])")
    return tuple(value)


def apply_scenario(loaded: LoadedInstance, scenario: Scenario) -> Applied:
    """The instance with the scenario's changes, in order: rules, changes, leavers, joiners, demand."""
    file = scenario.file
    changes: list[str] = []
    rules = loaded.rules
    if scenario.rules:
        try:
            rules = merge_rules(rules, scenario.rules, file)
        except InputError as exc:
            raise ScenarioError(file, None, f"rules.{exc.column}", exc.message) from None
        changes.append("rules: " + ", ".join(f"{k} changed" for k in sorted(scenario.rules)))
    staff = {p.staff_code: p for p in loaded.instance.practitioners}
    changed: dict[str, str] = {}  # staff_code -> its change entry, for the errors of _checked
    demanded: dict[str, str] = {}  # crn -> its demand entry, likewise
    for i, entry in enumerate(scenario.change, start=1):
        code = _staff_code(file, f"change[{i}]", entry, staff)
        fields = {k: v for k, v in entry.items() if k != "staff_code"}
        updated = dict(staff[code].model_dump(), **fields)
        staff[code] = _validated(Practitioner, updated, file, f"change[{i}]")
        changed[code] = f"change[{i}]"
        changes.append(f"{code}: " + ", ".join(f"{k} = {_plain(v)}" for k, v in sorted(fields.items())))
    cases = list(loaded.instance.cases)
    leavers: set[str] = set()
    for i, entry in enumerate(scenario.leave, start=1):
        _only(file, f"leave[{i}]", entry, {"staff_code"})
        code = _staff_code(file, f"leave[{i}]", entry, staff)
        if code in leavers:
            raise ScenarioError(file, None, f"leave[{i}].staff_code", f"{code!r} already leaves")
        leavers.add(code)
    forced = frozenset(c.crn for c in cases if c.staff_code in leavers)
    cases = [c.model_copy(update={"staff_code": "", "pinned": False}) if c.crn in forced else c for c in cases]
    for code in sorted(leavers):
        held = sum(1 for c in loaded.instance.cases if c.staff_code == code)
        changes.append(f"{code} leaves: {held} cases to reallocate")
        del staff[code]
    joined = _joiners(scenario, staff, rules)
    staff.update({p.staff_code: p for p in joined})
    if joined:
        changes.append(f"{len(joined)} joiner(s): " + ", ".join(f"{p.staff_code} ({p.grade.value})" for p in joined))
    extra = _demand(scenario, {c.crn for c in cases}, demanded)
    if extra:
        changes.append(f"{len(extra)} extra case(s)")
    instance = _checked(file, tuple(staff.values()), (*cases, *extra), rules, changed, demanded)
    return Applied(scenario, LoadedInstance(instance, rules, loaded.warnings), forced, tuple(changes))


def _joiners(scenario: Scenario, staff: dict[str, Practitioner], rules: Rules) -> list[Practitioner]:
    file, numbered = scenario.file, 0
    joined: list[Practitioner] = []
    for i, entry in enumerate(scenario.join, start=1):
        where = f"join[{i}]"
        if "grade" not in entry:
            raise ScenarioError(file, None, f"{where}.grade", "required: the joiner's grade")
        count = _count(file, where, entry)
        fields = {k: v for k, v in entry.items() if k != "count"}
        for n in range(1, count + 1):
            if "staff_code" in entry:
                code = str(entry["staff_code"]) if count == 1 else f"{entry['staff_code']}-{n}"
            else:
                numbered += 1
                code = f"{JOIN_PREFIX}-{numbered}"
            if code in staff or any(p.staff_code == code for p in joined):
                raise ScenarioError(file, None, f"{where}.staff_code", f"{code!r} is already a practitioner")
            practitioner = _validated(Practitioner, dict(fields, staff_code=code), file, where)
            if problem := hours_problem(practitioner, rules):
                raise ScenarioError(file, None, f"{where}.reduction_hours", problem)
            joined.append(practitioner)
    return joined


def _demand(scenario: Scenario, existing: set[str], demanded: dict[str, str]) -> list[Case]:
    """The extra cases, each crn's entry noted in ``demanded``."""
    file, numbered = scenario.file, 0
    extra: list[Case] = []
    taken = set(existing)
    for i, entry in enumerate(scenario.demand, start=1):
        where = f"demand[{i}]"
        if "cases" in entry:
            _only(file, where, entry, {"cases"})
            found, _ = read_cases_file(scenario.path.parent / str(entry["cases"]))
        else:
            count = _count(file, where, entry)
            fields = {k: v for k, v in entry.items() if k != "count"}
            found = []
            for n in range(1, count + 1):
                if "crn" in entry:
                    crn = str(entry["crn"]) if count == 1 else f"{entry['crn']}-{n}"
                else:
                    numbered += 1
                    while f"{DEMAND_PREFIX}-{numbered}" in taken:
                        numbered += 1
                    crn = f"{DEMAND_PREFIX}-{numbered}"
                found.append(_validated(Case, dict(fields, crn=crn), file, where))
        for case in found:
            if case.crn in taken:
                raise ScenarioError(file, None, f"{where}.crn", f"case {case.crn!r} is already in the instance")
            taken.add(case.crn)
            demanded[case.crn] = where
        extra += found
    return extra


def _checked(
    file: str,
    staff: tuple[Practitioner, ...],
    cases: tuple[Case, ...],
    rules: Rules,
    changed: dict[str, str],
    demanded: dict[str, str],
) -> Instance:
    """The files' own cross-checks on the applied instance: hours under the (new) rules, known holders. An
    error names the entry that caused it (``changed``: staff_code -> change entry; ``demanded``: crn -> demand
    entry), else the rules."""
    for p in staff:
        if problem := hours_problem(p, rules):
            raise ScenarioError(
                file, None, changed.get(p.staff_code, "rules"), f"practitioner {p.staff_code}: {problem}"
            )
    capacity = {p.staff_code: practitioner_capacity(p, rules) for p in staff}
    for case in cases:
        if problem := holder_problem(case, capacity):
            cause = demanded.get(case.crn) or changed.get(case.staff_code, "rules")
            raise ScenarioError(file, None, cause, f"case {case.crn}: {problem}")
    try:
        return Instance(practitioners=staff, cases=cases)
    except ValidationError as exc:
        raise ScenarioError(file, None, None, exc.errors()[0]["msg"].removeprefix("Value error, ")) from None


def _validated(model: type[BaseModel], data: dict[str, Any], file: str, where: str) -> Any:
    """``model`` from ``data`` (TOML values: numbers, booleans, text, or a list for skills)."""
    cells = {k: _cell(v) for k, v in data.items()}
    try:
        return model.model_validate(cells)
    except ValidationError as exc:
        column, message = explain_error(dict(exc.errors()[0]), cells)
        raise ScenarioError(file, None, f"{where}.{column}" if column else where, message) from None


def _cell(value: object) -> object:
    """TOML numbers become text the way a CSV cell would be read (so 37 and 37.0 behave alike)."""
    if isinstance(value, bool | list):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    return value


def _staff_code(file: str, where: str, entry: dict[str, Any], staff: dict[str, Practitioner]) -> str:
    code = entry.get("staff_code")
    if code is None:
        raise ScenarioError(file, None, f"{where}.staff_code", "required")
    if str(code) not in staff:
        raise ScenarioError(file, None, f"{where}.staff_code", f"unknown practitioner {code!r}")
    return str(code)


def _count(file: str, where: str, entry: dict[str, Any]) -> int:
    count = entry.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ScenarioError(file, None, f"{where}.count", f"must be a whole number from 1 to {MAX_COUNT}")
    return count


def _only(file: str, where: str, entry: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(entry) - allowed)
    if extra:
        raise ScenarioError(file, None, f"{where}.{extra[0]}", f"unknown key (expected {', '.join(sorted(allowed))})")


def _plain(value: object) -> str:
    return ";".join(map(str, value)) if isinstance(value, list) else str(value)


def slug(name: str, taken: set[str]) -> str:
    """A safe folder name for a run (letters, digits, dashes), unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "scenario"
    candidate, n = base, 1
    while candidate in taken or candidate == BASELINE:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate

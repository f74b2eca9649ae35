"""The rules a manager or admin may change: points table, WMT targets, eligibility, caps.

Defaults are those of ``shared/domain.md`` (the MoJ workload service's seed values and the product's
default eligibility table). A ``rules.toml`` overrides any part of them; ``optimiser rules`` prints the
merged result so a user can start from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from .domain import BASE_TIERS, Case, CaseType, Frozen, Grade, Rosh
from .errors import TomlError
from .files import parse_toml, read_input

RULES_FILE = "rules.toml"
MAX_CASE_POINTS = 100_000
"""The most points one case may carry (a case's own ``points`` column has the same limit)."""

_POINT_ROWS = {
    CaseType.COMMUNITY: (206, 158, 146, 110, 146, 115, 102, 72, 79, 63, 50, 35, 51, 41, 29, 29),
    CaseType.LICENSE: (219, 175, 163, 0, 161, 132, 119, 0, 77, 65, 52, 0, 51, 43, 31, 0),
    CaseType.CUSTODY: (75, 60, 59, 0, 59, 48, 47, 0, 30, 24, 23, 0, 17, 14, 13, 0),
}

_POINTS_KEY = attrgetter("points", "case_type", "tier")
"""What a case's points depend on."""
_ALL_ROSH = [r.value for r in Rosh]

DEFAULTS: dict[str, Any] = {
    "protected_cap_pct": 100,
    "thresholds_pct": [100, 110, 120],
    "red_pct": 110,
    "grades": {
        Grade.PO.value: {"nominal_target": 2176, "default_hours": 37, "allowed_rosh": _ALL_ROSH, "max_mappa": 3},
        Grade.PQIP.value: {
            "nominal_target": 2176,
            "default_hours": 37,
            "allowed_rosh": ["LOW", "MEDIUM", "HIGH"],
            "max_mappa": 1,
        },
        Grade.PSO.value: {
            "nominal_target": 2176,
            "default_hours": 37,
            "allowed_rosh": ["LOW", "MEDIUM"],
            "max_mappa": 0,
        },
        Grade.SPO.value: {"nominal_target": 0, "default_hours": 37, "allowed_rosh": _ALL_ROSH, "max_mappa": 3},
    },
    "points": {ct.value: dict(zip(BASE_TIERS, row, strict=True)) for ct, row in _POINT_ROWS.items()},
}


class GradeRules(Frozen):
    """WMT target and eligibility for one grade."""

    nominal_target: int = Field(ge=0, le=1_000_000)
    default_hours: Decimal = Field(ge=1, le=60, allow_inf_nan=False)
    allowed_rosh: frozenset[Rosh]
    max_mappa: int = Field(ge=0, le=3)


class Rules(Frozen):
    """All configurable rules in force for a solve."""

    protected_cap_pct: Decimal = Field(gt=0, le=10_000, allow_inf_nan=False)
    thresholds_pct: tuple[Decimal, ...] = Field(min_length=1, max_length=10)
    red_pct: Decimal = Field(gt=0, le=10_000, allow_inf_nan=False)
    grades: dict[Grade, GradeRules]
    points: dict[CaseType, dict[str, int]]

    @model_validator(mode="after")
    def _complete(self) -> Rules:
        missing = [g.value for g in Grade if g not in self.grades]
        if missing:
            raise ValueError(f"grades: missing {', '.join(missing)}")
        for case_type in CaseType:
            table = self.points.get(case_type)
            if table is None:
                raise ValueError(f"points: missing case type {case_type.value}")
            unknown = sorted(set(table) - set(BASE_TIERS) - {t + "S" for t in BASE_TIERS})
            if unknown:
                raise ValueError(f"points.{case_type.value}: unknown tier {unknown[0]}")
            absent = [t for t in BASE_TIERS if t not in table]
            if absent:
                raise ValueError(f"points.{case_type.value}: missing tier {absent[0]}")
            if any(not 0 <= v <= MAX_CASE_POINTS for v in table.values()):
                raise ValueError(f"points.{case_type.value}: points must be from 0 to {MAX_CASE_POINTS}")
        return self

    def case_points(self, case: Case) -> int:
        """Workload points of a case: its explicit points, else the table's (S tiers fall back to non-S)."""
        if case.points is not None:
            return case.points
        table = self.points[case.case_type]
        assert case.tier is not None
        return table.get(case.tier, table[case.tier.rstrip("S")])

    def points_of(self, cases: Iterable[Case]) -> list[int]:
        """``case_points`` of many cases, the table looked up once per case type and tier."""
        table: dict[tuple[Any, ...], int] = {}
        found = []
        for case in cases:
            key = _POINTS_KEY(case)
            if key not in table:
                table[key] = self.case_points(case)
            found.append(table[key])
        return found

    def grade_allows(self, grade: Grade, rosh: Rosh, mappa_level: int) -> bool:
        """The eligibility table: may this grade hold a case of this RoSH and MAPPA level?"""
        rule = self.grades[grade]
        return rosh in rule.allowed_rosh and mappa_level <= rule.max_mappa


def rules_as_dict(rules: Rules) -> dict[str, Any]:
    """The rules as plain TOML-ready values, in ``rules.toml``'s keys (for merging a scenario's overrides)."""
    return {
        "protected_cap_pct": rules.protected_cap_pct,
        "thresholds_pct": list(rules.thresholds_pct),
        "red_pct": rules.red_pct,
        "grades": {
            grade.value: {
                "nominal_target": rule.nominal_target,
                "default_hours": rule.default_hours,
                "allowed_rosh": [r.value for r in Rosh if r in rule.allowed_rosh],
                "max_mappa": rule.max_mappa,
            }
            for grade, rule in rules.grades.items()
        },
        "points": {case_type.value: dict(table) for case_type, table in rules.points.items()},
    }


def merge_rules(rules: Rules, overrides: dict[str, Any], source: str) -> Rules:
    """``overrides`` (rules.toml's keys) merged over ``rules``; errors name ``source`` and the key."""
    return rules_from_dict(_merge(rules_as_dict(rules), _normalise_keys(overrides)), source)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _normalise_keys(data: dict[str, Any]) -> dict[str, Any]:
    """Accept grade, case type and tier keys in any letter case."""
    data = dict(data)
    if isinstance(data.get("grades"), dict):
        data["grades"] = {_grade_key(k): v for k, v in data["grades"].items()}
    if isinstance(data.get("points"), dict):
        data["points"] = {
            str(k).upper(): ({str(t).upper(): p for t, p in v.items()} if isinstance(v, dict) else v)
            for k, v in data["points"].items()
        }
    return data


def _grade_key(key: str) -> str:
    member = Grade._missing_(key)
    return member.value if member else key


def rules_from_dict(data: dict[str, Any], source: str = RULES_FILE) -> Rules:
    """Merge ``data`` over the defaults and validate; errors name the offending key."""
    merged = _merge(DEFAULTS, _normalise_keys(data))
    try:
        return Rules.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        key = ".".join(str(part) for part in err["loc"])
        if not key and ": " in message:  # a whole-table check says which key it is about first
            key, message = message.split(": ", 1)
        raise TomlError(source, None, key or None, message) from None


def load_rules(path: Path | None) -> Rules:
    """Rules from a TOML file (or the defaults when ``path`` is None or absent)."""
    return read_rules(path)[0]


def read_rules(path: Path | None) -> tuple[Rules, bytes | None]:
    """``load_rules``'s rules and the file's bytes as read (None: no file, the defaults)."""
    if path is None or not os.path.lexists(path):
        return rules_from_dict({}), None
    raw = read_input(path)
    return rules_from_dict(parse_toml(raw, path.name, TomlError), path.name), raw


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple, frozenset, set)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def dump_toml(rules: Rules) -> str:
    """The rules as a TOML document that ``load_rules`` reads back to the same rules."""
    lines = [
        "# Rules in force: defaults merged with rules.toml. Save as rules.toml in an instance folder and edit.",
        "",
        "# WMT % cap for practitioners marked protected (a personal max_wmt_pct overrides it).",
        f"protected_cap_pct = {rules.protected_cap_pct}",
        "# WMT % lines the terminal summary counts practitioners over.",
        f"thresholds_pct = [{', '.join(str(t) for t in rules.thresholds_pct)}]",
        "# WMT % above which 'validate' lists a practitioner as overloaded (the inspectorate's red line).",
        f"red_pct = {rules.red_pct}",
    ]
    for grade in Grade:
        rule = rules.grades[grade]
        rosh = [r.value for r in Rosh if r in rule.allowed_rosh]
        lines += [
            "",
            f"[grades.{grade.value}]",
            "# available points = floor(nominal_target * (contracted - reduction hours) / default_hours)",
            f"nominal_target = {rule.nominal_target}",
            f"default_hours = {rule.default_hours}",
            "# may hold cases with these RoSH levels and MAPPA up to max_mappa",
            f"allowed_rosh = {_toml_value(rosh)}",
            f"max_mappa = {rule.max_mappa}",
        ]
    for case_type in CaseType:
        table = rules.points[case_type]
        lines += ["", f"[points.{case_type.value}]"]
        lines += [f"{tier} = {table[tier]}" for tier in BASE_TIERS]
        overridden = [t + "S" for t in BASE_TIERS if t + "S" in table and table[t + "S"] != table[t]]
        lines += ["# S tiers not listed take the points of the tier without S"]
        lines += [f"{tier} = {table[tier]}" for tier in overridden]
    return "\n".join(lines) + "\n"

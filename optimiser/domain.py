"""Validated, immutable domain types: practitioners, cases and the instance that holds them.

Everything downstream (the model, the verifier, the writer) works from these types only, so an
instance can be copied and changed (``model_copy(update=...)``) for what-if runs without touching files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class CaseInsensitiveEnum(str, Enum):
    """A string enum that accepts any letter case, as exported spreadsheets vary."""

    @classmethod
    def _missing_(cls, value: object):
        if isinstance(value, str):
            wanted = value.strip().upper()
            for member in cls:
                if member.value.upper() == wanted:
                    return member
        return None


class Grade(CaseInsensitiveEnum):
    PO = "PO"
    PQIP = "PQiP"
    PSO = "PSO"
    SPO = "SPO"


class Rosh(CaseInsensitiveEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    VERY_HIGH = "VERY_HIGH"


class CaseType(CaseInsensitiveEnum):
    COMMUNITY = "COMMUNITY"
    LICENSE = "LICENSE"
    CUSTODY = "CUSTODY"


CODE_LENGTH = 64
"""The longest staff code, CRN, pdu or team code (the run history's columns hold 64 characters)."""
NAME_LENGTH = 200
MAX_SKILLS, SKILL_LENGTH = 50, 32

_new, _set = object.__new__, object.__setattr__
_SET_FIELDS_SET, _SET_EXTRA, _SET_PRIVATE = (
    BaseModel.__dict__[slot].__set__
    for slot in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
)
"""A model's own slots set directly, as pydantic's ``model_construct`` does, for a case copied hundreds of
thousands of times (``Case.recoded``)."""

TIER_LETTERS = "ABCD"
TIER_DIGITS = "3210"
BASE_TIERS = tuple(letter + digit for letter in TIER_LETTERS for digit in TIER_DIGITS)
ALL_TIERS = BASE_TIERS + tuple(tier + "S" for tier in BASE_TIERS)


def _codes(value: object) -> frozenset[str]:
    """Parse a ``;``-separated list of codes (skills) into a set, upper-cased, within the limits."""
    parts: Iterable[object] = (
        value.split(";") if isinstance(value, str) else value if isinstance(value, Iterable) else ()
    )
    codes = frozenset(str(part).strip().upper() for part in parts if str(part).strip())
    if len(codes) > MAX_SKILLS or any(len(code) > SKILL_LENGTH for code in codes):
        raise ValueError(f"at most {MAX_SKILLS} codes of at most {SKILL_LENGTH} characters each")
    return codes


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Practitioner(Frozen):
    """A member of staff who may hold cases."""

    staff_code: str = Field(min_length=1, max_length=CODE_LENGTH)
    name: str = Field(default="", max_length=NAME_LENGTH)
    grade: Grade
    pdu: str = Field(default="", max_length=CODE_LENGTH)
    team_code: str = Field(default="", max_length=CODE_LENGTH)
    contracted_hours: Decimal | None = Field(default=None, ge=0, le=60, allow_inf_nan=False)
    reduction_hours: Decimal = Field(default=Decimal(0), ge=0, le=60, allow_inf_nan=False)
    other_points: int = Field(default=0, ge=0, le=1_000_000)
    protected: bool = False
    max_wmt_pct: Decimal | None = Field(default=None, gt=0, le=10_000, allow_inf_nan=False)
    skills: frozenset[str] = frozenset()

    _split_skills = field_validator("skills", mode="before")(_codes)

    @model_validator(mode="after")
    def _reduction_within_contract(self) -> Practitioner:
        if self.contracted_hours is not None and self.reduction_hours > self.contracted_hours:
            raise ValueError("reduction_hours: must not exceed contracted_hours")
        return self


class Case(Frozen):
    """A case (a person on probation), allocated (staff_code set) or not."""

    crn: str = Field(min_length=1, max_length=CODE_LENGTH)
    tier: str | None = None
    case_type: CaseType = CaseType.COMMUNITY
    rosh: Rosh
    mappa_level: int = Field(default=0, ge=0, le=3)
    staff_code: str = Field(default="", max_length=CODE_LENGTH)
    pinned: bool = False
    points: int | None = Field(default=None, ge=0, le=100_000)
    required_skills: frozenset[str] = frozenset()
    pdu: str = Field(default="", max_length=CODE_LENGTH)

    _split_skills = field_validator("required_skills", mode="before")(_codes)

    @field_validator("tier", mode="before")
    @classmethod
    def _known_tier(cls, value: object) -> object:
        if value is None or value == "":
            return None
        tier = str(value).strip().upper()
        if tier not in ALL_TIERS:
            raise ValueError(f"unknown tier {value!r}: expected one of A3..D0, optionally with an S suffix")
        return tier

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.tier is None and self.points is None:
            raise ValueError("tier: a case needs a tier or explicit points")
        if self.pinned and not self.staff_code:
            raise ValueError("pinned: a pinned case must be allocated (staff_code is empty)")
        return self

    @property
    def allocated(self) -> bool:
        return bool(self.staff_code)

    CODES: ClassVar[tuple[str, str]] = ("crn", "staff_code")
    """The cells that tell one case from another; a national file's cases are otherwise alike in a few
    thousand ways, so the reader validates each way once and gives its cases their own codes."""

    def recoded(self, crn: str, staff_code: str) -> Case | None:
        """This case with another crn and staff_code, every other field as validated here: the codes are
        checked as validation would (stripped, within CODE_LENGTH, crn not empty, staff_code empty exactly
        when it is here, which the pinned rule looks at), and None means "validate the row in full"."""
        if (
            not 0 < len(crn) <= CODE_LENGTH
            or len(staff_code) > CODE_LENGTH
            or bool(staff_code) != bool(self.staff_code)
        ):
            return None
        if crn != crn.strip() or staff_code != staff_code.strip():
            return None
        fields = self.__dict__.copy()
        fields["crn"], fields["staff_code"] = crn, staff_code
        case = _new(Case)
        _set(case, "__dict__", fields)
        _SET_FIELDS_SET(case, self.__pydantic_fields_set__)
        _SET_EXTRA(case, None)
        _SET_PRIVATE(case, None)
        return case


class Instance(Frozen):
    """A PDU's (or region's) practitioners and cases, cross-checked."""

    practitioners: tuple[Practitioner, ...]
    cases: tuple[Case, ...]

    @model_validator(mode="after")
    def _cross_check(self) -> Instance:
        codes = [p.staff_code for p in self.practitioners]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate staff_code")
        crns = [c.crn for c in self.cases]
        if len(set(crns)) != len(crns):
            raise ValueError("duplicate crn")
        unknown = {c.staff_code for c in self.cases} - set(codes) - {""}
        for case in self.cases if unknown else ():
            if case.staff_code in unknown:
                raise ValueError(f"case {case.crn} is held by unknown practitioner {case.staff_code}")
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Instance:
        """A copy, ``update``'s fields replaced (unvalidated, as pydantic's), without the indexes kept of this
        instance: they would describe its practitioners and cases, not the copy's."""
        copy = super().model_copy(update=update, deep=deep)
        for name in ("practitioner_index", "case_index", "unheld"):
            copy.__dict__.pop(name, None)
        return copy

    @cached_property
    def practitioner_index(self) -> dict[str, int]:
        return {p.staff_code: i for i, p in enumerate(self.practitioners)}

    @cached_property
    def case_index(self) -> dict[str, int]:
        """Each crn's position in ``cases``: a solve's changes are looked up by it, rather than the cases scanned."""
        return {c.crn: i for i, c in enumerate(self.cases)}

    @cached_property
    def unheld(self) -> tuple[int, ...]:
        """The positions in ``cases`` of the cases nobody holds: all a solve without transfers places, and
        where the unallocated after a solve are looked for."""
        return tuple([i for i, c in enumerate(self.cases) if not c.staff_code])


class Holders(Mapping[str, str]):
    """Every case's practitioner after a solve ('' when unallocated), read as a mapping by crn and kept as
    the instance's holders plus the changes to them: a national solve changes 24,000 of 273,000 cases, and
    every pass after it (the check, the workloads, the moves) need only look at those.

    A change may name a crn the instance does not have; it is kept, for the verifier to report."""

    __slots__ = ("_changed", "changes", "instance")

    def __init__(self, instance: Instance, changes: Mapping[str, str] | None = None) -> None:
        index, cases = instance.case_index, instance.cases
        self.instance = instance
        self.changes: dict[str, str] = {
            crn: code
            for crn, code in (changes or {}).items()
            if crn not in index or cases[index[crn]].staff_code != code
        }
        """crn -> holder after, for each case whose holder is not the instance's."""
        self._changed: tuple[tuple[int, Case, str], ...] | None = None

    def __getitem__(self, crn: str) -> str:
        code = self.changes.get(crn)
        return self.instance.cases[self.instance.case_index[crn]].staff_code if code is None else code

    def __iter__(self) -> Iterator[str]:
        return (c.crn for c in self.instance.cases)

    def __len__(self) -> int:
        return len(self.instance.cases)

    def changed(self) -> tuple[tuple[int, Case, str], ...]:
        """Each case of the instance that changed holder, as (its position in ``cases``, the case, its
        holder after), in the instance's order. Kept: the check, the workloads and the moves each ask."""
        if self._changed is None:
            index, cases = self.instance.case_index, self.instance.cases
            found = sorted(index[crn] for crn in self.changes if crn in index)
            self._changed = tuple((i, cases[i], self.changes[cases[i].crn]) for i in found)
        return self._changed

    def unknown(self) -> list[str]:
        """The changes' crns that are not the instance's, sorted."""
        return sorted(crn for crn in self.changes if crn not in self.instance.case_index)

    def unallocated(self) -> list[str]:
        """The crns of the cases with no practitioner after, sorted."""
        changes, index, cases = self.changes, self.instance.case_index, self.instance.cases
        kept = (cases[i].crn for i in self.instance.unheld if cases[i].crn not in changes)
        return sorted([*kept, *(crn for crn, code in changes.items() if not code and crn in index)])

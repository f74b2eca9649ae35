"""Who may hold which case under the hard rules, and why not: the one wording of every exclusion.

A case's eligibility depends only on its signature (RoSH, MAPPA level, required skills, pdu), so it is
computed once per signature: a PDU's thousands of cases share a few dozen. Every message that says why a
practitioner cannot take a case (verification, unallocated reasons, validate, explanations) comes from
``exclusion`` and the functions below, so the product says it one way everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .domain import Case, Instance, Practitioner, Rosh
from .rules import Rules
from .wmt import practitioner_capacity


@dataclass(frozen=True)
class Signature:
    """What eligibility looks at in a case."""

    rosh: Rosh
    mappa_level: int
    required_skills: frozenset[str]
    pdu: str

    @classmethod
    def of(cls, case: Case) -> Signature:
        return cls(case.rosh, case.mappa_level, case.required_skills, case.pdu)


class Rule(StrEnum):
    """The hard rules that can keep a practitioner from a case, in the order they are tested."""

    PDU = "pdu"
    CAPACITY = "no available points"
    GRADE = "grade rule"
    SKILLS = "skills"
    CAP = "WMT cap"


@dataclass(frozen=True)
class Exclusion:
    """One rule keeping one practitioner from a case, worded for people."""

    rule: Rule
    reason: str

    def __str__(self) -> str:
        return self.reason


def exclusion(practitioner: Practitioner, capacity: int, sig: Signature, rules: Rules) -> Exclusion | None:
    """The first hard rule that stops this practitioner taking a case of this signature, or None."""
    if sig.pdu and practitioner.pdu != sig.pdu:
        return Exclusion(Rule.PDU, f"not in pdu {sig.pdu!r}")
    if capacity <= 0:
        return Exclusion(Rule.CAPACITY, "no available points")
    if not rules.grade_allows(practitioner.grade, sig.rosh, sig.mappa_level):
        return Exclusion(
            Rule.GRADE, f"grade rule for RoSH {sig.rosh.value}, MAPPA {sig.mappa_level} ({practitioner.grade.value})"
        )
    if not sig.required_skills <= practitioner.skills:
        return Exclusion(Rule.SKILLS, f"missing skills {';'.join(sorted(sig.required_skills - practitioner.skills))}")
    return None


def capped_out(codes: Sequence[str], already: bool) -> str:
    """Why a case that some practitioners may hold was left unallocated: their caps."""
    where = "is already above" if already else "would go above"
    return f"every eligible practitioner ({_names(codes, 'and {n} more')}) {where} their WMT cap"


class Eligibility:
    """Eligible practitioners (by index) per case, with the reasons others are excluded."""

    def __init__(self, instance: Instance, rules: Rules):
        self.instance = instance
        self.rules = rules
        self.capacity = tuple(practitioner_capacity(p, rules) for p in instance.practitioners)
        self._cache: dict[Signature, tuple[int, ...]] = {}

    def eligible(self, case: Case) -> tuple[int, ...]:
        sig = Signature.of(case)
        if sig not in self._cache:
            self._cache[sig] = tuple(
                i
                for i, p in enumerate(self.instance.practitioners)
                if exclusion(p, self.capacity[i], sig, self.rules) is None
            )
        return self._cache[sig]

    def exclusions(self, case: Case) -> dict[str, list[str]]:
        """Each exclusion's wording with the staff codes it keeps from this case, most first."""
        sig = Signature.of(case)
        excluded: dict[str, list[str]] = defaultdict(list)
        for i, p in enumerate(self.instance.practitioners):
            found = exclusion(p, self.capacity[i], sig, self.rules)
            if found:
                excluded[found.reason].append(p.staff_code)
        return dict(sorted(excluded.items(), key=lambda kv: -len(kv[1])))

    def explain(self, case: Case) -> str:
        """Why nobody may take this case: each rule with whom it excluded."""
        excluded = self.exclusions(case)
        if not excluded:
            return "no practitioners"
        return "no eligible practitioner; " + "; ".join(f"{rule}: {_names(codes)}" for rule, codes in excluded.items())


def _names(codes: Sequence[str], more: str = "", shown: int = 3) -> str:
    """A short list of staff codes: all of them, or the first few and how many there are."""
    if len(codes) <= shown:
        return ", ".join(codes)
    if more:
        return ", ".join(codes[:shown]) + " " + more.format(n=len(codes) - shown)
    return f"{len(codes)} practitioners ({', '.join(codes[:shown])}, ...)"

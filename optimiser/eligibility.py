"""Who may hold which case under the hard rules, and why not.

A case's eligibility depends only on its signature (RoSH, MAPPA level, required skills, pdu), so it is
computed once per signature: a PDU's thousands of cases share a few dozen.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

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


RULE_PDU = "pdu"
RULE_CAPACITY = "no available points"
RULE_GRADE = "grade rule"
RULE_SKILLS = "skills"


def exclusion(practitioner: Practitioner, capacity: int, sig: Signature, rules: Rules) -> str | None:
    """The first hard rule that stops this practitioner taking a case of this signature, or None."""
    if sig.pdu and practitioner.pdu != sig.pdu:
        return RULE_PDU
    if capacity <= 0:
        return RULE_CAPACITY
    if not rules.grade_allows(practitioner.grade, sig.rosh, sig.mappa_level):
        return RULE_GRADE
    if not sig.required_skills <= practitioner.skills:
        return RULE_SKILLS
    return None


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

    def explain(self, case: Case) -> str:
        """Why nobody may take this case: each rule with whom it excluded."""
        sig = Signature.of(case)
        excluded: dict[str, list[str]] = defaultdict(list)
        for i, p in enumerate(self.instance.practitioners):
            rule = exclusion(p, self.capacity[i], sig, self.rules)
            if rule == RULE_GRADE:
                rule = f"grade rule for RoSH {sig.rosh.value}, MAPPA {sig.mappa_level} ({p.grade.value})"
            elif rule == RULE_SKILLS:
                rule = f"missing skills {';'.join(sorted(sig.required_skills - p.skills))}"
            elif rule == RULE_PDU:
                rule = f"not in pdu {sig.pdu!r}"
            if rule:
                excluded[rule].append(p.staff_code)
        if not excluded:
            return "no practitioners"
        parts = [f"{rule}: {_names(codes)}" for rule, codes in sorted(excluded.items(), key=lambda kv: -len(kv[1]))]
        return "no eligible practitioner; " + "; ".join(parts)


def _names(codes: list[str], shown: int = 3) -> str:
    if len(codes) <= shown:
        return ", ".join(codes)
    return f"{len(codes)} practitioners ({', '.join(codes[:shown])}, ...)"

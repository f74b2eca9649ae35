"""Who may hold which case under the hard rules, and why not: the one wording of every exclusion.

A case's eligibility depends only on its signature (RoSH, MAPPA level, required skills, pdu), so it is
computed once per signature: a PDU's thousands of cases share a few dozen. Every message that says why a
practitioner cannot take a case (verification, unallocated reasons, validate, explanations) comes from
``exclusion`` and the functions below, so the product says it one way everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from operator import attrgetter

from .domain import Case, Grade, Instance, Practitioner, Rosh
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
        return cls(*signature_key(case))


signature_key = attrgetter(*(f.name for f in fields(Signature)))
"""A case's signature fields as a plain tuple, in ``Signature``'s order (``Signature(*key)`` is the
signature): a key that many lookups share, hashed and compared faster than the dataclass."""


class Rule(StrEnum):
    """The hard rules that can keep a practitioner from a case, in the order they are tested."""

    PDU = "pdu"
    CAPACITY = "no available points"
    GRADE = "grade rule"
    SKILLS = "skills"
    CAP = "WMT cap"


RULES = tuple(Rule)
"""The rules in test order, as a tuple: iterating the enum itself costs more, and a national solve's
reasons scan thousands of signatures."""


@dataclass(frozen=True)
class Exclusion:
    """One rule keeping one practitioner from a case, worded for people."""

    rule: Rule
    reason: str

    def __str__(self) -> str:
        return self.reason


def wording(rule: Rule, sig: Signature) -> str:
    """How a rule that keeps practitioners from a case of this signature is said, everywhere: after a count
    ("12 not in pdu 'N'") or a staff code ("P07 without skill DA")."""
    if rule is Rule.PDU:
        return f"not in pdu {sig.pdu!r}"
    if rule is Rule.CAPACITY:
        return "with no available points"
    if rule is Rule.GRADE:
        return f"of a grade barred from RoSH {sig.rosh.value}, MAPPA {sig.mappa_level} (grade rule)"
    if rule is Rule.SKILLS:
        return f"without skill {';'.join(sorted(sig.required_skills))}"
    return "at their WMT cap"


def exclusion(practitioner: Practitioner, capacity: int, sig: Signature, rules: Rules) -> Exclusion | None:
    """The first hard rule that stops this practitioner taking a case of this signature, or None."""
    rule = excluding_rule(practitioner, capacity, sig, rules)
    return None if rule is None else Exclusion(rule, wording(rule, sig))


def excluding_rule(practitioner: Practitioner, capacity: int, sig: Signature, rules: Rules) -> Rule | None:
    """``exclusion``'s rule alone, for a count that needs no wording."""
    if sig.pdu and practitioner.pdu != sig.pdu:
        return Rule.PDU
    if capacity <= 0:
        return Rule.CAPACITY
    if not rules.grade_allows(practitioner.grade, sig.rosh, sig.mappa_level):
        return Rule.GRADE
    if not sig.required_skills <= practitioner.skills:
        return Rule.SKILLS
    return None


def capped_out(codes: Sequence[str], already: bool) -> str:
    """Why a case that some practitioners may hold was left unallocated: their caps."""
    where = "is already above" if already else "would go above"
    return f"WMT cap: every eligible practitioner ({_names(codes, 'and {n} more')}) {where} their WMT cap"


class Eligibility:
    """Eligible practitioners (by index) per case, with the reasons others are excluded.

    Practitioners are indexed by pdu, and within it grouped by what the rules look at (available points or
    none, grade, skills), so a signature is tested once per group, not once per practitioner: the work per
    case is proportional to the kinds of staff in its pdu, not to the whole instance.
    """

    def __init__(self, instance: Instance, rules: Rules):
        self.instance = instance
        self.rules = rules
        self.capacity = tuple(practitioner_capacity(p, rules) for p in instance.practitioners)
        self.by_pdu: dict[str, tuple[int, ...]] = {}
        for i, p in enumerate(instance.practitioners):
            self.by_pdu.setdefault(p.pdu, ())
            self.by_pdu[p.pdu] += (i,)
        self._groups: dict[str, list[tuple[int, ...]]] = {}
        self._cache: dict[Signature, tuple[tuple[int, ...], dict[Rule, int]]] = {}

    def candidates(self, sig: Signature) -> tuple[int, ...]:
        """Everyone the pdu rule lets near a case of this signature."""
        return self.in_pdu(sig.pdu)

    def in_pdu(self, pdu: str) -> tuple[int, ...]:
        """Everyone who may take a case of ``pdu`` by the pdu rule (everyone for a case without one)."""
        return self.by_pdu.get(pdu, ()) if pdu else tuple(range(len(self.capacity)))

    def _alike(self, pdu: str) -> list[tuple[int, ...]]:
        """The candidates for a case of ``pdu`` in groups every rule treats alike."""
        if pdu not in self._groups:
            staff = self.instance.practitioners
            groups: dict[tuple[bool, Grade, frozenset[str]], list[int]] = {}
            for i in self.in_pdu(pdu):
                groups.setdefault((self.capacity[i] > 0, staff[i].grade, staff[i].skills), []).append(i)
            self._groups[pdu] = [tuple(members) for members in groups.values()]
        return self._groups[pdu]

    def scan(self, sig: Signature) -> tuple[tuple[int, ...], dict[Rule, int]]:
        """Who may take a case of this signature, and how many each rule keeps out (the pdu rule counted
        without a scan)."""
        if sig not in self._cache:
            eligible: list[int] = []
            counts: Counter[Rule] = Counter()
            outside = len(self.capacity) - len(self.candidates(sig))
            if outside:
                counts[Rule.PDU] = outside
            staff, capacity = self.instance.practitioners, self.capacity
            for members in self._alike(sig.pdu):
                rule = excluding_rule(staff[members[0]], capacity[members[0]], sig, self.rules)
                if rule is not None:
                    counts[rule] += len(members)
                else:
                    eligible += members
            self._cache[sig] = tuple(sorted(eligible)), {rule: counts[rule] for rule in RULES if counts[rule]}
        return self._cache[sig]

    def eligible(self, case: Case) -> tuple[int, ...]:
        return self.scan(Signature.of(case))[0]

    def stranded(self, cases: Sequence[Case]) -> list[Case]:
        """The cases nobody may take, in order: each signature is looked at once (a national instance has
        24,000 new cases and a few hundred signatures)."""
        keys = list(map(signature_key, cases))
        blocked = {key for key in set(keys) if not self.scan(Signature(*key))[0]}
        return [case for case, key in zip(cases, keys, strict=True) if key in blocked] if blocked else []

    def exclusion(self, i: int, sig: Signature) -> Exclusion | None:
        return exclusion(self.instance.practitioners[i], self.capacity[i], sig, self.rules)

    def excluded_counts(self, case: Case) -> dict[Rule, int]:
        """How many practitioners each rule keeps from this case."""
        return self.scan(Signature.of(case))[1]

    def exclusions(self, case: Case) -> dict[str, list[str]]:
        """Each exclusion's wording with the staff codes it keeps from this case, most first (one case:
        every practitioner is looked at)."""
        sig = Signature.of(case)
        excluded: dict[str, list[str]] = {}
        for i, p in enumerate(self.instance.practitioners):
            found = self.exclusion(i, sig)
            if found:
                excluded.setdefault(found.reason, []).append(p.staff_code)
        return dict(sorted(excluded.items(), key=lambda kv: -len(kv[1])))

    def blocking(self, case: Case) -> Exclusion:
        """Why nobody may take this case: the rule that empties the field, with whom it excluded.

        The rules are applied in ``Rule`` order; the first that leaves nobody is the blocking one, so a
        case of pdu X needing a PO with skill DA reads "nobody ... has skill DA" only when X has POs.
        """
        sig = Signature.of(case)
        staff = self.instance.practitioners
        near = self.candidates(sig)
        where = f"in pdu {sig.pdu!r}" if sig.pdu else "in the instance"
        if not near:
            return Exclusion(Rule.PDU, f"pdu: no practitioner {where}")
        with_points = [i for i in near if self.capacity[i] > 0]
        if not with_points:
            return Exclusion(Rule.CAPACITY, f"no available points: nobody {where} has any ({self._codes(near)})")
        graded = [i for i in with_points if self.rules.grade_allows(staff[i].grade, sig.rosh, sig.mappa_level)]
        if not graded:
            allowed = [g.value for g in Grade if self.rules.grade_allows(g, sig.rosh, sig.mappa_level)]
            needs = " or ".join(allowed) if allowed else "a grade the rules allow (none does)"
            return Exclusion(
                Rule.GRADE,
                f"grade rule: nobody {where} may hold RoSH {sig.rosh.value}, MAPPA {sig.mappa_level}; it needs "
                f"{needs} (excluded: {self._codes(with_points, grades=True)})",
            )
        skills = ";".join(sorted(sig.required_skills))
        return Exclusion(
            Rule.SKILLS,
            f"skills: nobody {where} who may hold it by grade has {skills} "
            f"(excluded: {self._codes(graded, grades=True)})",
        )

    def _codes(self, indices: Sequence[int], grades: bool = False) -> str:
        staff = self.instance.practitioners
        codes = [f"{staff[i].staff_code} ({staff[i].grade.value})" if grades else staff[i].staff_code for i in indices]
        return _names(codes, "and {n} more")


def _names(codes: Sequence[str], more: str = "", shown: int = 3) -> str:
    """A short list of staff codes: all of them, or the first few and how many there are."""
    if len(codes) <= shown:
        return ", ".join(codes)
    if more:
        return ", ".join(codes[:shown]) + " " + more.format(n=len(codes) - shown)
    return f"{len(codes)} practitioners ({', '.join(codes[:shown])}, ...)"

"""Reproducible, realistic instances: a PDU's staff mix and caseload as ``shared/domain.md`` describes.

Mixes: grades about 48% PO, 40% PSO, 12% PQiP plus one SPO per pdu; a quarter part-time; PQiP and
newly qualified reductions (protected); existing caseloads drawn at 130-190% WMT (protected staff
around 90-118%); cases RoSH LOW 20%, MEDIUM 62%, HIGH 15%, VERY_HIGH 3% with MAPPA and tiers
consistent with RoSH; held cases respect their holder's grade and skills.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from .atomic import write_files_atomically
from .domain import Case, CaseType, Grade, Instance, Practitioner, Rosh
from .rules import Rules, rules_from_dict
from .wmt import practitioner_capacity
from .writer import render_instance

_ROSH = ((Rosh.LOW, 20), (Rosh.MEDIUM, 62), (Rosh.HIGH, 15), (Rosh.VERY_HIGH, 3))
_CASE_TYPES = ((CaseType.COMMUNITY, 55), (CaseType.LICENSE, 30), (CaseType.CUSTODY, 15))
_HOURS = ((Decimal(37), 75), (Decimal(30), 10), (Decimal("22.5"), 8), (Decimal("18.5"), 7))


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _practitioner(rng: random.Random, code: str, pdu: str, grade: Grade) -> Practitioner:
    hours = _pick(rng, _HOURS) if grade is not Grade.SPO else Decimal(37)
    reduction, protected, skills = Decimal(0), False, set()
    if grade is Grade.PQIP:
        reduction, protected = hours * rng.choice((Decimal("0.8"), Decimal("0.6"), Decimal("0.4"))), True
    elif grade is Grade.PO and rng.random() < 0.12:
        reduction, protected = hours * Decimal("0.2"), True  # newly qualified officer
    elif rng.random() < 0.03:
        reduction = hours * rng.choice((Decimal("0.2"), Decimal("0.5")))  # union facility time
    if grade in (Grade.PO, Grade.PSO) and rng.random() < (0.45 if grade is Grade.PO else 0.25):
        skills.add("DA")
    if grade is Grade.PO and rng.random() < 0.2:
        skills.add("SO")
    return Practitioner(
        staff_code=code,
        name=f"Practitioner {code}",
        grade=grade,
        pdu=pdu,
        team_code=f"{pdu}-T{rng.randint(1, 3)}",
        contracted_hours=hours,
        reduction_hours=reduction.quantize(Decimal("0.1")),
        other_points=rng.choice((0, 0, 65, 120, 138, 203, 258)),
        protected=protected,
        skills=frozenset(skills),
    )


def _case(rng: random.Random, crn: str, pdu: str) -> Case:
    rosh = _pick(rng, _ROSH)
    mappa = 0
    if rosh is Rosh.VERY_HIGH:
        mappa = rng.choice((0, 1, 1, 2, 3))
    elif rosh is Rosh.HIGH:
        mappa = rng.choice((0, 0, 0, 1, 1, 2))
    elif rng.random() < 0.03:
        mappa = 1
    letter = {Rosh.VERY_HIGH: "A", Rosh.HIGH: "B", Rosh.MEDIUM: rng.choice("CCCB"), Rosh.LOW: rng.choice("DDDC")}[rosh]
    if mappa >= 2:
        letter = "A"
    skills = set()
    if rng.random() < 0.15:
        skills.add("DA")
    if rosh in (Rosh.HIGH, Rosh.VERY_HIGH) and rng.random() < 0.15:
        skills.add("SO")
    tier = letter + rng.choice("3322110")
    return Case(
        crn=crn,
        tier=tier,
        case_type=_pick(rng, _CASE_TYPES),
        rosh=rosh,
        mappa_level=mappa,
        required_skills=frozenset(skills),
        pdu=pdu,
    )


def generate(practitioners: int, unallocated: int, seed: int, pdus: int = 1, rules: Rules | None = None) -> Instance:
    """A reproducible instance: same arguments, same instance."""
    rules = rules or rules_from_dict({})
    rng = random.Random(seed)
    staff: list[Practitioner] = []
    cases: list[Case] = []
    for d in range(pdus):
        pdu = f"PDU{d + 1:03d}"
        size = practitioners // pdus + (1 if d < practitioners % pdus else 0)
        staff.append(_practitioner(rng, f"{pdu}-S01", pdu, Grade.SPO))
        for i in range(1, size):
            grade = _pick(rng, ((Grade.PO, 48), (Grade.PSO, 40), (Grade.PQIP, 12)))
            staff.append(_practitioner(rng, f"{pdu}-{i:03d}", pdu, grade))
    for p in staff:
        cases += _caseload(rng, p, rules, len(cases))
    for _ in range(unallocated):
        cases.append(_case(rng, f"X{len(cases) + 1:07d}", rng.choice(staff).pdu))
    return Instance(practitioners=tuple(staff), cases=tuple(cases))


def _caseload(rng: random.Random, p: Practitioner, rules: Rules, numbered_from: int) -> list[Case]:
    """Cases held by ``p`` up to a drawn WMT %: 130-190%, or 90-118% for a protected caseload."""
    capacity = practitioner_capacity(p, rules)
    if capacity <= 0:
        return []
    target = capacity * (rng.uniform(0.9, 1.18) if p.protected else rng.uniform(1.3, 1.9)) - p.other_points
    held: list[Case] = []
    load = 0
    while load < target:
        case = _case(rng, f"X{numbered_from + len(held) + 1:07d}", p.pdu)
        if not rules.grade_allows(p.grade, case.rosh, case.mappa_level) or not case.required_skills <= p.skills:
            continue
        case = case.model_copy(update={"staff_code": p.staff_code, "pinned": rng.random() < 0.05})
        held.append(case)
        load += rules.case_points(case)
    return held


def write_instance(folder: Path, instance: Instance) -> None:
    """Write an instance folder in the contract's format."""
    write_files_atomically(Path(folder), render_instance(instance))

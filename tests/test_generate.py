"""The generator's mixes follow shared/domain.md, and held cases respect their holder's rules."""

from __future__ import annotations

from collections import Counter

from optimiser.domain import Grade, Rosh
from optimiser.generate import generate
from optimiser.outcome import workloads
from optimiser.rules import rules_from_dict

RULES = rules_from_dict({})


def test_mixes_are_realistic_and_consistent():
    instance = generate(120, 3000, seed=3, pdus=2)
    new = [c for c in instance.cases if not c.allocated]
    rosh = Counter(c.rosh for c in new)
    for level, share in ((Rosh.LOW, 0.20), (Rosh.MEDIUM, 0.62), (Rosh.HIGH, 0.15), (Rosh.VERY_HIGH, 0.03)):
        assert abs(rosh[level] / len(new) - share) < 0.03
    for case in instance.cases:
        if case.rosh is Rosh.VERY_HIGH or case.mappa_level >= 2:
            assert case.tier[0] == "A"
        elif case.rosh is Rosh.HIGH:
            assert case.tier[0] == "B"
    grades = Counter(p.grade for p in instance.practitioners)
    assert grades[Grade.SPO] == 2 and grades[Grade.PO] > grades[Grade.PQIP] > 0 and grades[Grade.PSO] > 0
    assert {p.pdu for p in instance.practitioners} == {"PDU001", "PDU002"}
    assert any(p.contracted_hours < 37 for p in instance.practitioners)


def test_held_caseloads_sit_at_130_to_190_pct_and_respect_the_rules():
    instance = generate(60, 0, seed=4)
    staff = {p.staff_code: p for p in instance.practitioners}
    for case in instance.cases:
        holder = staff[case.staff_code]
        assert RULES.grade_allows(holder.grade, case.rosh, case.mappa_level)
        assert case.required_skills <= holder.skills and case.pdu == holder.pdu
    for w in workloads(instance, RULES):
        if w.available_points == 0 or w.cases_before == 0:
            continue
        low, high = (90, 130) if staff[w.staff_code].protected else (130, 200)
        assert low <= w.wmt_pct_before <= high, (w.staff_code, w.wmt_pct_before)

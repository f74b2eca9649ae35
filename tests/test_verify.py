"""The independent check that stands between the solver and the files: each kind of broken rule is
named, and a sound allocation passes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from optimiser.domain import Case, Holders, Instance, Practitioner
from optimiser.rules import load_rules
from optimiser.verify import verify

RULES = load_rules(None)


def _instance(capped_at: str = "150", a_other_points: int = 0) -> Instance:
    return Instance(
        practitioners=(
            Practitioner(staff_code="A", grade="PO", max_wmt_pct=Decimal(capped_at), other_points=a_other_points),
            Practitioner(staff_code="B", grade="PSO"),
            Practitioner(staff_code="C", grade="PO"),
        ),
        cases=(
            Case(crn="K1", tier="B2", rosh="LOW", staff_code="A", pinned=True),
            Case(crn="K2", tier="B2", rosh="LOW", staff_code="B"),
            Case(crn="K3", tier="B2", rosh="VERY_HIGH"),
            Case(crn="K4", rosh="LOW", points=100_000),
        ),
    )


SOUND = {"K1": "A", "K2": "B", "K3": "C", "K4": "C"}


@pytest.mark.parametrize(
    ("change", "budget", "words"),
    [
        ({"K1": "C"}, 5, "pinned case K1 moved from A to C"),
        ({"K2": ""}, 5, "case K2 was taken from B and left unallocated"),
        ({"K3": "Z"}, 5, "case K3 given to unknown practitioner Z"),
        ({"K3": "B"}, 5, "case K3 given to B, who is excluded"),
        ({"K2": "C"}, 0, "1 transfers made, more than the 0 allowed"),
        ({"K4": "A"}, 5, "A received new work and ends at"),
    ],
)
def test_each_broken_rule_is_named(change, budget, words):
    problems = verify(_instance(), RULES, _holders(SOUND | change), budget)
    assert any(words in problem for problem in problems), problems


def test_new_work_for_someone_already_above_their_cap_is_named():
    instance = _instance(capped_at="100", a_other_points=100_000)
    problems = verify(instance, RULES, Holders(instance, SOUND | {"K3": "A"}), 0)
    assert any("A was already above their 100% cap and still received new work" in p for p in problems), problems


def test_a_case_not_in_the_instance_is_named_and_a_sound_allocation_passes():
    assert verify(_instance(), RULES, _holders(SOUND), 0) == []
    assert verify(_instance(), RULES, _holders(SOUND | {"K9": "C"}), 0) == ["case K9 is not in the instance"]


def test_a_case_left_out_of_the_changes_stays_with_its_holder():
    """Holders are the instance's plus the changes: K2 stays with B, K3 stays unallocated."""
    holders = _holders({"K4": "C"})
    assert dict(holders) == {"K1": "A", "K2": "B", "K3": "", "K4": "C"}
    assert holders.unallocated() == ["K3"] and verify(_instance(), RULES, holders, 0) == []


def _holders(after: dict[str, str]) -> Holders:
    return Holders(_instance(), after)


def test_a_copy_of_an_instance_with_other_cases_or_staff_is_indexed_afresh():
    """Holders look cases up by the instance's index: a copy (``model_copy(update=...)``, as a what-if
    might make) must not keep the index of what it was copied from."""
    instance = _instance()
    assert Holders(instance, {"K3": "C"})["K3"] == "C" and instance.practitioner_index["C"] == 2
    unheld = instance.unheld
    fewer = instance.model_copy(update={"cases": instance.cases[1:], "practitioners": instance.practitioners[1:]})
    assert fewer.case_index == {"K2": 0, "K3": 1, "K4": 2} and fewer.practitioner_index == {"B": 0, "C": 1}
    assert fewer.unheld == tuple(i - 1 for i in unheld if i) and instance.unheld == unheld
    assert Holders(fewer, {"K1": "A"}).unknown() == ["K1"]

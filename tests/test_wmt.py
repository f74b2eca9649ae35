from decimal import Decimal
from fractions import Fraction

import pytest

from optimiser.domain import Grade, Practitioner
from optimiser.rules import rules_from_dict
from optimiser.wmt import available_points, cap_points, floor_pct, level, practitioner_capacity, wmt_pct


@pytest.mark.parametrize(
    ("contracted", "reduction", "expected"),
    [("37", "1.8", 2070), ("30", "1.8", 1658), ("37", "0", 2176), ("37", "37", 0), ("18.5", "0", 1088)],
)
def test_available_points_match_the_moj_worked_values(contracted, reduction, expected):
    assert available_points(2176, Decimal(contracted), Decimal(reduction), Decimal(37)) == expected


def test_no_nominal_target_means_no_capacity():
    assert available_points(0, Decimal(37), Decimal(0), Decimal(37)) == 0


def test_blank_hours_take_the_grade_default_and_spo_holds_nothing():
    rules = rules_from_dict({})
    assert practitioner_capacity(Practitioner(staff_code="A", grade=Grade.PO), rules) == 2176
    assert practitioner_capacity(Practitioner(staff_code="B", grade=Grade.SPO), rules) == 0
    custom = rules_from_dict({"grades": {"PSO": {"nominal_target": 1000, "default_hours": 35}}})
    assert (
        practitioner_capacity(Practitioner(staff_code="C", grade=Grade.PSO, contracted_hours=Decimal(35)), custom)
        == 1000
    )


def test_wmt_pct_rounds_half_up_to_one_decimal_like_the_moj():
    assert wmt_pct(1, 2000) == Decimal("0.1")  # 0.0005 -> 0.001
    assert wmt_pct(2070, 2070) == Decimal("100.0")
    assert wmt_pct(3000, 2070) == Decimal("144.9")  # 1.44927... -> 1.449
    assert wmt_pct(5, 0) is None


def test_levels_are_exact_ceilings_in_tenths_of_a_percent():
    assert level(2070, 2070) == 1000
    assert level(2071, 2070) == 1001
    assert level(0, 10) == 0
    assert level(1, 3) == 334


def test_cap_points_and_floor_never_round_up():
    assert cap_points(Decimal(100), 2070) == 2070
    assert cap_points(Decimal("99.9"), 2070) == 2067  # 2067.93
    assert floor_pct(Fraction(2999, 10) + Fraction(9, 100)) == Decimal("299.9")

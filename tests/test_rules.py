import tomllib
from decimal import Decimal

import pytest

from optimiser.domain import Case, CaseType, Grade, Rosh
from optimiser.errors import InputError
from optimiser.rules import dump_toml, load_rules, rules_from_dict


def test_defaults_follow_the_domain_brief():
    rules = rules_from_dict({})
    assert rules.protected_cap_pct == 100
    assert rules.points[CaseType.COMMUNITY]["A3"] == 206
    assert rules.points[CaseType.LICENSE]["B2"] == 132
    assert rules.points[CaseType.CUSTODY]["D0"] == 0
    assert rules.grade_allows(Grade.PSO, Rosh.MEDIUM, 0)
    assert not rules.grade_allows(Grade.PSO, Rosh.HIGH, 0)
    assert not rules.grade_allows(Grade.PSO, Rosh.LOW, 1)
    assert rules.grade_allows(Grade.PQIP, Rosh.HIGH, 1)
    assert not rules.grade_allows(Grade.PQIP, Rosh.VERY_HIGH, 0)
    assert not rules.grade_allows(Grade.PQIP, Rosh.HIGH, 2)
    assert rules.grade_allows(Grade.PO, Rosh.VERY_HIGH, 3)


def test_s_tiers_default_to_their_base_points_unless_set():
    rules = rules_from_dict({"points": {"community": {"a3s": 150, "b2": 120}}})
    case = lambda tier: Case(crn="X", tier=tier, rosh=Rosh.LOW)  # noqa: E731
    assert rules.case_points(case("A3S")) == 150
    assert rules.case_points(case("B2S")) == 120  # follows the overridden B2
    assert rules.case_points(case("C1S")) == 50
    assert rules.case_points(Case(crn="Y", tier="A3", rosh=Rosh.LOW, points=7)) == 7


def test_dump_reads_back_to_the_same_rules(tmp_path):
    rules = rules_from_dict(
        {"protected_cap_pct": 95, "grades": {"pso": {"allowed_rosh": ["LOW"]}}, "points": {"LICENSE": {"A3S": 1}}}
    )
    path = tmp_path / "rules.toml"
    path.write_text(dump_toml(rules))
    assert load_rules(path) == rules
    assert tomllib.loads(dump_toml(rules))["grades"]["PSO"]["allowed_rosh"] == ["LOW"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("protected_cap_pct = -5", "protected_cap_pct"),
        ("[grades.PO]\nmax_mappa = 9", "grades.PO.max_mappa"),
        ("[grades.PSO]\nallowed_rosh = ['LOWISH']", "grades.PSO.allowed_rosh"),
        ("surprise = 1", "surprise"),
        ("[points.COMMUNITY]\nZ9 = 3", "points"),
    ],
)
def test_bad_rules_name_the_key(tmp_path, text, key):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_rules(path)
    assert info.value.file == "rules.toml"
    assert key in str(info.value)


def test_malformed_toml_names_the_line(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("protected_cap_pct = 100\n[grades\n")
    with pytest.raises(InputError) as info:
        load_rules(path)
    assert info.value.row == 2


def test_cap_is_decimal_exact():
    assert rules_from_dict({"protected_cap_pct": Decimal("99.5")}).protected_cap_pct == Decimal("99.5")

"""Reading instance folders: defaults, spellings, and one clear error per kind of bad input."""

from decimal import Decimal

import pytest

from optimiser.domain import Grade, Rosh
from optimiser.errors import InputError
from optimiser.reader import read_instance

from .conftest import write_csv

P_HEAD = ["staff_code", "grade", "contracted_hours", "reduction_hours", "protected", "skills"]
C_HEAD = ["crn", "tier", "rosh", "staff_code", "pinned", "points"]


def make(folder, p_rows, c_rows, p_head=P_HEAD, c_head=C_HEAD):
    folder.mkdir(exist_ok=True)
    write_csv(folder / "practitioners.csv", p_head, p_rows)
    write_csv(folder / "cases.csv", c_head, c_rows)
    return folder


GOOD_P = [["P1", "PO", "37", "", "", "DA;so"], ["P2", "pso", "", "", "YES", ""]]
GOOD_C = [["C1", "b2", "high", "P1", "1", ""], ["C2", "", "low", "", "", "40"]]


def test_defaults_and_spellings(tmp_path):
    loaded = read_instance(make(tmp_path / "i", GOOD_P, GOOD_C))
    p1, p2 = loaded.instance.practitioners
    assert p1.skills == {"DA", "SO"} and p1.grade is Grade.PO and not p1.protected
    assert p2.grade is Grade.PSO and p2.protected and p2.contracted_hours is None and p2.reduction_hours == 0
    c1, c2 = loaded.instance.cases
    assert c1.pinned and c1.tier == "B2" and c1.rosh is Rosh.HIGH and c1.case_type.value == "COMMUNITY"
    assert c2.points == 40 and c2.tier is None and not c2.allocated


def test_bom_crlf_and_unknown_columns(tmp_path):
    folder = make(tmp_path / "i", GOOD_P, GOOD_C)
    text = (folder / "practitioners.csv").read_text()
    (folder / "practitioners.csv").write_bytes(
        b"\xef\xbb\xbf"
        + text.replace("\n", "\r\n").replace("skills", "skills,shoe_size").replace("DA;so", "DA;so,9").encode()
    )
    loaded = read_instance(folder)
    assert loaded.instance.practitioners[0].staff_code == "P1"
    assert any("shoe_size" in w for w in loaded.warnings)


@pytest.mark.parametrize(
    ("p_rows", "c_rows", "file", "row", "column"),
    [
        ([["P1", "XO", "", "", "", ""]], GOOD_C[1:], "practitioners.csv", 2, "grade"),
        ([["P1", "PO", "abc", "", "", ""]], GOOD_C[1:], "practitioners.csv", 2, "contracted_hours"),
        ([["P1", "PO", "nan", "", "", ""]], GOOD_C[1:], "practitioners.csv", 2, "contracted_hours"),
        ([["P1", "PO", "-1", "", "", ""]], GOOD_C[1:], "practitioners.csv", 2, "contracted_hours"),
        ([["P1", "PO", "99", "", "", ""]], GOOD_C[1:], "practitioners.csv", 2, "contracted_hours"),
        ([["P1", "PO", "30", "31", "", ""]], GOOD_C[1:], "practitioners.csv", 2, "reduction_hours"),
        ([["P1", "PO", "", "40", "", ""]], GOOD_C[1:], "practitioners.csv", 2, "reduction_hours"),
        ([["P1", "PO", "", "", "maybe", ""]], GOOD_C[1:], "practitioners.csv", 2, "protected"),
        ([*GOOD_P, ["P1", "PO", "", "", "", ""]], GOOD_C, "practitioners.csv", 4, "staff_code"),
        (GOOD_P, [*GOOD_C, ["C1", "A1", "LOW", "", "", ""]], "cases.csv", 4, "crn"),
        (GOOD_P, [["C1", "Z9", "LOW", "", "", ""]], "cases.csv", 2, "tier"),
        (GOOD_P, [["C1", "", "LOW", "", "", ""]], "cases.csv", 2, "tier"),
        (GOOD_P, [["C1", "A1", "SCARY", "", "", ""]], "cases.csv", 2, "rosh"),
        (GOOD_P, [["C1", "A1", "LOW", "NOBODY", "", ""]], "cases.csv", 2, "staff_code"),
        (GOOD_P, [["C1", "A1", "LOW", "", "true", ""]], "cases.csv", 2, "pinned"),
        (GOOD_P, [["C1", "A1", "LOW", "", "", "-3"]], "cases.csv", 2, "points"),
        (GOOD_P, [["C1", "A1", "LOW", "", "", "1e9"]], "cases.csv", 2, "points"),
        ([["P1", "SPO", "", "", "", ""]], [["C1", "A1", "LOW", "P1", "", ""]], "cases.csv", 2, "staff_code"),
    ],
)
def test_bad_values_name_file_row_and_column(tmp_path, p_rows, c_rows, file, row, column):
    with pytest.raises(InputError) as info:
        read_instance(make(tmp_path / "i", p_rows, c_rows))
    assert (info.value.file, info.value.row, info.value.column) == (file, row, column), str(info.value)


def test_missing_required_column(tmp_path):
    with pytest.raises(InputError) as info:
        read_instance(make(tmp_path / "i", [["P1", "37"]], GOOD_C[1:], p_head=["staff_code", "contracted_hours"]))
    assert (info.value.file, info.value.row, info.value.column) == ("practitioners.csv", 1, "grade")


@pytest.mark.parametrize("content", [b"", b"crn,tier,rosh\n", b"crn,tier,rosh\nC1,A1,\xff\xfe\n"])
def test_empty_header_only_and_non_utf8_cases(tmp_path, content):
    folder = make(tmp_path / "i", GOOD_P, GOOD_C)
    (folder / "cases.csv").write_bytes(content)
    with pytest.raises(InputError) as info:
        read_instance(folder)
    assert info.value.file == "cases.csv"


def test_missing_file_and_folder(tmp_path):
    folder = make(tmp_path / "i", GOOD_P, GOOD_C)
    (folder / "cases.csv").unlink()
    with pytest.raises(InputError, match=r"cases\.csv"):
        read_instance(folder)
    with pytest.raises(InputError, match="not found"):
        read_instance(tmp_path / "nowhere")


def test_rules_file_is_applied(tmp_path):
    folder = make(tmp_path / "i", GOOD_P, GOOD_C)
    (folder / "rules.toml").write_text("protected_cap_pct = 90\n")
    assert read_instance(folder).rules.protected_cap_pct == Decimal(90)


def test_the_garbage_collector_is_back_on_after_a_read_good_or_bad(tmp_path, monkeypatch):
    """Reading pauses the cyclic collector for speed; it must never leave it off."""
    import gc

    write_csv(tmp_path / "practitioners.csv", ["staff_code", "grade"], [["A", "PO"]])
    write_csv(tmp_path / "cases.csv", ["crn", "tier", "rosh", "staff_code"], [["X", "A3", "LOW", "A"]])
    paused = []
    monkeypatch.setattr(gc, "disable", lambda real=gc.disable: (paused.append(True), real())[1])
    read_instance(tmp_path)
    assert paused and gc.isenabled()
    write_csv(tmp_path / "cases.csv", ["crn", "tier", "rosh", "staff_code"], [["X", "A3", "LOW", "NOBODY"]])
    with pytest.raises(InputError):
        read_instance(tmp_path)
    assert gc.isenabled()

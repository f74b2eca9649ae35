"""Reading instance folders: defaults, spellings, and one clear error per kind of bad input."""

import tempfile
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from optimiser import reader
from optimiser.domain import Case, Grade, Instance, Practitioner, Rosh
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


_CODES = ["C", " C ", "'=C", "'C", "", "C" * 70]
_STAFF = ["P1", "", " P1 ", "'P1", "'=P1", "P9", "P" * 70]


def _read_or_error(folder):
    try:
        loaded = read_instance(folder)
    except InputError as exc:
        return str(exc)
    return [(c.__dict__, c.__pydantic_fields_set__) for c in loaded.instance.cases]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_CODES),
            st.sampled_from(["B2", "b2", " c1", "", "Z9"]),
            st.sampled_from(["high", "LOW", ""]),
            st.sampled_from(_STAFF),
            st.sampled_from(["", "1", "no", "maybe"]),
            st.sampled_from(["", "40"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_rows_alike_but_for_their_codes_read_as_if_each_were_validated_in_full(rows):
    """The reader validates rows that differ only in crn and staff_code once; every row, good or bad,
    must read exactly as full validation reads it: the same cases (fields and fields set) or the same error."""
    c_rows = [[f"{i}{crn}" if crn.strip() and len(crn) < 70 else crn, *rest] for i, (crn, *rest) in enumerate(rows)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = make(Path(tmp) / "i", GOOD_P, c_rows)
        fast = _read_or_error(folder)
        with mock.patch.object(reader._Recoder, "of", return_value=None):
            full = _read_or_error(folder)
    assert fast == full


def test_a_case_recoded_is_the_case_validated_with_those_codes_or_none():
    cells = {"crn": "A", "tier": "B2", "rosh": "HIGH", "staff_code": "P1", "pinned": "yes"}
    case = Case.model_validate(cells)
    again = case.recoded("B", "P2")
    assert again == Case.model_validate({**cells, "crn": "B", "staff_code": "P2"})
    assert again.__pydantic_fields_set__ == case.__pydantic_fields_set__
    for crn, staff_code in [("B", ""), ("", "P2"), ("B" * 65, "P2"), ("B", "P" * 65), (" B", "P2"), ("B", "P2 ")]:
        assert case.recoded(crn, staff_code) is None, (crn, staff_code)


def test_an_instance_refuses_a_case_held_by_someone_not_in_it():
    staff = (Practitioner(staff_code="P1", grade=Grade.PO),)
    held = {code: Case(crn=f"C{code}", rosh=Rosh.LOW, tier="D1", staff_code=code) for code in ("P1", "", "P9")}
    Instance(practitioners=staff, cases=(held["P1"], held[""]))
    with pytest.raises(ValidationError, match="case CP9 is held by unknown practitioner P9"):
        Instance(practitioners=staff, cases=tuple(held.values()))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from(["a,b", "c", '"p\nq",r', '"s\r\nt"', "  ", "", '"u', "\n", "\r\n", "\r", "d\re"]), max_size=12
    )
)
def test_records_read_in_one_go_are_numbered_as_when_counted_line_by_line(pieces):
    """A file of one line per record is read in one go, its lines taken to be its record numbers; whatever
    the file (quoted line breaks, blank lines, lone carriage returns), the records and lines must be those
    the CSV reader's own line count gives, or the same error."""

    def read(records_of):
        try:
            lines, records = records_of("x.csv", text)
        except InputError as exc:
            return str(exc)
        return list(lines), records

    text = "\n".join(pieces)
    assert read(reader._records) == read(reader._numbered_records)


def _row_by_row(table):
    """The reading ``_parse_rows`` must match: each row validated in full, then its key compared with the
    keys before it, row by row; the cases, or the first error's words."""
    seen: dict[str, int] = {}
    cases = []
    try:
        for line, values in zip(table.lines, table.records, strict=True):
            case = reader._validate(table, line, values)
            if case.crn in seen:
                raise InputError(
                    "cases.csv", line, "crn", f"duplicate crn {case.crn!r} (first on row {seen[case.crn]})"
                )
            seen[case.crn] = line
            cases.append(case)
    except InputError as exc:
        return str(exc)
    return cases


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    st.lists(
        st.tuples(st.sampled_from(["C1", "C2", "C3", " C1", ""]), st.sampled_from(["LOW", "HIGH", "bad"])),
        min_size=1,
        max_size=10,
    )
)
def test_repeated_keys_and_bad_rows_are_named_in_the_order_of_the_file(rows):
    """Keys are compared after the rows are read (or when one fails): whichever comes first in the file, a
    repeated crn or a bad cell, is the error, as when each row was checked as it was read."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        write_csv(path, ["crn", "tier", "rosh"], [[crn, "A3", rosh] for crn, rosh in rows])
        table, _, _ = reader._read_table(path, reader._CASES)
        try:
            read = reader._parse_rows(table)
        except InputError as exc:
            read = str(exc)
    assert read == _row_by_row(table)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=",ab \t\r\n;'\x0c\x85\u2028", max_size=60))
def test_a_csv_without_quotes_is_split_as_the_csv_reader_reads_it(text):
    """The quote-free shortcut gives the same records and lines (or the same error) as the CSV reader."""

    def records(shortcut: bool):
        with mock.patch.object(reader, "_unquoted_records", reader._unquoted_records if shortcut else lambda _: None):
            try:
                lines, found = reader._records("cases.csv", text)
            except InputError as exc:
                return str(exc)
            return list(lines), found

    assert records(True) == records(False)


def test_a_cell_beyond_the_csv_readers_limit_is_refused_as_before(tmp_path):
    import csv

    long = "x" * (csv.field_size_limit() + 1)
    for text in (f"a,b\n1,{long}\n", f'a,b\n"1",{long}\n'):
        with pytest.raises(InputError, match="row 2: not a well-formed CSV file"):
            reader._records("cases.csv", text)

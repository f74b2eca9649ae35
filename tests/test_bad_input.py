"""The bad-input catalogue: each kind of bad instance, through the CLI, gives exit 2, one message naming
the file, row and column, and writes nothing. Encodings that are merely unusual are accepted."""

from __future__ import annotations

import pytest

from .test_cli import run

P = "practitioners.csv"
C = "cases.csv"
R = "rules.toml"


def _replace(name: str, old: str, new: str):
    def edit(folder):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _write(name: str, content: bytes):
    def edit(folder):
        (folder / name).write_bytes(content)

    return edit


def _delete(name: str):
    return lambda folder: (folder / name).unlink()


def _append(name: str, line: str):
    def edit(folder):
        with (folder / name).open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    return edit


def _zero_capacity_holder(folder):
    _append(P, "SPO9,Manager,SPO,,T1,37,,,,,")(folder)
    _append(C, "H99,D1,COMMUNITY,LOW,0,SPO9,,,,")(folder)


# (id, edit of the tiny instance, file, row, column) — row and column None where the error has none.
CATALOGUE = [
    ("missing practitioners file", _delete(P), P, None, None),
    ("missing cases file", _delete(C), C, None, None),
    ("missing column", _replace(C, "crn,", "case_ref,"), C, 1, "crn"),
    ("duplicate staff code", _replace(P, "PO2,", "PO1,"), P, 3, "staff_code"),
    ("duplicate crn", _replace(C, "U02,", "U01,"), C, 7, "crn"),
    ("unknown grade", _replace(P, ",PSO,", ",XO,"), P, 4, "grade"),
    ("unknown tier", _replace(C, ",D2,", ",Z9,"), C, 5, "tier"),
    ("unknown rosh", _replace(C, ",LOW,", ",SCARY,"), C, 4, "rosh"),
    ("unknown case type", _replace(C, ",COMMUNITY,", ",PAROLE,"), C, 2, "case_type"),
    (
        "negative hours",
        _replace(P, "PO1,Asha Patel,PO,,T1,37,", "PO1,Asha Patel,PO,,T1,-37,"),
        P,
        2,
        "contracted_hours",
    ),
    ("NaN hours", _replace(P, "PO1,Asha Patel,PO,,T1,37,", "PO1,Asha Patel,PO,,T1,NaN,"), P, 2, "contracted_hours"),
    (
        "infinite hours",
        _replace(P, "PO1,Asha Patel,PO,,T1,37,", "PO1,Asha Patel,PO,,T1,inf,"),
        P,
        2,
        "contracted_hours",
    ),
    ("absurd hours", _replace(P, "PO1,Asha Patel,PO,,T1,37,", "PO1,Asha Patel,PO,,T1,3700,"), P, 2, "contracted_hours"),
    (
        "text for a number",
        _replace(P, "PO1,Asha Patel,PO,,T1,37,", "PO1,Asha Patel,PO,,T1,full time,"),
        P,
        2,
        "contracted_hours",
    ),
    ("absurd points", _append(C, "U99,,COMMUNITY,LOW,0,,,1000000000,,"), C, 16, "points"),
    ("negative mappa", _append(C, "U99,D1,COMMUNITY,LOW,-1,,,,,"), C, 16, "mappa_level"),
    ("empty file", _write(C, b""), C, None, None),
    ("header only practitioners", _write(P, b"staff_code,grade\n"), P, None, None),
    ("non-UTF-8 bytes", _write(P, b"staff_code,grade\nP\xe9\xff1,PO\n"), P, 2, None),
    ("case held by unknown practitioner", _append(C, "U99,D1,COMMUNITY,LOW,0,NOBODY,,,,"), C, 16, "staff_code"),
    ("pinned unallocated case", _append(C, "U99,D1,COMMUNITY,LOW,0,,true,,,"), C, 16, "pinned"),
    ("holder with 0 available points", _zero_capacity_holder, C, 16, "staff_code"),
    ("malformed rules.toml", _write(R, b"protected_cap_pct = [\n"), R, None, None),
    ("bad rules value", _write(R, b"protected_cap_pct = -5\n"), R, None, "protected_cap_pct"),
    ("unknown rules key", _write(R, b"speed = 5\n"), R, None, "speed"),
]


@pytest.mark.parametrize(("edit", "file", "row", "column"), [c[1:] for c in CATALOGUE], ids=[c[0] for c in CATALOGUE])
def test_bad_input_exits_2_names_file_row_and_column_and_writes_nothing(tiny_copy, tmp_path, edit, file, row, column):
    edit(tiny_copy)
    out = tmp_path / "out"
    result = run("solve", tiny_copy, "--out", out)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"error: {file}"), errors[0]
    if row is not None:
        assert f"row {row}" in errors[0], errors[0]
    if column is not None:
        label = "key" if file.endswith(".toml") else "column"
        assert f"{label} {column}" in errors[0], errors[0]
    assert not out.exists()


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: b"\xef\xbb\xbf" + text.encode(),
        lambda text: text.replace("\n", "\r\n").encode(),
    ],
    ids=["BOM", "CRLF"],
)
def test_bom_and_crlf_files_are_read_like_plain_ones(tiny_copy, tmp_path, encode):
    for name in (P, C):
        path = tiny_copy / name
        path.write_bytes(encode(path.read_text(encoding="utf-8")))
    result = run("solve", tiny_copy, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "80.0% before -> 80.0% after" in result.output, result.output

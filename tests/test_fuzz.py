"""Fuzzing: the reader never fails with anything but a clear InputError, and every solve of a valid
generated instance gives result files that the independent ``check`` accepts."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.check import check_result
from optimiser.errors import InputError
from optimiser.generate import generate, write_instance
from optimiser.pipeline import solve_loaded
from optimiser.reader import read_instance
from optimiser.results import SolveOptions
from optimiser.writer import render, write_result

from .conftest import TINY

FILES = ("practitioners.csv", "cases.csv", "rules.toml")
VALID = {name: (TINY / name).read_bytes() for name in FILES if (TINY / name).exists()}
VALID["rules.toml"] = b"protected_cap_pct = 95\n[points.COMMUNITY]\nA3 = 210\n"
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


def _read_survives(files: dict[str, bytes]) -> None:
    """Reading these files either works or raises InputError: nothing else escapes."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        for name, content in files.items():
            (folder / name).write_bytes(content)
        try:
            read_instance(folder)
        except InputError as exc:
            assert exc.file in FILES and str(exc)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(name=st.sampled_from(FILES), content=st.binary(max_size=400))
def test_arbitrary_bytes_in_any_file_never_escape_as_anything_but_input_errors(name, content):
    _read_survives({**VALID, name: content})


CELLS = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e309",
        "nan",
        "inf",
        "-0",
        "NaN",
        "true",
        "PO",
        "VERY_HIGH",
        "A3S",
        "x" * 300,
        "\x00",
        "\ufeff",
        '"',
        '""',
        ",",
        ";",
        "1.5",
        "999999999999999999999",
        "😀",
        " 37 ",
        "\r",
    ]
)


@st.composite
def mutations(draw):
    """A valid file with a few edits: characters deleted, inserted or replaced, lines duplicated or dropped,
    cells swapped for awkward values."""
    name = draw(st.sampled_from(FILES))
    text = VALID[name].decode()
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["delete", "insert", "cell", "duplicate", "drop", "truncate"]))
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        if kind == "delete":
            text = text[:at] + text[at + 1 :]
        elif kind == "insert":
            text = text[:at] + draw(st.text(max_size=3)) + text[at:]
        elif kind == "truncate":
            text = text[:at]
        else:
            i = draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate":
                lines.insert(i, lines[i])
            elif kind == "drop":
                del lines[i]
            else:
                cells = lines[i].split(",")
                cells[draw(st.integers(0, len(cells) - 1))] = draw(CELLS)
                lines[i] = ",".join(cells)
            text = "\n".join(lines)
    return name, text.encode("utf-8", errors="surrogatepass")


@FUZZ
@given(mutations())
def test_mutated_valid_files_never_escape_as_anything_but_input_errors(mutated):
    name, content = mutated
    _read_survives({**VALID, name: content})


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    practitioners=st.integers(2, 40),
    unallocated=st.integers(0, 120),
    seed=st.integers(0, 10**6),
    pdus=st.integers(1, 3),
    transfers=st.sampled_from([0, 0, 3, 15]),
)
def test_every_solve_of_a_generated_instance_passes_the_independent_check(
    practitioners, unallocated, seed, pdus, transfers
):
    folder = Path(tempfile.mkdtemp(prefix="fuzz-solve-"))
    try:
        write_instance(folder / "in", generate(max(practitioners, pdus * 2), unallocated, seed, pdus))
        loaded = read_instance(folder / "in")
        result, outcome = solve_loaded(loaded, SolveOptions(max_transfers=transfers, time_limit=5))
        write_result(folder / "out", render(outcome))
        assert check_result(loaded.instance, loaded.rules, folder / "out") == []
        assert result.lower_bound_pct <= max((w.wmt_pct_after or 0) for w in outcome.workloads) + 1
    finally:
        shutil.rmtree(folder)

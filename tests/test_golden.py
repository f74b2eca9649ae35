"""The bundled instances' result files, pinned byte for byte: a refactor that changes any allocation,
figure or wording shows here (update the digests only for a change that is meant to alter results)."""

from __future__ import annotations

import hashlib
import json

import pytest

from .conftest import ROOT
from .test_cli import run

GOLDEN = {
    ("tiny", ()): {
        "allocations.csv": "d82a676abcc7b1f1",
        "unallocated.csv": "0888e6c150b47816",
        "workload.csv": "76e7eadf43bbbd3f",
        "summary.json": "ea3bde0949699ace",
    },
    ("tiny", ("--max-transfers", "3")): {
        "allocations.csv": "a1734282da88393d",
        "unallocated.csv": "0888e6c150b47816",
        "workload.csv": "62a2847cff704a69",
        "summary.json": "2657e8f064ae359c",
    },
    ("london-pdu", ()): {
        "allocations.csv": "d079206a1db840ff",
        "unallocated.csv": "0b9a4c68722eaa08",
        "workload.csv": "df71bf1e18b13fd8",
        "summary.json": "19cbbbb141e34b02",
    },
}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@pytest.mark.parametrize(("instance", "options"), list(GOLDEN), ids=lambda v: "-".join(v) if v else "default")
def test_bundled_instances_give_the_pinned_files(tmp_path, instance, options):
    out = tmp_path / "out"
    run("solve", ROOT / "instances" / instance, "--out", out, *options)
    summary = json.loads((out / "summary.json").read_text())
    summary.pop("solve_seconds")
    summary.pop("instance")  # where the checkout is
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    assert {name: _digest((out / name).read_bytes()) for name in GOLDEN[(instance, options)]} == GOLDEN[
        (instance, options)
    ]

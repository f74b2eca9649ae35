"""Every reason in allocations.csv is true of its row: each figure is recomputed here from the instance and
the result files, by this file's own reading of the rules, and must match."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from optimiser.domain import Case, Practitioner
from optimiser.generate import generate, write_instance
from optimiser.reader import read_instance
from optimiser.rules import Rules
from optimiser.wmt import cap_points, wmt_pct

from .conftest import ROOT, TINY
from .test_cli import run

REASON = re.compile(
    r"^(?:Transfer lowers (?P<holder>\S+) from (?P<hb>\S+)% to (?P<ha>\S+)% \(keeping it: (?P<hk>\S+)%\)\. )?"
    r"To (?P<to>\S+): WMT (?P<rb>\S+)% -> (?P<ra>\S+)%\. "
    r"Eligible: (?P<eligible>\d+) of (?P<total>\d+) practitioners"
    r"(?: \((?:excluded: (?P<excluded>.*?))?(?:; )?(?:(?P<capped>\d+) eligible at their WMT cap)?\))?\. "
    r"(?P<next>(?:Next best|Nobody else).*)$"
)
EXCLUDED = re.compile(
    r"(\d+) (not in pdu '[^']*'|with no available points|of a grade barred from RoSH \w+, MAPPA \d \(grade rule\)|without skill \S+)"
)
NEXT = re.compile(r"^Next best: (?P<alt>\S+) would have ended at (?P<pct>\S+)%(?P<rest>.*)$")


def _pct(points: int, available: int) -> str:
    value = wmt_pct(points, available)
    return "n/a" if value is None else f"{value:.1f}"


def _why_not(p: Practitioner, available: int, case: Case, rules: Rules) -> str | None:
    """This test's own reading of the hard rules, worded as the reasons word them."""
    if case.pdu and p.pdu != case.pdu:
        return f"not in pdu {case.pdu!r}"
    if available <= 0:
        return "with no available points"
    grade = rules.grades[p.grade]
    if case.rosh not in grade.allowed_rosh or case.mappa_level > grade.max_mappa:
        return f"of a grade barred from RoSH {case.rosh.value}, MAPPA {case.mappa_level} (grade rule)"
    if not case.required_skills <= p.skills:
        return f"without skill {';'.join(sorted(case.required_skills))}"
    return None


def check_reasons(instance_dir: Path, out: Path) -> int:
    """Recompute every figure of every reason; returns how many rows were checked."""
    loaded = read_instance(instance_dir)
    rules, staff = loaded.rules, loaded.instance.practitioners
    cases = {c.crn: c for c in loaded.instance.cases}
    work = pd.read_csv(out / "workload.csv", dtype=str, keep_default_na=False).set_index("staff_code")
    maximum = json.loads((out / "summary.json").read_text())["max_wmt_pct"]
    moves = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
    available = {code: int(work.loc[code, "available_points"]) for code in work.index}
    after = {code: int(work.loc[code, "points_after"]) for code in work.index}
    limit = {
        code: None if not work.loc[code, "cap_pct"] else cap_points(Decimal(work.loc[code, "cap_pct"]), available[code])
        for code in work.index
    }
    for move in moves.itertuples(index=False):
        case, points = cases[move.crn], int(move.points)
        found = REASON.match(move.reason)
        assert found, move.reason
        got = found.groupdict()
        to = move.to_staff_code
        assert got["to"] == to
        assert (got["rb"], got["ra"]) == (work.loc[to, "wmt_pct_before"], work.loc[to, "wmt_pct_after"])
        assert (move.name, move.pdu, move.team_code) == (
            work.loc[to, "name"],
            work.loc[to, "pdu"],
            work.loc[to, "team_code"],
        )
        why = {p.staff_code: _why_not(p, available[p.staff_code], case, rules) for p in staff}
        eligible = [code for code, w in why.items() if w is None]
        assert (int(got["eligible"]), int(got["total"])) == (len(eligible), len(staff)), move.reason
        counts: dict[str, int] = {}
        for w in why.values():
            if w is not None:
                counts[w] = counts.get(w, 0) + 1
        stated = {words: int(n) for n, words in EXCLUDED.findall(got["excluded"] or "")}
        assert stated == counts, move.reason
        before = {p.staff_code: int(work.loc[p.staff_code, "points_before"]) for p in staff}
        others = [code for code in eligible if code not in (to, case.staff_code)]
        room = [
            code
            for code in others
            if limit[code] is None or (after[code] + points <= limit[code] and before[code] <= limit[code])
        ]
        assert int(got["capped"] or 0) == len(others) - len(room), move.reason
        if move.action == "TRANSFER":
            holder = move.from_staff_code
            assert got["holder"] == holder
            assert (got["hb"], got["ha"], got["hk"]) == (
                work.loc[holder, "wmt_pct_before"],
                work.loc[holder, "wmt_pct_after"],
                _pct(after[holder] + points, available[holder]),
            )
        else:
            assert got["holder"] is None
        nxt = NEXT.match(got["next"])
        if not room:
            assert nxt is None and got["next"].startswith("Nobody else"), move.reason
            continue
        assert nxt, move.reason
        best = min(room, key=lambda c: (Decimal(after[c] + points) / available[c], c))
        best_pct = _pct(after[best] + points, available[best])
        assert (nxt["alt"], nxt["pct"]) == (best, best_pct), move.reason
        if Decimal(best_pct) > Decimal(str(maximum)):
            assert nxt["rest"] == f", above the maximum {maximum:.1f}%.", move.reason
        elif Decimal(best_pct) > Decimal(work.loc[to, "wmt_pct_after"]):
            assert nxt["rest"] == f", above {to}'s {work.loc[to, 'wmt_pct_after']}%.", move.reason
        else:
            assert nxt["rest"] == f" ({to} ends at {work.loc[to, 'wmt_pct_after']}%).", move.reason
    return len(moves)


@pytest.mark.parametrize(
    ("instance", "options"),
    [
        (TINY, ()),
        (TINY, ("--max-transfers", "3")),
        (ROOT / "instances" / "london-pdu", ()),
        (ROOT / "instances" / "london-pdu", ("--max-transfers", "20")),
    ],
    ids=["tiny", "tiny-transfers", "london", "london-transfers"],
)
def test_every_figure_in_every_bundled_reason_is_true(tmp_path, instance, options):
    out = tmp_path / "out"
    run("solve", instance, "--out", out, "--no-history", *options)
    assert check_reasons(instance, out) > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_is_true_on_generated_regions_with_transfers(tmp_path, seed):
    instance = tmp_path / "inst"
    write_instance(instance, generate(24, 60, seed, 2))
    out = tmp_path / "out"
    run("solve", instance, "--out", out, "--no-history", "--max-transfers", "8", "--time-limit", "5")
    moves = pd.read_csv(out / "allocations.csv")
    assert check_reasons(instance, out) == len(moves) > 0
    assert (moves.action == "TRANSFER").any()

"""Transfers at region scale: how the product's time grows with the transfer budget and with the part size.

    python benchmarks/transfers.py     # writes its section of benchmarks/RESULTS.md

A region of 600 practitioners with 1,000 new cases, in 10 pdus (ten parts sharing one budget through the
frontier) and with every practitioner in one pdu (one large part), at budgets 0, 30, 100 and 300; three
seeds of the 10-pdu region, the product timed from reading the CSV files to a verified result. The naive
CP-SAT and HiGHS peers (60 s) run on seed 1 at budgets 100 and 300, and the LP bound on every row of the
10-pdu region; not on the one-pdu region, whose models with transfers are too large for them (the LP alone
ran past 19 minutes and 2.6 GB on budget 30).
"""

from __future__ import annotations

import json
import os
import platform
from datetime import date

from run import HERE, Family, _best_bound, _fmt, bench, write_section

FAMILIES = (
    Family("region-1000", 600, 1000, 10, (0, 30, 100, 300), peers=True, peer_budgets=(100, 300)),
    Family("region-1000-one-pdu", 600, 1000, 1, (0, 30, 100, 300), peers=False, seeds=(1,)),
)


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| family | seed | budget | method | max WMT % | gap pp | bound % | transfers | wall s | status / to product quality |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        best = _best_bound(row)
        for method in ("product", "cpsat", "highs", "lp"):
            if method not in row:
                continue
            r = row[method]
            gap = None if r.get("max_pct") is None else r["max_pct"] - best
            if method == "product":
                note = f"{r['status']}; {r['parts_proven']} of {r['parts']} part(s) proven"
            elif method == "lp":
                note = ""
            else:
                note = "not reached" if r["reached"] is None else f"{r['reached']:.1f} s"
            lines.append(
                f"| {row['family']} | {row['seed']} | {row['budget']} | {method} | {_fmt(r.get('max_pct'), '.3f')} | "
                f"{_fmt(gap)} | {_fmt(r.get('bound_pct'), '.3f')} | {_fmt(r.get('transfers'), 'd')} | "
                f"{r['seconds']:.2f} | {note} |"
            )
    return lines


def growth(rows: list[dict]) -> list[str]:
    """The product's seconds by budget, ten parts against one (seed 1)."""
    by = {(r["family"], r["budget"]): r["product"] for r in rows if r["seed"] == 1}
    lines = [
        "| budget | 10 pdus: wall s | proven parts | gap pp | 1 pdu: wall s | proven | gap pp |",
        "|---|---|---|---|---|---|---|",
    ]
    for budget in FAMILIES[0].budgets:
        cells = []
        for family in FAMILIES:
            p = by[(family.name, budget)]
            row = next(r for r in rows if r["family"] == family.name and r["seed"] == 1 and r["budget"] == budget)
            cells += [
                f"{p['seconds']:.2f}",
                f"{p['parts_proven']} of {p['parts']}",
                _fmt(p["max_pct"] - _best_bound(row)),
            ]
        lines.append(f"| {budget} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    rows = [row for family in FAMILIES for row in bench(family)]
    (HERE / ".cache" / "transfers.json").write_text(json.dumps(rows, indent=1, default=str))
    section = [
        "## Transfers at region scale: growth with the budget and the part size",
        "",
        f"Run on {date.today().isoformat()} with `python benchmarks/transfers.py`: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Product: default options (30 s limit), "
        "`--workers 2`, from reading the CSV files to a verified result (reasons and diagnosis included, the "
        "report not). Peers: 60 s. Gap: to the best bound of the row.",
        "",
        "Growth of the product's time (seed 1):",
        "",
        *growth(rows),
        "",
        *table(rows),
    ]
    write_section("transfers", section)


if __name__ == "__main__":
    main()

"""Plain-text summaries for the terminal: what an allocation lead reads after a run."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from .domain import Instance
from .eligibility import Eligibility
from .narrative import average_sentence, count_sentences, pdu_lines, status_sentence, who
from .outcome import Outcome, Workload, max_pct, over, workloads
from .results import Status
from .rules import Rules

if TYPE_CHECKING:  # the what-if, trade-off and staffing modules load the solver: validate needs none of it
    from .staffing import StaffingAnswer
    from .tradeoff import TradeoffPoint
    from .whatif import Run


def solve_summary(name: str, outcome: Outcome, rules: Rules) -> str:
    """What a manager reads after a solve: what is proven, what each count means, per pdu when several."""
    s = outcome.summary
    lines = [f"{name}: {status_sentence(s)}"]
    lines += [f"  {line}" for line in count_sentences(s)]
    lines.append(f"  {average_sentence(outcome)}")
    per_pdu = pdu_lines(outcome, rules.thresholds_pct)
    if per_pdu:
        lines.append("  By pdu (highest WMT before -> after, and who):")
        lines += [f"    {line}" for line in per_pdu]
    lines += [f"  {line}" for line in outcome.diagnosis.lines()]
    return "\n".join(lines)


SHOWN_CASES = 5
"""Stranded cases listed with their reasons by validate before 'and N more'."""


def validate_summary(name: str, instance: Instance, rules: Rules, warnings: tuple[str, ...]) -> str:
    """Counts, demand against capacity, WMT now, and who is over the red line."""
    loads = workloads(instance, rules)
    grades = Counter(p.grade.value for p in instance.practitioners)
    unallocated = [c for c in instance.cases if not c.staff_code]  # not allocated (faster than the property)
    capacity = sum(w.available_points for w in loads)
    held_points = sum(w.points_before for w in loads)
    demand = sum(rules.case_points(c) for c in unallocated)
    elig = Eligibility(instance, rules)
    stranded = elig.stranded(unallocated)
    lines = [f"{name}: valid"]
    lines += [f"  warning: {w}" for w in warnings]
    lines += [
        f"  Practitioners: {len(instance.practitioners)} ("
        + ", ".join(f"{g} {n}" for g, n in sorted(grades.items()))
        + ")",
        f"  Cases: {len(instance.cases)} ({len(unallocated)} unallocated, "
        f"{sum(1 for c in instance.cases if c.pinned)} pinned)",
        f"  Capacity {capacity} points; held now {held_points} ({_ratio(held_points, capacity)}); "
        f"unallocated demand {demand} points -> {_ratio(held_points + demand, capacity)} if spread evenly",
        f"  Max WMT now: {max_pct(loads, 'wmt_pct_before'):.1f}%",
    ]
    red = rules.red_pct
    now = {w.staff_code: w.wmt_pct_before for w in loads if w.wmt_pct_before is not None}
    hot = sorted((w for w in loads if now.get(w.staff_code, red) > red), key=lambda w: -now[w.staff_code])
    lines.append(
        f"  Over {red}% now: {over(loads, 'wmt_pct_before', red)} practitioners"
        + (": " + ", ".join(_who(w) for w in hot[:10]) + (", ..." if len(hot) > 10 else "") if hot else "")
    )
    if stranded:
        lines.append(
            f"  {len(stranded)} unallocated cases have no eligible practitioner (they will be listed, not allocated):"
        )
        lines += [f"    {c.crn}: {elig.blocking(c)}" for c in stranded[:SHOWN_CASES]]
        lines += [f"    ... and {len(stranded) - SHOWN_CASES} more"] if len(stranded) > SHOWN_CASES else []
    return "\n".join(lines)


def _who(w: Workload) -> str:
    return f"{who(w)} {w.wmt_pct_before:.1f}%"


def _ratio(points: int, capacity: int) -> str:
    return "n/a" if capacity <= 0 else f"{100 * points / capacity:.1f}%"


def history_table(runs: list[dict]) -> str:
    """Recent runs, one line each."""
    if not runs:
        return "No runs recorded yet."
    lines = [
        f"{'run':8}  {'when (UTC)':16}  {'status':8}  {'max WMT %':>15}  {'alloc':>5}  {'moved':>5}  {'left':>4}  instance"
    ]
    for r in runs:
        lines.append(
            f"{r['run_id'][:8]:8}  {r['started_at']:%Y-%m-%d %H:%M}  {r['status']:8}  "
            f"{r['max_wmt_pct_before']:>6.1f} -> {r['max_wmt_pct']:>5.1f}  {r['allocated']:>5}  "
            f"{r['transfers']:>5}  {r['unallocated']:>4}  {r['instance']}"
        )
    return "\n".join(lines)


def run_details(run: dict, loads: list[dict], moves: list[dict]) -> str:
    """One run in full: parameters, summary and each practitioner's WMT before and after, highest first."""
    lines = [
        f"Run {run['run_id']} at {run['started_at']:%Y-%m-%d %H:%M:%S} UTC on {run['instance']}",
        f"  Instance hash {run['instance_hash'][:16]}; parameters: "
        + ", ".join(f"{k}={v}" for k, v in sorted(run["parameters"].items())),
        f"  {run['status']}: max WMT {run['max_wmt_pct_before']:.1f}% -> {run['max_wmt_pct']:.1f}% "
        f"(bound {run['lower_bound_pct']:.1f}%); {run['allocated']} allocated, {run['transfers']} transfers, "
        f"{run['unallocated']} left unallocated; {len(moves)} moves recorded",
        f"  {'staff_code':12} {'grade':5} {'WMT before':>10} {'WMT after':>10} {'cases':>11}",
    ]
    for w in sorted(loads, key=lambda w: (-(w["wmt_pct_after"] or -1), w["staff_code"])):
        before = "-" if w["wmt_pct_before"] is None else f"{w['wmt_pct_before']:.1f}%"
        after = "-" if w["wmt_pct_after"] is None else f"{w['wmt_pct_after']:.1f}%"
        lines.append(
            f"  {w['staff_code']:12} {w['grade']:5} {before:>10} {after:>10} "
            f"{w['cases_before']:>4} -> {w['cases_after']:<4}"
        )
    return "\n".join(lines)


def alerts_table(alerts: list, since, weeks: int, threshold: float) -> str:
    """Who has been over the threshold every week, with each week's figure and the trend."""
    head = f"Over {threshold:g}% WMT in each of the {weeks} weeks from {since:%Y-%m-%d} (excessive workload):"
    if not alerts:
        return head + " nobody."
    lines = [head + f" {len(alerts)} practitioner(s)"]
    for a in alerts:
        weekly = " -> ".join(f"{v:.1f}" for v in a.weekly_pct)
        lines.append(f"  {a.staff_code:12} {a.grade:5} {weekly}   {a.trend} ({a.change:+.1f} pp)")
    return "\n".join(lines)


def _render(*items: object, width: int = 140) -> str:
    """Rich renderables as plain text (no colour codes), as wide as a laptop terminal."""
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    for item in items:
        console.print(item)
    text: str = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


WIDE = 172
"""The what-if table's width: every column whole on a wide terminal (a narrow one wraps lines, not cells)."""


def whatif_table(runs: list[Run]) -> str:
    """One row per run, baseline first: the maximum and mean WMT, how many over each line, moves, capacity."""
    from .whatif import HEADERS

    table = Table(title="What-if comparison (WMT % after allocation)", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("scenario", no_wrap=True, max_width=36, overflow="ellipsis")
    for header in HEADERS.values():
        table.add_column(header, justify="left" if header == "status" else "right", no_wrap=True)
    for run in runs:
        row = run.row
        table.add_row(row["scenario"], *(f"{row[column]}" for column in HEADERS))
    notes = [f"  {run.name}: {run.error}" for run in runs if run.error]
    text = _render(table, width=WIDE)
    return text + ("\n  Failed runs:\n" + "\n".join(notes) if notes else "")


def tradeoff_table(points: list[TradeoffPoint]) -> str:
    """The best maximum for each transfer budget, with the proof."""
    table = Table(title="Transfers against the highest WMT %", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("transfers allowed", "transfers made", "max WMT %", "proven bound %", "status"):
        table.add_column(name, justify="right" if name != "status" else "left")
    for p in points:
        proof = "proven best" if p.status is Status.OPTIMAL else "best found"
        table.add_row(str(p.max_transfers), str(p.transfers), f"{p.max_wmt_pct:.1f}", f"{p.lower_bound_pct:.1f}", proof)
    return _render(table)


def staffing_text(answer: StaffingAnswer, now: Decimal | None, after: Decimal | None) -> str:
    """The hires, per pdu, why a pdu cannot reach the target, and demand against capacity per group."""
    target = answer.target_pct
    lines = []
    for pdu in answer.pdus:
        name = pdu.pdu or "(all)"
        if not pdu.reached:
            lines.append(f"  {name}: no number of {'/'.join(answer.grades)} hires reaches {target}%:")
            lines += [f"    - {why}" for why in pdu.blockers]
        elif not pdu.hires:
            lines.append(f"  {name}: today's staff can keep everyone at or under {target}%")
        else:
            mix = ", ".join(f"{n} {grade}" for grade, n in pdu.hires.items())
            proof = "one fewer cannot reach it (proven)" if pdu.proven else "not proven minimal within the time limit"
            lines.append(f"  {name}: FULL at {target}% with today's staff; hire {mix} ({proof})")
    total = sum(answer.hires.values())
    trained = f", trained in {';'.join(sorted(answer.profile.skills))}" if answer.profile.skills else ""
    head = [
        f"Staffing for a maximum of {target}% WMT ({', '.join(answer.grades)} at {answer.profile.hours} h{trained}):"
    ]
    if now is not None:
        head.append(
            f"  Best maximum today: {now:.1f}%" + (f"; with the hires: {after:.1f}%" if after is not None else "")
        )
    if answer.reached:
        mix = ", ".join(f"{n} {g}" for g, n in answer.hires.items())
        head.append(f"  Hires needed: {total}" + (f" ({mix})" if total else ""))
    else:
        head.append("  Hires needed: the target cannot be reached by hiring alone (see below)")
    table = Table(
        title="Demand and capacity at the target, by who may hold the cases", title_justify="left", box=box.SIMPLE_HEAD
    )
    for name in ("may be held by", "demand pts", "capacity pts", "demand FTE", "capacity FTE"):
        table.add_column(name, justify="left" if name == "may be held by" else "right")
    for g in answer.groups:
        table.add_row(
            ", ".join(g.grades) or "nobody",
            str(g.demand_points),
            str(g.capacity_points),
            f"{g.demand_fte:.1f}",
            f"{g.capacity_fte:.1f}",
        )
    hopeless = (
        [
            f"  {len(answer.hopeless)} unallocated case(s) no practitioner or hire of these grades may take "
            "(skills or pdu); not counted"
        ]
        if answer.hopeless
        else []
    )
    return "\n".join(head + lines + hopeless) + "\n" + _render(table)

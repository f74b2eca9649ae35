"""Plain-text summaries for the terminal: what an allocation lead reads after a run."""

from __future__ import annotations

from collections import Counter

from .domain import Instance
from .eligibility import Eligibility
from .outcome import Outcome, Workload, max_pct, over, workloads
from .rules import Rules


def solve_summary(name: str, outcome: Outcome, rules: Rules) -> str:
    s = outcome.summary
    lines = [
        f"{name}: {s.status} in {s.solve_seconds:.1f} s",
        f"  Max WMT:   {s.max_wmt_pct_before:.1f}% -> {s.max_wmt_pct:.1f}%"
        f"   (no allocation can do better than {s.lower_bound_pct:.1f}%)",
    ]
    for t in rules.thresholds_pct:
        lines.append(
            f"  Over {t}%: {s.over_threshold_before[str(t)]} -> {s.over_threshold_after[str(t)]} practitioners"
        )
    lines.append(
        f"  Allocated {s.allocated} cases, {s.transfers} transfers (allowed {s.max_transfers}), "
        f"{s.unallocated} left unallocated"
    )
    if s.unallocated:
        lines.append("  Unallocated cases and the reasons are in unallocated.csv")
    return "\n".join(lines)


def validate_summary(name: str, instance: Instance, rules: Rules, warnings: tuple[str, ...]) -> str:
    """Counts, demand against capacity, WMT now, and who is over the red line."""
    held = {c.crn: c.staff_code for c in instance.cases}
    loads = workloads(instance, rules, held)
    grades = Counter(p.grade.value for p in instance.practitioners)
    unallocated = [c for c in instance.cases if not c.allocated]
    capacity = sum(w.available_points for w in loads)
    held_points = sum(w.points_before for w in loads)
    demand = sum(rules.case_points(c) for c in unallocated)
    elig = Eligibility(instance, rules)
    stranded = sum(1 for c in unallocated if not elig.eligible(c))
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
            f"  {stranded} unallocated cases have no eligible practitioner (they will be listed, not allocated)"
        )
    return "\n".join(lines)


def _who(w: Workload) -> str:
    return f"{w.staff_code} {w.wmt_pct_before:.1f}%"


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

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
        f"{name}: {s['status']} in {s['solve_seconds']:.1f} s",
        f"  Max WMT:   {s['max_wmt_pct_before']:.1f}% -> {s['max_wmt_pct']:.1f}%"
        f"   (no allocation can do better than {s['lower_bound_pct']:.1f}%)",
    ]
    for t in rules.thresholds_pct:
        lines.append(f"  Over {t}%: {s['over_threshold_before'][str(t)]} -> {s['over_threshold_after'][str(t)]} practitioners")
    lines.append(f"  Allocated {s['allocated']} cases, {s['transfers']} transfers (allowed {s['max_transfers']}), "
                 f"{s['unallocated']} left unallocated")
    if s["unallocated"]:
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
        + ", ".join(f"{g} {n}" for g, n in sorted(grades.items())) + ")",
        f"  Cases: {len(instance.cases)} ({len(unallocated)} unallocated, "
        f"{sum(1 for c in instance.cases if c.pinned)} pinned)",
        f"  Capacity {capacity} points; held now {held_points} ({_ratio(held_points, capacity)}); "
        f"unallocated demand {demand} points -> {_ratio(held_points + demand, capacity)} if spread evenly",
        f"  Max WMT now: {max_pct(loads, 'wmt_pct_before'):.1f}%",
    ]
    red = rules.red_pct
    hot = sorted((w for w in loads if w.available_points > 0 and w.wmt_pct_before > red),
                 key=lambda w: -w.wmt_pct_before)
    lines.append(f"  Over {red}% now: {over(loads, 'wmt_pct_before', red)} practitioners"
                 + (": " + ", ".join(_who(w) for w in hot[:10]) + (", ..." if len(hot) > 10 else "") if hot else ""))
    if stranded:
        lines.append(f"  {stranded} unallocated cases have no eligible practitioner (they will be listed, not allocated)")
    return "\n".join(lines)


def _who(w: Workload) -> str:
    return f"{w.staff_code} {w.wmt_pct_before:.1f}%"


def _ratio(points: int, capacity: int) -> str:
    return "n/a" if capacity <= 0 else f"{100 * points / capacity:.1f}%"

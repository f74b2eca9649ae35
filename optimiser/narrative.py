"""A solve's outcome in plain English, for a manager: what is proven, what each count means, and the
figures per pdu and per team. The terminal and the HTML report both say it in these words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from .outcome import Outcome, Summary, Workload
from .results import Action, Status


def status_sentence(s: Summary) -> str:
    """What is proven about the maximum."""
    if s.status is Status.OPTIMAL:
        return (
            f"Proven best: no allocation can have a lower maximum than {s.max_wmt_pct:.1f}% WMT "
            "while keeping every rule."
        )
    return (
        f"Best found in {s.solve_seconds:.0f} s: a maximum of {s.max_wmt_pct:.1f}% WMT; the best possible is at "
        f"least {s.lower_bound_pct:.1f}%, so this is at most {max(s.max_wmt_pct - s.lower_bound_pct, 0):.1f} "
        "points from the best (a longer --time-limit, or --gap 0, may close the gap)."
    )


def count_sentences(s: Summary) -> list[str]:
    """Each count with what it means."""
    lines = [
        f"Highest WMT: {s.max_wmt_pct_before:.1f}% before -> {s.max_wmt_pct:.1f}% after.",
        f"Allocated {s.allocated} new case(s) (cases that had no practitioner).",
    ]
    if s.max_transfers:
        lines.append(
            f"Moved {s.transfers} already-allocated case(s) to another practitioner (transfers; "
            f"up to {s.max_transfers} allowed)."
        )
    else:
        lines.append("No case that already had a practitioner was moved (transfers not allowed: --max-transfers 0).")
    if s.unallocated:
        lines.append(
            f"{s.unallocated} case(s) could not be allocated to anyone under the rules: see the reasons "
            "(unallocated.csv)."
        )
    else:
        lines.append("Every case has a practitioner.")
    for threshold, before in s.over_threshold_before.items():
        lines.append(
            f"Over {threshold}% WMT: {before} practitioner(s) before -> {s.over_threshold_after[threshold]} after."
        )
    if s.parts > 1:
        lines.append(
            f"The instance splits into {s.parts} independent parts (pdus or groups that share no case); "
            f"{s.parts_proven} of them are proven best on their own."
        )
    return lines


def average_sentence(outcome: Outcome) -> str:
    """The unit's load as a whole: what even a perfect spread could not go below."""
    rated = [w for w in outcome.workloads if w.available_points > 0]
    available = sum(w.available_points for w in rated)
    held = sum(w.points_after for w in rated)
    mean = _mean(held, available)
    if mean is None:
        return "Nobody has available points."
    full = (
        ": the unit is over capacity, with more points than available points however they are spread."
        if mean > 100
        else "."
    )
    return (
        f"On average the unit is at {mean:.1f}% WMT after allocation ({held:,} points held against {available:,} "
        f"available){full}"
    )


@dataclass(frozen=True)
class GroupFigures:
    """One pdu's or team's figures after the solve."""

    name: str
    practitioners: int
    available_points: int
    points_before: int
    points_after: int
    max_before: Decimal
    max_after: Decimal
    highest: str
    """Who is highest after (code and name)."""
    over_after: dict[str, int]
    allocated: int
    transfers_in: int

    @property
    def mean_before(self) -> Decimal | None:
        return _mean(self.points_before, self.available_points)

    @property
    def mean_after(self) -> Decimal | None:
        return _mean(self.points_after, self.available_points)


def _mean(points: int, available: int) -> Decimal | None:
    return None if available <= 0 else (Decimal(100 * points) / available).quantize(Decimal("0.1"))


def who(w: Workload) -> str:
    """A practitioner as people read them: code, and name when known."""
    return f"{w.staff_code} ({w.name})" if w.name else w.staff_code


def group_figures(outcome: Outcome, key: str, thresholds: tuple[Decimal, ...]) -> list[GroupFigures]:
    """Figures per value of ``key`` (``pdu`` or ``team_code``), in name order."""
    groups: dict[str, list[Workload]] = defaultdict(list)
    for w in outcome.workloads:
        groups[getattr(w, key)].append(w)
    group_of = {w.staff_code: getattr(w, key) for w in outcome.workloads}
    allocated: dict[str, int] = defaultdict(int)
    transfers: dict[str, int] = defaultdict(int)
    for m in outcome.moves:
        counter = allocated if m.action is Action.ALLOCATE else transfers
        counter[group_of[m.to_staff_code]] += 1
    out = []
    for name, members in sorted(groups.items()):
        rated = [w for w in members if w.available_points > 0]
        top = max(rated, key=lambda w: (w.wmt_pct_after or 0, w.staff_code), default=None)
        out.append(
            GroupFigures(
                name=name or "(none)",
                practitioners=len(members),
                available_points=sum(w.available_points for w in members),
                points_before=sum(w.points_before for w in rated),
                points_after=sum(w.points_after for w in rated),
                max_before=max((w.wmt_pct_before or Decimal(0) for w in rated), default=Decimal(0)),
                max_after=max((w.wmt_pct_after or Decimal(0) for w in rated), default=Decimal(0)),
                highest="" if top is None else who(top),
                over_after={str(t): sum(1 for w in rated if (w.wmt_pct_after or 0) > t) for t in thresholds},
                allocated=allocated[name],
                transfers_in=transfers[name],
            )
        )
    return out


def pdu_lines(outcome: Outcome, thresholds: tuple[Decimal, ...]) -> list[str]:
    """One line per pdu when there are several."""
    figures = group_figures(outcome, "pdu", thresholds)
    if len(figures) < 2:
        return []
    return [
        f"{g.name}: highest {g.max_before:.1f}% -> {g.max_after:.1f}% ({g.highest}), "
        f"{g.allocated} allocated, {g.transfers_in} transferred in, {g.practitioners} practitioners"
        for g in figures
    ]

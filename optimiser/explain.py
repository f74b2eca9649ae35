"""``optimiser explain``: the full story of one case or one practitioner in a checked result folder.

A case: where it was and where it went, and why (the allocation's reason); every eligible practitioner
ranked by the WMT % they would end at holding it; the rules that excluded the others; and, for the top
alternatives, the effect of forcing it there: a re-solve with the case pinned to them, giving the new
maximum and spread. A practitioner: their capacity and cap, WMT and cases before and after, and each case
they received or gave up, with its reason.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .domain import Case, Holders, Instance
from .eligibility import Eligibility
from .outcome import Workload, max_pct, workloads
from .pipeline import check, solve_unchecked
from .reader import LoadedInstance
from .reasons import Reasons
from .results import SolveOptions
from .solve import PartCache
from .wmt import cap_pct, cap_points, contracted_hours, standing, wmt_pct

SHOWN = 10
"""Eligible practitioners listed by name before 'and N more'."""


@dataclass(frozen=True)
class Candidate:
    staff_code: str
    name: str
    grade: str
    pct_with_case: float
    """The WMT % they end at holding this case (the rest of the result unchanged)."""
    over_cap: bool
    receiver: bool


@dataclass(frozen=True)
class Forced:
    """The best allocation with the case pinned to ``staff_code`` (everything else re-solved)."""

    staff_code: str
    max_wmt_pct: float
    spread_pp: float
    unallocated: int
    proven: bool


@dataclass(frozen=True)
class CaseStory:
    crn: str
    points: int
    facts: str
    before: str
    after: str
    reason: str
    eligible: int
    total: int
    ranked: list[Candidate]
    excluded: dict[str, list[str]]
    max_wmt_pct: float
    spread_pp: float
    forced: list[Forced] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Case {self.crn} ({self.facts}; {self.points} points)",
            f"  Before: {self.before or 'unallocated'}. After: {self.after or 'unallocated'}.",
            f"  Why: {self.reason}",
            f"  Eligible: {self.eligible} of {self.total} practitioners, by the WMT % each would end at holding it:",
        ]
        for c in self.ranked[:SHOWN]:
            mark = "  <- has it" if c.receiver else ("  (over their cap)" if c.over_cap else "")
            name = f" {c.name}" if c.name else ""
            out.append(f"    {c.staff_code}{name} ({c.grade}): {c.pct_with_case:.1f}%{mark}")
        if len(self.ranked) > SHOWN:
            out.append(f"    ... and {len(self.ranked) - SHOWN} more")
        if self.excluded:
            out.append("  Excluded by the rules:")
            for rule, codes in self.excluded.items():
                shown = ", ".join(codes[:6]) + (f" and {len(codes) - 6} more" if len(codes) > 6 else "")
                out.append(f"    {rule}: {len(codes)} ({shown})")
        if self.forced:
            out.append(
                f"  Forcing it elsewhere (re-solved with the case pinned there; this result: maximum "
                f"{self.max_wmt_pct:.1f}%, spread {self.spread_pp:.1f} pp):"
            )
            for f in self.forced:
                proof = "proven" if f.proven else "best found"
                left = f", {f.unallocated} unallocated" if f.unallocated else ""
                out.append(
                    f"    to {f.staff_code}: maximum {f.max_wmt_pct:.1f}% ({f.max_wmt_pct - self.max_wmt_pct:+.1f}), "
                    f"spread {f.spread_pp:.1f} pp ({f.spread_pp - self.spread_pp:+.1f}){left}, {proof}"
                )
        out.append("  (spread: the standard deviation of every practitioner's WMT %, in percentage points)")
        return out


@dataclass(frozen=True)
class StaffStory:
    staff_code: str
    name: str
    grade: str
    pdu: str
    team_code: str
    hours: str
    available_points: int
    cap: str
    wmt_before: str
    wmt_after: str
    points_before: int
    points_after: int
    cases_before: int
    cases_after: int
    received: list[tuple[str, str, int, str]]
    """(crn, from, points, reason) of each case allocated or transferred to them."""
    gave: list[tuple[str, str, int, str]]
    """(crn, to, points, reason) of each case transferred away from them."""

    def lines(self) -> list[str]:
        name = f" ({self.name})" if self.name else ""
        out = [
            f"{self.staff_code}{name}: {self.grade}, pdu {self.pdu or '-'}, team {self.team_code or '-'}, "
            f"{self.hours} h after reductions, {self.available_points} points available; cap: {self.cap}",
            f"  WMT {self.wmt_before} -> {self.wmt_after} ({self.points_before} -> {self.points_after} points); "
            f"cases {self.cases_before} -> {self.cases_after}",
        ]
        out.append(f"  Received {len(self.received)} case(s):" if self.received else "  Received no case.")
        out += [
            f"    {crn} ({points} points{', from ' + src if src else ''}): {why}"
            for crn, src, points, why in self.received
        ]
        if self.gave:
            out.append(f"  Gave up {len(self.gave)} case(s):")
            out += [f"    {crn} ({points} points, to {to}): {why}" for crn, to, points, why in self.gave]
        return out


def to_dict(story: CaseStory | StaffStory) -> dict[str, Any]:
    return asdict(story)


def spread(loads: tuple[Workload, ...]) -> float:
    """The population standard deviation of the WMT % after, over practitioners with capacity."""
    values = [float(w.wmt_pct_after) for w in loads if w.wmt_pct_after is not None]
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def _facts(case: Case) -> str:
    parts = [f"tier {case.tier}" if case.tier else "explicit points", f"RoSH {case.rosh.value}"]
    parts += [f"MAPPA {case.mappa_level}"] if case.mappa_level else []
    parts += [f"needs {';'.join(sorted(case.required_skills))}"] if case.required_skills else []
    parts += [f"pdu {case.pdu}"] if case.pdu else []
    parts += ["pinned"] if case.pinned else []
    return ", ".join(parts)


def _who(loads: dict[str, Workload], code: str) -> str:
    if not code:
        return ""
    w = loads[code]
    return f"{code} ({w.name})" if w.name else code


def explain_case(
    loaded: LoadedInstance,
    after: Holders,
    crn: str,
    unallocated_reason: str,
    options: SolveOptions,
    alternatives: int,
) -> CaseStory:
    """The story of case ``crn`` in the result ``after`` (every case's holder)."""
    instance, rules = loaded.instance, loaded.rules
    case = next(c for c in instance.cases if c.crn == crn)
    points = rules.case_points(case)
    loads = workloads(instance, rules, after)
    by_code = {w.staff_code: w for w in loads}
    maximum = max_pct(loads, "wmt_pct_after")
    holder = after[crn]
    if holder and holder != case.staff_code:
        reason = Reasons(instance, rules, loads, maximum).of(case, holder)
    elif holder:
        reason = "it stays with its holder: " + ("it is pinned." if case.pinned else "no transfer of it was needed.")
    else:
        reason = unallocated_reason
    elig = Eligibility(instance, rules)
    ranked = sorted(
        (_candidate(instance.practitioners[i].staff_code, by_code, holder, points) for i in elig.eligible(case)),
        key=lambda c: (c.over_cap, c.pct_with_case, c.staff_code),
    )
    alternatives_to_try = [c.staff_code for c in ranked if not c.receiver and not c.over_cap][:alternatives]
    story = CaseStory(
        crn=crn,
        points=points,
        facts=_facts(case),
        before=_who(by_code, case.staff_code),
        after=_who(by_code, holder),
        reason=reason,
        eligible=len(ranked),
        total=len(instance.practitioners),
        ranked=ranked,
        excluded=elig.exclusions(case),
        max_wmt_pct=float(maximum),
        spread_pp=round(spread(loads), 1),
    )
    cache = PartCache()  # a part the pin leaves alone is solved once for every alternative
    story.forced.extend(_force(loaded, case, code, options, cache) for code in alternatives_to_try)
    return story


def _candidate(code: str, loads: dict[str, Workload], holder: str, points: int) -> Candidate:
    w = loads[code]
    extra = 0 if code == holder else points
    return Candidate(
        staff_code=code,
        name=w.name,
        grade=w.grade,
        pct_with_case=float(Fraction(100 * (w.points_after + extra), w.available_points)),
        over_cap=code != holder and w.capped(points),
        receiver=code == holder,
    )


def _force(loaded: LoadedInstance, case: Case, code: str, options: SolveOptions, cache: PartCache) -> Forced:
    """Re-solve with ``case`` pinned to ``code``: checked, then only its workloads are worked out (the moves'
    reasons and the diagnosis of a national re-solve cost seconds and say nothing here). The instance is the
    validated one with one case pinned to an eligible practitioner, so it is not validated again (2 s of a
    national explanation per alternative); parts already solved for another alternative come from ``cache``."""
    pinned = case.model_copy(update={"staff_code": code, "pinned": True})
    cases = tuple(pinned if c.crn == case.crn else c for c in loaded.instance.cases)
    forced = LoadedInstance(
        Instance.model_construct(practitioners=loaded.instance.practitioners, cases=cases), loaded.rules
    )
    result, after = solve_unchecked(forced, options, cache=cache)
    check(forced, after, options.max_transfers)
    loads = workloads(forced.instance, forced.rules, after)
    return Forced(
        staff_code=code,
        max_wmt_pct=float(max_pct(loads, "wmt_pct_after")),
        spread_pp=round(spread(loads), 1),
        unallocated=len(after.unallocated()),
        proven=result.status == "OPTIMAL",
    )


def explain_staff(loaded: LoadedInstance, after: Holders, code: str) -> StaffStory:
    """The story of practitioner ``code`` in the result ``after``."""
    instance, rules = loaded.instance, loaded.rules
    loads = workloads(instance, rules, after)
    by_code = {w.staff_code: w for w in loads}
    w = by_code[code]
    practitioner = instance.practitioners[instance.practitioner_index[code]]
    cap = cap_pct(practitioner, rules)
    reasons = Reasons(instance, rules, loads, max_pct(loads, "wmt_pct_after"))
    received, gave = [], []
    points = standing(instance, rules).points
    for i, case, holder in sorted(after.changed(), key=lambda change: change[1].crn):  # only moves matter
        if holder == code:
            received.append((case.crn, case.staff_code, points[i], reasons.of(case, code, points[i])))
        elif case.staff_code == code and holder:
            gave.append((case.crn, holder, points[i], reasons.of(case, holder, points[i])))
    hours = contracted_hours(practitioner, rules) - practitioner.reduction_hours
    cap_text = "none"
    if cap is not None:
        cap_text = f"{cap}% ({cap_points(cap, w.available_points)} points)" + (
            " (protected)" if practitioner.protected and practitioner.max_wmt_pct is None else ""
        )
    return StaffStory(
        staff_code=code,
        name=w.name,
        grade=w.grade,
        pdu=w.pdu,
        team_code=w.team_code,
        hours=f"{hours.normalize():f}",
        available_points=w.available_points,
        cap=cap_text,
        wmt_before=_pct(wmt_pct(w.points_before, w.available_points)),
        wmt_after=_pct(wmt_pct(w.points_after, w.available_points)),
        points_before=w.points_before,
        points_after=w.points_after,
        cases_before=w.cases_before,
        cases_after=w.cases_after,
        received=received,
        gave=gave,
    )


def _pct(value: Decimal | None) -> str:
    return "n/a (no available points)" if value is None else f"{value:.1f}%"

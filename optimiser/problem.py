"""Compile an instance and its rules into the integer problem the model solves.

Cases with the same points, the same possible receivers and the same current holder are
interchangeable, so they become one *class* with a count: the model decides how many of each class
each practitioner takes, never which case. This keeps the model small at any scale and removes the
symmetry a boolean per case x practitioner would carry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from .domain import Case, Instance, Practitioner
from .eligibility import Eligibility
from .rules import Rules
from .wmt import LEVELS_PER_PCT, cap_points, level

SCALE = 100 * LEVELS_PER_PCT
"""A load is at or below level L when SCALE x points <= L x available points."""


@dataclass(frozen=True)
class CaseClass:
    """Interchangeable cases: ``crns`` each worth ``points``, held by ``holder`` (None: unallocated)."""

    points: int
    crns: tuple[str, ...]
    holder: int | None
    targets: tuple[int, ...]
    """Practitioners who may receive these cases (never the holder)."""

    @property
    def count(self) -> int:
        return len(self.crns)

    @property
    def holders(self) -> tuple[int, ...]:
        """Everyone who may hold these cases after the solve."""
        return self.targets if self.holder is None else tuple(sorted({*self.targets, self.holder}))


@dataclass(frozen=True)
class AllocationProblem:
    """The solver's view: capacities, fixed loads, caps and case classes, all integers."""

    staff_codes: tuple[str, ...]
    available: tuple[int, ...]
    base_load: tuple[int, ...]
    """Points that stay whatever the solve does: other points, pinned and unmovable held cases."""
    max_load: tuple[int | None, ...]
    """Points cap after allocation (None: uncapped, or closed: already above cap and receives nothing)."""
    classes: tuple[CaseClass, ...]
    max_transfers: int
    unplaceable: tuple[tuple[str, str], ...]
    """Unallocated cases no practitioner may take, with the reason."""

    @property
    def n(self) -> int:
        return len(self.staff_codes)

    @cached_property
    def varying(self) -> frozenset[int]:
        """Practitioners whose load the solve can change (receivers and holders of movable cases)."""
        return frozenset(p for c in self.classes for p in c.holders)

    @cached_property
    def slack_classes(self) -> frozenset[int]:
        """Unallocated classes whose every receiver is capped: they may not fit, so may stay unallocated."""
        return frozenset(k for k, c in enumerate(self.classes)
                         if c.holder is None and all(self.max_load[p] is not None for p in c.targets))

    @cached_property
    def level_range(self) -> tuple[int, int]:
        """A valid range for the maximum level: fixed loads and volume below, everything on one practitioner above."""
        active = [p for p in range(self.n) if self.available[p] > 0]
        if not active:
            return 0, 0
        low = max(level(self.base_load[p], self.available[p]) for p in active)
        if not self.slack_classes:
            low = max([low] + [self._volume_level(group) for group in {c.holders for c in self.classes}])
        extra = sum(c.points * c.count for c in self.classes)
        high = max(level(self.base_load[p] + extra, self.available[p]) for p in active)
        low = max(low, self._transfer_level(low, max(low, high)))
        return low, max(low, high)

    def _transfer_level(self, low: int, high: int) -> int:
        """Lowest level the transfer budget can reach (see ``transfers_needed``)."""
        if not any(c.holder is not None for c in self.classes):
            return low
        while low < high:
            mid = (low + high) // 2
            needed = self.transfers_needed(mid)
            low, high = (mid + 1, high) if needed is None or needed > self.max_transfers else (low, mid)
        return low

    @cached_property
    def _held_classes(self) -> dict[int, list[int]]:
        """Each holder's movable held classes (holders with capacity), largest points first."""
        held: dict[int, list[int]] = defaultdict(list)
        for k, c in enumerate(self.classes):
            if c.holder is not None and self.available[c.holder] > 0:
                held[c.holder].append(k)
        return {p: sorted(ks, key=lambda k: -self.classes[k].points) for p, ks in held.items()}

    def _shedding(self, top: int) -> dict[int, int] | None:
        """The fewest held cases to lift off each holder so none starts above level ``top``, largest first,
        as class -> count (None: some holder cannot get down to it)."""
        start = self.load_before()
        plan: dict[int, int] = {}
        for p, held in self._held_classes.items():
            excess = start[p] - top * self.available[p] // SCALE
            for k in held:
                while excess > 0 and plan.get(k, 0) < self.classes[k].count:
                    plan[k] = plan.get(k, 0) + 1
                    excess -= self.classes[k].points
            if excess > 0:
                return None
        return plan

    def shed_plan(self, top: int) -> dict[int, int] | None:
        """The shedding ``transfers_needed`` counts, as class -> count (None: impossible or over the budget)."""
        plan = self._shedding(top)
        return plan if plan is not None and sum(plan.values()) <= self.max_transfers else None

    def transfers_needed(self, top: int) -> int | None:
        """A lower bound on the transfers any allocation at or below level ``top`` makes (None: none can).

        Everyone whose load before is above ``top`` must shed held cases; shedding the largest first
        takes the fewest. New cases only add load, so they cannot lower the count.
        """
        plan = self._shedding(top)
        return None if plan is None else sum(plan.values())

    def _volume_level(self, group: tuple[int, ...]) -> int:
        """Lowest level at which ``group`` has room for every case that only ``group`` may hold.

        A relaxation (it ignores which practitioner takes which case and that cases are indivisible), so
        the true optimum can never be below it.
        """
        members = set(group)
        demand = sum(c.points * c.count for c in self.classes if members.issuperset(c.holders))

        def room(top: int) -> int:
            total = 0
            for p in group:
                most = top * self.available[p] // SCALE
                if self.max_load[p] is not None:
                    most = min(most, self.max_load[p])
                total += max(0, most - self.base_load[p])
            return total

        low, high = 0, 1
        while room(high) < demand:
            if high > 1 << 40:  # the group's caps can never hold its cases: no volume bound from it
                return 0
            low, high = high, high * 2
        while low < high:
            mid = (low + high) // 2
            low, high = (mid + 1, high) if room(mid) < demand else (low, mid)
        return high

    def load_before(self) -> list[int]:
        """Each practitioner's points before the solve (movable held cases still with their holder)."""
        load = list(self.base_load)
        for cls in self.classes:
            if cls.holder is not None:
                load[cls.holder] += cls.points * cls.count
        return load


def cap_pct(practitioner: Practitioner, rules: Rules) -> Decimal | None:
    """The WMT % cap on a practitioner: their own max_wmt_pct, else the protected cap, else none."""
    if practitioner.max_wmt_pct is not None:
        return practitioner.max_wmt_pct
    if practitioner.protected:
        return rules.protected_cap_pct
    return None


def compile_problem(instance: Instance, rules: Rules, max_transfers: int = 0) -> AllocationProblem:
    """Build the solver's problem; with ``max_transfers`` 0 every held case is fixed load."""
    elig = Eligibility(instance, rules)
    index = instance.practitioner_index
    points = [rules.case_points(c) for c in instance.cases]
    before = [p.other_points for p in instance.practitioners]
    for case, pts in zip(instance.cases, points, strict=True):
        if case.allocated:
            before[index[case.staff_code]] += pts
    max_load = [_max_load(p, rules, elig.capacity[i]) for i, p in enumerate(instance.practitioners)]
    closed = {i for i, m in enumerate(max_load) if m is not None and before[i] > m}
    base = [p.other_points for p in instance.practitioners]
    groups: dict[tuple[int, int | None, tuple[int, ...]], list[str]] = defaultdict(list)
    unplaceable = []
    for case, pts in zip(instance.cases, points, strict=True):
        holder = index[case.staff_code] if case.allocated else None
        targets = _targets(case, elig, closed, holder)
        movable = holder is not None and not case.pinned and max_transfers > 0 and targets
        if holder is not None and not movable:
            base[holder] += pts
        elif targets:
            groups[(pts, holder, targets)].append(case.crn)
        else:
            unplaceable.append((case.crn, _why_not(case, elig, closed, instance)))
    classes = tuple(
        CaseClass(points=pts, crns=tuple(sorted(crns)), holder=holder, targets=targets)
        for (pts, holder, targets), crns in sorted(groups.items(), key=lambda kv: (min(kv[1]), kv[0][0]))
    )
    return AllocationProblem(
        staff_codes=tuple(p.staff_code for p in instance.practitioners),
        available=elig.capacity,
        base_load=tuple(base),
        max_load=tuple(None if i in closed else m for i, m in enumerate(max_load)),
        classes=classes,
        max_transfers=max_transfers,
        unplaceable=tuple(sorted(unplaceable)),
    )


def _max_load(practitioner: Practitioner, rules: Rules, capacity: int) -> int | None:
    cap = cap_pct(practitioner, rules)
    return None if cap is None else cap_points(cap, capacity)


def _targets(case: Case, elig: Eligibility, closed: set[int], holder: int | None) -> tuple[int, ...]:
    return tuple(i for i in elig.eligible(case) if i not in closed and i != holder)


def _why_not(case: Case, elig: Eligibility, closed: set[int], instance: Instance) -> str:
    eligible = elig.eligible(case)
    if not eligible:
        return elig.explain(case)
    names = ", ".join(instance.practitioners[i].staff_code for i in eligible[:3])
    more = f" and {len(eligible) - 3} more" if len(eligible) > 3 else ""
    return f"every eligible practitioner ({names}{more}) is already above their WMT cap"

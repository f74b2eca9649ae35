"""Compile an instance and its rules into the integer problem the model solves.

Cases with the same points, the same possible receivers and the same current holder are
interchangeable, so they become one *class* with a count: the model decides how many of each class
each practitioner takes, never which case. This keeps the model small at any scale and removes the
symmetry a boolean per case x practitioner would carry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from . import bounds
from .domain import Case, Instance
from .eligibility import Eligibility, Signature, capped_out, signature_key
from .rules import Rules
from .wmt import max_load, standing


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

    @cached_property
    def holders(self) -> tuple[int, ...]:
        """Everyone who may hold these cases after the solve."""
        return self.targets if self.holder is None else tuple(sorted({*self.targets, self.holder}))


@dataclass(frozen=True)
class Pool:
    """Case classes of the same points that the same practitioners may hold: to a receiver their cases are
    interchangeable, whoever holds them now, so the model counts what each receives from the pool."""

    points: int
    holders: tuple[int, ...]
    classes: tuple[int, ...]


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
    def pools(self) -> tuple[Pool, ...]:
        """The classes grouped into pools, in class order."""
        grouped: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
        for k, c in enumerate(self.classes):
            grouped[(c.points, c.holders)].append(k)
        return tuple(Pool(points, holders, tuple(ks)) for (points, holders), ks in grouped.items())

    @cached_property
    def model_size(self) -> int:
        """How many counts a model of this problem has (its size): pool x receiver, and held class sheds."""
        return sum(len(pool.holders) for pool in self.pools) + sum(c.holder is not None for c in self.classes)

    @cached_property
    def varying(self) -> frozenset[int]:
        """Practitioners whose load the solve can change (receivers and holders of movable cases)."""
        return frozenset(p for c in self.classes for p in c.holders)

    @cached_property
    def slack_classes(self) -> frozenset[int]:
        """Unallocated classes whose every receiver is capped: they may not fit, so may stay unallocated."""
        return frozenset(
            k
            for k, c in enumerate(self.classes)
            if c.holder is None and all(self.max_load[p] is not None for p in c.targets)
        )

    @cached_property
    def partners(self) -> tuple[tuple[int, ...], ...]:
        """For each practitioner, everyone who may hold one of the same movable cases."""
        shared: list[set[int]] = [set() for _ in range(self.n)]
        for group in {c.holders for c in self.classes}:
            for p in group:
                shared[p].update(group)
        return tuple(tuple(sorted(s - {p})) for p, s in enumerate(shared))

    @cached_property
    def points_by_holders(self) -> dict[tuple[int, ...], int]:
        """Points of the movable cases by who may hold them (a few hundred groups, where a region with
        transfers has some 12,000 classes)."""
        points: dict[tuple[int, ...], int] = defaultdict(int)
        for c in self.classes:
            points[c.holders] += c.points * c.count
        return dict(points)

    @cached_property
    def volume_levels(self) -> dict[tuple[int, ...], int]:
        """Each group of possible holders' volume level (see ``bounds.volume_level``)."""
        return bounds.volume_levels(self)

    @cached_property
    def volume_pct(self) -> Fraction:
        """The volume bound as an exact WMT % (see ``bounds.volume_pct``)."""
        return bounds.volume_pct(self)

    @cached_property
    def level_range(self) -> tuple[int, int]:
        """A valid range for the maximum level, from the proven bounds (see ``bounds.py``)."""
        return bounds.level_range(self)

    @cached_property
    def held_classes(self) -> dict[int, list[int]]:
        """Each holder's movable held classes (holders with capacity), largest points first."""
        held: dict[int, list[int]] = defaultdict(list)
        for k, c in enumerate(self.classes):
            if c.holder is not None and self.available[c.holder] > 0:
                held[c.holder].append(k)
        return {p: sorted(ks, key=lambda k: -self.classes[k].points) for p, ks in held.items()}

    def load_before(self) -> list[int]:
        """Each practitioner's points before the solve (movable held cases still with their holder)."""
        load = list(self.base_load)
        for cls in self.classes:
            if cls.holder is not None:
                load[cls.holder] += cls.points * cls.count
        return load


def compile_problem(instance: Instance, rules: Rules, max_transfers: int = 0) -> AllocationProblem:
    """Build the solver's problem; with ``max_transfers`` 0 every held case is fixed load."""
    elig = Eligibility(instance, rules)
    index = instance.practitioner_index
    now = standing(instance, rules)
    points = now.points
    before = [now.load[p.staff_code] for p in instance.practitioners]
    caps = [max_load(p, rules, elig.capacity[i]) for i, p in enumerate(instance.practitioners)]
    closed = {i for i, m in enumerate(caps) if m is not None and before[i] > m}
    base = list(before)  # every held case with its holder: most stay whoever may take them
    groups: dict[tuple[int, int | None, tuple[int, ...]], list[str]] = defaultdict(list)
    unplaceable = []
    receivers: dict[tuple[tuple, int | None], tuple[int, ...]] = {}  # cases alike share their receivers
    cases = instance.cases
    for at in instance.unheld if max_transfers == 0 else range(len(cases)):  # without transfers, held cases stay
        case, pts = cases[at], points[at]
        holder = index[case.staff_code] if case.staff_code else None
        if holder is not None:
            if case.pinned:
                continue
            base[holder] -= pts  # movable: its class counts it
        alike = (signature_key(case), holder)
        targets = receivers.get(alike)
        if targets is None:
            scan = elig.scan(Signature(*alike[0]))[0]
            targets = receivers[alike] = tuple(i for i in scan if i not in closed and i != holder)
        if holder is not None and not targets:
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
        max_load=tuple(None if i in closed else m for i, m in enumerate(caps)),
        classes=classes,
        max_transfers=max_transfers,
        unplaceable=tuple(sorted(unplaceable)),
    )


def _why_not(case: Case, elig: Eligibility, closed: set[int], instance: Instance) -> str:
    eligible = elig.eligible(case)
    if not eligible:
        return elig.blocking(case).reason
    return capped_out([instance.practitioners[i].staff_code for i in eligible], already=True)

"""WMT arithmetic, identical to the MoJ workload service, plus the exact integer levels the model uses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType

from .domain import Holders, Instance, Practitioner
from .rules import Rules

LEVELS_PER_PCT = 10
"""Model resolution: WMT levels are counted in tenths of a percentage point (the MoJ's display precision)."""
SCALE = 100 * LEVELS_PER_PCT
"""A load is at or below level L when SCALE x points <= L x available points."""

_RATIO_PLACES = Decimal("1e-15")
_PCT_RATIO_PLACES = Decimal("1e-3")


def available_points(
    nominal_target: int, contracted_hours: Decimal, reduction_hours: Decimal, default_hours: Decimal
) -> int:
    """floor(nominal target x hours ratio), the ratio rounded half-up to 15 places first, as the MoJ does."""
    if nominal_target <= 0 or default_hours <= 0:
        return 0
    ratio = ((contracted_hours - reduction_hours) / default_hours).quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)
    points = (Decimal(nominal_target) * ratio).to_integral_value(rounding=ROUND_FLOOR)
    return max(int(points), 0)


def contracted_hours(practitioner: Practitioner, rules: Rules) -> Decimal:
    """Contracted hours, the grade's default hours when the export left them blank."""
    if practitioner.contracted_hours is None:
        return rules.grades[practitioner.grade].default_hours
    return practitioner.contracted_hours


def practitioner_capacity(practitioner: Practitioner, rules: Rules) -> int:
    """Available points of a practitioner under the rules in force."""
    grade = rules.grades[practitioner.grade]
    return available_points(
        grade.nominal_target, contracted_hours(practitioner, rules), practitioner.reduction_hours, grade.default_hours
    )


def wmt_pct(total_points: int, available: int) -> Decimal | None:
    """WMT % with one decimal, as displayed by the MoJ (ratio half-up to 3 places); None without capacity."""
    if available <= 0:
        return None
    ratio = (Decimal(total_points) / Decimal(available)).quantize(_PCT_RATIO_PLACES, rounding=ROUND_HALF_UP)
    return ratio * 100


def exact_pct(total_points: int, available: int) -> Fraction:
    """WMT % as an exact fraction, for comparisons that must not round."""
    return Fraction(100 * total_points, available)


def level(total_points: int, available: int) -> int:
    """The smallest level L (tenths of a percent) with total/available <= L/1000: ceil(1000 x total / available)."""
    return -((-SCALE * total_points) // available)


def points_at_level(top: int, available: int) -> int:
    """The most points a practitioner with ``available`` points may hold at or below level ``top``."""
    return top * available // SCALE


def cap_pct(practitioner: Practitioner, rules: Rules) -> Decimal | None:
    """The WMT % cap on a practitioner: their own max_wmt_pct, else the protected cap, else none."""
    if practitioner.max_wmt_pct is not None:
        return practitioner.max_wmt_pct
    if practitioner.protected:
        return rules.protected_cap_pct
    return None


def max_load(practitioner: Practitioner, rules: Rules, available: int) -> int | None:
    """The most points a capped practitioner may end with (None: uncapped)."""
    cap = cap_pct(practitioner, rules)
    return None if cap is None else cap_points(cap, available)


def cap_points(cap_pct: Decimal, available: int) -> int:
    """The most points a practitioner may hold under a WMT % cap: floor(cap x available / 100), exactly."""
    return int(Fraction(cap_pct) * available // 100)


def floor_pct(value: Fraction, places: int = 1) -> Decimal:
    """A lower bound rounded down to ``places`` decimals, so a displayed bound never exceeds the truth."""
    scale = 10**places
    return Decimal(int(value * scale // 1)) / scale


@dataclass(frozen=True)
class Standing:
    """An instance's points as they stand, before any change: each case's points (in the instance's order),
    and each practitioner's points (other work included) and cases held (0 for anyone holding none). Read
    only: one standing is shared by everyone who asks."""

    points: tuple[int, ...]
    load: Mapping[str, int]
    held: Mapping[str, int]

    def after(self, holders: Holders) -> tuple[dict[str, int], Counter[str]]:
        """Each practitioner's points and cases once ``holders``' changes (to this standing's instance) are made."""
        load, held = dict(self.load), Counter(self.held)
        for i, case, new in holders.changed():
            worth = self.points[i]
            for code, sign in ((case.staff_code, -1), (new, 1)):
                if code in load:
                    load[code] += sign * worth
                    held[code] += sign
        return load, held


_standings: list[tuple[Instance, Rules, Standing]] = []
"""The last instance and rules asked of ``standing``, with theirs."""


def standing(instance: Instance, rules: Rules) -> Standing:
    """Where ``instance`` stands under ``rules``. The one pass over every case that the compile, the
    workloads and the verifier each need, so it is kept for the last instance and rules asked (by identity:
    both are immutable)."""
    for known, ruled, found in _standings:
        if known is instance and ruled is rules:
            return found
    points = rules.points_of(instance.cases)
    holders = [c.staff_code for c in instance.cases]
    load = {p.staff_code: p.other_points for p in instance.practitioners}
    load[""] = 0
    for code, worth in zip(holders, points, strict=True):
        load[code] += worth
    del load[""]
    held = Counter(holders)
    del held[""]
    found = Standing(tuple(points), MappingProxyType(load), MappingProxyType(held))
    _standings[:] = [(instance, rules, found)]
    return found

"""Why each case went where it went: a reason per allocation and transfer, from the solution's facts.

Every figure in a reason is a fact of the final allocation that anyone can recompute from the instance
and the result files (``check`` does): the receiver's WMT before and after, how many practitioners the
hard rules let take the case and what kept the others out, and what the next best eligible practitioner
would have ended at had they been given it instead. A transfer also says what it bought: its holder's
WMT before and after, and where keeping the case would have left them.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from .domain import Case, Instance
from .eligibility import Eligibility, Signature, wording
from .rules import Rules

if TYPE_CHECKING:
    from .outcome import Workload


@dataclass(frozen=True)
class Reason:
    """The facts behind one allocation or transfer, and their wording."""

    receiver: str
    receiver_before: Decimal | None
    receiver_after: Decimal | None
    eligible: int
    total: int
    excluded: tuple[tuple[int, str], ...]
    """How many each rule kept out, with its wording."""
    capped: int
    alternative: str | None
    alternative_pct: Decimal | None
    maximum: Decimal
    holder: str = ""
    holder_before: Decimal | None = None
    holder_after: Decimal | None = None
    holder_keeping: Decimal | None = None

    def text(self) -> str:
        parts = []
        if self.holder:
            parts.append(
                f"Transfer lowers {self.holder} from {_pct(self.holder_before)} to {_pct(self.holder_after)} "
                f"(keeping it: {_pct(self.holder_keeping)})."
            )
        parts.append(f"To {self.receiver}: WMT {_pct(self.receiver_before)} -> {_pct(self.receiver_after)}.")
        notes = ["excluded: " + ", ".join(f"{n} {words}" for n, words in self.excluded)] if self.excluded else []
        notes += [f"{self.capped} eligible at their WMT cap"] if self.capped else []
        parts.append(
            f"Eligible: {self.eligible} of {self.total} practitioners" + (f" ({'; '.join(notes)})." if notes else ".")
        )
        parts.append(self._next_best())
        return " ".join(parts)

    def _next_best(self) -> str:
        if self.alternative is None or self.alternative_pct is None:
            return "Nobody else eligible had room under their cap." if self.capped else "Nobody else was eligible."
        head = f"Next best: {self.alternative} would have ended at {_pct(self.alternative_pct)}"
        if self.alternative_pct > self.maximum:
            return f"{head}, above the maximum {_pct(self.maximum)}."
        if self.receiver_after is not None and self.alternative_pct > self.receiver_after:
            return f"{head}, above {self.receiver}'s {_pct(self.receiver_after)}."
        return f"{head} ({self.receiver} ends at {_pct(self.receiver_after)})."


def _pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


@dataclass(frozen=True)
class _Field:
    capped: frozenset[str]
    lowest: tuple[Workload, ...]


class Reasons:
    """Reasons for the moves of one solution; moves alike (signature, points, holder, receiver) share one."""

    def __init__(self, instance: Instance, rules: Rules, loads: Sequence[Workload], maximum: Decimal):
        """``loads``: every practitioner's workload after the solve, in the instance's order."""
        self.instance = instance
        self.rules = rules
        self.maximum = maximum
        self.eligibility = Eligibility(instance, rules)
        self.standing = loads
        self._known: dict[tuple[Signature, int, str, str], Reason] = {}
        self._field: dict[tuple[Signature, int, str], _Field] = {}

    def of(self, case: Case, receiver: str) -> Reason:
        """The reason ``case`` went to ``receiver`` (from its holder, if it had one)."""
        points = self.rules.case_points(case)
        sig = Signature.of(case)
        key = (sig, points, case.staff_code, receiver)
        if key not in self._known:
            self._known[key] = self._reason(sig, points, case.staff_code, receiver)
        return self._known[key]

    def _field_of(self, sig: Signature, points: int, holder: str) -> _Field:
        """Everyone eligible but the holder: who is at their cap, and the two with room who would end lowest
        (exact ratios: a float of points / available orders such small integers exactly)."""
        key = (sig, points, holder)
        if key not in self._field:
            standing = self.standing
            others = [s for i in self.eligibility.scan(sig)[0] if (s := standing[i]).staff_code != holder]
            capped = frozenset(s.staff_code for s in others if s.capped(points))
            room = [s for s in others if s.staff_code not in capped] if capped else others
            lowest = heapq.nsmallest(
                2, room, key=lambda s: ((s.points_after + points) / s.available_points, s.staff_code)
            )
            self._field[key] = _Field(capped, tuple(lowest))
        return self._field[key]

    def _reason(self, sig: Signature, points: int, holder: str, receiver: str) -> Reason:
        staff = self.instance.practitioners
        eligible, excluded = self.eligibility.scan(sig)
        field = self._field_of(sig, points, holder)
        best = next((s for s in field.lowest if s.staff_code != receiver), None)
        capped = len(field.capped - {receiver})
        to = self.standing[self.instance.practitioner_index[receiver]]
        reason = Reason(
            receiver=receiver,
            receiver_before=to.pct(to.points_before),
            receiver_after=to.pct(to.points_after),
            eligible=len(eligible),
            total=len(staff),
            excluded=tuple((n, wording(rule, sig)) for rule, n in excluded.items()),
            capped=capped,
            alternative=None if best is None else best.staff_code,
            alternative_pct=None if best is None else best.pct(best.points_after + points),
            maximum=self.maximum,
        )
        if not holder:
            return reason
        held = self.standing[self.instance.practitioner_index[holder]]
        return replace(
            reason,
            holder=held.staff_code,
            holder_before=held.pct(held.points_before),
            holder_after=held.pct(held.points_after),
            holder_keeping=held.pct(held.points_after + points),
        )

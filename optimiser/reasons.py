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
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .domain import Case, Instance
from .eligibility import Eligibility, Signature, signature_key, wording
from .rules import Rules

if TYPE_CHECKING:
    from .outcome import Workload


def _pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


@dataclass(frozen=True)
class _Field:
    capped: frozenset[str]
    lowest: tuple[Workload, ...]


class Reasons:
    """Reasons for the moves of one solution, as text; moves alike (signature, points, holder, receiver)
    share one.

    A national solve gives twenty thousand reasons from a few thousand fields and a few thousand receivers,
    so each part of a reason is worked out once and kept: a signature's eligible count and exclusions, a
    field (and each practitioner's figures it reads, as plain lists), each receiver's and holder's WMT,
    and each sentence on who was eligible."""

    def __init__(self, instance: Instance, rules: Rules, loads: Sequence[Workload], maximum: Decimal):
        """``loads``: every practitioner's workload after the solve, in the instance's order."""
        self.instance = instance
        self.rules = rules
        self.maximum = maximum
        self.eligibility = Eligibility(instance, rules)
        self.standing = loads
        self._known: dict[tuple[tuple, int, str, str], str] = {}
        self._field: dict[tuple[tuple, int, str], _Field] = {}
        self._scan: dict[tuple, tuple[tuple[int, ...], int, tuple[tuple[int, str], ...]]] = {}
        self._eligible: dict[tuple[tuple, int], str] = {}
        self._wmt: dict[str, tuple[Workload, str]] = {}
        self._codes = [w.staff_code for w in loads]
        self._after = [w.points_after for w in loads]
        self._available = [w.available_points for w in loads]
        self._room = [w.room for w in loads]

    def of(self, case: Case, receiver: str, points: int | None = None) -> str:
        """Why ``case`` went to ``receiver`` (from its holder, if it had one); ``points``: the case's, when
        the caller has them."""
        points = self.rules.case_points(case) if points is None else points
        key = (signature_key(case), points, case.staff_code, receiver)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._reason(key[0], points, case.staff_code, receiver)
        return known

    def _scanned(self, sig: tuple) -> tuple[tuple[int, ...], int, tuple[tuple[int, str], ...]]:
        """Who may take a case of this signature (as ``signature_key``), how many, and the exclusions' wording."""
        found = self._scan.get(sig)
        if found is None:
            signature = Signature(*sig)
            eligible, excluded = self.eligibility.scan(signature)
            found = (eligible, len(eligible), tuple((n, wording(rule, signature)) for rule, n in excluded.items()))
            self._scan[sig] = found
        return found

    def _field_of(self, sig: tuple, points: int, holder: str) -> _Field:
        """Everyone eligible but the holder: who is at their cap, and the two with room who would end lowest
        (exact ratios: a float of points / available orders such small integers exactly)."""
        key = (sig, points, holder)
        field = self._field.get(key)
        if field is None:
            codes, after, available, room_of = self._codes, self._after, self._available, self._room
            eligible = self._scanned(sig)[0]
            others = [i for i in eligible if codes[i] != holder] if holder else eligible
            capped = [i for i in others if points > room_of[i]]  # Workload.capped, from the kept rooms
            room = [i for i in others if points <= room_of[i]] if capped else others
            lowest = heapq.nsmallest(2, [((after[i] + points) / available[i], codes[i], i) for i in room])
            field = self._field[key] = _Field(
                frozenset(codes[i] for i in capped), tuple(self.standing[i] for *_, i in lowest)
            )
        return field

    def _reason(self, sig: tuple, points: int, holder: str, receiver: str) -> str:
        """The facts, worded: what a transfer bought its holder, the receiver's WMT before and after, who
        else the rules let take it (and who their caps kept out), and where the next best would have ended."""
        field = self._field_of(sig, points, holder)
        capped = len(field.capped) - (receiver in field.capped)
        to, receiving = self._wmt_of(receiver)
        said = f"{receiving} {self._eligible_of(sig, capped)} {self._next_best(field, to, points, capped)}"
        if not holder:
            return said
        held, _ = self._wmt_of(holder)
        before, after, keeping = held.wmt_pct_before, held.wmt_pct_after, held.pct(held.points_after + points)
        return f"Transfer lowers {holder} from {_pct(before)} to {_pct(after)} (keeping it: {_pct(keeping)}). {said}"

    def _wmt_of(self, code: str) -> tuple[Workload, str]:
        """A practitioner's workload, and "To <code>: WMT <before> -> <after>." (kept: receivers recur)."""
        found = self._wmt.get(code)
        if found is None:
            w = self.standing[self.instance.practitioner_index[code]]
            found = self._wmt[code] = (w, f"To {code}: WMT {_pct(w.wmt_pct_before)} -> {_pct(w.wmt_pct_after)}.")
        return found

    def _eligible_of(self, sig: tuple, capped: int) -> str:
        """How many the rules let take a case of this signature, of everyone, with who each rule and the
        caps kept out."""
        key = (sig, capped)
        found = self._eligible.get(key)
        if found is None:
            _, eligible, excluded = self._scanned(sig)
            notes = ["excluded: " + ", ".join(f"{n} {words}" for n, words in excluded)] if excluded else []
            notes += [f"{capped} eligible at their WMT cap"] if capped else []
            found = self._eligible[key] = f"Eligible: {eligible} of {len(self.standing)} practitioners" + (
                f" ({'; '.join(notes)})." if notes else "."
            )
        return found

    def _next_best(self, field: _Field, to: Workload, points: int, capped: int) -> str:
        """Where the lowest other eligible practitioner with room would have ended with the case."""
        best = next((s for s in field.lowest if s.staff_code != to.staff_code), None)
        alternative = None if best is None else best.pct(best.points_after + points)
        if best is None or alternative is None:
            return "Nobody else eligible had room under their cap." if capped else "Nobody else was eligible."
        head = f"Next best: {best.staff_code} would have ended at {_pct(alternative)}"
        if alternative > self.maximum:
            return f"{head}, above the maximum {_pct(self.maximum)}."
        if to.wmt_pct_after is not None and alternative > to.wmt_pct_after:
            return f"{head}, above {to.staff_code}'s {_pct(to.wmt_pct_after)}."
        return f"{head} ({to.staff_code} ends at {_pct(to.wmt_pct_after)})."

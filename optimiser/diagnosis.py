"""What stops cases being allocated, said in domain words.

Per case, the blocking rule comes from ``eligibility`` (one wording everywhere). When cases are left
only because caps cannot all hold together, each pdu concerned gets a minimal set of rules that make it
impossible (``cpsat.conflict``) and the figures behind it: the points those cases need and the room the
practitioners who may take them have under their caps.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cpsat.conflict import ANYONE_UNCAPPED, Conflict, ConflictProblem, Group, minimal_conflict
from .domain import Case, Grade, Instance
from .eligibility import Eligibility, Rule
from .executor import Executor, Pending
from .rules import Rules
from .wmt import cap_pct

if TYPE_CHECKING:
    from .outcome import Workload

MAX_CASES_PER_CHECK = 5_000
"""A pdu with more stranded cases than this is described by counts only (each check stays quick)."""
DIAGNOSIS_SECONDS = 10.0
"""The most the conflict search may add to a solve; pdus left when it runs out are named as not examined."""


@dataclass(frozen=True)
class ConflictStory:
    pdu: str
    rules: tuple[str, ...]
    explanation: str
    minimal: bool

    def to_dict(self) -> dict[str, object]:
        return {"pdu": self.pdu, "rules": list(self.rules), "explanation": self.explanation, "minimal": self.minimal}


@dataclass(frozen=True)
class Diagnosis:
    """Why cases are left: counts by blocking rule, who ends above their cap, and rule conflicts."""

    by_rule: dict[str, int]
    above_cap: tuple[str, ...]
    conflicts: tuple[ConflictStory, ...]
    unexamined: tuple[str, ...] = ()
    """Pdus with cases left by caps whose conflict was not searched (too many cases, or out of time)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "unallocated_by_rule": dict(self.by_rule),
            "above_cap_after": list(self.above_cap),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "conflicts_not_examined": list(self.unexamined),
        }

    def lines(self) -> list[str]:
        """The diagnosis as sentences for the terminal and the report."""
        out = []
        if self.by_rule:
            out.append(
                "Left unallocated, by the rule that blocks them: "
                + ", ".join(f"{rule} {n}" for rule, n in self.by_rule.items())
                + "."
            )
        for c in self.conflicts:
            where = f"In pdu {c.pdu}" if c.pdu else "Here"
            proof = "" if c.minimal else " (not all shown to be needed within the time allowed)"
            out.append(
                f"{where} these rules together make it impossible to allocate every case{proof}: "
                + "; ".join(c.rules)
                + f". {c.explanation}"
            )
        if self.unexamined:
            out.append(
                f"Rule conflicts not examined (too many cases, or the {DIAGNOSIS_SECONDS:g} s allowed ran out) in "
                f"pdu(s): {', '.join(self.unexamined)}."
            )
        if self.above_cap:
            out.append(
                f"{len(self.above_cap)} practitioner(s) were above their WMT cap before and still are (they receive "
                f"no new case; only moving their cases away would bring them under it): {', '.join(self.above_cap[:10])}"
                + (" and more." if len(self.above_cap) > 10 else ".")
            )
        return out


def rule_of(reason: str) -> str:
    """The rule a blocking reason names (every reason starts with it)."""
    head = reason.split(":", 1)[0]
    return head if head in {r.value for r in Rule} else "other"


def begin_diagnosis(
    instance: Instance,
    rules: Rules,
    loads: Sequence[Workload],
    unallocated: tuple[tuple[str, str], ...],
    max_transfers: int,
    executor: Executor | None = None,
) -> Callable[[], Diagnosis]:
    """The diagnosis of one solution (``loads``: every practitioner's workload, in the instance's order),
    to be called for. Its conflict searches are begun on ``executor``: on a running cluster, a worker with
    CP-SAT loaded searches while this process goes on; else here, when called for."""
    by_rule = Counter(rule_of(reason) for _, reason in unallocated)
    elig = Eligibility(instance, rules)
    above = tuple(w.staff_code for w in loads if w.limit is not None and w.points_after > w.limit)
    capped = {crn for crn, reason in unallocated if rule_of(reason) == Rule.CAP.value}
    cases = {crn: instance.cases[instance.case_index[crn]] for crn in capped}
    pdus = sorted({cases[crn].pdu for crn in capped})
    near = _cases_near(instance, elig, pdus)
    unexamined = []
    deadline = time.time() + DIAGNOSIS_SECONDS
    runner = executor or Executor()
    searches: list[tuple[str, _Search, Pending[tuple[bool, Conflict | None]]]] = []
    for pdu in pdus:
        stranded = sum(1 for crn in capped if cases[crn].pdu == pdu)
        if stranded > MAX_CASES_PER_CHECK or time.time() >= deadline:
            unexamined.append(pdu)
            continue
        search = _search(instance, rules, elig, loads, pdu, near[pdu], max_transfers)
        searches.append((pdu, search, runner.start(search_conflict, [(search.problem, deadline)])))
    by_count = dict(sorted(by_rule.items(), key=lambda kv: -kv[1]))

    def diagnosis() -> Diagnosis:
        conflicts, late = [], []
        for pdu, search, pending in searches:
            ((examined, found),) = pending.results().values()
            if not examined:
                late.append(pdu)
            elif found is not None:
                conflicts.append(search.story(pdu, found))
        return Diagnosis(by_count, above, tuple(conflicts), tuple(sorted(unexamined + late)))

    return diagnosis


class _RuleBook:
    """Rule groups by key, numbered as they are met, with their wording."""

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.words: list[str] = []

    def id(self, key: tuple, words: str) -> int:
        if key not in self.ids:
            self.ids[key] = len(self.words)
            self.words.append(words)
        return self.ids[key]


def search_conflict(
    problem: ConflictProblem, deadline: float, cancellation: object = None
) -> tuple[bool, Conflict | None]:
    """``minimal_conflict`` as an executor task, by ``deadline`` in epoch seconds (``time.time()``, the same
    on every machine): whether it was searched at all (not when the deadline passed first), and what it found."""
    left = deadline - time.time()
    if left <= 0:
        return False, None
    return True, minimal_conflict(problem, time.monotonic() + left)


@dataclass(frozen=True)
class _Search:
    """One pdu's conflict problem, with what its story needs once a conflict is found."""

    problem: ConflictProblem
    book: _RuleBook
    near: list[int]
    staff_codes: list[str]
    limit: list[int | None]
    held_before: list[int]
    closed: list[bool]
    waiting: int
    demand: int

    def story(self, pdu: str, found: Conflict) -> ConflictStory:
        capped = [i for i in self.near if self.problem.cap_rule[i] in found.rules]
        room = sum(max((self.limit[i] or 0) - self.held_before[i], 0) for i in capped if not self.closed[i])
        names = ", ".join(self.staff_codes[i] for i in capped[:6]) + (" and more" if len(capped) > 6 else "")
        explanation = (
            f"The {self.waiting} unallocated case(s) of this pdu that only capped practitioners may take need "
            f"{self.demand:,} points"
        )
        if capped:
            explanation += (
                f"; the capped practitioners in the conflict ({names}) have {room:,} points of room under their caps "
                "with the cases they hold now"
            )
        return ConflictStory(pdu, tuple(self.book.words[r] for r in found.rules), explanation + ".", found.minimal)


def _cases_near(instance: Instance, elig: Eligibility, pdus: Sequence[str]) -> dict[str, list[Case]]:
    """Each pdu's cases that its conflict search looks at, in the instance's order: its unallocated ones,
    and those its practitioners with capacity hold. One pass over the instance for every pdu: a pass per
    pdu made a national solve's diagnosis cost 0.15 s for each pdu with capped cases."""
    found: dict[str, list[Case]] = {pdu: [] for pdu in pdus}
    near: dict[str, list[str]] = defaultdict(list)  # staff code -> the pdus whose search looks at their cases
    for pdu in pdus:
        for i in elig.in_pdu(pdu):
            if elig.capacity[i] > 0:
                near[instance.practitioners[i].staff_code].append(pdu)
    for case in instance.cases:
        if case.staff_code:
            for pdu in near.get(case.staff_code, ()):
                found[pdu].append(case)
        elif case.pdu in found:
            found[case.pdu].append(case)
    return found


def _search(
    instance: Instance,
    rules: Rules,
    elig: Eligibility,
    loads: Sequence[Workload],
    pdu: str,
    cases: list[Case],
    max_transfers: int,
) -> _Search:
    """The conflicting-rules problem among this pdu's staff for the cases that must be placed there
    (``cases``: the pdu's, from ``_cases_near``)."""
    staff = instance.practitioners
    near = [i for i in elig.in_pdu(pdu) if elig.capacity[i] > 0]
    held_before = [w.points_before for w in loads]
    book = _RuleBook()
    limit = [w.limit for w in loads]
    closed = [lim is not None and held_before[i] > lim for i, lim in enumerate(limit)]
    cap_rule: list[int | None] = [None] * len(staff)
    for i in near:
        if limit[i] is not None:
            cap = cap_pct(staff[i], rules)
            cap_rule[i] = book.id(("cap", i), f"{staff[i].staff_code}'s WMT cap of {cap}%")
    fixed = [p.other_points for p in staff]
    budget_rule = book.id(("budget",), f"at most {max_transfers} transfer(s)")
    groups: Counter[tuple] = Counter()
    demand, waiting = 0, 0
    alike: dict[tuple, tuple[tuple[int, tuple[int, ...]], ...]] = {}  # the options of cases alike, kept
    for case in cases:
        holder = instance.practitioner_index[case.staff_code] if case.staff_code else None
        points = rules.case_points(case)
        if holder is not None and (case.pinned or cap_rule[holder] is None):
            fixed[holder] += points  # only moves off capped practitioners can make room under a cap
            continue
        if holder is None and not elig.eligible(case):
            continue  # nobody may take it whatever the caps: a per-case reason, not a conflict
        key = (case.rosh, case.mappa_level, case.required_skills, holder)
        options = alike.get(key)
        if options is None:
            options = alike[key] = _merge_uncapped(_options(case, near, elig, rules, book, holder), cap_rule)
        if holder is None and (ANYONE_UNCAPPED, ()) in options:
            continue  # an uncapped practitioner may always take it: it never makes a conflict
        if holder is None:
            demand, waiting = demand + points, waiting + 1
        groups[(points, holder, options)] += 1
    problem = ConflictProblem(
        rules=len(book.words),
        fixed=tuple(fixed),
        limit=tuple(limit),
        closed=tuple(closed),
        cap_rule=tuple(cap_rule),
        groups=tuple(
            Group(points, n, options, holder) for (points, holder, options), n in sorted(groups.items(), key=str)
        ),
        budget=max_transfers,
        budget_rule=budget_rule,
    )
    codes = [p.staff_code for p in staff]
    return _Search(problem, book, near, codes, limit, held_before, closed, waiting, demand)


def _merge_uncapped(
    options: tuple[tuple[int, tuple[int, ...]], ...], cap_rule: list[int | None]
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Placements with uncapped practitioners as one option per set of rules broken: their load never
    limits, so which of them takes a case does not matter (this keeps the model to the capped few)."""
    capped = tuple((i, broken) for i, broken in options if cap_rule[i] is not None)
    uncapped = sorted({broken for i, broken in options if cap_rule[i] is None})
    return capped + tuple((ANYONE_UNCAPPED, broken) for broken in uncapped)


def _options(
    case: Case, near: list[int], elig: Eligibility, rules: Rules, book: _RuleBook, holder: int | None
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Who in the pdu could take this case and which switchable rules each placement breaks. Held cases
    move only to practitioners every rule allows."""
    staff = elig.instance.practitioners
    out = []
    for i in near:
        if i == holder:
            continue
        broken = []
        p = staff[i]
        if not rules.grade_allows(p.grade, case.rosh, case.mappa_level):
            allowed = "/".join(g.value for g in Grade if rules.grade_allows(g, case.rosh, case.mappa_level))
            broken.append(
                book.id(
                    ("grade", case.rosh, case.mappa_level),
                    f"the grade rule for RoSH {case.rosh.value}, MAPPA {case.mappa_level} ({allowed or 'no grade'} only)",
                )
            )
        for skill in sorted(case.required_skills - p.skills):
            broken.append(
                book.id(("skill", skill), f"cases needing {skill} go only to practitioners trained in {skill}")
            )
        if holder is not None and broken:
            continue
        out.append((i, tuple(sorted(broken))))
    return tuple(out)

"""Independent parts of a problem: practitioners linked, directly or through others, by cases both may hold.

No case can move between parts, so each part is solved on its own (in parallel processes when asked),
and the leximax of the whole is the leximax of each part. Pdus are the usual parts; skills or grades can
split a pdu further.
"""

from __future__ import annotations

from dataclasses import dataclass

from .problem import AllocationProblem, CaseClass
from .results import Solution


@dataclass(frozen=True)
class Part:
    """A sub-problem and where its practitioners and classes sit in the whole."""

    problem: AllocationProblem
    staff: tuple[int, ...]
    classes: tuple[int, ...]

    @property
    def size(self) -> int:
        """Work measure for sharing the time limit: movable cases plus practitioners."""
        return sum(c.count for c in self.problem.classes) + self.problem.n


def whole(problem: AllocationProblem) -> Part:
    """The problem as its own single part."""
    return Part(problem=problem, staff=tuple(range(problem.n)), classes=tuple(range(len(problem.classes))))


def split(problem: AllocationProblem) -> list[Part]:
    """The problem's independent parts, ordered by their first practitioner."""
    parent = list(range(problem.n))

    def root(p: int) -> int:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for cls in problem.classes:
        first = root(cls.holders[0])
        for p in cls.holders[1:]:
            parent[root(p)] = first
    members: dict[int, list[int]] = {}
    for p in sorted(problem.varying):
        members.setdefault(root(p), []).append(p)
    owned: dict[int, list[int]] = {}
    for k, cls in enumerate(problem.classes):
        owned.setdefault(root(cls.holders[0]), []).append(k)
    return [
        _part(problem, tuple(staff), tuple(owned[r])) for r, staff in sorted(members.items(), key=lambda kv: kv[1][0])
    ]


def _part(problem: AllocationProblem, staff: tuple[int, ...], classes: tuple[int, ...]) -> Part:
    local = {p: i for i, p in enumerate(staff)}
    sub_classes = tuple(
        CaseClass(
            points=c.points,
            crns=c.crns,
            holder=None if c.holder is None else local[c.holder],
            targets=tuple(local[p] for p in c.targets),
        )
        for c in (problem.classes[k] for k in classes)
    )
    sub = AllocationProblem(
        staff_codes=tuple(problem.staff_codes[p] for p in staff),
        available=tuple(problem.available[p] for p in staff),
        base_load=tuple(problem.base_load[p] for p in staff),
        max_load=tuple(problem.max_load[p] for p in staff),
        classes=sub_classes,
        max_transfers=problem.max_transfers,
        unplaceable=(),
    )
    return Part(problem=sub, staff=staff, classes=classes)


def merge(problem: AllocationProblem, parts: list[Part], solutions: list[Solution]) -> Solution:
    """The whole problem's solution from each part's."""
    counts: list[dict[int, int]] = [{} for _ in problem.classes]
    unallocated = [0] * len(problem.classes)
    for part, solution in zip(parts, solutions, strict=True):
        for local_k, k in enumerate(part.classes):
            counts[k] = {part.staff[p]: n for p, n in solution.counts[local_k].items()}
            unallocated[k] = solution.unallocated[local_k]
    return Solution(counts=tuple(counts), unallocated=tuple(unallocated))

"""The one-way flow of a batch solve: read -> validate -> build model -> solve -> verify -> outcome."""

from __future__ import annotations

from .domain import Holders
from .errors import VerificationError
from .executor import Executor
from .interrupt import Cancellation
from .outcome import Outcome, build_outcome, holders_after
from .reader import LoadedInstance
from .results import Result, SolveOptions
from .solve import PartCache, solve
from .verify import verify


def solve_unchecked(
    loaded: LoadedInstance,
    options: SolveOptions,
    cancellation: Cancellation | None = None,
    executor: Executor | None = None,
    cache: PartCache | None = None,
) -> tuple[Result, Holders]:
    """The result and every case's holder after it, not yet verified: for a caller that begins slow work
    on it (drawing charts) before ``check``, and drops that work when ``check`` raises."""
    result = solve(loaded.instance, loaded.rules, options, cancellation, executor, cache)
    return result, holders_after(loaded.instance, result)


def check(loaded: LoadedInstance, after: Holders, max_transfers: int) -> None:
    """Raise VerificationError if the allocation ``after`` (every case's holder) breaks a rule."""
    violations = verify(loaded.instance, loaded.rules, after, max_transfers)
    if violations:
        raise VerificationError(violations)


def solve_loaded(
    loaded: LoadedInstance,
    options: SolveOptions,
    cancellation: Cancellation | None = None,
    executor: Executor | None = None,
    cache: PartCache | None = None,
) -> tuple[Result, Outcome]:
    """Solve and verify (raising VerificationError rather than return an allocation that breaks a rule),
    and the users' view of the result."""
    result, after = solve_unchecked(loaded, options, cancellation, executor, cache)
    check(loaded, after, options.max_transfers)
    return result, build_outcome(loaded.instance, loaded.rules, result, after)

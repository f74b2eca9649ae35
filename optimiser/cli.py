"""The command line: one command per user task.

Exit status: 0 everything allocated; 1 some cases left unallocated; 2 invalid input (nothing written);
3 the result failed its own verification, or the solve failed unexpectedly (a bug; nothing written);
4 the results were written but the run history could not be recorded (or opened); 128 + signal when
interrupted by SIGINT (130) or SIGTERM (143), nothing written.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .alerts import excessive, weeks_covered, window
from .atomic import replace_folder
from .domain import Grade, Holders, Instance
from .errors import InputError, VerificationError
from .executor import Executor, default_workers
from .files import check_output_folder, read_input
from .interrupt import Cancellation, Interrupted, run_interruptibly
from .reader import LoadedInstance, read_instance
from .results import SolveOptions
from .rules import RULES_FILE, Rules, dump_toml, load_rules
from .runlog import RunLog
from .runrecord import (
    DB_ENV,
    DEFAULT_DB,
    WHATIF_KIND,
    HistoryError,
    RunRecord,
    database_url,
    new_run_id,
    run_record,
)
from .terminal import (
    alerts_table,
    history_table,
    run_details,
    solve_summary,
    staffing_text,
    tradeoff_table,
    validate_summary,
    whatif_table,
)
from .usage import PlainUsageGroup

if TYPE_CHECKING:  # the modules of solving, reports and scenarios load on the commands that use them:
    # validate, rules, history and alerts start without the solver, Jinja or the what-if machinery
    from .explain import CaseStory, StaffStory
    from .history import History
    from .progress import Display
    from .staffing import StaffingAnswer
    from .tradeoff import TradeoffPoint
    from .whatif import Run

EXIT_UNALLOCATED, EXIT_INPUT, EXIT_VERIFY, EXIT_HISTORY = 1, 2, 3, 4
T = TypeVar("T")
MAX_SECONDS = 86_400.0
"""The longest --time-limit (a day): also keeps inf and nan out."""
MAX_SEED = 2**31 - 1
"""CP-SAT's seed is a 32-bit integer."""
MAX_TRANSFERS = 1_000_000
MIN_STAFF_PER_PDU = 3
"""A generated pdu's SPO plus at least two who hold cases, so its cases have somewhere to go."""

app = typer.Typer(
    help="Caseload allocation optimiser for probation services: allocate cases to practitioners so that "
    "the highest Workload Measurement Tool (WMT) % is as low as possible, keeping every hard rule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=PlainUsageGroup,
)

InstanceArg = Annotated[
    Path, typer.Argument(help="Instance folder: practitioners.csv, cases.csv, optional rules.toml.")
]


def _fail_input(exc: InputError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(EXIT_INPUT)


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=f"Run history: a SQLite file path or a database URL (postgresql+psycopg://...). "
        f"Default: ${DB_ENV}, else {DEFAULT_DB}.",
        show_default=False,
    ),
]

WorkersOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=256,
        help="Worker processes on a local Dask cluster (default: one per core; 1 runs here, "
        "no cluster). The results are the same whatever the number.",
        show_default=False,
    ),
]
GapOption = Annotated[
    float,
    typer.Option(
        "--gap",
        min=0,
        max=100,
        help="Stop searching for a lower maximum after a brief try once it is within this many WMT percentage "
        "points of the proven best (0: use the whole time limit). The summary then gives both.",
    ),
]


@app.command()
def solve(
    instance: InstanceArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the result files (created if missing).")],
    max_transfers: Annotated[
        int, typer.Option(min=0, max=MAX_TRANSFERS, help="Most already-allocated cases that may move.")
    ] = 0,
    time_limit: Annotated[float, typer.Option(min=0.1, max=MAX_SECONDS, help="Seconds the search may take.")] = 30.0,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Search seed: same input and seed, same result.")] = 0,
    workers: WorkersOption = None,
    exact_spread: Annotated[bool, typer.Option(help="Also prove the spread below the maximum (slower).")] = False,
    gap: GapOption = 0.1,
    db: DbOption = None,
    history: Annotated[bool, typer.Option(help="Record the run in the history database.")] = True,
    log_json: Annotated[
        bool, typer.Option(help="Write structured JSON log lines to stderr as each step ends (no names).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors (no progress, no summary).")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON (summary.json's content) for scripts.")
    ] = False,
) -> None:
    """Allocate every unallocated case; write allocations (with the reason for each), unallocated cases,
    workloads, a summary and report.html."""
    from .progress import Display
    from .writer import OUTPUT_FILES, write_result

    options = SolveOptions(
        max_transfers=max_transfers,
        time_limit=time_limit,
        seed=seed,
        workers=default_workers() if workers is None else workers,
        exact_spread=exact_spread,
        gap_pct=Decimal(str(gap)),
    )
    started_at, run_id = datetime.now(UTC), new_run_id()
    log = RunLog(run_id, log_json)
    parameters = {
        "max_transfers": max_transfers,
        "time_limit": time_limit,
        "seed": seed,
        "workers": options.workers,
        "exact_spread": exact_spread,
        "gap": gap,
    }
    log.event("run_started", **parameters)
    display = Display(enabled=not (quiet or as_json))
    try:
        with display:
            loaded, outcome, files = run_interruptibly(
                lambda cancel: _solve_logged(instance, out, options, cancel, log, display)
            )
    except Interrupted as exc:
        log.event("interrupted", signal=exc.signum, exit_status=exc.exit_status)
        log.say("error", f"{exc}: stopped before writing anything; {out} is as it was.")
        raise typer.Exit(exc.exit_status) from None
    except InputError as exc:
        log.event("invalid_input", file=exc.file, row=exc.row, column=exc.column, exit_status=EXIT_INPUT)
        log.say("error", str(exc))
        raise typer.Exit(EXIT_INPUT) from None
    except VerificationError as exc:
        log.event("verification_failed", violations=len(exc.violations), exit_status=EXIT_VERIFY)
        log.say(
            "error",
            "the solver's result broke a hard rule, so nothing was written. This is a bug: please "
            "report it with the instance. Violations: " + "; ".join(exc.violations[:20]),
        )
        raise typer.Exit(EXIT_VERIFY) from None
    except Exception as exc:  # a bug: say so plainly, keep the traceback for the report, write nothing
        log.event("internal_error", error=type(exc).__name__, exit_status=EXIT_VERIFY)
        log.say(
            "error",
            f"internal error ({type(exc).__name__}: {exc}); nothing was written. This is a bug: please "
            "report it with the instance and this traceback:",
            traceback=traceback.format_exc(),
        )
        if not log_json:
            typer.echo(traceback.format_exc(), err=True)
        raise typer.Exit(EXIT_VERIFY) from None
    for warning in loaded.warnings:
        log.say("warning", warning)
    hashed = outcome.summary.instance_hash
    try:
        with display:
            display.step("Writing the results and report.html")
            write_result(out, files)
    except OSError as exc:
        log.event("write_failed", exit_status=EXIT_INPUT)
        log.say(
            "error",
            f"{out}: the results could not be written ({exc.strerror}); the previous results there are unchanged",
        )
        raise typer.Exit(EXIT_INPUT) from None
    log.event("written", files=len(OUTPUT_FILES))
    if as_json:
        typer.echo(outcome.summary.to_json(), nl=False)
    elif not quiet:
        typer.echo(solve_summary(str(instance), outcome, loaded.rules))
        typer.echo(f"  Results written to {out} (open report.html for the full report)")
    if history:
        _record(db, run_record(run_id, started_at, instance, hashed, parameters, outcome), log, quiet or as_json)
    status = EXIT_UNALLOCATED if outcome.unallocated else 0
    log.event("finished", exit_status=status)
    raise typer.Exit(status)


def _executor(options: SolveOptions, cancel: Cancellation, charts: bool = False) -> Executor:
    """Where the command's tasks run, its workers (if any) loading the solver, and matplotlib for ``charts``,
    while this process reads the instance."""
    from .solve import TASK_MODULES

    modules = [__name__, *TASK_MODULES]  # each worker runs the main module, which loads this one
    if charts:
        from .report import TASK_MODULES as CHART_TASKS

        modules += CHART_TASKS
    executor = Executor(options.workers, options.scheduler, cancel)
    executor.preload(*modules)
    return executor


def _solve_logged(
    instance: Path, out: Path, options: SolveOptions, cancel: Cancellation, log: RunLog, display: Display
):
    """Check the output folder, then read, solve and verify, logging each step's counts and timings as it
    ends and showing it on the progress display."""
    from .collector import paused
    from .outcome import build_outcome, workloads
    from .pipeline import check, solve_unchecked
    from .progress import StageLog
    from .report import start_charts
    from .writer import OUTPUT_FILES, render

    check_output_folder(out, OUTPUT_FILES)
    with _executor(options, cancel, charts=True) as executor:  # its workers load while this process reads
        started = time.monotonic()
        display.step(f"Reading {instance}")
        loaded = read_instance(instance)
        cases = loaded.instance.cases
        log.event(
            "read",
            seconds=round(time.monotonic() - started, 3),
            practitioners=len(loaded.instance.practitioners),
            cases=len(cases),
            unallocated=sum(1 for c in cases if not c.staff_code),
            warnings=len(loaded.warnings),
        )
        display.step("Solving")
        stage_log = StageLog(log)
        cancel.listen(display.hear)
        cancel.listen(stage_log.hear)
        title = instance.resolve().name
        result, after = solve_unchecked(loaded, options, cancel, executor)
        stage_log.finish(result.stages)
        with paused():  # the moves, reasons and files: a national result's are tens of thousands of objects
            loads = workloads(loaded.instance, loaded.rules, after)
            _, (charts,) = start_charts(  # a worker draws (the last task: the cluster then closes), meanwhile:
                [(loads, loaded.rules.thresholds_pct, title)], executor, then=executor.close_soon
            )
            check(loaded, after, options.max_transfers)
            outcome = build_outcome(loaded.instance, loaded.rules, result, after, loads, executor)
            s = outcome.summary
            hashed = loaded.digest  # of what was read: a file replaced meanwhile is not taken for it
            outcome = replace(outcome, summary=replace(s, instance=str(instance.resolve()), instance_hash=hashed))
            display.step("Writing the report")
            files = render(outcome, title, charts)
    log.event(
        "solved",
        status=s.status,
        parts=s.parts,
        seconds=s.solve_seconds,
        max_wmt_pct_before=s.max_wmt_pct_before,
        max_wmt_pct=s.max_wmt_pct,
        lower_bound_pct=s.lower_bound_pct,
        allocated=s.allocated,
        transfers=s.transfers,
        unallocated=s.unallocated,
    )
    return loaded, outcome, files


def _record(db: str | None, record: RunRecord, log: RunLog, quiet: bool = False) -> None:
    """Store the run; a history that cannot be written is an error of its own (the results are already out)."""
    from .history import History, safe_url  # the database library, for the commands that use it

    try:
        url = database_url(db)
        History(url).record(record)
    except HistoryError as exc:
        log.event("history_failed", exit_status=EXIT_HISTORY)
        log.say("error", f"results written, but the run could not be recorded in the history: {exc}")
        raise typer.Exit(EXIT_HISTORY) from None
    log.event("recorded", database=safe_url(url))
    if not quiet:
        typer.echo(f"  Recorded as run {record.run_id[:8]} in {safe_url(url)}")


@app.command("history")
def history_command(
    run_id: Annotated[str | None, typer.Argument(help="A run id (or its first characters) to show in full.")] = None,
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, help="How many recent runs to list.")] = 20,
) -> None:
    """List recent solves, newest first, or show one run: its summary and every practitioner's WMT."""
    store = _open_history(db)
    if run_id is None:
        typer.echo(history_table(store.runs(limit)))
        return
    found = store.run(run_id)
    if found is None:
        typer.echo(f"error: no single run matches '{run_id}'", err=True)
        raise typer.Exit(EXIT_INPUT)
    typer.echo(run_details(*found))


@app.command()
def alerts(
    weeks: Annotated[int, typer.Option(min=1, help="Consecutive weeks to look back over.")] = 4,
    threshold: Annotated[float, typer.Option(help="WMT % a practitioner must be over in each of those weeks.")] = 110.0,
    as_of: Annotated[
        datetime | None, typer.Option(help="Last day to count (default: the latest recorded run).", show_default=False)
    ] = None,
    db: DbOption = None,
) -> None:
    """Practitioners over the threshold in every one of the last N weekly runs (excessive workload), with their trend."""
    store = _open_history(db)
    moment = (
        as_of.replace(tzinfo=UTC) + timedelta(days=1) - timedelta(microseconds=1) if as_of else store.latest_run_time()
    )
    if moment is None:
        typer.echo("No runs recorded yet.")
        return
    since, until = window(moment, weeks)
    series = store.workload_series(since, until)
    covered = weeks_covered(series, moment, weeks)
    if covered < weeks:
        typer.echo(
            f"Not enough history: {covered} weekly run(s) since {since:%Y-%m-%d}, {weeks} needed "
            f"(a practitioner is flagged only when over {threshold:g}% in each of {weeks} consecutive weeks)."
        )
        return
    found = excessive(series, moment, weeks, threshold)
    typer.echo(alerts_table(found, since, weeks, threshold))


def _open_history(db: str | None) -> History:
    from .history import History

    try:
        return History(database_url(db))
    except HistoryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_HISTORY) from None


@app.command()
def validate(instance: InstanceArg) -> None:
    """Check an instance without solving: counts, demand against capacity, WMT now, who is over the red line."""
    try:
        loaded = read_instance(instance)
    except InputError as exc:
        raise _fail_input(exc) from None
    typer.echo(validate_summary(str(instance), loaded.instance, loaded.rules, loaded.warnings))


@app.command()
def check(
    instance: InstanceArg,
    out_dir: Annotated[Path, typer.Argument(help="A result folder written by 'solve'.")],
) -> None:
    """Independently re-check a result folder against its instance: every rule and every figure."""
    from .check import check_result

    try:
        loaded = read_instance(instance)
        problems = check_result(loaded.instance, loaded.rules, out_dir)
    except InputError as exc:
        raise _fail_input(exc) from None
    if problems:
        typer.echo(f"{out_dir}: {len(problems)} problem(s) found:")
        for problem in problems:
            typer.echo(f"  - {problem}")
        raise typer.Exit(EXIT_VERIFY)
    typer.echo(f"{out_dir}: every rule holds and every figure re-derives from {instance}")


@app.command()
def rules(
    instance: Annotated[
        Path | None, typer.Argument(help="Instance folder whose rules.toml to merge (optional).")
    ] = None,
) -> None:
    """Print the rules in force (defaults merged with the instance's rules.toml) as TOML to start from."""
    try:
        typer.echo(dump_toml(load_rules(None if instance is None else instance / RULES_FILE)), nl=False)
    except InputError as exc:
        raise _fail_input(exc) from None


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the instance into.")],
    practitioners: Annotated[
        int, typer.Option(min=1, max=100_000, help="Practitioners (one SPO per pdu included).")
    ] = 60,
    unallocated: Annotated[int, typer.Option(min=0, max=1_000_000, help="Unallocated cases.")] = 650,
    seed: Annotated[int, typer.Option(help="Random seed: same arguments, same instance.")] = 1,
    pdus: Annotated[
        int, typer.Option(min=1, max=1000, help="Probation Delivery Units to split staff and cases into.")
    ] = 1,
    force: Annotated[bool, typer.Option(help="Replace the files of a folder that is not empty.")] = False,
) -> None:
    """Make a realistic instance (staff mix, caseloads at 130-190% WMT, case mix) reproducibly."""
    if practitioners < MIN_STAFF_PER_PDU * pdus:
        raise typer.BadParameter(
            f"each pdu needs at least {MIN_STAFF_PER_PDU} practitioners (an SPO holds no cases)",
            param_hint="--practitioners",
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        typer.echo(f"error: {out} is not an empty folder; use --force to replace its instance files", err=True)
        raise typer.Exit(EXIT_INPUT)
    from .generate import generate as generate_instance
    from .generate import write_instance

    try:
        write_instance(out, generate_instance(practitioners, unallocated, seed, pdus))
    except OSError as exc:
        typer.echo(f"error: {out}: cannot write the instance ({exc.strerror})", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    typer.echo(f"Wrote {out}/practitioners.csv and cases.csv")


TransfersOption = Annotated[
    int, typer.Option(min=0, max=MAX_TRANSFERS, help="Most already-allocated cases that may move in each run.")
]
TimeLimitOption = Annotated[float, typer.Option(min=0.1, max=MAX_SECONDS, help="Seconds each solve may take.")]
SeedOption = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Search seed: same input and seed, same result.")]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="An existing Dask cluster's scheduler, tcp://HOST:PORT, to run the solves on.", show_default=False
    ),
]


def _options(
    max_transfers: int, time_limit: float, seed: int, workers: int | None, scheduler: str | None, gap: float
) -> SolveOptions:
    return SolveOptions(
        max_transfers=max_transfers,
        time_limit=time_limit,
        seed=seed,
        workers=default_workers() if workers is None else workers,
        scheduler=scheduler,
        gap_pct=Decimal(str(gap)),
    )


def _guarded(work: Callable[[Cancellation], T]) -> T:
    """Run a command's work interruptibly; turn bad input into exit 2, a signal into 128 + signal, and
    anything unexpected into exit 3 with its traceback (a bug)."""
    try:
        return run_interruptibly(work)
    except Interrupted as exc:
        typer.echo(f"{exc}: stopped before writing anything.", err=True)
        raise typer.Exit(exc.exit_status) from None
    except InputError as exc:
        raise _fail_input(exc) from None
    except OSError as exc:
        typer.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        raise typer.Exit(EXIT_INPUT) from None
    except Exception as exc:  # a bug: say so plainly, keep the traceback for the report
        typer.echo(
            f"error: internal error ({type(exc).__name__}: {exc}); nothing was written. This is a bug: "
            "please report it with the instance and this traceback:",
            err=True,
        )
        typer.echo(traceback.format_exc(), err=True)
        raise typer.Exit(EXIT_VERIFY) from None


@app.command()
def whatif(
    instance: InstanceArg,
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files (TOML): changes to the instance to compare.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the comparison and each run's results (replaced as a whole).")
    ],
    max_transfers: TransfersOption = 0,
    time_limit: TimeLimitOption = 30.0,
    seed: SeedOption = 0,
    gap: GapOption = 0.1,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    db: DbOption = None,
    history: Annotated[
        bool, typer.Option(help="Record the runs in the history (as what-if runs, which the alerts ignore).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (for scripts).")] = False,
) -> None:
    """Compare the baseline with staffing or demand scenarios (leavers, joiners, changes, extra cases)."""
    from .scenario import load_scenario
    from .whatif import render_whatif, run_whatif, whatif_json

    options = _options(max_transfers, time_limit, seed, workers, scheduler, gap)
    started_at = datetime.now(UTC)

    def work(cancel: Cancellation) -> tuple[list[Run], str]:
        check_output_folder(out)
        with _executor(options, cancel, charts=True) as executor:
            loaded = read_instance(instance)
            parsed = [load_scenario(path) for path in scenarios]
            runs = run_whatif(loaded, parsed, options, executor)
            replace_folder(out, render_whatif(runs, executor))
        return runs, loaded.digest

    runs, hashed = _guarded(work)
    if as_json:
        typer.echo(whatif_json(runs), nl=False)
    else:
        typer.echo(whatif_table(runs))
        typer.echo(f"  Results written to {out} (whatif.csv, whatif.json, report.html, one folder per run)")
    if history:
        parameters = {
            "max_transfers": max_transfers,
            "time_limit": time_limit,
            "seed": seed,
            "gap": gap,
            "whatif": True,
        }
        for run in runs:
            if run.outcome is not None:
                record = run_record(
                    new_run_id(),
                    started_at,
                    out / run.slug,
                    hashed,
                    parameters | {"scenario": run.name},
                    run.outcome,
                    kind=WHATIF_KIND,
                )
                _record(db, record, RunLog(record.run_id, False), quiet=as_json)
    if any(run.error for run in runs):
        raise typer.Exit(EXIT_VERIFY)
    raise typer.Exit(EXIT_UNALLOCATED if any(run.outcome and run.outcome.unallocated for run in runs) else 0)


def _grades(value: str) -> tuple[Grade, ...]:
    grades = []
    for part in value.split(","):
        grade = Grade._missing_(part.strip())
        if grade is None:
            raise typer.BadParameter(f"unknown grade {part.strip()!r} (expected PO, PQiP, PSO)")
        grades.append(Grade(grade))
    return tuple(dict.fromkeys(grades))


@app.command()
def staffing(
    instance: InstanceArg,
    target: Annotated[
        float, typer.Option(min=1, max=1000, help="The WMT % every practitioner should end at or under.")
    ],
    grades: Annotated[str, typer.Option(help="Grades that may be hired, comma-separated.")] = "PO",
    hours: Annotated[float, typer.Option(min=1, max=60, help="Contracted hours of each hire.")] = 37.0,
    skills: Annotated[str, typer.Option(help="Training every hire brings, ';'-separated codes (e.g. DA;SO).")] = "",
    out: Annotated[Path | None, typer.Option(help="Folder for staffing.json.", show_default=False)] = None,
    max_transfers: TransfersOption = 0,
    time_limit: TimeLimitOption = 30.0,
    seed: SeedOption = 0,
    gap: GapOption = 0.1,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (for scripts).")] = False,
) -> None:
    """The fewest hires (per pdu, lower grades first on ties) so that no one is above the target WMT %."""
    from .staffing import STAFFING_FILE, HireProfile, staffing_json, with_hires
    from .staffing import staffing as staffing_answer

    options = _options(max_transfers, time_limit, seed, workers, scheduler, gap)
    chosen = _grades(grades)
    target_pct = Decimal(str(target))
    profile = HireProfile(Decimal(str(hours)), frozenset(s.strip().upper() for s in skills.split(";") if s.strip()))

    def work(cancel: Cancellation) -> tuple[StaffingAnswer, Decimal | None, Decimal | None]:
        if out is not None:
            check_output_folder(out)
        with _executor(options, cancel) as executor:
            loaded = read_instance(instance)
            answer = staffing_answer(loaded.instance, loaded.rules, target_pct, chosen, profile, options, executor)
            now = _max_after(loaded.instance, loaded.rules, options, executor)
            after = (
                _max_after(with_hires(loaded.instance, answer), loaded.rules, options, executor)
                if answer.reached
                else None
            )
        if out is not None:
            replace_folder(out, {STAFFING_FILE: staffing_json(answer, now, after)})
        return answer, now, after

    try:
        answer, now, after = _guarded(work)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    typer.echo(staffing_json(answer, now, after) if as_json else staffing_text(answer, now, after), nl=not as_json)
    raise typer.Exit(0 if answer.reached else EXIT_UNALLOCATED)


def _max_after(instance: Instance, rules: Rules, options: SolveOptions, executor: Executor) -> Decimal:
    """The best maximum of an allocation of ``instance``, verified like any solve's."""
    from .pipeline import solve_loaded

    _, outcome = solve_loaded(LoadedInstance(instance, rules), options, executor=executor)
    return Decimal(str(outcome.summary.max_wmt_pct))


def _budgets(value: str) -> list[int] | None:
    from .tradeoff import MAX_BUDGETS

    if value.strip().lower() == "auto":
        return None
    try:
        budgets = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError:
        raise typer.BadParameter("expected whole numbers separated by commas (0,5,10) or 'auto'") from None
    if not budgets or budgets[0] < 0 or len(budgets) > MAX_BUDGETS:
        raise typer.BadParameter(f"expected 1 to {MAX_BUDGETS} whole numbers >= 0, or 'auto'")
    return budgets


@app.command()
def tradeoff(
    instance: InstanceArg,
    transfers: Annotated[
        str,
        typer.Option(
            help="Transfer budgets to compare, e.g. 0,5,10, or 'auto' for every "
            "budget at which the best maximum changes."
        ),
    ] = "auto",
    out: Annotated[
        Path | None, typer.Option(help="Folder for tradeoff.csv and tradeoff.png.", show_default=False)
    ] = None,
    time_limit: Annotated[
        float, typer.Option(min=0.1, max=MAX_SECONDS, help="Seconds each point of the curve may take.")
    ] = 30.0,
    seed: SeedOption = 0,
    gap: GapOption = 0.1,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (for scripts).")] = False,
) -> None:
    """How much lower the highest WMT % gets for each number of transfers allowed (the value of transfers)."""
    from .plots import tradeoff_png
    from .tradeoff import TRADEOFF_CSV, TRADEOFF_PNG, tradeoff_csv, tradeoff_json
    from .tradeoff import tradeoff as tradeoff_curve

    budgets = _budgets(transfers)
    options = _options(max(budgets or [0]), time_limit, seed, workers, scheduler, gap)

    def work(cancel: Cancellation) -> list[TradeoffPoint]:
        if out is not None:
            check_output_folder(out)
        with _executor(options, cancel) as executor:
            loaded = read_instance(instance)
            points = tradeoff_curve(loaded.instance, loaded.rules, budgets, options, executor)
        if out is not None:
            title = f"{instance.name}: highest WMT % by transfers allowed"
            replace_folder(
                out,
                {
                    TRADEOFF_CSV: tradeoff_csv(points),
                    TRADEOFF_PNG: tradeoff_png(points, loaded.rules.thresholds_pct, title),
                },
            )
        return points

    points = _guarded(work)
    if as_json:
        typer.echo(tradeoff_json(points), nl=False)
        return
    typer.echo(tradeoff_table(points))
    if out is not None:
        typer.echo(f"  Written to {out}/{TRADEOFF_CSV} and {TRADEOFF_PNG}")


@app.command()
def explain(
    result: Annotated[Path, typer.Argument(help="A result folder written by 'solve' (or a what-if run's folder).")],
    crn: Annotated[str | None, typer.Argument(help="The case to explain.", show_default=False)] = None,
    staff: Annotated[
        str | None, typer.Option("--staff", help="Explain a practitioner instead of a case.", show_default=False)
    ] = None,
    instance: Annotated[
        Path | None,
        typer.Option(
            help="The instance folder solved (default: the one summary.json names, or RESULT/instance).",
            show_default=False,
        ),
    ] = None,
    alternatives: Annotated[
        int, typer.Option(min=0, max=20, help="How many of the best alternatives to force the case to (re-solves).")
    ] = 3,
    time_limit: Annotated[
        float, typer.Option(min=0.1, max=MAX_SECONDS, help="Seconds each re-solve with the case forced may take.")
    ] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the story as JSON (for scripts).")] = False,
) -> None:
    """Why a case went where it did (its alternatives, what excluded the others, what forcing it elsewhere
    would do), or a practitioner's cases before and after and why."""
    from .explain import explain_case, explain_staff
    from .explain import to_dict as story_dict

    if (crn is None) == (staff is None):
        raise typer.BadParameter("give either a case's CRN or --staff CODE", param_hint="CRN")

    def work(cancel: Cancellation) -> CaseStory | StaffStory:
        loaded, summary, holders, left = _checked_result(result, instance)
        if staff is not None:
            if staff not in loaded.instance.practitioner_index:
                raise InputError(str(result), None, None, f"no practitioner {staff!r} in the instance")
            return explain_staff(loaded, holders, staff)
        assert crn is not None
        if crn not in holders:
            raise InputError(str(result), None, None, f"no case {crn!r} in the instance")
        options = SolveOptions(
            max_transfers=_whole(summary, "max_transfers", MAX_TRANSFERS, result),
            time_limit=time_limit,
            seed=_whole(summary, "seed", MAX_SEED, result),
        )
        return explain_case(loaded, holders, crn, left.get(crn, ""), options, alternatives)

    story = _guarded(work)
    typer.echo(json.dumps(story_dict(story), indent=2, default=str) if as_json else "\n".join(story.lines()))


def _whole(summary: dict, key: str, most: int, result: Path) -> int:
    """A whole-number setting of the solve, as summary.json recorded it."""
    value = summary.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InputError(str(result / "summary.json"), None, None, f"{key} is {value!r}, not a whole number 0..{most}")
    return value


def _checked_result(result: Path, given: Path | None) -> tuple[LoadedInstance, dict, Holders, dict[str, str]]:
    """The instance a result folder was solved from, checked to match it (an explanation of a result that
    does not re-derive would not be true), with the summary, every case's holder and unallocated reasons."""
    from .check import check_result, result_holders, result_unallocated
    from .whatif import INSTANCE_FOLDER

    summary_path = result / "summary.json"
    try:
        summary = json.loads(read_input(summary_path).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InputError(str(summary_path), None, None, "not a result's summary.json (not valid JSON)") from None
    if not isinstance(summary, dict):
        raise InputError(str(summary_path), None, None, "not a result's summary.json")
    folder = given or (result / INSTANCE_FOLDER if (result / INSTANCE_FOLDER).is_dir() else None)
    if folder is None and isinstance(summary.get("instance"), str) and summary["instance"]:
        folder = Path(summary["instance"])
    if folder is None:
        raise InputError(str(result), None, None, "cannot tell which instance was solved; give --instance")
    loaded = read_instance(folder)
    recorded = summary.get("instance_hash")
    if given is None and recorded and recorded != loaded.digest:
        raise InputError(str(folder), None, None, "the instance has changed since this result was written; solve again")
    problems = check_result(loaded.instance, loaded.rules, result)
    if problems:
        raise InputError(str(result), None, None, f"the result does not match {folder}: {problems[0]}")
    return loaded, summary, result_holders(loaded.instance, loaded.rules, result), result_unallocated(result)


class _Readerless:
    """Standard output that outlives its reader: when a pipe's reader has gone (``| head -1``), the rest
    goes to /dev/null and the command carries on, so it ends with its own exit status rather than click's
    1 for a closed pipe (1 is the contract's "cases left unallocated")."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._discard()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._discard()

    def _discard(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


YOUNG_OBJECTS_PER_COLLECTION = 50_000
"""The cyclic garbage collector's first threshold for a command's run (Python's default: 700). A solve
builds hundreds of thousands of objects that live to the end and form no cycles, and at the default the
collector rescanned them for 1.5 s of a 16 s national solve; the older generations keep their defaults."""


def main() -> None:
    """The ``optimiser`` command."""
    sys.stdout = _Readerless(sys.stdout)
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *gc.get_threshold()[1:])
    app()

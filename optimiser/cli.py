"""The command line: one command per user task.

Exit status: 0 everything allocated; 1 some cases left unallocated; 2 invalid input (nothing written);
3 the result failed its own verification (a bug; nothing written); 128 + signal when interrupted by
SIGINT (130) or SIGTERM (143), nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .check import check_result
from .errors import InputError, VerificationError
from .generate import generate as generate_instance
from .generate import write_instance
from .interrupt import Interrupted, run_interruptibly
from .pipeline import solve_folder
from .reader import read_instance
from .report import solve_summary, validate_summary
from .rules import RULES_FILE, dump_toml, load_rules
from .solve import SolveOptions
from .writer import write_outcome

EXIT_UNALLOCATED, EXIT_INPUT, EXIT_VERIFY = 1, 2, 3

app = typer.Typer(
    help="Caseload allocation optimiser for probation services: allocate cases to practitioners so that "
    "the highest Workload Measurement Tool (WMT) % is as low as possible, keeping every hard rule.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

InstanceArg = Annotated[Path, typer.Argument(help="Instance folder: practitioners.csv, cases.csv, optional rules.toml.")]


def _fail_input(exc: InputError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(EXIT_INPUT)


@app.command()
def solve(
    instance: InstanceArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the result files (created if missing).")],
    max_transfers: Annotated[int, typer.Option(min=0, help="Most already-allocated cases that may move.")] = 0,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds the search may take.")] = 30.0,
    seed: Annotated[int, typer.Option(help="Search seed: same input and seed, same result.")] = 0,
    workers: Annotated[int, typer.Option(min=1, help="Processes solving independent pdus in parallel; the result "
                                         "is the same whatever the number.")] = 1,
    exact_spread: Annotated[bool, typer.Option(help="Also prove the spread below the maximum (slower).")] = False,
) -> None:
    """Allocate every unallocated case; write allocations, unallocated cases, workloads and a summary."""
    options = SolveOptions(max_transfers=max_transfers, time_limit=time_limit, seed=seed, workers=workers,
                           exact_spread=exact_spread)
    try:
        loaded, _, outcome = run_interruptibly(lambda cancel: solve_folder(instance, options, cancel))
    except Interrupted as exc:
        typer.echo(f"{exc}: stopped before writing anything; {out} is as it was.", err=True)
        raise typer.Exit(exc.exit_status) from None
    except InputError as exc:
        raise _fail_input(exc) from None
    except VerificationError as exc:
        typer.echo("error: the solver's result broke a hard rule, so nothing was written. This is a bug: "
                   "please report it with the instance. Violations:", err=True)
        for violation in exc.violations[:20]:
            typer.echo(f"  - {violation}", err=True)
        raise typer.Exit(EXIT_VERIFY) from None
    for warning in loaded.warnings:
        typer.echo(f"warning: {warning}", err=True)
    write_outcome(out, outcome)
    typer.echo(solve_summary(str(instance), outcome, loaded.rules))
    typer.echo(f"  Results written to {out}")
    if outcome.unallocated:
        raise typer.Exit(EXIT_UNALLOCATED)


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
    instance: Annotated[Path | None, typer.Argument(help="Instance folder whose rules.toml to merge (optional).")] = None,
) -> None:
    """Print the rules in force (defaults merged with the instance's rules.toml) as TOML to start from."""
    try:
        typer.echo(dump_toml(load_rules(None if instance is None else instance / RULES_FILE)), nl=False)
    except InputError as exc:
        raise _fail_input(exc) from None


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the instance into.")],
    practitioners: Annotated[int, typer.Option(min=1, help="Practitioners (one SPO per pdu included).")] = 60,
    unallocated: Annotated[int, typer.Option(min=0, help="Unallocated cases.")] = 650,
    seed: Annotated[int, typer.Option(help="Random seed: same arguments, same instance.")] = 1,
    pdus: Annotated[int, typer.Option(min=1, help="Probation Delivery Units to split staff and cases into.")] = 1,
) -> None:
    """Make a realistic instance (staff mix, caseloads at 130-190% WMT, case mix) reproducibly."""
    write_instance(out, generate_instance(practitioners, unallocated, seed, pdus))
    typer.echo(f"Wrote {out}/practitioners.csv and cases.csv")


def main() -> None:
    app()


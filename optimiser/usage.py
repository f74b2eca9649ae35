"""Usage mistakes (an unknown option, a value out of range, a missing argument) told as one plain line.

Typer draws them as a usage block and a framed panel over five lines or more; a scheduled job's log and
the engineer reading it want what every other error of the command gives: ``error: ...`` on one line,
exit status 2.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

USAGE_ERROR: type[Exception] = typer.BadParameter.__mro__[1]
"""Click's UsageError (the base of every parsing mistake), wherever this Typer keeps its Click."""
HELP_ASKED: Any = getattr(sys.modules[USAGE_ERROR.__module__], "NoArgsIsHelpError", ())
"""Raised for a bare ``optimiser``: its help is the answer, shown as Click shows it."""
PROGRAM = "optimiser"
"""Whose help to name when Click does not say which command the mistake was made in."""


def one_line(exc: Exception) -> str:
    """The mistake and where help is, on one line."""
    message = re.sub(r"\s+", " ", exc.format_message()).strip()  # type: ignore[attr-defined]
    ctx = getattr(exc, "ctx", None)
    return f"error: {message} (see '{PROGRAM if ctx is None else ctx.command_path} --help')"


class PlainUsageGroup(TyperGroup):
    """The command group, its usage mistakes told by ``one_line``."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:  # the caller hears of mistakes as exceptions
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            status = self.main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except HELP_ASKED as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except USAGE_ERROR as exc:
            typer.echo(one_line(exc), err=True)
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)

"""Errors the CLI turns into exit statuses."""

from __future__ import annotations


class InputError(Exception):
    """Invalid input: names the file, the row (1-based, as a spreadsheet shows it) and the column."""

    LABEL = "column"

    def __init__(self, file: str, row: int | None, column: str | None, message: str):
        self.file, self.row, self.column, self.message = file, row, column, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"{self.LABEL} {self.column}")
        return f"{', '.join(where)}: {self.message}"


class TomlError(InputError):
    """An invalid TOML file (rules or scenario): names the file and the key (``grades.PO.default_hours``)."""

    LABEL = "key"


class ScenarioError(TomlError):
    """Invalid scenario file: names the file and the key (``join[2].grade``)."""


class VerificationError(Exception):
    """The solver's result broke a rule it must keep: a bug, never the user's fault."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("; ".join(violations[:5]))

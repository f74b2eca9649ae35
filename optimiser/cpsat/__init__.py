"""Everything CP-SAT: the staged model (variables, constraints, objectives), the stage runner, and a plain
reference model. Nothing outside this package imports OR-Tools."""

from .stages import StageOutcome, StageRunner

__all__ = ["StageOutcome", "StageRunner"]

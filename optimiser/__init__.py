"""Caseload allocation optimiser for probation services."""

__version__ = "0.1.0"

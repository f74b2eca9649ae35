"""Structured run logs for scheduled jobs: one JSON object per line on stderr, keyed by run id.

Only counts, timings, statuses and codes: never a practitioner's name or a case's details.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO


class RunLog:
    """Writes events when enabled, and nothing otherwise."""

    def __init__(self, run_id: str, enabled: bool, stream: TextIO | None = None):
        self.run_id = run_id
        self.enabled = enabled
        self.stream = stream or sys.stderr

    def event(self, event: str, **fields: Any) -> None:
        if not self.enabled:
            return
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "run_id": self.run_id,
            "event": event,
            **fields,
        }
        self.stream.write(json.dumps(line, default=str, sort_keys=False) + "\n")
        self.stream.flush()

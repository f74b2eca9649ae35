"""Structured run logs for scheduled jobs: one JSON object per line on stderr, keyed by run id.

Only counts, timings, statuses and codes: never a practitioner's name or a case's details.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO


class RunLog:
    """Writes events when enabled, and nothing otherwise."""

    def __init__(self, run_id: str, enabled: bool, stream: TextIO | None = None):
        self.run_id = run_id
        self.enabled = enabled
        self.stream = stream or sys.stderr

    def say(self, kind: str, text: str, **fields: Any) -> None:
        """A message for people (``error``, ``warning``): a plain line, or with JSON logs a JSON line whose
        quoted contents (cell values, codes) are redacted, so stderr stays JSON only and holds no data."""
        if self.enabled:
            self.event(kind, message=redact(text), **fields)
        else:
            self.stream.write(f"{kind}: {text}\n")
            self.stream.flush()

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


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def redact(text: str) -> str:
    """``text`` with every quoted value replaced, for logs that must carry no names, CRNs or cells."""
    return _QUOTED.sub("'…'", text)

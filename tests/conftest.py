"""Shared helpers: build instance folders from rows, so each test states only what it is about."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny"


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled tiny instance."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder

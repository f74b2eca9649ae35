"""Opening the files users name, safely: only regular files are read (never a pipe, a device or a
folder, which could block or never end), within a size limit, and every failure is an InputError that
names the file."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_FILE_BYTES = 1 << 30
"""The largest input file read (1 GiB): a national instance is a few hundred MB."""


def read_input(path: Path, name: str | None = None) -> bytes:
    """The bytes of a regular input file; errors name it as ``name`` (default: its file name)."""
    shown = name or path.name
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(shown, None, None, f"file not found in {path.parent}") from None
    except OSError as exc:
        raise InputError(shown, None, None, f"cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe, device or socket)"
        raise InputError(shown, None, None, f"is {kind}, not a file to read")
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(shown, None, None, f"is {info.st_size} bytes, over the {MAX_FILE_BYTES} byte limit")
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(shown, None, None, f"cannot be read: {exc.strerror}") from None


def read_toml(path: Path, error: type[InputError] = InputError) -> dict[str, Any]:
    """A TOML file's tables (numbers with decimals as Decimal, exactly); errors name the file and line."""
    return parse_toml(read_input(path), path.name, error)


def parse_toml(raw: bytes, name: str, error: type[InputError] = InputError) -> dict[str, Any]:
    """``read_toml`` of bytes already read from the file ``name``."""
    try:
        return tomllib.loads(raw.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise error(name, None, None, f"not valid UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        raise error(name, int(where[1]) if where else None, None, f"malformed TOML: {exc}") from None


def digest(files: Iterable[tuple[str, bytes]]) -> str:
    """SHA-256 over files given as (name, bytes), in name order: what tells one instance's data from another's."""
    found = hashlib.sha256()
    for name, data in sorted(files, key=lambda file: file[0]):
        for chunk in (name.encode(), b"\0", data, b"\0"):
            found.update(chunk)
    return found.hexdigest()


def check_output_folder(folder: Path, names: tuple[str, ...] = ()) -> None:
    """Refuse, before any work, an output folder that cannot be written: a file in its place, one of our
    file names taken by a folder, or a parent that is missing and cannot be created, read-only or full.
    Writing is tried (a probe folder made and removed where the results will be staged), since
    permissions alone do not tell (root, read-only mounts)."""
    shown = str(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(shown, None, None, "--out names an existing file, not a folder")
    for name in names:
        if (folder / name).is_dir():
            raise InputError(shown, None, None, f"{name} in it is a folder: the result file cannot replace it")
    existing = next((p for p in (folder.parent, *folder.parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise InputError(shown, None, None, "--out is under a path that is not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".probe-", dir=existing))
    except OSError as exc:
        raise InputError(shown, None, None, f"cannot write in {existing}: {exc.strerror}") from None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts a spreadsheet would run as a formula (OWASP CSV injection)."""
ESCAPED_STARTS = (*FORMULA_STARTS, "'")
"""Cell starts ``escape_cell`` quotes: a formula's, and a quote (so that reading back is exact)."""


def escape_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula made inert with a leading quote (OWASP); text that
    already starts with a quote gets one more, so reading back is exact."""
    if isinstance(value, str) and value.startswith(ESCAPED_STARTS):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """``escape_cell`` undone, for reading our own CSV files back."""
    return text[1:] if text.startswith("'") and text[1:].startswith(ESCAPED_STARTS) else text

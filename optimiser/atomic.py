"""Atomic file output: write beside the target, fsync, then rename, so a crash never leaves half a file."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_files_atomically(folder: Path, contents: Mapping[str, str | bytes]) -> None:
    """Write every file to a temporary name first, then rename them all into place.

    Nothing in ``folder`` changes until every temporary file is complete on disk; if writing any of them
    fails, the temporaries are removed and the folder is as it was.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in contents.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            os.fchmod(fd, 0o666 & ~_umask())  # ordinary permissions, not the temporary file's 0600
            staged.append((tmp, folder / name))
            data = text.encode("utf-8") if isinstance(text, str) else text
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, target in staged:
            os.replace(tmp, target)
        _sync_directory(folder)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _sync_directory(folder: Path) -> None:
    """Make the renames themselves durable (a power cut after this keeps the new files)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


RENAME_EXCHANGE = 2
"""renameat2 flag: swap two paths in one step (Linux 3.15+)."""
STAGING_PREFIX = ".staging-"
RETIRED_PREFIX = ".retired-"


def replace_folder(folder: Path, contents: Mapping[str, str | bytes], keep_others: bool = False) -> None:
    """Replace ``folder`` as a whole by files at the given relative paths (subfolders allowed).

    Everything is written to a sibling staging folder and synced first, then swapped in with one
    exchange of names, so a reader sees either the whole old set or the whole new set. With
    ``keep_others``, whatever else the old folder held (not ours to replace) is carried over, hard-linked.
    Debris of an earlier run killed midway (staging or retired siblings) is removed first.
    """
    folder = Path(folder)
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_debris(folder)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{folder.name}.", dir=parent))
    try:
        for relative, data in contents.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            payload = data.encode("utf-8") if isinstance(data, str) else data
            with open(target, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
        if keep_others and folder.is_dir():
            _carry_over(folder, staging, {Path(r).parts[0] for r in contents})
        for sub in sorted({(staging / r).parent for r in contents}, key=lambda p: -len(p.parts)):
            _sync_directory(sub)
        os.chmod(staging, 0o777 & ~_umask())
        if folder.exists() and not _exchange(staging, folder):
            retired = parent / f"{RETIRED_PREFIX}{folder.name}.{os.getpid()}"
            os.replace(folder, retired)
            os.replace(staging, folder)
            staging = retired
        elif not folder.exists():
            os.replace(staging, folder)
        _sync_directory(parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _carry_over(old: Path, new: Path, ours: set[str]) -> None:
    """Link (or copy, across devices) every entry of ``old`` that is not one of ``ours`` into ``new``."""
    for entry in old.iterdir():
        if entry.name in ours:
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry), new / entry.name)
        elif entry.is_dir():
            shutil.copytree(entry, new / entry.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, new / entry.name)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (renameat2 RENAME_EXCHANGE); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_cwd = -100
    done = renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), RENAME_EXCHANGE)
    return done == 0


def _remove_debris(folder: Path) -> None:
    for prefix in (STAGING_PREFIX, RETIRED_PREFIX):
        for debris in folder.parent.glob(f"{prefix}{folder.name}.*"):
            shutil.rmtree(debris, ignore_errors=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

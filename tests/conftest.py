"""Shared helpers: instance folders from rows, a private run history per test, a throwaway PostgreSQL server."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
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


@pytest.fixture(autouse=True)
def private_history(tmp_path_factory, monkeypatch):
    """Every test's solves record into a throwaway SQLite history, never the user's."""
    monkeypatch.setenv("OPTIMISER_DB", str(tmp_path_factory.mktemp("history") / "history.sqlite"))


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (``.ci/run`` installs the Debian packages).

    Locally the PostgreSQL tests skip, saying why, when no server can be started; under CI they fail.
    """

    def unavailable(reason: str):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")

    if url := os.environ.get("OPTIMISER_TEST_POSTGRES_URL"):
        yield url
        return
    bin_dir = _postgres_bin()
    if bin_dir is None:
        unavailable("no initdb/pg_ctl found (install Debian's postgresql package)")
    home = Path(tempfile.mkdtemp(prefix="optimiser-pg-"))
    data = home / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no 'postgres' user to run the server")
        os.chown(home, owner.pw_uid, owner.pw_gid)
        found = [shutil.which("runuser"), "/usr/sbin/runuser", "/sbin/runuser"]
        runuser = next((p for p in found if p and Path(p).exists()), None)
        if runuser is None:
            unavailable("running as root and 'runuser' is not available to start the server as 'postgres'")
        as_user = [runuser, "-u", "postgres", "--"]
    port = _free_port()
    commands = [
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        [
            *as_user,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(home / "log"),
            "-o",
            f"-p {port} -h 127.0.0.1 -k {home}",
            "start",
        ],
    ]
    for command in commands:
        try:
            done = subprocess.run(command, capture_output=True, text=True)
        except OSError as exc:
            unavailable(f"{command[0]} could not run: {exc}")
        if done.returncode:
            unavailable(f"{' '.join(command[len(as_user) :][:1])} failed: {done.stderr.strip() or done.stdout.strip()}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)

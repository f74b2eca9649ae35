"""Run history: every solve recorded in a database (SQLite by default, PostgreSQL by URL), same schema.

The schema is defined here and created or upgraded by Alembic migrations (``migrations/``) whenever a
history is opened, so an old database file or server is brought up to date before it is used.
"""

from __future__ import annotations

import fcntl
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from .runrecord import SOLVE_KIND, HistoryError, RunRecord

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_REVISION = "0002"
"""The newest migration's revision: a database already there is used without loading Alembic (a test
keeps this equal to the migrations' head)."""

BUSY_SECONDS = 30
"""How long a SQLite writer waits for another to finish."""
RETRIES = 5
MIGRATION_LOCK_KEY = 74_211_000
"""PostgreSQL advisory lock taken while migrating."""
SECRET_KEYS = frozenset({"password", "passwd", "pwd"})

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
    Column("instance", String(1024), nullable=False),
    Column("instance_hash", String(64), nullable=False, index=True),
    Column("parameters", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("max_wmt_pct_before", Float),
    Column("max_wmt_pct", Float),
    Column("lower_bound_pct", Float),
    Column("transfers", Integer, nullable=False),
    Column("allocated", Integer, nullable=False),
    Column("unallocated", Integer, nullable=False),
    Column("solve_seconds", Float, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("kind", String(16), nullable=False, server_default=SOLVE_KIND, index=True),
)

workloads = Table(
    "workloads",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("staff_code", String(64), primary_key=True, index=True),
    Column("grade", String(8), nullable=False),
    Column("available_points", Integer, nullable=False),
    Column("points_before", Integer, nullable=False),
    Column("points_after", Integer, nullable=False),
    Column("wmt_pct_before", Float),
    Column("wmt_pct_after", Float),
    Column("cases_before", Integer, nullable=False),
    Column("cases_after", Integer, nullable=False),
)

allocations = Table(
    "allocations",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("crn", String(64), primary_key=True),
    Column("from_staff_code", String(64), nullable=False),
    Column("to_staff_code", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("points", Integer, nullable=False),
)


def safe_url(url: str) -> str:
    """A database URL fit for logs: no password, whether in the user-info part or in the query string."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unreadable database URL>"
    query = {k: ("***" if k.lower() in SECRET_KEYS else v) for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


def _reason(exc: BaseException) -> str:
    """The first line of what went wrong, without the URL's secrets."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return text[:300]


class History:
    """An open, migrated history database. Every failure is a HistoryError with one plain line."""

    def __init__(self, url: str):
        self.url = url
        try:
            sqlite = make_url(url).get_backend_name() == "sqlite"
            self.engine: Engine = create_engine(
                url, future=True, connect_args={"timeout": BUSY_SECONDS} if sqlite else {"connect_timeout": 10}
            )
            if not _up_to_date(self.engine):
                _migrate_once(self.engine, url if sqlite else None)
        except (SQLAlchemyError, OSError, ValueError, KeyError) as exc:
            raise HistoryError(f"run history {safe_url(url)}: cannot be opened ({_reason(exc)})") from None

    def record(self, run: RunRecord) -> None:
        """Store a run and its rows in one transaction: all of it or none (retried while the database is busy)."""
        for attempt in range(RETRIES):
            try:
                self._record(run)
                return
            except OperationalError as exc:
                if "locked" not in str(exc).lower() or attempt == RETRIES - 1:
                    raise HistoryError(f"run history {safe_url(self.url)}: cannot record ({_reason(exc)})") from None
                time.sleep(0.05 * (attempt + 1))
            except SQLAlchemyError as exc:
                raise HistoryError(f"run history {safe_url(self.url)}: cannot record ({_reason(exc)})") from None

    def _record(self, run: RunRecord) -> None:
        s = run.summary
        with self.engine.begin() as conn:
            conn.execute(
                runs.insert().values(
                    run_id=run.run_id,
                    kind=run.kind,
                    started_at=run.started_at,
                    instance=run.instance,
                    instance_hash=run.instance_hash,
                    parameters=run.parameters,
                    status=s["status"],
                    max_wmt_pct_before=s["max_wmt_pct_before"],
                    max_wmt_pct=s["max_wmt_pct"],
                    lower_bound_pct=s["lower_bound_pct"],
                    transfers=s["transfers"],
                    allocated=s["allocated"],
                    unallocated=s["unallocated"],
                    solve_seconds=s["solve_seconds"],
                    summary=s,
                )
            )
            _insert_many(conn, workloads, run.run_id, run.workloads)
            _insert_many(conn, allocations, run.run_id, run.allocations)

    def runs(self, limit: int) -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        query = select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def run(self, run_id: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]] | None:
        """One run (a unique prefix of its id will do), its workloads and its allocations."""
        with self.engine.connect() as conn:
            found = conn.execute(select(runs).where(runs.c.run_id.startswith(run_id, autoescape=True)).limit(2)).all()
            if len(found) != 1:
                return None
            run = dict(found[0]._mapping)
            loads = conn.execute(
                select(workloads).where(workloads.c.run_id == run["run_id"]).order_by(workloads.c.staff_code)
            ).all()
            moves = conn.execute(
                select(allocations).where(allocations.c.run_id == run["run_id"]).order_by(allocations.c.crn)
            ).all()
        return run, [dict(r._mapping) for r in loads], [dict(r._mapping) for r in moves]

    def workload_series(self, since: datetime, until: datetime) -> list[tuple[str, str, datetime, float | None]]:
        """(staff_code, grade, run time, WMT % after) for every run in [since, until], oldest first."""
        query = (
            select(workloads.c.staff_code, workloads.c.grade, runs.c.started_at, workloads.c.wmt_pct_after)
            .join(runs, runs.c.run_id == workloads.c.run_id)
            .where(runs.c.started_at >= since, runs.c.started_at <= until, runs.c.kind == SOLVE_KIND)
            .order_by(runs.c.started_at, runs.c.run_id)
        )
        with self.engine.connect() as conn:
            return [(r[0], r[1], _utc(r[2]), r[3]) for r in conn.execute(query)]

    def latest_run_time(self) -> datetime | None:
        with self.engine.connect() as conn:
            latest = select(runs.c.started_at).where(runs.c.kind == SOLVE_KIND).order_by(runs.c.started_at.desc())
            value = conn.execute(latest.limit(1)).scalar()
        return None if value is None else _utc(value)


def _insert_many(conn: Connection, table: Table, run_id: str, rows: list[dict[str, Any]]) -> None:
    """A run's rows in one executemany of the driver, on the table's insert as SQLAlchemy compiles it for
    the database: SQLAlchemy's own per-row parameter handling took 0.24 s of the 0.3 s that a national run's
    30,000 rows cost."""
    if not rows:
        return
    insert = table.insert().compile(dialect=conn.dialect)
    if insert.positional:  # sqlite3: each row's values in the statement's order
        names = [(name, name == "run_id") for name in insert.positiontup or ()]
        conn.exec_driver_sql(str(insert), [tuple(run_id if ours else row[n] for n, ours in names) for row in rows])
    else:  # psycopg: by name
        conn.exec_driver_sql(str(insert), [dict(row, run_id=run_id) for row in rows])


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _up_to_date(engine: Engine) -> bool:
    """Whether the database is at ``SCHEMA_REVISION`` already (a new or older one is migrated)."""
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [SCHEMA_REVISION]
    except SQLAlchemyError:  # no version table yet
        return False


def migrate(engine: Engine) -> None:
    """Bring the database's schema to the latest migration."""
    from alembic import command  # Alembic loads only to migrate: most runs find the schema up to date
    from alembic.config import Config
    from alembic.util.exc import CommandError

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # many first uses at once: one migrates, the others wait
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except CommandError as exc:  # a database newer than this code, say
            raise ValueError(str(exc)) from None


def _migrate_once(engine: Engine, sqlite_url: str | None) -> None:
    """Migrate, one process at a time: a file lock beside a SQLite file (PostgreSQL locks in ``migrate``)."""
    database = make_url(sqlite_url).database if sqlite_url else None
    if not database or database == ":memory:":
        migrate(engine)
        return
    with open(f"{database}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            migrate(engine)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

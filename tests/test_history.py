"""Run history on SQLite and on a real PostgreSQL server: migrations, recording, history and alerts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text

from optimiser.alerts import excessive
from optimiser.history import MIGRATIONS, SCHEMA_REVISION, History, allocations, metadata, runs, workloads
from optimiser.runrecord import RunRecord

from .conftest import TINY
from .test_cli import run


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def test_migrations_build_exactly_the_schema_the_code_uses(db_url):
    history = History(db_url)
    History(db_url)  # opening again finds it up to date
    with history.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"


def test_the_schema_revision_opened_without_alembic_is_the_migrations_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


def test_a_database_at_an_older_revision_is_brought_up_to_date(db_url):
    history = History(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with history.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    History(db_url)
    with history.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_REVISION


def test_solve_records_the_run_and_history_shows_it(db_url, tmp_path):
    result = run("solve", TINY, "--out", tmp_path / "out", "--db", db_url)
    assert result.exit_code == 1, result.output  # tiny leaves one case unallocated on purpose
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    history = History(db_url)
    with history.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(workloads)).scalar() == 5
        assert conn.execute(select(func.count()).select_from(allocations)).scalar() == summary["allocated"]
    listed = run("history", "--db", db_url)
    assert listed.exit_code == 0 and "OPTIMAL" in listed.output and "80.0 ->  80.0" in listed.output
    run_id = history.runs(1)[0]["run_id"]
    shown = run("history", run_id[:6], "--db", db_url)
    assert shown.exit_code == 0, shown.output
    assert "PO1" in shown.output and "50.0%      70.2%" in shown.output and "max_transfers=0" in shown.output
    assert run("history", "nosuchrun", "--db", db_url).exit_code == 2


def _record(history: History, at: datetime, loads: dict[str, float]) -> None:
    history.record(
        RunRecord(
            run_id=uuid.uuid4().hex,
            started_at=at,
            instance="pdu",
            instance_hash="0" * 64,
            parameters={},
            summary={
                "status": "OPTIMAL",
                "max_wmt_pct_before": 0.0,
                "max_wmt_pct": max(loads.values()),
                "lower_bound_pct": 0.0,
                "transfers": 0,
                "allocated": 0,
                "unallocated": 0,
                "solve_seconds": 0.1,
            },
            workloads=[
                {
                    "staff_code": code,
                    "grade": "PO",
                    "available_points": 2176,
                    "points_before": 0,
                    "points_after": 0,
                    "wmt_pct_before": pct,
                    "wmt_pct_after": pct,
                    "cases_before": 0,
                    "cases_after": 0,
                }
                for code, pct in loads.items()
            ],
            allocations=[],
        )
    )


def test_alerts_flag_only_those_over_the_threshold_in_each_of_the_last_four_weeks(db_url):
    history = History(db_url)
    monday = datetime(2026, 10, 26, 2, 0, tzinfo=UTC)
    weekly = {
        "OVER": [112.0, 115.0, 118.0, 121.0],  # excessive, rising
        "DIPPED": [130.0, 125.0, 109.0, 140.0],  # under once: not four consecutive weeks
        "EASING": [150.0, 140.0, 130.0, 111.0],  # excessive, falling
    }
    for week in range(4):
        loads = {code: values[week] for code, values in weekly.items()}
        if week != 2:
            loads["MISSING"] = 150.0  # absent one week: the history cannot say
        _record(history, monday + timedelta(weeks=week, days=1), loads)
    _record(history, monday + timedelta(weeks=3, days=3), {"OVER": 122.0, "EASING": 111.0, "DIPPED": 140.0})
    result = run("alerts", "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "in each of the 4 weeks from 2026-10-26" in result.output and "2 practitioner(s)" in result.output
    assert "OVER         PO    112.0 -> 115.0 -> 118.0 -> 122.0   rising (+10.0 pp)" in result.output
    assert "EASING       PO    150.0 -> 140.0 -> 130.0 -> 111.0   falling (-39.0 pp)" in result.output
    assert "DIPPED" not in result.output and "MISSING" not in result.output
    three = run("alerts", "--db", db_url, "--weeks", "3", "--threshold", "112", "--as-of", "2026-11-10")
    assert "in each of the 3 weeks from 2026-10-26" in three.output
    assert "EASING" in three.output and "OVER" not in three.output  # OVER was at 112.0, not over it


def test_alerts_window_ignores_runs_after_as_of_and_before_the_window():
    at = datetime(2026, 11, 4, tzinfo=UTC)
    series = [
        ("A", "PO", at - timedelta(weeks=1), 120.0),
        ("A", "PO", at, 120.0),
        ("A", "PO", at + timedelta(days=7), 90.0),
    ]
    assert [a.staff_code for a in excessive(series, at, 2, 110.0)] == ["A"]
    assert excessive(series, at, 3, 110.0) == []


def test_a_history_that_cannot_be_written_exits_4_after_writing_the_results(tmp_path):
    out = tmp_path / "out"
    result = run("solve", TINY, "--out", out, "--db", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert result.exit_code == 4
    assert (out / "summary.json").exists()
    assert "could not be recorded" in result.output and "secret" not in result.output


def test_no_history_records_nothing(tmp_path):
    db = tmp_path / "h.sqlite"
    assert run("solve", TINY, "--out", tmp_path / "out", "--db", str(db), "--no-history").exit_code == 1
    assert not db.exists()


def test_json_logs_carry_the_run_id_stages_and_counts_but_no_names(tmp_path):
    result = run("solve", TINY, "--out", tmp_path / "out", "--log-json")
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    events = [line["event"] for line in lines]
    assert events[0] == "run_started" and events[-1] == "finished"
    assert {"read", "stage", "solved", "written", "recorded"} <= set(events)
    assert len({line["run_id"] for line in lines}) == 1
    solved = next(line for line in lines if line["event"] == "solved")
    assert (solved["allocated"], solved["unallocated"], solved["max_wmt_pct"]) == (9, 1, 80.0)
    names = [row.split(",")[1] for row in (TINY / "practitioners.csv").read_text().splitlines()[1:]]
    assert names and not any(name in result.stderr for name in names)

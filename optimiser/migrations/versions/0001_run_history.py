"""Run history: runs, each practitioner's workload per run, and each run's allocations.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("instance", sa.String(1024), nullable=False),
        sa.Column("instance_hash", sa.String(64), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("max_wmt_pct_before", sa.Float),
        sa.Column("max_wmt_pct", sa.Float),
        sa.Column("lower_bound_pct", sa.Float),
        sa.Column("transfers", sa.Integer, nullable=False),
        sa.Column("allocated", sa.Integer, nullable=False),
        sa.Column("unallocated", sa.Integer, nullable=False),
        sa.Column("solve_seconds", sa.Float, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index("ix_runs_instance_hash", "runs", ["instance_hash"])
    op.create_table(
        "workloads",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("staff_code", sa.String(64), primary_key=True),
        sa.Column("grade", sa.String(8), nullable=False),
        sa.Column("available_points", sa.Integer, nullable=False),
        sa.Column("points_before", sa.Integer, nullable=False),
        sa.Column("points_after", sa.Integer, nullable=False),
        sa.Column("wmt_pct_before", sa.Float),
        sa.Column("wmt_pct_after", sa.Float),
        sa.Column("cases_before", sa.Integer, nullable=False),
        sa.Column("cases_after", sa.Integer, nullable=False),
    )
    op.create_index("ix_workloads_staff_code", "workloads", ["staff_code"])
    op.create_table(
        "allocations",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("crn", sa.String(64), primary_key=True),
        sa.Column("from_staff_code", sa.String(64), nullable=False),
        sa.Column("to_staff_code", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("allocations")
    op.drop_table("workloads")
    op.drop_index("ix_runs_instance_hash", "runs")
    op.drop_index("ix_runs_started_at", "runs")
    op.drop_table("runs")

"""Runs carry their kind: 'solve' for an allocation, 'whatif' for a scenario comparison's runs, so the
excessive-workload alerts count only real allocations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="solve"))
        batch.create_index("ix_runs_kind", ["kind"])


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_index("ix_runs_kind")
        batch.drop_column("kind")

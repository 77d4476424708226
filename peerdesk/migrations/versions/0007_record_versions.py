"""a version number on the records people correct (two writers never overwrite silently)

Revision ID: 0007_record_versions
Revises: 0007_server_keys
Create Date: 2026-11-30 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_record_versions"
down_revision: str | None = "0007_server_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here (not read from the models) so the migration stays as written.
TABLES = (
    "participants",
    "episodes",
    "support_sessions",
    "outcome_answers",
    "referrals",
    "resources",
    "supporters",
    "courses",
    "training_records",
    "supervision_entries",
    "users",
)


def upgrade() -> None:
    # A plain ADD COLUMN, not batch mode: SQLite adds a NOT NULL column with a constant
    # default in place (existing rows read the default, no table copy), so a store with
    # 200,000 sessions upgrades in milliseconds; PostgreSQL 11+ does the same.
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        )


def downgrade() -> None:
    # Dropping a column needs a table copy on SQLite: batch mode, only on the way down.
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")

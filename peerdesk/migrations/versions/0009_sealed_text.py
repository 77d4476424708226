"""sealed free text: columns that hold sealed text have no length limit on PostgreSQL

Sealed text (models/sealing.py) is longer than what was typed: a prefix, the nonce, the
tag and base64. SQLite ignores declared lengths, so on a local store nothing changes and
no table is rebuilt; on PostgreSQL the columns become TEXT (from VARCHAR this is a
catalogue change, no table rewrite). The services keep the plain-text limits.

Revision ID: 0009_sealed_text
Revises: 0007_record_versions
Create Date: 2026-11-30 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sealed_text"
down_revision: str | None = "0007_record_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here (not imported from the models) so the migration stays as written:
# table, column, declared length before, nullable.
COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("participants", "name", 200, True),
    ("participants", "contact", 200, True),
    ("episodes", "reason", 100, False),
    ("support_sessions", "withdrawn_reason", 300, True),
    ("referrals", "reason", 300, False),
    ("referral_status_changes", "note", 300, False),
    ("supervision_entries", "supervisor", 200, False),
    ("resources", "phone", 50, False),
    ("resources", "email", 200, False),
    ("resources", "address", 300, False),
    ("resources", "hours", 200, False),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: lengths are not enforced, and a rebuild of big tables buys nothing
    for table, column, length, nullable in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.Text(),
            existing_type=sa.String(length),
            existing_nullable=nullable,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length, nullable in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(length),
            existing_type=sa.Text(),
            existing_nullable=nullable,
        )

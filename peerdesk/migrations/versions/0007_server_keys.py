"""the key document in a table, for stores on a PostgreSQL server (issue 13)

Revision ID: 0007_server_keys
Revises: 0006
Create Date: 2026-11-30 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_server_keys"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new, empty table: nothing is rebuilt on a local store (which leaves it empty).
    op.create_table(
        "key_documents",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_documents")),
    )


def downgrade() -> None:
    op.drop_table("key_documents")

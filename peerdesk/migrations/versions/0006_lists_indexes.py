"""indexes for the session list, Today and saving (branch lists)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here (not imported from the models) so the migration stays as written.
OPEN_FOLLOW_UP = "follow_up_on IS NOT NULL AND follow_up_done_on IS NULL AND withdrawn_at IS NULL"
# name, table, columns, partial-index condition
INDEXES: tuple[tuple[str, str, list[str], str | None], ...] = (
    ("ix_support_sessions_list_started", "support_sessions", ["started_at", "id"], None),
    ("ix_support_sessions_list_minutes", "support_sessions", ["minutes", "id"], None),
    ("ix_support_sessions_list_mode", "support_sessions", ["mode", "id"], None),
    ("ix_support_sessions_list_format", "support_sessions", ["format", "id"], None),
    (
        "ix_support_sessions_list_supporter",
        "support_sessions",
        ["supporter_id", "started_at", "id"],
        None,
    ),
    (
        "ix_support_sessions_episode_supporter",
        "support_sessions",
        ["episode_id", "supporter_id"],
        None,
    ),
    (
        "ix_support_sessions_list_decision",
        "support_sessions",
        ["referral_decision", "started_at", "id"],
        None,
    ),
    (
        "ix_support_sessions_open_follow_ups",
        "support_sessions",
        ["follow_up_on", "supporter_id"],
        OPEN_FOLLOW_UP,
    ),
    ("ix_session_concerns_concern", "session_concerns", ["concern", "session_id"], None),
    ("ix_supporters_list_name", "supporters", ["display_name", "id"], None),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(
            name,
            table,
            columns,
            unique=name == "ix_supporters_list_name",  # (name, id): unique as id is
            sqlite_where=sa.text(where) if where else None,
            postgresql_where=sa.text(where) if where else None,
        )


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)

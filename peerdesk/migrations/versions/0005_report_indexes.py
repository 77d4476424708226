"""report indexes and per-month trend figures

Covering indexes for the summary report's month queries, and report_months: the 12-month
trend's figures of each closed month, kept exact by triggers that delete a month's row in
the same transaction as any write that could change it (peerdesk/models/report_cache.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied from peerdesk/models/report_cache.py as it stood at this revision.
TRIGGERS = [
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_session_insert AFTER INSERT ON "
        "support_sessions BEGIN DELETE FROM report_months WHERE (NEW.started_at >= "
        "report_months.start_at AND NEW.started_at < report_months.end_at); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_session_update AFTER UPDATE OF id, "
        "started_at, withdrawn_at, episode_id ON support_sessions BEGIN DELETE FROM "
        "report_months WHERE (OLD.started_at >= report_months.start_at AND OLD.started_at"
        " < report_months.end_at) OR (NEW.started_at >= report_months.start_at AND "
        "NEW.started_at < report_months.end_at); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_session_delete AFTER DELETE ON "
        "support_sessions BEGIN DELETE FROM report_months WHERE (OLD.started_at >= "
        "report_months.start_at AND OLD.started_at < report_months.end_at); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_attendance_insert AFTER INSERT ON "
        "session_attendance BEGIN DELETE FROM report_months WHERE EXISTS (SELECT 1 FROM "
        "support_sessions s WHERE s.id = NEW.session_id AND (s.started_at >= "
        "report_months.start_at AND s.started_at < report_months.end_at)); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_attendance_update AFTER UPDATE ON "
        "session_attendance BEGIN DELETE FROM report_months WHERE EXISTS (SELECT 1 FROM "
        "support_sessions s WHERE s.id = OLD.session_id AND (s.started_at >= "
        "report_months.start_at AND s.started_at < report_months.end_at)) OR EXISTS "
        "(SELECT 1 FROM support_sessions s WHERE s.id = NEW.session_id AND (s.started_at "
        ">= report_months.start_at AND s.started_at < report_months.end_at)); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_attendance_delete AFTER DELETE ON "
        "session_attendance BEGIN DELETE FROM report_months WHERE EXISTS (SELECT 1 FROM "
        "support_sessions s WHERE s.id = OLD.session_id AND (s.started_at >= "
        "report_months.start_at AND s.started_at < report_months.end_at)); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_episode_insert AFTER INSERT ON "
        "episodes BEGIN DELETE FROM report_months WHERE (NEW.opened_on >= "
        "report_months.first_day AND NEW.opened_on <= report_months.last_day); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_episode_update AFTER UPDATE OF id, "
        "participant_id, opened_on ON episodes BEGIN DELETE FROM report_months WHERE "
        "(OLD.opened_on >= report_months.first_day AND OLD.opened_on <= "
        "report_months.last_day) OR (NEW.opened_on >= report_months.first_day AND "
        "NEW.opened_on <= report_months.last_day) OR EXISTS (SELECT 1 FROM "
        "support_sessions s WHERE s.episode_id = OLD.id AND (s.started_at >= "
        "report_months.start_at AND s.started_at < report_months.end_at)) OR EXISTS "
        "(SELECT 1 FROM support_sessions s WHERE s.episode_id = NEW.id AND (s.started_at "
        ">= report_months.start_at AND s.started_at < report_months.end_at)); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS report_months_episode_delete AFTER DELETE ON "
        "episodes BEGIN DELETE FROM report_months WHERE (OLD.opened_on >= "
        "report_months.first_day AND OLD.opened_on <= report_months.last_day) OR EXISTS "
        "(SELECT 1 FROM support_sessions s WHERE s.episode_id = OLD.id AND (s.started_at "
        ">= report_months.start_at AND s.started_at < report_months.end_at)); END"
    ),
]
TRIGGER_NAMES = [t.split()[5] for t in TRIGGERS]

INDEXES = [
    (
        "ix_report_sessions_month",
        "support_sessions",
        [
            "started_at",
            "withdrawn_at",
            "episode_id",
            "supporter_id",
            "minutes",
            "mode",
            "format",
            "safety_flag",
            "referral_decision",
            "id",
        ],
    ),
    (
        "ix_report_sessions_episode",
        "support_sessions",
        ["episode_id", "started_at", "id", "withdrawn_at"],
    ),
    (
        "ix_report_sessions_follow_up",
        "support_sessions",
        ["follow_up_on", "withdrawn_at", "follow_up_done_on"],
    ),
    ("ix_report_episodes_open", "episodes", ["opened_on", "closed_on"]),
    ("ix_report_checkins_taken", "checkins", ["taken_on", "instrument", "phase"]),
    (
        "ix_report_referrals_created",
        "referrals",
        ["created_at", "resource_id", "status", "id"],
    ),
    (
        "ix_report_outcome_answers",
        "outcome_answers",
        ["answered_on", "needs_met", "satisfaction"],
    ),
    ("ix_report_referrals_session", "referrals", ["session_id"]),
]


def upgrade() -> None:
    op.create_table(
        "report_months",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("new_episodes", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_report_months")),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for sql in TRIGGERS:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("report_months")

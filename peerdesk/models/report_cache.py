"""What the summary report needs to stay fast on a large store: covering indexes for its
month queries, and the 12-month trend's figures of each closed month, kept exact.

`report_months` holds, per calendar month already over, the three trend figures
(contacts, people, new episodes) as they stood when last counted. SQLite triggers delete
a month's row in the same transaction as any write that could change it (a session
added, moved, corrected, withdrawn or deleted; attendance; an episode opened, moved or
given to another participant), whatever wrote it (ORM, Core, a migration); the next
report counts that month again. The row also keeps the UTC bounds it was counted with,
so a changed time zone never reuses it. `verify` recounts every row
(services/reports/cache.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DDL, Date, DateTime, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from peerdesk.models.base import Base
from peerdesk.models.casework import CheckIn, Episode, OutcomeAnswer, SupportSession
from peerdesk.models.referrals import Referral


class ReportMonth(Base):
    __tablename__ = "report_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    start_at: Mapped[datetime] = mapped_column(DateTime)  # local midnight, stored as UTC
    end_at: Mapped[datetime] = mapped_column(DateTime)  # exclusive
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    contacts: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    new_episodes: Mapped[int] = mapped_column(Integer)
    counted_at: Mapped[datetime] = mapped_column(DateTime)


# Covering indexes: a month's sessions are read from the index alone (no table lookups
# scattered over a store keyed by random UUIDs), and an episode's earlier sessions (visit
# numbers, first contact) from its own run of entries.
Index(
    "ix_report_sessions_month",
    SupportSession.started_at,
    SupportSession.withdrawn_at,
    SupportSession.episode_id,
    SupportSession.supporter_id,
    SupportSession.minutes,
    SupportSession.mode,
    SupportSession.format,
    SupportSession.safety_flag,
    SupportSession.referral_decision,
    SupportSession.id,
)
Index(
    "ix_report_sessions_episode",
    SupportSession.episode_id,
    SupportSession.started_at,
    SupportSession.id,  # before withdrawn_at: visit numbers rank by (started_at, id) unsorted
    SupportSession.withdrawn_at,
)
Index(
    "ix_report_sessions_follow_up",
    SupportSession.follow_up_on,
    SupportSession.withdrawn_at,
    SupportSession.follow_up_done_on,
)
Index("ix_report_episodes_open", Episode.opened_on, Episode.closed_on)
Index("ix_report_checkins_taken", CheckIn.taken_on, CheckIn.instrument, CheckIn.phase)
Index(
    "ix_report_referrals_created",
    Referral.created_at,
    Referral.resource_id,
    Referral.status,
    Referral.id,
)
Index(
    "ix_report_outcome_answers",
    OutcomeAnswer.answered_on,
    OutcomeAnswer.needs_met,
    OutcomeAnswer.satisfaction,
)
Index("ix_report_referrals_session", Referral.session_id)


def _in_month(column: str) -> str:
    return f"({column} >= report_months.start_at AND {column} < report_months.end_at)"


def _session_months(session_id: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM support_sessions s WHERE s.id = "
        f"{session_id} AND {_in_month('s.started_at')})"
    )


def _episode_months(episode_id: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM support_sessions s WHERE s.episode_id = "
        f"{episode_id} AND {_in_month('s.started_at')})"
    )


def _opened_in(day: str) -> str:
    return f"({day} >= report_months.first_day AND {day} <= report_months.last_day)"


# (name, table, event, WHEN clause, rows of report_months to delete). Kept in this form
# so that the migration (which copies them) and create_all build the same triggers.
TRIGGERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("report_months_session_insert", "support_sessions", "INSERT", "", _in_month("NEW.started_at")),
    (
        "report_months_session_update",
        "support_sessions",
        "UPDATE OF id, started_at, withdrawn_at, episode_id",
        "",
        f"{_in_month('OLD.started_at')} OR {_in_month('NEW.started_at')}",
    ),
    ("report_months_session_delete", "support_sessions", "DELETE", "", _in_month("OLD.started_at")),
    (
        "report_months_attendance_insert",
        "session_attendance",
        "INSERT",
        "",
        _session_months("NEW.session_id"),
    ),
    (
        "report_months_attendance_update",
        "session_attendance",
        "UPDATE",
        "",
        f"{_session_months('OLD.session_id')} OR {_session_months('NEW.session_id')}",
    ),
    (
        "report_months_attendance_delete",
        "session_attendance",
        "DELETE",
        "",
        _session_months("OLD.session_id"),
    ),
    ("report_months_episode_insert", "episodes", "INSERT", "", _opened_in("NEW.opened_on")),
    (
        "report_months_episode_update",
        "episodes",
        "UPDATE OF id, participant_id, opened_on",
        "",
        f"{_opened_in('OLD.opened_on')} OR {_opened_in('NEW.opened_on')} OR "
        f"{_episode_months('OLD.id')} OR {_episode_months('NEW.id')}",
    ),
    (
        "report_months_episode_delete",
        "episodes",
        "DELETE",
        "",
        f"{_opened_in('OLD.opened_on')} OR {_episode_months('OLD.id')}",
    ),
)


def trigger_sql() -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {when} ON {table} "
        f"{('WHEN ' + cond + ' ') if cond else ''}"
        f"BEGIN DELETE FROM report_months WHERE {rows}; END"
        for name, table, when, cond, rows in TRIGGERS
    ]


# On the metadata, not the table: the triggers need the tables they watch to exist.
for _sql in trigger_sql():
    event.listen(
        Base.metadata, "after_create", DDL(_sql.replace("%", "%%")).execute_if(dialect="sqlite")
    )

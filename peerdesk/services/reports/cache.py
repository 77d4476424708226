"""The 12-month trend's figures of closed months, counted once and kept exact.

A month report prints contacts, people and new episodes for each of the last twelve
months; counted afresh, that reads a year of sessions (in a dense store, all of it) for
one month's report. `report_months` keeps these three figures for months already over.
Triggers delete a month's row in the same transaction as any write that could change it
(peerdesk/models/report_cache.py), so a row that exists is the count of the store as it
is; the report counts the months without a row and stores them. `verify` recounts every
row (check_months).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from peerdesk.models import ReportMonth
from peerdesk.models.base import utcnow
from peerdesk.models.report_cache import TRIGGERS
from peerdesk.services.reports.period import Period

MonthCount = tuple[int, int, int]  # contacts, people, new episodes
Counter = Callable[[Session, Period], MonthCount]


def _missing_triggers(s: Session) -> list[str]:
    present = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    return [name for name, *_ in TRIGGERS if name not in present]


def _usable(s: Session) -> bool:
    """Rows are read only while every trigger that keeps them exact is in place: they
    exist on SQLite only, and a later migration that rebuilds a watched table (Alembic's
    batch mode copies it) would drop that table's triggers with it."""
    return s.get_bind().dialect.name == "sqlite" and not _missing_triggers(s)


def month_counts(
    s: Session, months: list[Period], count: Counter, now: datetime
) -> list[MonthCount]:
    """Each month's figures: from report_months where the month is over and its row was
    counted with the same bounds (time zone), else counted now and, if over, stored."""
    if not _usable(s):
        return [count(s, m) for m in months]
    keys = [m.slug for m in months]
    rows = {r.month: r for r in s.scalars(select(ReportMonth).where(ReportMonth.month.in_(keys)))}
    out: list[MonthCount] = []
    fresh: list[tuple[Period, MonthCount]] = []
    for m in months:
        start, end = m.bounds()
        row = rows.get(m.slug)
        if row is not None and (row.start_at, row.end_at) == (start, end):
            out.append((row.contacts, row.people, row.new_episodes))
            continue
        figures = count(s, m)
        out.append(figures)
        if end <= now:  # a month still running changes with every session entered
            fresh.append((m, figures))
    if fresh:
        _store(s, fresh)
    return out


def _store(s: Session, fresh: list[tuple[Period, MonthCount]]) -> None:
    """Keep the months just counted, in the report's own transaction (so no write can
    come between the count and the row). If another connection wrote since the report
    began, SQLite refuses the write (the snapshot is stale): the rows are simply not
    kept this time, and the report is unchanged."""
    try:
        with s.begin_nested():
            s.execute(delete(ReportMonth).where(ReportMonth.month.in_([m.slug for m, _ in fresh])))
            for m, (contacts, people, episodes) in fresh:
                start, end = m.bounds()
                s.add(
                    ReportMonth(
                        month=m.slug,
                        start_at=start,
                        end_at=end,
                        first_day=m.start,
                        last_day=m.end,
                        contacts=contacts,
                        people=people,
                        new_episodes=episodes,
                        counted_at=utcnow(),
                    )
                )
    except OperationalError:
        pass


def check_months(s: Session, count: Counter) -> list[str]:
    """Recount every stored month; the rows that differ (none, unless something wrote
    around the triggers) are named and deleted, so the next report counts them again."""
    problems = []
    if s.get_bind().dialect.name == "sqlite" and (missing := _missing_triggers(s)):
        problems.append(
            "the triggers that keep the report's month figures exact are missing ("
            + ", ".join(missing)
            + "); reports count every month afresh until they are restored"
        )
    for row in list(s.scalars(select(ReportMonth).order_by(ReportMonth.month))):
        month = Period(row.first_day, row.last_day)
        if month.bounds() != (row.start_at, row.end_at):
            continue  # counted in another time zone: never used here
        stored = (row.contacts, row.people, row.new_episodes)
        actual = count(s, month)
        if stored != actual:
            problems.append(
                f"report figures kept for {row.month} were out of date "
                f"(contacts, people, new episodes {stored} instead of {actual}); "
                "they are counted again"
            )
            s.delete(row)
    return problems

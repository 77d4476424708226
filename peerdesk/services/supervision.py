"""Supervision: hours per supporter per month and the 'no supervision for N weeks' warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from peerdesk.models import SupervisionEntry, SupporterProfile
from peerdesk.services.auth import Actor
from peerdesk.services.scope import supporter_site
from peerdesk.services.store import Store


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


@dataclass(frozen=True)
class SupervisionStatus:
    supporter_id: str
    supporter_name: str
    minutes_this_month: int
    last_held_on: date | None
    overdue: bool  # none within the policy's number of weeks

    @property
    def hours_this_month(self) -> float:
        return round(self.minutes_this_month / 60, 1)


def supervision_status(store: Store, actor: Actor, today: date) -> list[SupervisionStatus]:
    """Active supporters' supervision this month and whether one is overdue (coordinator)."""
    actor.require("supporters.read", "see supervision for all supporters")
    weeks = store.policy.supervision_warning_weeks
    start, end = month_bounds(today)
    with store.session() as s:
        minutes = dict(
            s.execute(
                select(SupervisionEntry.supporter_id, func.sum(SupervisionEntry.minutes))
                .where(SupervisionEntry.held_on >= start, SupervisionEntry.held_on < end)
                .group_by(SupervisionEntry.supporter_id)
            ).all()
        )
        last = dict(
            s.execute(
                select(SupervisionEntry.supporter_id, func.max(SupervisionEntry.held_on))
                .where(SupervisionEntry.held_on <= today)
                .group_by(SupervisionEntry.supporter_id)
            ).all()
        )
        people = s.execute(
            select(SupporterProfile.id, SupporterProfile.display_name)
            .where(SupporterProfile.status == "active", supporter_site(actor))
            .order_by(SupporterProfile.display_name)
        ).all()
    cutoff = today - timedelta(weeks=weeks)
    return [
        SupervisionStatus(
            pid,
            name,
            int(minutes.get(pid) or 0),
            last.get(pid),
            last.get(pid) is None or last[pid] < cutoff,
        )
        for pid, name in people
    ]


def monthly_hours(
    store: Store, actor: Actor, supporter_id: str, months: int, today: date
) -> list[tuple[date, float]]:
    """Supervision hours per calendar month, oldest first, for one supporter."""
    if not (actor.can("supporters.read") or actor.supporter_id == supporter_id):
        actor.require("supporters.read", "see this supporter's supervision")
    out = []
    start, _ = month_bounds(today)
    firsts = []
    for _ in range(months):
        firsts.append(start)
        start = (start - timedelta(days=1)).replace(day=1)
    with store.session() as s:
        for first in reversed(firsts):
            _, end = month_bounds(first)
            total = s.scalar(
                select(func.coalesce(func.sum(SupervisionEntry.minutes), 0)).where(
                    SupervisionEntry.supporter_id == supporter_id,
                    SupervisionEntry.held_on >= first,
                    SupervisionEntry.held_on < end,
                )
            )
            out.append((first, round(int(total or 0) / 60, 1)))
    return out

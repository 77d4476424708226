"""Supporter load: caseload against capacity, sessions per week, and private well-being.

A supporter's own well-being check-ins are visible to that supporter alone; coordinators
get only counts (how many supporters checked in during a period), never scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from peerdesk.errors import PermissionDeniedError, ValidationError
from peerdesk.models import Episode, SupporterCheckIn, SupporterProfile, SupportSession
from peerdesk.services.auth import Actor
from peerdesk.services.checkins import score
from peerdesk.services.scope import supporter_site
from peerdesk.services.store import Store

WEEKS_FOR_RATE = 4


@dataclass(frozen=True)
class Load:
    supporter_id: str
    supporter_name: str
    status: str
    open_episodes: int
    capacity: int
    sessions_per_week: float  # average over the last four weeks

    @property
    def capacity_left(self) -> int:
        return self.capacity - self.open_episodes

    @property
    def over_capacity(self) -> bool:
        return self.open_episodes >= self.capacity > 0


def supporter_load(store: Store, actor: Actor, today: date) -> list[Load]:
    """Coordinators see everyone; a supporter sees their own line."""
    if not actor.can("supporters.read"):
        actor.require("supporters.read_self", "see supporter load")
    since = datetime.combine(today - timedelta(weeks=WEEKS_FOR_RATE), time.min)
    until = datetime.combine(today + timedelta(days=1), time.min)
    with store.session() as s:
        stmt = select(SupporterProfile).order_by(SupporterProfile.display_name)
        if not actor.can("supporters.read"):
            stmt = stmt.where(SupporterProfile.id == actor.supporter_id)
        else:
            stmt = stmt.where(supporter_site(actor))
        profiles = list(s.scalars(stmt))
        open_eps = dict(
            s.execute(
                select(Episode.supporter_id, func.count())
                .where(Episode.closed_on.is_(None))
                .group_by(Episode.supporter_id)
            ).all()
        )
        recent = dict(
            s.execute(
                select(SupportSession.supporter_id, func.count())
                .where(
                    SupportSession.started_at >= since,
                    SupportSession.started_at < until,
                    SupportSession.withdrawn_at.is_(None),
                )
                .group_by(SupportSession.supporter_id)
            ).all()
        )
    return [
        Load(
            p.id,
            p.display_name,
            p.status,
            int(open_eps.get(p.id, 0)),
            p.capacity,
            round(int(recent.get(p.id, 0)) / WEEKS_FOR_RATE, 1),
        )
        for p in profiles
    ]


@dataclass(frozen=True)
class OwnCheckIn:
    id: str
    instrument: str
    score: int
    taken_on: date


def record_own_wellbeing(
    store: Store, actor: Actor, instrument: str, answers: Sequence[int | None], taken_on: date
) -> OwnCheckIn:
    """A supporter's private check-in (WHO-5 or PSS-4) about themself."""
    if actor.supporter_id is None:
        raise PermissionDeniedError("only supporters record their own well-being check-in")
    total = score(instrument, answers)
    if taken_on > date.today() + timedelta(days=1):
        raise ValidationError("a check-in cannot be dated in the future")
    with store.session() as s:
        c = SupporterCheckIn(
            supporter_id=actor.supporter_id,
            instrument=instrument,
            answers=",".join(str(a) for a in answers),
            score=total,
            taken_on=taken_on,
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(c)
        s.flush()
        # The audit log records that one was made, never the score.
        store.audit(s, actor, "wellbeing.create", "supporter_checkin", c.id)
        return OwnCheckIn(c.id, c.instrument, c.score, c.taken_on)


def list_own_wellbeing(store: Store, actor: Actor) -> list[OwnCheckIn]:
    if actor.supporter_id is None:
        return []
    with store.session() as s:
        rows = s.scalars(
            select(SupporterCheckIn)
            .where(
                SupporterCheckIn.supporter_id == actor.supporter_id,
                SupporterCheckIn.created_by == actor.user_id,
            )
            .order_by(SupporterCheckIn.taken_on.desc())
        )
        return [OwnCheckIn(c.id, c.instrument, c.score, c.taken_on) for c in rows]


@dataclass(frozen=True)
class WellbeingCounts:
    check_ins: int
    supporters_checked_in: int
    active_supporters: int


def wellbeing_counts(store: Store, actor: Actor, start: date, end: date) -> WellbeingCounts:
    """Aggregate counts for a coordinator: how many check-ins, by how many supporters."""
    actor.require("supporters.read", "see supporter well-being counts")
    with store.session() as s:
        n, people = s.execute(
            select(
                func.count(SupporterCheckIn.id),
                func.count(func.distinct(SupporterCheckIn.supporter_id)),
            ).where(
                SupporterCheckIn.taken_on >= start,
                SupporterCheckIn.taken_on < end,
                SupporterCheckIn.supporter_id.in_(
                    select(SupporterProfile.id).where(supporter_site(actor))
                ),
            )
        ).one()
        active = s.scalar(
            select(func.count())
            .select_from(SupporterProfile)
            .where(SupporterProfile.status == "active", supporter_site(actor))
        )
    return WellbeingCounts(int(n or 0), int(people or 0), int(active or 0))

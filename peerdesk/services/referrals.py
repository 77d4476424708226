"""Closed-loop referrals: suggested -> made -> accepted/declined -> attended/no-show -> closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from peerdesk.errors import NotFoundError, ValidationError
from peerdesk.models import (
    Episode,
    Participant,
    Referral,
    ReferralStatusChange,
    Resource,
    SupportSession,
    new_id,
    utcnow,
)
from peerdesk.models.sealing import id_list, open_value, sealer_of
from peerdesk.services import record_versions
from peerdesk.services.auth import Actor
from peerdesk.services.record_ids import insert_once
from peerdesk.services.scope import episode_filter, is_program_wide
from peerdesk.services.store import Store
from peerdesk.services.text_rules import check_length

STATUSES = ("suggested", "made", "accepted", "declined", "attended", "no_show", "closed")
URGENCIES = ("routine", "soon", "urgent")
# Which status may follow which; "closed" ends the loop from anywhere.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "suggested": ("made", "declined", "closed"),
    "made": ("accepted", "declined", "closed"),
    "accepted": ("attended", "no_show", "closed"),
    "declined": ("closed",),
    "attended": ("closed",),
    "no_show": ("made", "closed"),
    "closed": (),
}
OPEN_STATUSES = ("suggested", "made", "accepted", "no_show")
# Every referral gets a follow-up date; without one given, by urgency.
FOLLOW_UP_DAYS = {"urgent": 2, "soon": 7, "routine": 14}


@dataclass(frozen=True)
class StatusChange:
    status: str
    changed_at: datetime
    changed_by: str | None
    note: str


@dataclass(frozen=True)
class ReferralInfo:
    id: str
    episode_id: str
    participant_code: str
    resource_id: str
    resource_name: str
    reason: str
    urgency: str
    warm_handoff: bool
    status: str
    follow_up_on: date | None
    created_at: datetime
    overdue: bool
    history: tuple[StatusChange, ...] = ()
    version: int = 1  # the record's version when read (services/record_versions.py)


def _base() -> Select:
    return (
        select(Referral, Participant.code, Resource.name)
        .join(Episode, Episode.id == Referral.episode_id)
        .join(Participant, Participant.id == Episode.participant_id)
        .join(Resource, Resource.id == Referral.resource_id)
    )


def _info(row, today: date, history: tuple[StatusChange, ...] = ()) -> ReferralInfo:  # noqa: ANN001
    r, code, res_name = row
    overdue = bool(r.status in OPEN_STATUSES and r.follow_up_on and r.follow_up_on < today)
    return ReferralInfo(
        r.id,
        r.episode_id,
        code,
        r.resource_id,
        res_name,
        r.reason,
        r.urgency,
        r.warm_handoff,
        r.status,
        r.follow_up_on,
        r.created_at,
        overdue,
        history,
        r.version,
    )


def create_referral(
    store: Store,
    actor: Actor,
    episode_id: str,
    resource_id: str,
    reason: str = "",
    urgency: str = "routine",
    warm_handoff: bool = False,
    follow_up_on: date | None = None,
    status: str = "made",
    session_id: str | None = None,
    at: datetime | None = None,
    record_id: str | None = None,
) -> ReferralInfo:
    """A new referral. With record_id (services/record_ids.py), a second call with the
    same id returns the referral the first call recorded."""
    if urgency not in URGENCIES:
        raise ValidationError(f"urgency must be one of: {', '.join(URGENCIES)}")
    if status not in ("suggested", "made"):
        raise ValidationError("a new referral starts as suggested or made")
    check_length(reason, "the reason for the referral", 300)

    def earlier(rid: str) -> ReferralInfo | None:
        with store.session() as s:
            r = s.get(Referral, rid)
            if r is None:
                return None
            if r.created_by != actor.user_id or r.episode_id != episode_id:
                raise ValidationError("this referral was recorded by someone else")
            return _info(s.execute(_base().where(Referral.id == rid)).one(), r.created_at.date())

    def insert() -> ReferralInfo:
        return _insert_referral(
            store, actor, episode_id, resource_id, reason, urgency, warm_handoff,
            follow_up_on, status, session_id, at, record_id,
        )  # fmt: skip

    return insert_once(record_id, earlier, insert)


def _insert_referral(
    store: Store,
    actor: Actor,
    episode_id: str,
    resource_id: str,
    reason: str,
    urgency: str,
    warm_handoff: bool,
    follow_up_on: date | None,
    status: str,
    session_id: str | None,
    at: datetime | None,
    record_id: str | None,
) -> ReferralInfo:
    with store.session() as s:
        if not s.scalar(select(Episode.id).where(Episode.id == episode_id, episode_filter(actor))):
            raise NotFoundError("no such episode, or it is not yours")
        if s.get(Resource, resource_id) is None:
            raise NotFoundError("no such resource in the directory")
        if session_id is not None and not s.scalar(
            select(SupportSession.id).where(
                SupportSession.id == session_id, SupportSession.episode_id == episode_id
            )
        ):
            raise ValidationError("the session named for this referral is not in its episode")
        when = (at or utcnow()).replace(microsecond=0)
        if follow_up_on is None:
            follow_up_on = when.date() + timedelta(days=FOLLOW_UP_DAYS[urgency])
        r = Referral(
            id=record_id or new_id(),
            episode_id=episode_id,
            resource_id=resource_id,
            reason=reason.strip(),
            urgency=urgency,
            warm_handoff=warm_handoff,
            status=status,
            follow_up_on=follow_up_on,
            session_id=session_id,
            created_at=when,
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(r)
        s.flush()
        s.add(
            ReferralStatusChange(
                referral_id=r.id, status=status, changed_at=when, created_by=actor.user_id
            )
        )
        store.audit(
            s,
            actor,
            "referral.create",
            "referral",
            r.id,
            {"status": status, "warm_handoff": warm_handoff},
        )
        return _info(s.execute(_base().where(Referral.id == r.id)).one(), when.date())


def move_referral(
    store: Store,
    actor: Actor,
    referral_id: str,
    status: str,
    note: str = "",
    at: datetime | None = None,
    version: int | None = None,
) -> ReferralInfo:
    """version: the referral's version when the person loaded it (ReferralInfo.version)."""
    check_length(note, "the note", 300)
    with store.session() as s:
        row = s.execute(_base().where(Referral.id == referral_id, episode_filter(actor))).first()
        if row is None:
            raise NotFoundError("no such referral, or it is not yours")
        r = row[0]
        record_versions.check(s, r, version)
        if status not in TRANSITIONS.get(r.status, ()):
            allowed = ", ".join(TRANSITIONS.get(r.status, ())) or "nothing (it is closed)"
            raise ValidationError(f"a referral that is {r.status} can move to: {allowed}")
        when = (at or utcnow()).replace(microsecond=0)
        r.status = status
        r.updated_by = actor.user_id
        s.add(
            ReferralStatusChange(
                referral_id=r.id,
                status=status,
                changed_at=when,
                note=note.strip(),
                created_by=actor.user_id,
            )
        )
        store.audit(s, actor, "referral.status", "referral", r.id, {"status": status})
        s.flush()
        return _info(s.execute(_base().where(Referral.id == r.id)).one(), when.date())


SORTABLE = {
    "created_at": Referral.created_at,
    "participant": Participant.code,
    "resource": Resource.name,
    "status": Referral.status,
    "urgency": Referral.urgency,
    "follow_up_on": Referral.follow_up_on,
}


def _filtered(
    s: Session, actor: Actor, status: str | None, episode_id: str | None, search: str
) -> Select:
    conds: list[ColumnElement[bool]] = []
    if status == "open":
        conds.append(Referral.status.in_(OPEN_STATUSES))
    elif status:
        conds.append(Referral.status == status)
    if episode_id:
        conds.append(Referral.episode_id == episode_id)
    stmt = _base().where(episode_filter(actor), *conds)
    term = search.strip()
    if term:
        in_clear = Participant.code.icontains(term, autoescape=True) | Resource.name.icontains(
            term, autoescape=True
        )
        reasons = _reasons_containing(s, actor, conds, term)
        stmt = stmt.where(in_clear | Referral.reason.in_(id_list(reasons)) if reasons else in_clear)
    return stmt


def _reasons_containing(
    s: Session, actor: Actor, conds: list[ColumnElement[bool]], search: str
) -> list[str]:
    """The stored reasons (within conds) whose text contains the term (any case), for SQL
    to filter on. Reasons may be sealed (models/sealing.py), so they are opened and matched
    here, sealed or not; participant codes and resource names are matched in SQL.

    Grouped by the stored value: plain reasons repeat ("Demo referral"), so each is matched
    once; sealed ones never repeat (a fresh nonce each), so each group is one referral and
    min(id) is the id it was sealed with."""
    term = search.casefold()
    sealer = sealer_of(s)
    query = select(Referral.reason, func.min(Referral.id)).where(*conds, Referral.reason != "")
    if not is_program_wide(actor):  # the join costs a seek per referral: only when it filters
        query = query.join(Episode, Episode.id == Referral.episode_id).where(episode_filter(actor))
    rows = s.execute(query.group_by(Referral.reason))
    return [
        stored
        for stored, rid in rows
        if term in open_value(sealer, "referrals", "reason", rid, stored).casefold()
    ]


def list_referrals(
    store: Store,
    actor: Actor,
    status: str | None = None,
    episode_id: str | None = None,
    today: date | None = None,
    offset: int = 0,
    limit: int = 500,
    search: str = "",
    order_by: str = "created_at",
    descending: bool = True,
) -> list[ReferralInfo]:
    """Referrals the actor may see; status "open" means not yet at the end of the loop."""
    col = SORTABLE.get(order_by, Referral.created_at)
    day = today or date.today()
    with store.session() as s:
        stmt = (
            _filtered(s, actor, status, episode_id, search)
            .order_by(col.desc() if descending else col.asc(), Referral.id)
            .offset(offset)
            .limit(limit)
        )
        return [_info(r, day) for r in s.execute(stmt)]


def count_referrals(
    store: Store,
    actor: Actor,
    status: str | None = None,
    episode_id: str | None = None,
    search: str = "",
) -> int:
    with store.session() as s:
        sub = _filtered(s, actor, status, episode_id, search).subquery()
        return int(s.scalar(select(func.count()).select_from(sub)) or 0)


def get_referral(store: Store, actor: Actor, referral_id: str) -> ReferralInfo:
    with store.session() as s:
        row = s.execute(_base().where(Referral.id == referral_id, episode_filter(actor))).first()
        if row is None:
            raise NotFoundError("no such referral, or it is not yours")
        history = tuple(
            StatusChange(h.status, h.changed_at, h.created_by, h.note)
            for h in s.scalars(
                select(ReferralStatusChange)
                .where(ReferralStatusChange.referral_id == referral_id)
                .order_by(ReferralStatusChange.changed_at)
            )
        )
        return _info(row, date.today(), history)

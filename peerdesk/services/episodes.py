"""Support episodes: opened for a participant, assigned to a supporter, closed at the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from peerdesk.errors import NotFoundError, PermissionDeniedError, ValidationError
from peerdesk.models import Episode, Participant, SupporterProfile, SupportSession, new_id
from peerdesk.services import record_versions
from peerdesk.services.auth import Actor
from peerdesk.services.record_ids import insert_once
from peerdesk.services.scope import (
    episode_filter,
    is_program_wide,
    one_site,
    participant_filter,
)
from peerdesk.services.store import Store
from peerdesk.services.text_rules import check_length

RISK_LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class EpisodeInfo:
    id: str
    participant_id: str
    participant_code: str
    supporter_id: str | None
    supporter_name: str
    reason: str
    opened_on: date
    closed_on: date | None
    risk_level: str
    session_count: int
    series_length: int = 3
    lived_experience_wanted: str = ""
    version: int = 1  # the record's version when read (services/record_versions.py)


def _same_site_supporter(s: Session, participant_id: str, supporter_id: str) -> bool:
    """A supporter takes episodes of participants of their own site only."""
    site = select(Participant.site_id).where(Participant.id == participant_id).scalar_subquery()
    found = s.scalar(
        select(SupporterProfile.id).where(
            SupporterProfile.id == supporter_id,
            or_(one_site(), SupporterProfile.site_id.is_not_distinct_from(site)),
        )
    )
    return found is not None


def _select():  # noqa: ANN202 - a SQLAlchemy Select of several entities
    sessions = (
        select(func.count())
        .where(SupportSession.episode_id == Episode.id, SupportSession.withdrawn_at.is_(None))
        .correlate(Episode)
        .scalar_subquery()
    )
    return (
        select(Episode, Participant.code, SupporterProfile.display_name, sessions)
        .join(Participant, Participant.id == Episode.participant_id)
        .outerjoin(SupporterProfile, SupporterProfile.id == Episode.supporter_id)
    )


def _info(row) -> EpisodeInfo:  # noqa: ANN001
    e, code, sup_name, count = row
    return EpisodeInfo(
        e.id,
        e.participant_id,
        code,
        e.supporter_id,
        sup_name or "",
        e.reason,
        e.opened_on,
        e.closed_on,
        e.risk_level,
        int(count or 0),
        e.series_length or 3,
        e.lived_experience_wanted,
        e.version,
    )


def open_episode(
    store: Store,
    actor: Actor,
    participant_id: str,
    reason: str,
    supporter_id: str | None = None,
    opened_on: date | None = None,
    risk_level: str = "low",
    lived_experience_wanted: str = "",
    record_id: str | None = None,
) -> EpisodeInfo:
    """A new support episode. With record_id (services/record_ids.py), a second call with
    the same id returns the episode the first call opened."""
    if risk_level not in RISK_LEVELS:
        raise ValidationError(f"risk level must be one of: {', '.join(RISK_LEVELS)}")
    if not reason.strip():
        raise ValidationError("say why support was sought")
    check_length(reason, "the reason for support", 100)
    if not is_program_wide(actor):
        # A supporter opens episodes for themself only.
        if supporter_id not in (None, actor.supporter_id) or actor.supporter_id is None:
            raise PermissionDeniedError("only a coordinator can assign another supporter")
        supporter_id = actor.supporter_id

    def earlier(eid: str) -> EpisodeInfo | None:
        with store.session() as s:
            e = s.get(Episode, eid)
            if e is None:
                return None
            if e.created_by != actor.user_id or e.participant_id != participant_id:
                raise ValidationError("this episode was opened by someone else")
            return _info(s.execute(_select().where(Episode.id == eid)).one())

    def insert() -> EpisodeInfo:
        return _insert_episode(
            store, actor, participant_id, reason, supporter_id, opened_on, risk_level,
            lived_experience_wanted, record_id,
        )  # fmt: skip

    return insert_once(record_id, earlier, insert)


def _insert_episode(
    store: Store,
    actor: Actor,
    participant_id: str,
    reason: str,
    supporter_id: str | None,
    opened_on: date | None,
    risk_level: str,
    lived_experience_wanted: str,
    record_id: str | None,
) -> EpisodeInfo:
    with store.session() as s:
        if not s.scalar(
            select(Participant.id).where(
                Participant.id == participant_id, participant_filter(actor)
            )
        ):
            raise NotFoundError("no such participant, or it is not yours to see")
        if supporter_id and not _same_site_supporter(s, participant_id, supporter_id):
            raise NotFoundError("no such supporter at this participant's site")
        e = Episode(
            id=record_id or new_id(),
            participant_id=participant_id,
            supporter_id=supporter_id,
            reason=reason.strip(),
            opened_on=opened_on or date.today(),
            risk_level=risk_level,
            lived_experience_wanted=lived_experience_wanted.strip(),
            series_length=store.policy.series_length,
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(e)
        s.flush()
        store.audit(s, actor, "episode.open", "episode", e.id)
        return _info(s.execute(_select().where(Episode.id == e.id)).one())


def assign_episode(
    store: Store, actor: Actor, episode_id: str, supporter_id: str, version: int | None = None
) -> None:
    actor.require("casework.program", "assign episodes")
    with store.session() as s:
        e = s.scalar(select(Episode).where(Episode.id == episode_id, episode_filter(actor)))
        if e is None:
            raise NotFoundError("no such episode")
        record_versions.check(s, e, version)
        if not _same_site_supporter(s, e.participant_id, supporter_id):
            raise NotFoundError("no such supporter at this participant's site")
        e.supporter_id = supporter_id
        e.updated_by = actor.user_id
        store.audit(s, actor, "episode.assign", "episode", e.id, {"supporter_id": supporter_id})


def close_episode(
    store: Store,
    actor: Actor,
    episode_id: str,
    closed_on: date | None = None,
    version: int | None = None,
) -> None:
    with store.session() as s:
        e = s.scalar(select(Episode).where(Episode.id == episode_id, episode_filter(actor)))
        if e is None:
            raise NotFoundError("no such episode, or it is not yours")
        record_versions.check(s, e, version)
        if e.closed_on is not None:
            raise ValidationError("this episode is already closed")
        e.closed_on = closed_on or date.today()
        e.updated_by = actor.user_id
        store.audit(s, actor, "episode.close", "episode", e.id)


def list_episodes(
    store: Store,
    actor: Actor,
    participant_id: str | None = None,
    open_only: bool = False,
    offset: int = 0,
    limit: int = 200,
    unassigned_only: bool = False,
) -> list[EpisodeInfo]:
    """Episodes the actor may see; unassigned_only: open ones waiting for a supporter."""
    stmt = _select().where(episode_filter(actor))
    if participant_id:
        stmt = stmt.where(Episode.participant_id == participant_id)
    if open_only or unassigned_only:
        stmt = stmt.where(Episode.closed_on.is_(None))
    if unassigned_only:
        stmt = stmt.where(Episode.supporter_id.is_(None))
    stmt = stmt.order_by(Episode.opened_on.desc(), Episode.id).offset(offset).limit(limit)
    with store.session() as s:
        return [_info(r) for r in s.execute(stmt)]


def get_episode(store: Store, actor: Actor, episode_id: str) -> EpisodeInfo:
    with store.session() as s:
        row = s.execute(_select().where(Episode.id == episode_id, episode_filter(actor))).first()
        if row is None:
            raise NotFoundError("no such episode, or it is not yours to see")
        return _info(row)

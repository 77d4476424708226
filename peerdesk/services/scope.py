"""Which casework rows an actor may see. Used by every casework service."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from peerdesk.models import Episode, Participant, SupportSession
from peerdesk.services.auth import Actor


def require_casework(actor: Actor) -> None:
    actor.require_any(("casework.own", "casework.program"), "see participant records")


def is_program_wide(actor: Actor) -> bool:
    return actor.can("casework.program")


def episode_filter(actor: Actor) -> ColumnElement[bool]:
    require_casework(actor)
    if is_program_wide(actor):
        return true()
    if actor.supporter_id is None:
        return false()
    return Episode.supporter_id == actor.supporter_id


def participant_filter(actor: Actor) -> ColumnElement[bool]:
    require_casework(actor)
    if is_program_wide(actor):
        return true()
    own_episodes = select(Episode.participant_id).where(episode_filter(actor))
    # Whoever added a participant sees them until an episode exists; after that, only
    # the supporter the episode belongs to (a reassignment moves the participant too).
    any_episode = select(Episode.participant_id)
    return or_(
        Participant.id.in_(own_episodes),
        (Participant.created_by == actor.user_id) & Participant.id.not_in(any_episode),
    )


def session_filter(actor: Actor) -> ColumnElement[bool]:
    require_casework(actor)
    if is_program_wide(actor):
        return true()
    own_episodes = select(Episode.id).where(episode_filter(actor))
    if actor.supporter_id is None:
        return false()
    return or_(
        SupportSession.supporter_id == actor.supporter_id,
        SupportSession.episode_id.in_(own_episodes),
    )


def may_read_notes(actor: Actor, session_row: SupportSession) -> bool:
    """Private notes belong to their author alone (emergency access excepted)."""
    return actor.emergency or (
        actor.user_id is not None and session_row.created_by == actor.user_id
    )

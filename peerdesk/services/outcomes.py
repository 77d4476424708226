"""Were the person's needs met? Asked at the end of a structured series and when an episode
closes, with an optional satisfaction rating. Programs report both monthly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from peerdesk.errors import NotFoundError, ValidationError
from peerdesk.models import Episode, OutcomeAnswer, SupportSession
from peerdesk.services import record_versions
from peerdesk.services.auth import Actor
from peerdesk.services.scope import episode_filter
from peerdesk.services.store import Store

NEEDS_MET = ("yes", "partly", "no", "not_asked")
NEEDS_MET_LABELS = {
    "yes": "needs met",
    "partly": "needs partly met",
    "no": "needs not met",
    "not_asked": "not asked",
}
SATISFACTION = {
    1: "very dissatisfied",
    2: "dissatisfied",
    3: "neither",
    4: "satisfied",
    5: "very satisfied",
}


@dataclass(frozen=True)
class OutcomeInfo:
    id: str
    episode_id: str
    session_id: str | None
    answered_on: date
    needs_met: str
    satisfaction: int | None
    version: int = 1  # the record's version when read (services/record_versions.py)


def _check(needs_met: str, satisfaction: int | None, answered_on: date) -> None:
    if needs_met not in NEEDS_MET:
        raise ValidationError(f"needs met is one of: {', '.join(NEEDS_MET)}")
    if satisfaction is not None and (
        isinstance(satisfaction, bool)
        or not isinstance(satisfaction, int)
        or satisfaction not in SATISFACTION
    ):
        raise ValidationError("satisfaction is a whole number from 1 to 5, or left out")
    if needs_met == "not_asked" and satisfaction is not None:
        raise ValidationError("a satisfaction rating needs the question to have been asked")
    if answered_on > date.today():
        raise ValidationError("the answer's date is in the future")


def record_outcome(
    store: Store,
    actor: Actor,
    episode_id: str,
    needs_met: str,
    satisfaction: int | None = None,
    session_id: str | None = None,
    answered_on: date | None = None,
    version: int | None = None,
) -> OutcomeInfo:
    """One answer per series end (session_id) or episode close; asking again replaces it.
    version: the answer's version when the form showed it, when replacing one."""
    actor.require_any(("casework.own", "casework.program"), "record outcomes")
    on = answered_on or date.today()
    _check(needs_met, satisfaction, on)
    with store.session() as s:
        if not s.scalar(select(Episode.id).where(Episode.id == episode_id, episode_filter(actor))):
            raise NotFoundError("no such episode, or it is not yours")
        if session_id is not None:
            ss = s.get(SupportSession, session_id)
            if ss is None or ss.episode_id != episode_id:
                raise NotFoundError("no such session in this episode")
        row = s.scalar(
            select(OutcomeAnswer).where(
                OutcomeAnswer.episode_id == episode_id,
                OutcomeAnswer.session_id.is_(None)
                if session_id is None
                else OutcomeAnswer.session_id == session_id,
            )
        )
        if row is not None:
            record_versions.check(s, row, version)
        else:
            row = OutcomeAnswer(
                episode_id=episode_id, session_id=session_id, created_by=actor.user_id
            )
            s.add(row)
        row.needs_met, row.satisfaction, row.answered_on = needs_met, satisfaction, on
        row.updated_by = actor.user_id
        s.flush()
        store.audit(
            s,
            actor,
            "outcome.record",
            "episode",
            episode_id,
            {"needs_met": needs_met, "rated": satisfaction is not None},
        )
        return _info(row)


def _info(o: OutcomeAnswer) -> OutcomeInfo:
    return OutcomeInfo(
        o.id, o.episode_id, o.session_id, o.answered_on, o.needs_met, o.satisfaction, o.version
    )


def list_outcomes(store: Store, actor: Actor, episode_id: str) -> list[OutcomeInfo]:
    with store.session() as s:
        rows = s.scalars(
            select(OutcomeAnswer)
            .join(Episode, Episode.id == OutcomeAnswer.episode_id)
            .where(OutcomeAnswer.episode_id == episode_id, episode_filter(actor))
            .order_by(OutcomeAnswer.answered_on, OutcomeAnswer.created_at)
        )
        return [_info(o) for o in rows]

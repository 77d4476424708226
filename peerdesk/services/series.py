"""Structured series: "session k of N", the referral prompt, and check-ins that are due.

At the last session of a series, and whenever a safety flag is raised, the supporter is
asked to consider a referral; the answer (referred, not needed, declined by the
participant) is stored on the session. "Decide later" is stored too (as "later"): the
question stays open, shows on Today and in the episode timeline, and is answered later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from peerdesk.errors import NotFoundError, PermissionDeniedError, ValidationError
from peerdesk.models import (
    CheckIn,
    Episode,
    Participant,
    SupporterProfile,
    SupportSession,
    utcnow,
)
from peerdesk.services.auth import Actor
from peerdesk.services.scope import is_program_wide, may_read_notes, session_filter
from peerdesk.services.store import Store

DECISIONS = ("referred", "not_needed", "declined")
LATER = "later"  # the question was put off: still open, not an answer
DECISION_LABELS = {
    "referred": "referred",
    "not_needed": "referral not needed",
    "declined": "participant declined a referral",
    LATER: "referral question open (decide later)",
}


@dataclass(frozen=True)
class SeriesPosition:
    session_id: str
    episode_id: str
    index: int  # 1-based among the episode's sessions that are not withdrawn
    length: int  # sessions in a series

    @property
    def series_number(self) -> int:
        return (self.index - 1) // self.length + 1

    @property
    def index_in_series(self) -> int:
        return (self.index - 1) % self.length + 1

    @property
    def ends_series(self) -> bool:
        return self.index_in_series == self.length

    @property
    def label(self) -> str:
        text = f"session {self.index_in_series} of {self.length}"
        return text if self.series_number == 1 else f"{text} (series {self.series_number})"


@dataclass(frozen=True)
class ReferralPrompt:
    session_id: str
    episode_id: str
    reasons: tuple[str, ...]  # e.g. "safety flag raised", "last session of the series"
    decision: str | None  # already answered? ("later" is not an answer)

    @property
    def is_open(self) -> bool:
        return self.decision is None or self.decision == LATER


@dataclass(frozen=True)
class OpenQuestion:
    """A referral question the supporter put off ("Decide later")."""

    session_id: str
    episode_id: str
    participant_code: str
    supporter_name: str
    started_at: datetime
    safety_flag: bool
    put_off_at: datetime | None
    is_mine: bool  # only the session's author answers it

    @property
    def id(self) -> str:
        return self.session_id


def series_position(store: Store, actor: Actor, session_id: str) -> SeriesPosition:
    with store.session() as s:
        ss = s.scalar(
            select(SupportSession).where(SupportSession.id == session_id, session_filter(actor))
        )
        if ss is None:
            raise NotFoundError("no such session, or it is not yours to see")
        ep = s.get(Episode, ss.episode_id)
        assert ep is not None
        earlier = s.scalar(
            select(func.count())
            .select_from(SupportSession)
            .where(
                SupportSession.episode_id == ss.episode_id,
                SupportSession.withdrawn_at.is_(None),
                (SupportSession.started_at < ss.started_at)
                | (
                    (SupportSession.started_at == ss.started_at)
                    & (SupportSession.created_at < ss.created_at)
                ),
            )
        )
        length = ep.series_length or store.policy.series_length
        return SeriesPosition(ss.id, ss.episode_id, int(earlier or 0) + 1, length)


def referral_prompt(store: Store, actor: Actor, session_id: str) -> ReferralPrompt | None:
    """Whether to ask the supporter about a referral after saving this session."""
    pos = series_position(store, actor, session_id)
    with store.session() as s:
        ss = s.get(SupportSession, session_id)
        assert ss is not None
        reasons = []
        if ss.safety_flag:
            reasons.append("safety flag raised")
        if pos.ends_series:
            reasons.append(f"last session of the series ({pos.label})")
        if not reasons:
            return None
        return ReferralPrompt(ss.id, ss.episode_id, tuple(reasons), ss.referral_decision)


def record_referral_decision(
    store: Store, actor: Actor, session_id: str, decision: str, referral_id: str | None = None
) -> None:
    """Store the supporter's answer to the referral prompt (the session's author only).

    decision "later" records that the question was put off; a real answer replaces it.
    """
    if decision not in (*DECISIONS, LATER):
        raise ValidationError(f"the answer must be one of: {', '.join(DECISIONS)}")
    if decision == "referred" and not referral_id:
        raise ValidationError("record the referral itself before answering 'referred'")
    with store.session() as s:
        ss = s.get(SupportSession, session_id)
        if ss is None or not may_read_notes(actor, ss):
            raise PermissionDeniedError("only the session's author answers its referral prompt")
        if decision == LATER and ss.referral_decision not in (None, LATER):
            return  # already answered; putting it off again changes nothing
        ss.referral_decision = decision
        ss.referral_decision_at = utcnow().replace(microsecond=0)
        ss.updated_by = actor.user_id
        detail = {"decision": decision}
        if referral_id:
            detail["referral_id"] = referral_id
        store.audit(s, actor, "session.referral_decision", "session", ss.id, detail)


def checkins_due(store: Store, actor: Actor, episode_id: str, closing: bool = False) -> list[str]:
    """Which check-ins the episode still needs: 'before' at the first session, 'after' at
    the last (the end of a series, or when the episode is being closed)."""
    from peerdesk.services.scope import episode_filter

    with store.session() as s:
        ep = s.scalar(select(Episode).where(Episode.id == episode_id, episode_filter(actor)))
        if ep is None:
            raise NotFoundError("no such episode, or it is not yours to see")
        phases = set(s.scalars(select(CheckIn.phase).where(CheckIn.episode_id == episode_id)))
        count = int(
            s.scalar(
                select(func.count())
                .select_from(SupportSession)
                .where(
                    SupportSession.episode_id == episode_id, SupportSession.withdrawn_at.is_(None)
                )
            )
            or 0
        )
        length = ep.series_length or store.policy.series_length
    due = []
    if "before" not in phases:
        due.append("before")
    at_end = closing or (count > 0 and count % length == 0)
    if at_end and count > 1 and "after" not in phases:
        due.append("after")
    return due


def open_questions(store: Store, actor: Actor, limit: int = 50) -> tuple[list[OpenQuestion], int]:
    """Referral questions put off with "Decide later", oldest session first.

    A supporter sees their own; a coordinator sees the program's (to follow up with the
    supporter; only the author answers). Withdrawn sessions drop out.
    """
    if not actor.can("casework.own") and not actor.can("casework.program"):
        return [], 0
    where = [
        session_filter(actor),
        SupportSession.referral_decision == LATER,
        SupportSession.withdrawn_at.is_(None),
    ]
    if not is_program_wide(actor):
        where.append(SupportSession.supporter_id == actor.supporter_id)
    stmt = (
        select(SupportSession, Participant.code, SupporterProfile.display_name)
        .join(Episode, Episode.id == SupportSession.episode_id)
        .join(Participant, Participant.id == Episode.participant_id)
        .join(SupporterProfile, SupporterProfile.id == SupportSession.supporter_id)
        .where(*where)
    )
    with store.session() as s:
        total = int(s.scalar(select(func.count(SupportSession.id)).where(*where)) or 0)
        rows = s.execute(
            stmt.order_by(SupportSession.started_at, SupportSession.id).limit(limit)
        ).all()
        items = [
            OpenQuestion(
                ss.id,
                ss.episode_id,
                code,
                name,
                ss.started_at,
                ss.safety_flag,
                ss.referral_decision_at,
                actor.user_id is not None and ss.created_by == actor.user_id,
            )
            for ss, code, name in rows
        ]
    return items, total

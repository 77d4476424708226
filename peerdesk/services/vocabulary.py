"""Suggested words for form fields: concerns, roles and reasons for support."""

from __future__ import annotations

from sqlalchemy import select

from peerdesk.models import SessionConcern, SupportSession
from peerdesk.services.auth import Actor
from peerdesk.services.scope import session_filter
from peerdesk.services.store import Store

COMMON_CONCERNS = (
    "adverse event",
    "patient death",
    "burnout",
    "conflict",
    "moral distress",
    "workload",
    "grief",
    "anxiety",
    "housing",
    "substance use",
    "family",
    "isolation",
    "employment",
    "medication",
    "recovery goals",
)

COMMON_REASONS = (
    "adverse event",
    "patient death",
    "burnout",
    "workplace conflict",
    "recovery support",
    "caregiver strain",
    "transition of care",
)


def concern_suggestions(store: Store, actor: Actor, limit: int = 200) -> list[str]:
    """The common concerns plus those already used in sessions the actor may see."""
    if not (actor.can("casework.own") or actor.can("casework.program")):
        return sorted(COMMON_CONCERNS)
    with store.session() as s:
        used = s.scalars(
            select(SessionConcern.concern)
            .distinct()
            .join(SupportSession, SupportSession.id == SessionConcern.session_id)
            .where(session_filter(actor))
            .limit(limit)
        ).all()
    return sorted(set(COMMON_CONCERNS) | set(used))

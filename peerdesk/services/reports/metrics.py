"""Program metrics the monthly report carries besides contacts: were needs met and how
satisfied people were, what followed a safety concern, and how long people waited from
asking for support to the first contact. Counts only: the tables suppress small cells."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from statistics import median

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from peerdesk.models import Episode, OutcomeAnswer, Referral, SupportSession
from peerdesk.services.outcomes import NEEDS_MET
from peerdesk.services.reports.period import Period
from peerdesk.services.scope import EVERY_SITE, SiteScope

# What followed a session with a safety flag: its referral question's answer.
SAFETY_OUTCOMES = ("referred", "declined", "not_needed", "open")
FIRST_CONTACT_BANDS = ("same_day", "1_2", "3_7", "8_14", "15_plus")


@dataclass(frozen=True)
class ProgramMetrics:
    needs_met: dict[str, int] = field(default_factory=dict)  # NEEDS_MET -> answers
    satisfaction: dict[int, int] = field(default_factory=dict)  # 1..5 -> answers
    safety: dict[str, int] = field(default_factory=dict)  # SAFETY_OUTCOMES -> flagged sessions
    urgent_referrals_after_flag: int = 0  # urgent or warm hand-off, made from flagged sessions
    first_contact: dict[str, int] = field(default_factory=dict)  # band -> episodes
    first_contact_median_days: float | None = None


def _band(days: int) -> str:
    if days <= 0:
        return "same_day"
    if days <= 2:
        return "1_2"
    if days <= 7:
        return "3_7"
    if days <= 14:
        return "8_14"
    return "15_plus"


def program_metrics(s: Session, period: Period, w: SiteScope = EVERY_SITE) -> ProgramMetrics:
    start, end = period.bounds()
    answered = and_(
        OutcomeAnswer.answered_on >= period.start,
        OutcomeAnswer.answered_on <= period.end,
        w.of_episode(OutcomeAnswer.episode_id),
    )
    needs = dict.fromkeys(NEEDS_MET, 0)
    for code, n in s.execute(
        select(OutcomeAnswer.needs_met, func.count())
        .where(answered)
        .group_by(OutcomeAnswer.needs_met)
    ):
        needs[code] = needs.get(code, 0) + int(n)
    satisfaction = dict.fromkeys(range(1, 6), 0)
    for value, n in s.execute(
        select(OutcomeAnswer.satisfaction, func.count())
        .where(answered, OutcomeAnswer.satisfaction.is_not(None))
        .group_by(OutcomeAnswer.satisfaction)
    ):
        satisfaction[int(value)] = int(n)

    flagged = and_(
        SupportSession.safety_flag.is_(True),
        SupportSession.started_at >= start,
        SupportSession.started_at < end,
        SupportSession.withdrawn_at.is_(None),
        w.sessions(),
    )
    safety = dict.fromkeys(SAFETY_OUTCOMES, 0)
    for decision, n in s.execute(
        select(SupportSession.referral_decision, func.count())
        .where(flagged)
        .group_by(SupportSession.referral_decision)
    ):
        key = decision if decision in SAFETY_OUTCOMES else "open"  # unanswered or "later"
        safety[key] += int(n)
    urgent = int(
        s.scalar(
            select(func.count())
            .select_from(Referral)
            .join(SupportSession, SupportSession.id == Referral.session_id)
            .where(flagged, (Referral.urgency == "urgent") | Referral.warm_handoff.is_(True))
        )
        or 0
    )

    # Episodes whose first contact falls in the period: days since the episode was opened.
    # The first contact is in the period when the episode has a contact in it and none
    # before it; read that way, only the period's sessions (and each of their episodes'
    # earlier ones, through ix_report_sessions_episode) are looked at, not the store.
    first = (
        select(
            SupportSession.episode_id.label("eid"),
            func.min(SupportSession.started_at).label("first_at"),
        )
        .where(
            SupportSession.started_at >= start,
            SupportSession.started_at < end,
            SupportSession.withdrawn_at.is_(None),
            w.sessions(),
        )
        .group_by(SupportSession.episode_id)
        .subquery()
    )
    earlier = (
        exists()
        .where(
            SupportSession.episode_id == first.c.eid,
            SupportSession.started_at < start,
            SupportSession.withdrawn_at.is_(None),
        )
        .correlate(first)
    )
    waits: list[int] = []
    for opened_on, first_at in s.execute(
        select(Episode.opened_on, first.c.first_at)
        .join(first, first.c.eid == Episode.id)
        .where(~earlier)  # once per episode, not once per session
    ):
        # Stored times are naive UTC; the episode's opening day is a local calendar day.
        first_day = first_at.replace(tzinfo=UTC).astimezone().date()
        waits.append(max(0, (first_day - opened_on).days))
    bands = dict.fromkeys(FIRST_CONTACT_BANDS, 0)
    for days in waits:
        bands[_band(days)] += 1
    return ProgramMetrics(
        needs_met=needs,
        satisfaction=satisfaction,
        safety=safety,
        urgent_referrals_after_flag=urgent,
        first_contact=bands,
        first_contact_median_days=float(median(waits)) if waits else None,
    )

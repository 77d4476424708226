"""What needs attention today: follow-ups, referrals waiting, recent work, supporter alerts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from peerdesk.models import (
    AuditEvent,
    Episode,
    Participant,
    SupporterProfile,
    SupportSession,
    User,
)
from peerdesk.services import accounts, referrals, series
from peerdesk.services.auth import Actor
from peerdesk.services.scope import is_program_wide, session_filter
from peerdesk.services.store import Store
from peerdesk.services.supervision import supervision_status
from peerdesk.services.supporter_load import supporter_load
from peerdesk.services.training import EXPIRING, LAPSED, MISSING, compute_overview

DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class FollowUp:
    session_id: str
    episode_id: str
    participant_code: str
    supporter_name: str
    due_on: date
    overdue_days: int  # 0 = due today, negative = due in the future


@dataclass(frozen=True)
class WaitingReferral:
    id: str
    episode_id: str
    participant_code: str
    resource_name: str
    status: str
    urgency: str
    follow_up_on: date | None
    overdue: bool


@dataclass(frozen=True)
class Attention:
    supporter_id: str
    supporter_name: str
    kind: str  # expired | expiring | missing_course | supervision | capacity
    text: str  # a sentence with no participant data
    due_on: date | None = None


@dataclass(frozen=True)
class AdminChange:
    """An administrator's account change that every coordinator sees for a while."""

    seq: int
    at: datetime  # naive UTC
    by: str  # "Admin (admin)", or "recovery-key" for emergency access
    action: str
    text: str  # "added account coord2 (coordinator)"


# Account creation, role changes and re-enabling stay on every coordinator's Today this long.
ADMIN_WATCH_DAYS = 30
WATCHED_ACTIONS = (
    "account.create",
    "account.enable",
    "account.role_change",
    "account.site_change",  # another site's program data comes with it
)


def admin_changes(store: Store, actor: Actor, day: date) -> list[AdminChange]:
    """Accounts added, re-enabled or given another role since day - ADMIN_WATCH_DAYS,
    newest first, for coordinators and administrators (admins are watched)."""
    if not actor.can("audit.read"):
        return []
    since = datetime.combine(day - timedelta(days=ADMIN_WATCH_DAYS), datetime.min.time())
    with store.session() as s:
        return watched_changes(s, since)


def watched_changes(s: Session, since: datetime) -> list[AdminChange]:
    events = s.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(WATCHED_ACTIONS), AuditEvent.at >= since)
        .order_by(AuditEvent.seq.desc())
        .limit(200)
    ).all()
    ids = {e.target_id for e in events} | {e.actor_id for e in events if e.actor_id}
    users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(ids))).all()}
    out = []
    for e in events:
        who = users.get(e.actor_id or "")
        by = f"{who.display_name} ({who.username})" if who else e.actor_name
        target = users.get(e.target_id)
        name = target.username if target else "an account"
        try:
            detail = json.loads(e.detail or "{}")
        except ValueError:
            detail = {}
        role = detail.get("role") if isinstance(detail, dict) else None
        if e.action == "account.create":
            text = f"added account {name}" + (f" ({role})" if role else "")
        elif e.action == "account.enable":
            text = f"re-enabled account {name}"
        elif e.action == "account.site_change" and isinstance(detail, dict):
            text = f"moved account {name} to {detail.get('site', 'another site')}"
        else:
            text = f"changed the role of {name}" + (f" to {role}" if role else "")
        out.append(AdminChange(e.seq, e.at, by, e.action, text))
    return out


@dataclass(frozen=True)
class TodaySummary:
    day: date
    follow_ups: list[FollowUp] = field(default_factory=list)
    follow_ups_total: int = 0
    follow_ups_overdue: int = 0
    referrals: list[WaitingReferral] = field(default_factory=list)
    referrals_total: int = 0
    attention: list[Attention] = field(default_factory=list)
    locked_accounts: list[str] = field(default_factory=list)
    # Referral questions put off with "Decide later", still to be answered.
    open_questions: list[series.OpenQuestion] = field(default_factory=list)
    open_questions_total: int = 0
    # Account changes by administrators in the last ADMIN_WATCH_DAYS (coordinators, admins).
    admin_changes: list[AdminChange] = field(default_factory=list)


def follow_ups(
    store: Store, actor: Actor, day: date, limit: int = 50
) -> tuple[list[FollowUp], int, int]:
    """Follow-ups not yet done that are due by day + DUE_SOON_DAYS, overdue first.

    A supporter sees their own; a coordinator sees the program's.
    """
    if not actor.can("casework.own") and not actor.can("casework.program"):
        return [], 0, 0
    horizon = day + timedelta(days=DUE_SOON_DAYS)
    where = [
        session_filter(actor),
        SupportSession.follow_up_on.is_not(None),
        SupportSession.follow_up_on <= horizon,
        SupportSession.follow_up_done_on.is_(None),
        SupportSession.withdrawn_at.is_(None),
    ]
    if not is_program_wide(actor):
        where.append(SupportSession.supporter_id == actor.supporter_id)
    stmt = (
        select(
            SupportSession.id,
            SupportSession.episode_id,
            Participant.code,
            SupporterProfile.display_name,
            SupportSession.follow_up_on,
        )
        .join(Episode, Episode.id == SupportSession.episode_id)
        .join(Participant, Participant.id == Episode.participant_id)
        .join(SupporterProfile, SupporterProfile.id == SupportSession.supporter_id)
        .where(*where)
    )
    # Both counts in one pass over the open follow-ups alone (a partial index holds
    # just those, migration 0005): no join, and nothing read for follow-ups done.
    counts = select(
        func.count(), func.coalesce(func.sum(case((SupportSession.follow_up_on < day, 1))), 0)
    ).where(*where)
    with store.session() as s:
        total, overdue = (int(n or 0) for n in s.execute(counts).one())
        rows = s.execute(stmt.order_by(SupportSession.follow_up_on, Participant.code).limit(limit))
        items = [
            FollowUp(sid, eid, code, name, due, (day - due).days)
            for sid, eid, code, name, due in rows
        ]
    return items, total, overdue


def waiting_referrals(
    store: Store, actor: Actor, day: date, limit: int = 50
) -> tuple[list[WaitingReferral], int]:
    """Open referrals, by follow-up date: every referral has one, so overdue come first."""
    if not actor.can("casework.own") and not actor.can("casework.program"):
        return [], 0
    found = referrals.list_referrals(
        store, actor, "open", today=day, limit=limit, order_by="follow_up_on", descending=False
    )
    items = [
        WaitingReferral(
            r.id,
            r.episode_id,
            r.participant_code,
            r.resource_name,
            r.status,
            r.urgency,
            r.follow_up_on,
            r.overdue,
        )
        for r in found
    ]
    return items, referrals.count_referrals(store, actor, "open")


def supporter_attention(store: Store, actor: Actor, day: date) -> list[Attention]:
    """Coordinator alerts: certificates, required courses, supervision, caseload.

    Built from the training, supervision and load services, so Today, the Training page
    and matching agree on who needs what (courses required only for some disciplines,
    the policy's warning window and supervision weeks).
    """
    if not actor.can("supporters.read"):
        return []
    weeks = store.policy.supervision_warning_weeks
    out: list[Attention] = []
    active = {
        t.supporter_id: t
        for t in compute_overview(store, day, site_of=actor)
        if t.status == "active"
    }
    for t in active.values():
        for c in t.courses:
            if c.state == LAPSED and c.expires_on is not None:
                text = f"{c.course_name} expired on {c.expires_on}"
                out.append(
                    Attention(t.supporter_id, t.supporter_name, "expired", text, c.expires_on)
                )
            elif c.state == EXPIRING and c.expires_on is not None:
                text = f"{c.course_name} expires on {c.expires_on}"
                out.append(
                    Attention(t.supporter_id, t.supporter_name, "expiring", text, c.expires_on)
                )
            elif c.state == MISSING:
                out.append(
                    Attention(
                        t.supporter_id,
                        t.supporter_name,
                        "missing_course",
                        f"{c.course_name} not completed",
                    )
                )
    for sup in supervision_status(store, actor, day):
        if sup.overdue:
            last = sup.last_held_on
            text = (f"no supervision since {last}" if last else "no supervision recorded") + (
                f" (policy: every {weeks} weeks)"
            )
            out.append(Attention(sup.supporter_id, sup.supporter_name, "supervision", text, last))
    for load in supporter_load(store, actor, day):
        if load.supporter_id in active and load.over_capacity:
            text = f"{load.open_episodes} open episodes, capacity {load.capacity}"
            out.append(Attention(load.supporter_id, load.supporter_name, "capacity", text))
    order = {"expired": 0, "capacity": 1, "expiring": 2, "missing_course": 3, "supervision": 4}
    out.sort(key=lambda a: (order.get(a.kind, 9), a.supporter_name))
    return out


def locked_accounts(store: Store, actor: Actor) -> list[str]:
    """Usernames locked out after failed attempts (admin), for a reset."""
    if not actor.can("accounts.write"):
        return []
    return [
        u.username
        for u in accounts.list_users(store, actor)
        if u.locked_out and u.state == "active"
    ]


def today_summary(store: Store, actor: Actor, day: date | None = None) -> TodaySummary:
    day = day or date.today()
    fus, fu_total, fu_overdue = follow_ups(store, actor, day)
    refs, ref_total = waiting_referrals(store, actor, day)
    questions, questions_total = series.open_questions(store, actor)
    return TodaySummary(
        day,
        fus,
        fu_total,
        fu_overdue,
        refs,
        ref_total,
        supporter_attention(store, actor, day),
        locked_accounts(store, actor),
        questions,
        questions_total,
        admin_changes(store, actor, day),
    )

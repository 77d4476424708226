"""Training compliance: which required courses each supporter has current, expiring or lapsed.

A course is required for a supporter when it is marked required and its `required_for`
list is empty or names the supporter's discipline. The newest record per course counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from peerdesk.models import Course, SupporterProfile, TrainingRecord
from peerdesk.services.auth import Actor
from peerdesk.services.scope import supporter_site
from peerdesk.services.store import Store

CURRENT, EXPIRING, LAPSED, MISSING = "current", "expiring", "lapsed", "missing"
STATE_ORDER = {LAPSED: 0, MISSING: 1, EXPIRING: 2, CURRENT: 3}


@dataclass(frozen=True)
class CourseState:
    course_code: str
    course_name: str
    required: bool
    state: str  # current | expiring | lapsed | missing
    completed_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class SupporterTraining:
    supporter_id: str
    supporter_name: str
    status: str  # supporter status (active, on_leave, inactive)
    overall: str  # worst state over required courses
    courses: tuple[CourseState, ...]

    @property
    def required_current(self) -> bool:
        return all(c.state in (CURRENT, EXPIRING) for c in self.courses if c.required)


def applies_to(required_for: str, discipline: str) -> bool:
    """Whether a required course's discipline list (empty = everyone) covers a discipline."""
    wanted = {d.strip().lower() for d in required_for.split(",") if d.strip()}
    return not wanted or discipline.strip().lower() in wanted


def is_required_for(course: Course, discipline: str) -> bool:
    return course.required and applies_to(course.required_for, discipline)


def course_state(expires_on: date | None, today: date, warn_days: int) -> str:
    if expires_on is None:
        return CURRENT
    if expires_on < today:
        return LAPSED
    if expires_on <= today + timedelta(days=warn_days):
        return EXPIRING
    return CURRENT


def training_overview(
    store: Store,
    actor: Actor,
    today: date,
    supporter_ids: list[str] | None = None,
    warn_days: int | None = None,
) -> list[SupporterTraining]:
    """Per supporter, every required course and every course they hold, with its state."""
    if not actor.can("supporters.read"):
        actor.require("supporters.read_self", "see training records")
        supporter_ids = [actor.supporter_id] if actor.supporter_id else []
    return compute_overview(store, today, supporter_ids, warn_days, site_of=actor)


def compute_overview(
    store: Store,
    today: date,
    supporter_ids: list[str] | None = None,
    warn_days: int | None = None,
    site_of: Actor | None = None,
) -> list[SupporterTraining]:
    """No permission check: for services that only use the result (matching, reports).
    site_of: only supporters of that person's site (services/scope.py)."""
    warn = store.policy.expiry_warning_days if warn_days is None else warn_days
    with store.session() as s:
        courses = list(s.scalars(select(Course).order_by(Course.name)))
        stmt = select(SupporterProfile).order_by(SupporterProfile.display_name)
        if supporter_ids is not None:
            stmt = stmt.where(SupporterProfile.id.in_(supporter_ids))
        if site_of is not None:
            stmt = stmt.where(supporter_site(site_of))
        profiles = list(s.scalars(stmt))
        latest: dict[tuple[str, str], TrainingRecord] = {}
        rec_stmt = select(TrainingRecord).order_by(TrainingRecord.completed_on)
        if supporter_ids is not None:
            rec_stmt = rec_stmt.where(TrainingRecord.supporter_id.in_(supporter_ids))
        for rec in s.scalars(rec_stmt):
            latest[(rec.supporter_id, rec.course_id)] = rec  # newest wins
        out = []
        for p in profiles:
            states = []
            for c in courses:
                required = is_required_for(c, p.discipline)
                rec = latest.get((p.id, c.id))
                if rec is None:
                    if required:
                        states.append(CourseState(c.code, c.name, True, MISSING, None, None))
                    continue
                states.append(
                    CourseState(
                        c.code,
                        c.name,
                        required,
                        course_state(rec.expires_on, today, warn),
                        rec.completed_on,
                        rec.expires_on,
                    )
                )
            req = [st.state for st in states if st.required] or [CURRENT]
            overall = min(req, key=lambda x: STATE_ORDER[x])
            out.append(SupporterTraining(p.id, p.display_name, p.status, overall, tuple(states)))
        return out


def supporters_needing_training(
    store: Store, actor: Actor, today: date, states: tuple[str, ...] = (LAPSED, MISSING, EXPIRING)
) -> list[SupporterTraining]:
    """The coordinator's filter: supporters with lapsed, missing or expiring training."""
    actor.require("supporters.read", "filter supporters by training")
    return [t for t in training_overview(store, actor, today) if t.overall in states]

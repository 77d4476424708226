"""Supporter profiles, the course catalogue, training records and supervision entries."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerdesk.errors import NotFoundError, PermissionDeniedError, ValidationError
from peerdesk.models import (
    Course,
    Episode,
    SupervisionEntry,
    SupporterProfile,
    TrainingRecord,
)
from peerdesk.services import record_versions
from peerdesk.services.auth import Actor
from peerdesk.services.scope import home_site, supporter_site
from peerdesk.services.store import Store
from peerdesk.services.text_rules import check_length, check_one_line

STATUSES = ("active", "on_leave", "inactive")
EXPERIENCE_BANDS = ("0-2", "3-5", "6-10", "10+")
STANDARD_COURSES = (
    ("pfa", "Psychological first aid", True, 36),
    ("listening", "Active listening", True, None),
    ("confidentiality", "Confidentiality and boundaries", True, 24),
    ("ethics", "Ethics in peer support", False, 36),
    ("crisis", "Crisis recognition", True, 24),
)


@dataclass(frozen=True)
class SupporterInput:
    display_name: str
    discipline: str = ""
    department: str = ""
    specialty: str = ""
    experience_band: str = ""
    languages: str = ""
    lived_experience: str = ""
    capacity: int = 10
    status: str = "active"
    user_id: str | None = None


@dataclass(frozen=True)
class SupporterInfo:
    id: str
    user_id: str | None
    display_name: str
    discipline: str
    department: str
    specialty: str
    experience_band: str
    languages: str
    lived_experience: str
    capacity: int
    status: str
    open_episodes: int
    version: int = 1  # the record's version when read (services/record_versions.py)


def validate_supporter(data: SupporterInput) -> None:
    if not data.display_name.strip():
        raise ValidationError("a supporter needs a name")
    check_one_line(data.display_name, "a supporter's name")
    if data.status not in STATUSES:
        raise ValidationError(f"status must be one of: {', '.join(STATUSES)}")
    if data.experience_band and data.experience_band not in EXPERIENCE_BANDS:
        raise ValidationError(f"experience band must be one of: {', '.join(EXPERIENCE_BANDS)}")
    if not 0 <= data.capacity <= 200:
        raise ValidationError("capacity must be between 0 and 200")


def _open_count():  # noqa: ANN202
    return (
        select(func.count())
        .where(Episode.supporter_id == SupporterProfile.id, Episode.closed_on.is_(None))
        .correlate(SupporterProfile)
        .scalar_subquery()
    )


def _info(p: SupporterProfile, open_eps: int) -> SupporterInfo:
    return SupporterInfo(
        p.id,
        p.user_id,
        p.display_name,
        p.discipline,
        p.department,
        p.specialty,
        p.experience_band,
        p.languages,
        p.lived_experience,
        p.capacity,
        p.status,
        int(open_eps or 0),
        p.version,
    )


def add_supporter(store: Store, actor: Actor, data: SupporterInput) -> SupporterInfo:
    actor.require("supporters.write", "add supporters")
    validate_supporter(data)
    with store.session() as s:
        values = {f.name: getattr(data, f.name) for f in fields(SupporterInput)}
        p = SupporterProfile(
            **values,
            site_id=home_site(s, actor),
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(p)
        s.flush()
        store.audit(s, actor, "supporter.create", "supporter", p.id)
        return _info(p, 0)


def update_supporter(
    store: Store,
    actor: Actor,
    supporter_id: str,
    data: SupporterInput,
    version: int | None = None,
) -> None:
    """version: the version the form loaded (SupporterInfo.version)."""
    actor.require("supporters.write", "edit supporters")
    validate_supporter(data)
    with store.session() as s:
        p = s.scalar(
            select(SupporterProfile).where(
                SupporterProfile.id == supporter_id, supporter_site(actor)
            )
        )
        if p is None:
            raise NotFoundError("no such supporter")
        record_versions.check(s, p, version)
        for f in fields(SupporterInput):
            if f.name != "user_id":
                setattr(p, f.name, getattr(data, f.name))
        p.updated_by = actor.user_id
        store.audit(s, actor, "supporter.update", "supporter", p.id)


def list_supporters(
    store: Store, actor: Actor, include_inactive: bool = True
) -> list[SupporterInfo]:
    if not actor.can("supporters.read"):
        if actor.can("supporters.read_self") and actor.supporter_id:
            return [get_supporter(store, actor, actor.supporter_id)]
        raise PermissionDeniedError(f"your role ({actor.role}) may not list supporters")
    stmt = select(SupporterProfile, _open_count()).where(supporter_site(actor))
    if not include_inactive:
        stmt = stmt.where(SupporterProfile.status != "inactive")
    with store.session() as s:
        return [_info(p, n) for p, n in s.execute(stmt.order_by(SupporterProfile.display_name))]


def get_supporter(store: Store, actor: Actor, supporter_id: str) -> SupporterInfo:
    if not (actor.can("supporters.read") or supporter_id == actor.supporter_id):
        raise PermissionDeniedError("you may only see your own supporter profile")
    with store.session() as s:
        row = s.execute(
            select(SupporterProfile, _open_count()).where(
                SupporterProfile.id == supporter_id, supporter_site(actor)
            )
        ).first()
        if row is None:
            raise NotFoundError("no such supporter")
        return _info(*row)


# -- courses and training -------------------------------------------------------


@dataclass(frozen=True)
class CourseInfo:
    id: str
    code: str
    name: str
    required: bool
    validity_months: int | None
    required_for: str = ""  # disciplines (comma list); empty = every supporter


def ensure_standard_courses(store: Store, actor: Actor) -> list[CourseInfo]:
    actor.require("courses.write", "edit the course catalogue")
    with store.session() as s:
        for code, name, required, months in STANDARD_COURSES:
            if not s.scalar(select(Course.id).where(Course.code == code)):
                s.add(
                    Course(
                        code=code,
                        name=name,
                        required=required,
                        validity_months=months,
                        created_by=actor.user_id,
                    )
                )
    return list_courses(store, actor)


def add_course(
    store: Store,
    actor: Actor,
    code: str,
    name: str,
    required: bool,
    validity_months: int | None,
    required_for: str = "",
) -> CourseInfo:
    actor.require("courses.write", "edit the course catalogue")
    if not code.strip() or not name.strip():
        raise ValidationError("a course needs a code and a name")
    with store.session() as s:
        if s.scalar(select(Course.id).where(Course.code == code.strip())):
            raise ValidationError(f"a course with code '{code.strip()}' already exists")
        c = Course(
            code=code.strip(),
            name=name.strip(),
            required=required,
            validity_months=validity_months,
            required_for=",".join(d.strip() for d in required_for.split(",") if d.strip()),
            created_by=actor.user_id,
        )
        s.add(c)
        s.flush()
        store.audit(s, actor, "course.create", "course", c.id)
        return CourseInfo(c.id, c.code, c.name, c.required, c.validity_months, c.required_for)


def list_courses(store: Store, actor: Actor) -> list[CourseInfo]:
    actor.require("courses.read", "see the course catalogue")
    with store.session() as s:
        return [
            CourseInfo(c.id, c.code, c.name, c.required, c.validity_months, c.required_for)
            for c in s.scalars(select(Course).order_by(Course.name))
        ]


@dataclass(frozen=True)
class TrainingInfo:
    id: str
    supporter_id: str
    course_code: str
    course_name: str
    completed_on: date
    expires_on: date | None


def _check_supporter_access(s: Session, actor: Actor, supporter_id: str, write: bool) -> None:
    if not write and supporter_id == actor.supporter_id:
        return
    if actor.can("supporters.write" if write else "supporters.read"):
        # Only supporters of the coordinator's own site (services/scope.py).
        found = s.scalar(
            select(SupporterProfile.id).where(
                SupporterProfile.id == supporter_id, supporter_site(actor)
            )
        )
        if found is None:
            raise NotFoundError("no such supporter")
        return
    raise PermissionDeniedError("you may not see or change this supporter's records")


def add_training(
    store: Store,
    actor: Actor,
    supporter_id: str,
    course_code: str,
    completed_on: date,
    expires_on: date | None = None,
) -> TrainingInfo:
    with store.session() as s:
        _check_supporter_access(s, actor, supporter_id, write=True)
        course = s.scalar(select(Course).where(Course.code == course_code))
        if course is None:
            raise NotFoundError(f"no course with code '{course_code}'")
        if s.get(SupporterProfile, supporter_id) is None:
            raise NotFoundError("no such supporter")
        if expires_on is None and course.validity_months:
            m = completed_on.month - 1 + course.validity_months
            year, month = completed_on.year + m // 12, m % 12 + 1
            expires_on = completed_on.replace(year=year, month=month, day=min(completed_on.day, 28))
        if expires_on is not None and expires_on < completed_on:
            raise ValidationError("a certificate cannot expire before it was completed")
        t = TrainingRecord(
            supporter_id=supporter_id,
            course_id=course.id,
            completed_on=completed_on,
            expires_on=expires_on,
            created_by=actor.user_id,
        )
        s.add(t)
        s.flush()
        store.audit(s, actor, "training.create", "training", t.id)
        return TrainingInfo(t.id, supporter_id, course.code, course.name, completed_on, expires_on)


def list_training(store: Store, actor: Actor, supporter_id: str) -> list[TrainingInfo]:
    with store.session() as s:
        _check_supporter_access(s, actor, supporter_id, write=False)
        rows = s.execute(
            select(TrainingRecord, Course)
            .join(Course)
            .where(TrainingRecord.supporter_id == supporter_id)
            .order_by(TrainingRecord.completed_on.desc())
        )
        return [
            TrainingInfo(t.id, t.supporter_id, c.code, c.name, t.completed_on, t.expires_on)
            for t, c in rows
        ]


@dataclass(frozen=True)
class SupervisionInfo:
    id: str
    supporter_id: str
    held_on: date
    minutes: int
    format: str
    supervisor: str


def add_supervision(
    store: Store,
    actor: Actor,
    supporter_id: str,
    held_on: date,
    minutes: int,
    format: str = "one_to_one",
    supervisor: str = "",
) -> SupervisionInfo:
    actor.require("supporters.write", "record supervision")
    if format not in ("one_to_one", "group"):
        raise ValidationError("supervision is one_to_one or group")
    check_length(supervisor, "the supervisor's name", 200)
    if not 1 <= minutes <= 600:
        raise ValidationError("supervision minutes must be between 1 and 600")
    if held_on > date.today():
        raise ValidationError(
            "the supervision date is in the future; record supervision after it has taken place"
        )
    with store.session() as s:
        _check_supporter_access(s, actor, supporter_id, write=True)
        e = SupervisionEntry(
            supporter_id=supporter_id,
            held_on=held_on,
            minutes=minutes,
            format=format,
            supervisor=supervisor.strip(),
            created_by=actor.user_id,
        )
        s.add(e)
        s.flush()
        store.audit(s, actor, "supervision.create", "supervision", e.id)
        return SupervisionInfo(e.id, supporter_id, held_on, minutes, format, e.supervisor)


def list_supervision(store: Store, actor: Actor, supporter_id: str) -> list[SupervisionInfo]:
    with store.session() as s:
        _check_supporter_access(s, actor, supporter_id, write=False)
        return [
            SupervisionInfo(e.id, e.supporter_id, e.held_on, e.minutes, e.format, e.supervisor)
            for e in s.scalars(
                select(SupervisionEntry)
                .where(SupervisionEntry.supporter_id == supporter_id)
                .order_by(SupervisionEntry.held_on.desc())
            )
        ]

"""The figures of a summary report, aggregated in SQL for any period.

Every count is a GROUP BY or COUNT over the database, read so that a month's report costs
that month, not the store (docs/performance.md, "Reports"): the period's sessions in one
pass over a covering index, the people reached in one statement (Python counts distinct
people per table from its rows), earlier sessions only for the period's own episodes,
and the trend's closed months from report_months (services/reports/cache.py). Withdrawn
sessions never count. Times are compared as stored (UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session

from peerdesk.models import (
    CheckIn,
    Course,
    Episode,
    Participant,
    Referral,
    ReferralStatusChange,
    Resource,
    SessionAttendance,
    SessionConcern,
    Site,
    SupervisionEntry,
    SupporterProfile,
    SupportSession,
    TrainingRecord,
)
from peerdesk.models.base import utcnow
from peerdesk.services import checkins
from peerdesk.services.reports import cache as report_cache
from peerdesk.services.reports.metrics import ProgramMetrics, program_metrics
from peerdesk.services.reports.period import Period
from peerdesk.services.storage.tuning import large_page_cache
from peerdesk.services.training import applies_to

MODES = ("in_person", "phone", "video", "text")
FORMATS = ("individual", "group")
DURATION_BANDS = ("under_15", "15_29", "30_44", "45_59", "60_plus")
VISIT_BUCKETS = ("1", "2", "3", "4_plus")
PARTICIPANT_KINDS = ("staff", "patient", "caregiver")
REFERRAL_GROUPS = ("open", "attended", "declined", "closed")
# Where a referral stands; attended, declined and closed end the loop.
REFERRAL_GROUP_OF = {
    "suggested": "open",
    "made": "open",
    "accepted": "open",
    "no_show": "open",
    "attended": "attended",
    "declined": "declined",
    "closed": "closed",
}
_STATUS_RANK = {"suggested": 1, "made": 2, "accepted": 3, "no_show": 4, "declined": 5}
_STATUS_RANK.update({"attended": 6, "closed": 7})
FOLLOW_UP_OUTCOMES = ("on_time", "late", "not_done")
INSTRUMENTS = ("WHO-5", "PSS-4")
EXPIRY_WINDOW_DAYS = 60
TOP_ROLES = 10  # roles listed per participant type; the rest are added up as "Other"


@dataclass(frozen=True)
class Counts:
    """The headline figures of one period (also computed for the period before)."""

    contacts: int = 0
    people: int = 0
    contact_minutes: int = 0
    group_contacts: int = 0
    new_episodes: int = 0
    closed_episodes: int = 0
    referrals: int = 0
    referrals_closed_loop: int = 0
    follow_ups_due: int = 0
    follow_ups_on_time: int = 0
    supervision_minutes: int = 0
    referrals_attended: int = 0  # completed: the person attended (closed-loop counts more)


@dataclass(frozen=True)
class OutcomeFigures:
    instrument: str
    pairs: int  # episodes with a before and an after check-in
    mean_before: float | None
    mean_after: float | None
    improved: int
    higher_is_better: bool
    worsened: int = 0  # a real change the wrong way, by the same rule
    low_before: int = 0  # at or below the instrument's screening cut-off (WHO-5: 28)
    low_after: int = 0


@dataclass(frozen=True)
class SupporterFigures:
    supporter_id: str
    name: str
    status: str
    contacts: int
    people: int
    contact_minutes: int
    supervision_minutes: int
    training_complete: bool


@dataclass(frozen=True)
class CourseCompliance:
    code: str
    name: str
    current: int  # active supporters holding a current certificate at the period's end
    active_supporters: int


@dataclass(frozen=True)
class ExpiringCertificate:
    supporter: str
    course: str
    expires_on: date


@dataclass(frozen=True)
class TrendPoint:
    month: Period
    contacts: int
    people: int
    new_episodes: int


@dataclass(frozen=True)
class ReportFigures:
    site: str
    period: Period
    previous: Period
    generated_at: datetime
    current: Counts
    prior: Counts
    mode_format: dict[tuple[str, str], int] = field(default_factory=dict)
    duration: dict[str, int] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    concerns: dict[str, int] = field(default_factory=dict)
    people_by_kind: dict[str, int] = field(default_factory=dict)
    # (participant type, role) -> people: roles nest within types, and the report says so
    people_by_kind_role: dict[tuple[str, str], int] = field(default_factory=dict)
    open_episodes_at_end: int = 0
    referrals: dict[tuple[str, str], int] = field(default_factory=dict)  # (destination, group)
    follow_ups: dict[str, int] = field(default_factory=dict)
    checkins: dict[tuple[str, str], int] = field(default_factory=dict)  # (instrument, phase)
    outcomes: list[OutcomeFigures] = field(default_factory=list)
    supporters: list[SupporterFigures] = field(default_factory=list)
    active_supporters: int = 0
    fully_trained: int = 0
    training: list[CourseCompliance] = field(default_factory=list)
    expiring: list[ExpiringCertificate] = field(default_factory=list)
    expiry_window: Period | None = None
    trend: list[TrendPoint] = field(default_factory=list)
    metrics: ProgramMetrics = field(default_factory=ProgramMetrics)
    first_record: date | None = None  # the first contact or episode in the store

    @property
    def has_sessions(self) -> bool:
        return self.current.contacts > 0


# -- building blocks ----------------------------------------------------------------


def _in_period(period: Period) -> ColumnElement[bool]:
    start, end = period.bounds()
    return and_(
        SupportSession.started_at >= start,
        SupportSession.started_at < end,
        SupportSession.withdrawn_at.is_(None),
    )


def _date_in(column: ColumnElement[date], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column <= period.end)


def _people_pairs(where: ColumnElement[bool], *extra: ColumnElement) -> Select:
    """(extra columns..., participant id) for everyone reached by the matching sessions:
    the episode's participant and, at group sessions, every attendee present.

    `extra` are labelled columns of SupportSession (or expressions over it)."""
    # Distinct episodes first: far fewer rows to join and de-duplicate than sessions.
    visits = select(*extra, SupportSession.episode_id.label("eid")).where(where).distinct()
    v = visits.subquery()
    own = (
        select(*(v.c[e.name] for e in extra), Episode.participant_id.label("pid"))
        .select_from(v)
        .join(Episode, Episode.id == v.c.eid)
    )
    attendees = (
        select(*extra, SessionAttendance.participant_id.label("pid"))
        .select_from(SessionAttendance)
        .join(SupportSession, SupportSession.id == SessionAttendance.session_id)
        .where(where, SessionAttendance.attended.is_(True))
    )
    return union(own, attendees)  # UNION drops duplicates, so each person counts once


def _scalar(s: Session, stmt: Select) -> int:
    return int(s.scalar(stmt) or 0)


def _status_at(end: datetime) -> ColumnElement[str]:
    """A referral's status as it stood at `end` (its latest change before then)."""
    rank = case(_STATUS_RANK, value=ReferralStatusChange.status, else_=0)
    latest = (
        select(ReferralStatusChange.status)
        .where(
            ReferralStatusChange.referral_id == Referral.id, ReferralStatusChange.changed_at < end
        )
        .order_by(ReferralStatusChange.changed_at.desc(), rank.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )
    return func.coalesce(latest, Referral.status)


def _closed_loop_case(status: ColumnElement[str]) -> ColumnElement[int]:
    return case((status.in_(("attended", "declined", "closed")), 1), else_=0)


# -- headline ------------------------------------------------------------------------


def _counts(s: Session, period: Period, sessions: MonthSessions, people: int) -> Counts:
    """The headline of a period, from its sessions (one pass) and its people (counted
    once for the people tables, or taken from the trend for the month before)."""
    start, end = period.bounds()
    new_eps = _scalar(
        s, select(func.count()).select_from(Episode).where(_date_in(Episode.opened_on, period))
    )
    closed_eps = _scalar(
        s, select(func.count()).select_from(Episode).where(_date_in(Episode.closed_on, period))
    )
    status = _status_at(end)
    referrals, closed_loop, attended = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(_closed_loop_case(status)), 0),
            func.coalesce(func.sum(case((status == "attended", 1), else_=0)), 0),
        ).where(Referral.created_at >= start, Referral.created_at < end)
    ).one()
    due, on_time = s.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(
                    case(
                        (SupportSession.follow_up_done_on <= SupportSession.follow_up_on, 1),
                        else_=0,
                    )
                ),
                0,
            ),
        ).where(
            _date_in(SupportSession.follow_up_on, period), SupportSession.withdrawn_at.is_(None)
        )
    ).one()
    supervision = _scalar(
        s,
        select(func.coalesce(func.sum(SupervisionEntry.minutes), 0)).where(
            _date_in(SupervisionEntry.held_on, period)
        ),
    )
    return Counts(
        contacts=sessions.contacts,
        people=people,
        contact_minutes=sessions.minutes,
        group_contacts=sessions.groups,
        new_episodes=new_eps,
        closed_episodes=closed_eps,
        referrals=int(referrals),
        referrals_closed_loop=int(closed_loop),
        referrals_attended=int(attended),
        follow_ups_due=int(due),
        follow_ups_on_time=int(on_time),
        supervision_minutes=supervision,
    )


# -- contacts ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthSessions:
    """The period's sessions added up in one pass: headline, modes, lengths, supporters."""

    contacts: int = 0
    minutes: int = 0
    groups: int = 0
    mode_format: dict[tuple[str, str], int] = field(default_factory=dict)
    duration: dict[str, int] = field(default_factory=dict)
    by_supporter: dict[str, tuple[int, int]] = field(default_factory=dict)  # contacts, minutes


def _duration_band(m: ColumnElement[int]) -> ColumnElement[str]:
    return case(
        (m < 15, "under_15"),
        (m < 30, "15_29"),
        (m < 45, "30_44"),
        (m < 60, "45_59"),
        else_="60_plus",
    )


def _month_sessions(s: Session, period: Period) -> MonthSessions:
    # One GROUP BY over the covering index ix_report_sessions_month (a few hundred rows
    # back) instead of one statement per table.
    band = _duration_band(SupportSession.minutes).label("band")
    rows = s.execute(
        select(
            SupportSession.supporter_id,
            SupportSession.mode,
            SupportSession.format,
            band,
            func.count(),
            func.sum(SupportSession.minutes),
        )
        .where(_in_period(period))
        .group_by(SupportSession.supporter_id, SupportSession.mode, SupportSession.format, band)
    ).all()
    contacts = minutes = groups = 0
    mode_format: dict[tuple[str, str], int] = {}
    duration: dict[str, int] = {}
    by_supporter: dict[str, tuple[int, int]] = {}
    for sid, mode, fmt, b, n, m in rows:
        n, m = int(n), int(m or 0)
        contacts += n
        minutes += m
        groups += n if fmt == "group" else 0
        mode_format[(mode, fmt)] = mode_format.get((mode, fmt), 0) + n
        duration[b] = duration.get(b, 0) + n
        had_n, had_m = by_supporter.get(sid, (0, 0))
        by_supporter[sid] = (had_n + n, had_m + m)
    return MonthSessions(contacts, minutes, groups, mode_format, duration, by_supporter)


def _visits(s: Session, period: Period) -> dict[str, int]:
    """Visit number of each contact within its episode, counting all earlier contacts."""
    start, end = period.bounds()
    touched = select(SupportSession.episode_id).where(_in_period(period))
    ranked = (
        select(
            SupportSession.started_at.label("started_at"),
            func.row_number()
            .over(
                partition_by=SupportSession.episode_id,
                order_by=(SupportSession.started_at, SupportSession.id),
            )
            .label("n"),
        )
        .where(
            SupportSession.episode_id.in_(touched),
            SupportSession.withdrawn_at.is_(None),
            # later sessions never change an earlier one's number
            SupportSession.started_at < end,
        )
        .subquery()
    )
    bucket = case(
        (ranked.c.n == 1, "1"), (ranked.c.n == 2, "2"), (ranked.c.n == 3, "3"), else_="4_plus"
    ).label("bucket")
    rows = s.execute(
        select(bucket, func.count())
        .where(ranked.c.started_at >= start, ranked.c.started_at < end)
        .group_by(bucket)
    )
    return {b: int(n) for b, n in rows}


def _concerns(s: Session, period: Period) -> dict[str, int]:
    rows = s.execute(
        select(SessionConcern.concern, func.count())
        .join(SupportSession, SupportSession.id == SessionConcern.session_id)
        .where(_in_period(period))
        .group_by(SessionConcern.concern)
    )
    return {c: int(n) for c, n in rows}


@dataclass(frozen=True)
class MonthPeople:
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_kind_role: dict[tuple[str, str], int] = field(default_factory=dict)
    by_supporter: dict[str, int] = field(default_factory=dict)


def _month_people(s: Session, period: Period) -> MonthPeople:
    """Everyone reached in the period (see _people_pairs), read once: (supporter, person)
    pairs with the person's type and role; the headline, the type and role table and the
    supporter table each count distinct people from them."""
    pairs = _people_pairs(_in_period(period), SupportSession.supporter_id.label("sid")).subquery()
    role = func.lower(func.trim(Participant.role))
    # Tens of thousands of plain rows: read through Core, without the ORM's per-row work.
    rows = (
        s.connection()
        .execute(
            select(pairs.c.sid, pairs.c.pid, Participant.id, Participant.kind, role)
            .select_from(pairs)
            .outerjoin(Participant, Participant.id == pairs.c.pid)
        )
        .all()  # one fetchall, not a fetchone per row
    )
    by_supporter: dict[str, int] = {}
    kind_of: dict[str, tuple[str, str] | None] = {}
    for sid, pid, found, kind, r in rows:  # pairs are distinct (UNION)
        by_supporter[sid] = by_supporter.get(sid, 0) + 1
        kind_of[pid] = (kind or "", r or "") if found is not None else None
    kinds: dict[str, int] = {}
    kind_roles: dict[tuple[str, str], int] = {}
    for pair in kind_of.values():
        if pair is None:  # no participant record: counted as a person, not by type
            continue
        kinds[pair[0]] = kinds.get(pair[0], 0) + 1
        kind_roles[pair] = kind_roles.get(pair, 0) + 1
    return MonthPeople(len(kind_of), kinds, kind_roles, by_supporter)


# -- episodes, referrals, follow-ups, check-ins ---------------------------------------


def _open_at_end(s: Session, period: Period) -> int:
    return _scalar(
        s,
        select(func.count())
        .select_from(Episode)
        .where(
            Episode.opened_on <= period.end,
            or_(Episode.closed_on.is_(None), Episode.closed_on > period.end),
        ),
    )


def _referrals(s: Session, period: Period) -> dict[tuple[str, str], int]:
    start, end = period.bounds()
    status = _status_at(end).label("status")
    rows = s.execute(
        select(Resource.name, status, func.count())
        .select_from(Referral)
        .join(Resource, Resource.id == Referral.resource_id)
        .where(Referral.created_at >= start, Referral.created_at < end)
        .group_by(Resource.name, status)
    )
    out: dict[tuple[str, str], int] = {}
    for name, st, n in rows:
        key = (name, REFERRAL_GROUP_OF.get(st, "open"))
        out[key] = out.get(key, 0) + int(n)
    return out


def _follow_ups(s: Session, period: Period) -> dict[str, int]:
    done, due = SupportSession.follow_up_done_on, SupportSession.follow_up_on
    outcome = case((done.is_(None), "not_done"), (done <= due, "on_time"), else_="late").label(
        "outcome"
    )
    rows = s.execute(
        select(outcome, func.count())
        .where(_date_in(due, period), SupportSession.withdrawn_at.is_(None))
        .group_by(outcome)
    )
    return {o: int(n) for o, n in rows}


def _checkins(s: Session, period: Period) -> dict[tuple[str, str], int]:
    rows = s.execute(
        select(CheckIn.instrument, CheckIn.phase, func.count())
        .where(_date_in(CheckIn.taken_on, period))
        .group_by(CheckIn.instrument, CheckIn.phase)
    )
    return {(i, p): int(n) for i, p, n in rows}


def _outcomes(s: Session, period: Period) -> list[OutcomeFigures]:
    """Episodes whose 'after' check-in fell in the period, against their 'before' scores."""
    # 'before' scores of the episodes that have an 'after' in the period only: the join
    # below drops every other episode, and reading them all would cost the whole store.
    ended = select(CheckIn.episode_id).where(
        CheckIn.phase == "after", _date_in(CheckIn.taken_on, period)
    )
    before = (
        select(CheckIn.episode_id, CheckIn.instrument, func.avg(CheckIn.score).label("score"))
        .where(
            CheckIn.phase == "before",
            CheckIn.taken_on <= period.end,
            CheckIn.episode_id.in_(ended),
        )
        .group_by(CheckIn.episode_id, CheckIn.instrument)
        .subquery()
    )
    after = (
        select(CheckIn.episode_id, CheckIn.instrument, func.avg(CheckIn.score).label("score"))
        .where(CheckIn.phase == "after", _date_in(CheckIn.taken_on, period))
        .group_by(CheckIn.episode_id, CheckIn.instrument)
        .subquery()
    )

    # A real change by each instrument's published rule (checkins.change), not any rise.
    def gain(inst: checkins.Instrument) -> ColumnElement:
        diff = after.c.score - before.c.score
        return diff if inst.higher_is_better else -diff

    def per_instrument(test: Callable[[checkins.Instrument], ColumnElement[bool]]) -> Any:
        return case(
            *(
                (and_(after.c.instrument == code, condition), 1)
                for code, inst in checkins.INSTRUMENTS.items()
                if (condition := test(inst)) is not None
            ),
            else_=0,
        )

    def low(column: ColumnElement) -> Callable[[checkins.Instrument], Any]:
        # The lowest published tier (WHO-5: 28 or below); instruments without tiers: none.
        return lambda inst: column <= inst.tiers[0][0] if inst.tiers else None

    improved = per_instrument(lambda inst: gain(inst) >= inst.real_change)
    worsened = per_instrument(lambda inst: gain(inst) <= -inst.real_change)
    low_before = per_instrument(low(before.c.score))
    low_after = per_instrument(low(after.c.score))
    rows = s.execute(
        select(
            after.c.instrument,
            func.count(),
            func.avg(before.c.score),
            func.avg(after.c.score),
            func.coalesce(func.sum(improved), 0),
            func.coalesce(func.sum(worsened), 0),
            func.coalesce(func.sum(low_before), 0),
            func.coalesce(func.sum(low_after), 0),
        )
        .select_from(after)
        .join(
            before,
            and_(
                before.c.episode_id == after.c.episode_id,
                before.c.instrument == after.c.instrument,
            ),
        )
        .group_by(after.c.instrument)
    )
    found = {r[0]: r for r in rows}
    out = []
    for inst in INSTRUMENTS:
        r = found.get(inst)
        out.append(
            OutcomeFigures(
                inst,
                int(r[1]) if r else 0,
                round(float(r[2]), 1) if r and r[2] is not None else None,
                round(float(r[3]), 1) if r and r[3] is not None else None,
                int(r[4]) if r else 0,
                checkins.INSTRUMENTS[inst].higher_is_better,
                int(r[5]) if r else 0,
                int(r[6]) if r else 0,
                int(r[7]) if r else 0,
            )
        )
    return out


# -- supporters, supervision, training -----------------------------------------------


def _training(
    s: Session, period: Period
) -> tuple[dict[str, set[str]], list[CourseCompliance], list[str], dict[str, set[str]]]:
    """Which required courses each supporter holds current at the period's end.

    A course counts for a supporter only if it is required for their discipline
    (courses.required_for; empty means every supporter).
    """
    required = s.execute(
        select(Course.id, Course.code, Course.name, Course.required_for)
        .where(Course.required)
        .order_by(Course.name)
    ).all()
    current_pairs = s.execute(
        select(TrainingRecord.supporter_id, TrainingRecord.course_id)
        .join(Course, Course.id == TrainingRecord.course_id)
        .where(
            Course.required,
            TrainingRecord.completed_on <= period.end,
            or_(TrainingRecord.expires_on.is_(None), TrainingRecord.expires_on >= period.end),
        )
        .distinct()
    ).all()
    held: dict[str, set[str]] = {}
    for sup, course in current_pairs:
        held.setdefault(sup, set()).add(course)
    needs = {
        sid: {cid for cid, _, _, rf in required if applies_to(rf, discipline)}
        for sid, discipline in s.execute(select(SupporterProfile.id, SupporterProfile.discipline))
    }
    active = list(s.scalars(select(SupporterProfile.id).where(SupporterProfile.status == "active")))
    courses = [
        CourseCompliance(
            code,
            name,
            sum(1 for a in active if cid in needs[a] and cid in held.get(a, set())),
            sum(1 for a in active if cid in needs[a]),
        )
        for cid, code, name, _ in required
    ]
    return held, courses, active, needs


def _expiring(s: Session, window: Period) -> list[ExpiringCertificate]:
    """Certificates whose latest expiry falls in the window (renewed ones are not listed)."""
    latest = func.max(TrainingRecord.expires_on)
    never = func.sum(case((TrainingRecord.expires_on.is_(None), 1), else_=0))
    rows = s.execute(
        select(SupporterProfile.display_name, Course.name, latest)
        .select_from(TrainingRecord)
        .join(Course, Course.id == TrainingRecord.course_id)
        .join(SupporterProfile, SupporterProfile.id == TrainingRecord.supporter_id)
        .where(SupporterProfile.status != "inactive", TrainingRecord.completed_on <= window.end)
        .group_by(SupporterProfile.id, SupporterProfile.display_name, Course.id, Course.name)
        .having(never == 0, latest >= window.start, latest <= window.end)
        .order_by(latest, SupporterProfile.display_name)
    )
    return [ExpiringCertificate(name, course, exp) for name, course, exp in rows]


def _supporters(
    s: Session,
    period: Period,
    held: dict[str, set[str]],
    needs: dict[str, set[str]],
    sessions: MonthSessions,
    reached: MonthPeople,
) -> list[SupporterFigures]:
    contacts = sessions.by_supporter
    people = reached.by_supporter
    supervision = {
        sid: int(m or 0)
        for sid, m in s.execute(
            select(SupervisionEntry.supporter_id, func.sum(SupervisionEntry.minutes))
            .where(_date_in(SupervisionEntry.held_on, period))
            .group_by(SupervisionEntry.supporter_id)
        )
    }
    out = []
    for sid, name, status in s.execute(
        select(SupporterProfile.id, SupporterProfile.display_name, SupporterProfile.status)
    ):
        n, minutes = contacts.get(sid, (0, 0))
        if status == "inactive" and not n and sid not in supervision:
            continue
        out.append(
            SupporterFigures(
                sid,
                name,
                status,
                n,
                people.get(sid, 0),
                minutes,
                supervision.get(sid, 0),
                bool(needs.get(sid)) and needs[sid] <= held.get(sid, set()),
            )
        )
    out.sort(key=lambda f: (-f.contacts, f.name.casefold()))
    return out


# -- trend ----------------------------------------------------------------------------


def _people_count(s: Session, period: Period) -> int:
    where = _in_period(period)
    return _scalar(s, select(func.count()).select_from(_people_pairs(where).subquery()))


def count_month(s: Session, month: Period) -> tuple[int, int, int]:
    """One month of the trend counted from the records: contacts, people, new episodes."""
    contacts = _scalar(s, select(func.count()).where(_in_period(month)))
    people = _people_count(s, month)
    episodes = _scalar(
        s, select(func.count()).select_from(Episode).where(_date_in(Episode.opened_on, month))
    )
    return contacts, people, episodes


def _trend(s: Session, period: Period, now: datetime) -> list[TrendPoint]:
    # Months already over come from report_months (kept exact by triggers); the others
    # are counted month by month, each over its own sessions only.
    months = period.trend_months()
    counts = report_cache.month_counts(s, months, count_month, now)
    return [TrendPoint(m, *c) for m, c in zip(months, counts, strict=True)]


def _first_record(s: Session) -> date | None:
    """The day of the store's first contact or episode: months before it have no data."""
    first_session = s.scalar(
        select(func.min(SupportSession.started_at)).where(SupportSession.withdrawn_at.is_(None))
    )
    first_episode = s.scalar(select(func.min(Episode.opened_on)))
    days = [d for d in (first_session, first_episode) if d is not None]
    if not days:
        return None
    return min(d.date() if isinstance(d, datetime) else d for d in days)


# -- the whole report ----------------------------------------------------------------


def site_name(s: Session) -> str:
    return s.scalar(select(Site.name).order_by(Site.created_at).limit(1)) or "PeerDesk"


# SQLCipher decrypts a page each time it leaves the page cache, and the report reads the
# month's index pages several times, so the cache must hold them: at least 128 MiB while
# the report runs (only for this connection). 256 MiB was no faster once the queries read
# the covering indexes, and put a whole year's report over 300 MB of memory.
REPORT_CACHE_KIB = 128 * 1024


def collect_figures(s: Session, period: Period, generated_at: datetime) -> ReportFigures:
    """All the figures of one report, read in the caller's (read-only) transaction."""
    with large_page_cache(s, REPORT_CACHE_KIB):
        return _collect(s, period, generated_at)


def _collect(s: Session, period: Period, generated_at: datetime) -> ReportFigures:
    previous = period.previous()
    held, courses, active, needs = _training(s, period)
    window = Period(period.end + timedelta(days=1), period.end + timedelta(days=EXPIRY_WINDOW_DAYS))
    active_set = set(active)
    trend = _trend(s, period, utcnow())
    sessions = _month_sessions(s, period)
    reached = _month_people(s, period)
    # The month before is in the trend when the report covers a month: its people are
    # read from there rather than counted again.
    before = {p.month: p.people for p in trend}
    prior_people = before.get(previous)
    if prior_people is None:
        prior_people = _people_count(s, previous)
    return ReportFigures(
        site=site_name(s),
        period=period,
        previous=previous,
        generated_at=generated_at,
        current=_counts(s, period, sessions, reached.total),
        prior=_counts(s, previous, _month_sessions(s, previous), prior_people),
        mode_format=sessions.mode_format,
        duration=sessions.duration,
        visits=_visits(s, period),
        concerns=_concerns(s, period),
        people_by_kind=reached.by_kind,
        people_by_kind_role=reached.by_kind_role,
        open_episodes_at_end=_open_at_end(s, period),
        referrals=_referrals(s, period),
        follow_ups=_follow_ups(s, period),
        checkins=_checkins(s, period),
        outcomes=_outcomes(s, period),
        supporters=_supporters(s, period, held, needs, sessions, reached),
        active_supporters=len(active),
        fully_trained=sum(
            1 for sid in active_set if needs.get(sid) and needs[sid] <= held.get(sid, set())
        ),
        training=courses,
        expiring=_expiring(s, window),
        expiry_window=window,
        trend=trend,
        metrics=program_metrics(s, period),
        first_record=_first_record(s),
    )

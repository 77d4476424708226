"""Support sessions: record, correct (author only), withdraw, list; private notes stay private."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, delete, func, select
from sqlalchemy.orm import Session, defer

from peerdesk.errors import NotFoundError, PermissionDeniedError, ValidationError
from peerdesk.models import (
    Episode,
    Participant,
    SessionAttendance,
    SessionConcern,
    SupporterProfile,
    SupportSession,
    new_id,
    utcnow,
)
from peerdesk.services import notes, record_versions, session_pages
from peerdesk.services.auth import Actor
from peerdesk.services.record_ids import insert_once
from peerdesk.services.scope import (
    episode_filter,
    is_program_wide,
    may_read_notes,
    session_filter,
)
from peerdesk.services.store import Store
from peerdesk.services.text_rules import check_length

MODES = ("in_person", "phone", "video", "text")
FORMATS = ("individual", "group")
MAX_MINUTES = 600
# Clocks on clinic workstations drift; a few minutes ahead is not "in the future".
CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class SessionInfo:
    id: str
    episode_id: str
    participant_code: str
    supporter_id: str
    supporter_name: str
    started_at: datetime
    minutes: int
    mode: str
    format: str
    concerns: tuple[str, ...]
    follow_up_on: date | None
    follow_up_done_on: date | None
    safety_flag: bool
    withdrawn: bool
    is_mine: bool
    attendee_count: int = 0
    notes: str | None = None  # None unless the reader is the author
    attendees: tuple[str, ...] = field(default=())  # participant codes, group sessions
    referral_decision: str | None = None  # answer to the referral question, if asked
    # The reader wrote this note but no longer holds the key it was sealed with (after an
    # administrator's password reset); only emergency access can open it.
    notes_locked: bool = False
    version: int = 1  # the record's version when read (services/record_versions.py)


@dataclass(frozen=True)
class SessionInput:
    episode_id: str
    minutes: int
    mode: str
    started_at: datetime | None = None
    format: str = "individual"
    concerns: tuple[str, ...] = ()
    notes: str = ""
    follow_up_on: date | None = None
    safety_flag: bool = False
    attendee_ids: tuple[str, ...] = ()  # other participants present at a group session
    # Made by the form before the first attempt (services/record_ids.py): a save tried
    # again after a lost connection then finds its own record instead of adding another.
    id: str | None = None


def _validate(data: SessionInput) -> None:
    if data.mode not in MODES:
        raise ValidationError(f"mode must be one of: {', '.join(MODES)}")
    if data.format not in FORMATS:
        raise ValidationError("format must be individual or group")
    if not 1 <= data.minutes <= MAX_MINUTES:
        raise ValidationError(f"minutes must be between 1 and {MAX_MINUTES}")
    if data.format == "individual" and data.attendee_ids:
        raise ValidationError("only group sessions have other attendees")
    if data.started_at is not None and data.started_at > utcnow() + CLOCK_SKEW:
        raise ValidationError(
            "the session starts in the future; record a session after it has taken place"
        )


def _base(order_by: str = "started_at") -> Select:
    """Sessions with participant code, supporter name and attendance, in a fixed join
    order that lets the given sort walk its index (session_pages.session_from)."""
    attendees = (
        select(func.count())
        .where(SessionAttendance.session_id == SupportSession.id, SessionAttendance.attended)
        .correlate(SupportSession)
        .scalar_subquery()
    )
    return (
        select(SupportSession, Participant.code, SupporterProfile.display_name, attendees)
        .select_from(session_pages.session_from(order_by))
        # The notes (sealed text) are read only where shown: never for a list.
        .options(defer(SupportSession.notes), defer(SupportSession.withdrawn_reason))
    )


def _concerns(s, ids: list[str]) -> dict[str, tuple[str, ...]]:  # noqa: ANN001
    out: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for sid, concern in s.execute(
            select(SessionConcern.session_id, SessionConcern.concern)
            .where(SessionConcern.session_id.in_(ids))
            .order_by(SessionConcern.concern)
        ):
            out[sid].append(concern)
    return {k: tuple(v) for k, v in out.items()}


def _info(
    actor: Actor,
    row: Row[Any],
    concerns: tuple[str, ...],
    notes: str | None = None,
    attendees: tuple[str, ...] = (),
) -> SessionInfo:
    ss, code, sup_name, n_att = row
    mine = actor.user_id is not None and ss.created_by == actor.user_id
    return SessionInfo(
        ss.id,
        ss.episode_id,
        code,
        ss.supporter_id,
        sup_name,
        ss.started_at,
        ss.minutes,
        ss.mode,
        ss.format,
        concerns,
        ss.follow_up_on,
        ss.follow_up_done_on,
        ss.safety_flag,
        ss.withdrawn_at is not None,
        mine,
        int(n_att or 0),
        notes,
        attendees,
        ss.referral_decision,
        version=ss.version,
    )


def _readable_notes(store: Store, s: Session, actor: Actor, ss: SupportSession) -> str | None:
    """The author's (or emergency access's) view of the note; None for anyone else."""
    if not may_read_notes(actor, ss):
        return None
    return notes.read(store, s, ss)


def _set_children(s: Session, session_id: str, data: SessionInput, episode: Episode) -> None:
    s.execute(delete(SessionConcern).where(SessionConcern.session_id == session_id))
    s.execute(delete(SessionAttendance).where(SessionAttendance.session_id == session_id))
    for concern in sorted({c.strip().lower() for c in data.concerns if c.strip()}):
        s.add(SessionConcern(session_id=session_id, concern=concern))
    if data.format == "group":
        # Groups mix caseloads, so attendees may be anyone's participants (by their
        # pseudonymous code); attending grants the recorder no view of their records.
        present = {episode.participant_id, *data.attendee_ids}
        for pid in sorted(present):
            if s.get(Participant, pid) is None:
                raise ValidationError("an attendee is not a known participant")
            s.add(SessionAttendance(session_id=session_id, participant_id=pid, attended=True))


def record_session(store: Store, actor: Actor, data: SessionInput) -> SessionInfo:
    """A supporter records a contact in one of their episodes.

    With data.id, a second call with the same id (a save tried again after a lost
    connection) records nothing new: it returns the session the first call saved, brought
    in line with this call's input when that was changed in between.
    """
    _validate(data)
    if actor.supporter_id is None:
        raise PermissionDeniedError("only supporters record sessions")
    return insert_once(
        data.id,
        lambda sid: _earlier_attempt(store, actor, sid, data),
        lambda: _insert_session(store, actor, data),
    )


def _earlier_attempt(
    store: Store, actor: Actor, session_id: str, data: SessionInput
) -> SessionInfo | None:
    with store.session() as s:
        ss = s.get(SupportSession, session_id)
        if ss is None:
            return None
        if ss.created_by != actor.user_id or ss.episode_id != data.episode_id:
            raise ValidationError(
                "an earlier try of this save was recorded for another participant; find it "
                "in the list of sessions to correct or withdraw it"
            )
        same = (
            (data.started_at is None or data.started_at.replace(microsecond=0) == ss.started_at)
            and (ss.minutes, ss.mode, ss.format) == (data.minutes, data.mode, data.format)
            and (ss.follow_up_on, ss.safety_flag) == (data.follow_up_on, data.safety_flag)
            and notes.read(store, s, ss) == data.notes
            and set(_concerns(s, [ss.id])[ss.id])
            == {c.strip().lower() for c in data.concerns if c.strip()}
        )
        if same and data.format == "group":
            present = set(
                s.scalars(
                    select(SessionAttendance.participant_id).where(
                        SessionAttendance.session_id == ss.id
                    )
                )
            )
            ep = s.get(Episode, ss.episode_id)
            same = ep is not None and present == {ep.participant_id, *data.attendee_ids}
        if same:
            row = s.execute(_base().where(SupportSession.id == ss.id)).one()
            return _info(actor, row, _concerns(s, [ss.id])[ss.id], data.notes)
    # Saved, then the input changed before the retry: the retry is a correction.
    return update_session(store, actor, session_id, data)


def _insert_session(store: Store, actor: Actor, data: SessionInput) -> SessionInfo:
    with store.session() as s:
        ep = s.scalar(select(Episode).where(Episode.id == data.episode_id, episode_filter(actor)))
        if ep is None:
            raise NotFoundError("no such episode, or it is not yours")
        if ep.closed_on is not None:
            raise ValidationError("this episode is closed; reopen it or open a new one")
        sid = data.id or new_id()
        ss = SupportSession(
            id=sid,
            episode_id=ep.id,
            supporter_id=actor.supporter_id,
            started_at=(data.started_at or utcnow()).replace(microsecond=0),
            minutes=data.minutes,
            mode=data.mode,
            format=data.format,
            notes=notes.seal_for_author(store, sid, data.notes),
            follow_up_on=data.follow_up_on,
            safety_flag=data.safety_flag,
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(ss)
        s.flush()
        _set_children(s, ss.id, data, ep)
        s.flush()
        store.audit(s, actor, "session.create", "session", ss.id, {"safety_flag": data.safety_flag})
        close_follow_ups_met(store, s, actor, ss, ep)
        row = s.execute(_base().where(SupportSession.id == ss.id)).one()
        return _info(actor, row, _concerns(s, [ss.id])[ss.id], data.notes)


def close_follow_ups_met(
    store: Store, s: Session, actor: Actor, new: SupportSession, episode: Episode
) -> list[str]:
    """A contact with the participant on or after a follow-up date is that follow-up:
    earlier sessions' open follow-ups due by the new session's day are marked done on it.

    Follow-ups dated later than the new session stay open (they were planned beyond it).
    Returns the ids of the sessions whose follow-up was closed.
    """
    # started_at is UTC; follow-up dates are local calendar days.
    day = new.started_at.replace(tzinfo=UTC).astimezone().date()
    earlier = s.scalars(
        select(SupportSession)
        .join(Episode, Episode.id == SupportSession.episode_id)
        .where(
            Episode.participant_id == episode.participant_id,
            SupportSession.id != new.id,
            SupportSession.started_at < new.started_at,
            SupportSession.follow_up_on.is_not(None),
            SupportSession.follow_up_on <= day,
            SupportSession.follow_up_done_on.is_(None),
            SupportSession.withdrawn_at.is_(None),
        )
    ).all()
    for old in earlier:
        old.follow_up_done_on = day
        old.updated_by = actor.user_id
        store.audit(s, actor, "session.follow_up_done", "session", old.id, {"by_session": new.id})
    return [old.id for old in earlier]


def update_session(
    store: Store,
    actor: Actor,
    session_id: str,
    data: SessionInput,
    version: int | None = None,
) -> SessionInfo:
    """Corrections by the author; the audit log names the fields changed (never their text).

    version: the version the form loaded (SessionInfo.version); StaleEditError when
    the session changed since.
    """
    _validate(data)
    with store.session() as s:
        ss = s.get(SupportSession, session_id)
        # The author only: emergency access may read notes but never rewrite them.
        if ss is None or actor.user_id is None or ss.created_by != actor.user_id:
            raise PermissionDeniedError("only the author of a session can correct it")
        record_versions.check(s, ss, version)
        if ss.withdrawn_at is not None:
            raise ValidationError("a withdrawn session cannot be corrected")
        ep = s.get(Episode, ss.episode_id)
        assert ep is not None
        old_notes = notes.read(store, s, ss)
        changed = [
            name
            for name, new in (
                ("started_at", data.started_at or ss.started_at),
                ("minutes", data.minutes),
                ("mode", data.mode),
                ("format", data.format),
                ("follow_up_on", data.follow_up_on),
                ("safety_flag", data.safety_flag),
            )
            if getattr(ss, name) != new
        ]
        if old_notes is None and data.notes:
            raise ValidationError(
                "this session's notes were sealed with a key you no longer hold (your password "
                "was reset); they can be opened only with the recovery key, so they were not "
                "changed"
            )
        if old_notes is not None and old_notes != data.notes:
            changed.append("notes")
        old_concerns = set(_concerns(s, [ss.id])[ss.id])
        if old_concerns != {c.strip().lower() for c in data.concerns if c.strip()}:
            changed.append("concerns")
        if data.started_at:
            ss.started_at = data.started_at.replace(microsecond=0)
        ss.minutes, ss.mode, ss.format = data.minutes, data.mode, data.format
        if "notes" in changed:
            ss.notes = notes.seal_for_author(store, ss.id, data.notes)
        ss.follow_up_on, ss.safety_flag = data.follow_up_on, data.safety_flag
        ss.updated_by = actor.user_id
        _set_children(s, ss.id, data, ep)
        s.flush()
        store.audit(s, actor, "session.update", "session", ss.id, {"fields": changed})
        row = s.execute(_base().where(SupportSession.id == ss.id)).one()
        info = _info(actor, row, _concerns(s, [ss.id])[ss.id], data.notes)
        return replace(info, notes=None, notes_locked=True) if old_notes is None else info


def withdraw_session(
    store: Store, actor: Actor, session_id: str, reason: str, version: int | None = None
) -> None:
    """Withdraw (not delete) a session: its author or a coordinator, with a reason."""
    if not reason.strip():
        raise ValidationError("give a reason for withdrawing the session")
    check_length(reason, "the reason for withdrawing", 300)
    with store.session() as s:
        ss = s.scalar(
            select(SupportSession).where(SupportSession.id == session_id, session_filter(actor))
        )
        if ss is None:
            raise NotFoundError("no such session, or it is not yours")
        if not (may_read_notes(actor, ss) or actor.can("casework.program")):
            raise PermissionDeniedError("only the author or a coordinator can withdraw a session")
        record_versions.check(s, ss, version)
        if ss.withdrawn_at is not None:
            raise ValidationError("this session is already withdrawn")
        ss.withdrawn_at = utcnow()
        ss.withdrawn_reason = reason.strip()
        ss.updated_by = actor.user_id
        store.audit(s, actor, "session.withdraw", "session", ss.id)


def mark_follow_up_done(
    store: Store, actor: Actor, session_id: str, done_on: date, version: int | None = None
) -> None:
    with store.session() as s:
        ss = s.scalar(
            select(SupportSession).where(SupportSession.id == session_id, session_filter(actor))
        )
        if ss is None:
            raise NotFoundError("no such session, or it is not yours")
        record_versions.check(s, ss, version)
        ss.follow_up_done_on = done_on
        ss.updated_by = actor.user_id
        store.audit(s, actor, "session.follow_up_done", "session", ss.id)


@dataclass(frozen=True)
class SessionQuery:
    episode_id: str | None = None
    search: str = ""  # participant code or concern
    mine_only: bool = False
    include_withdrawn: bool = False
    since: datetime | None = None
    until: datetime | None = None
    order_by: str = "started_at"
    descending: bool = True
    supporter_id: str | None = None  # sessions recorded by this supporter
    concern: str | None = None  # sessions with exactly this concern


# The sorts offered, each walked through an index (see session_pages.SORTS).
SORTABLE = {name: key.columns[0] for name, key in session_pages.SORTS.items()}


def _conditions(actor: Actor, q: SessionQuery) -> list[ColumnElement[bool]]:
    """Filters on support_sessions itself; searches are resolved first (_matches)."""
    conds: list[ColumnElement[bool]] = [session_filter(actor)]
    if q.episode_id:
        conds.append(SupportSession.episode_id == q.episode_id)
    if q.mine_only:
        conds.append(SupportSession.supporter_id == actor.supporter_id)
    if q.supporter_id:
        conds.append(SupportSession.supporter_id == q.supporter_id)
    if not q.include_withdrawn:
        conds.append(SupportSession.withdrawn_at.is_(None))
    if q.since:
        conds.append(SupportSession.started_at >= q.since)
    if q.until:
        conds.append(SupportSession.started_at < q.until)
    return conds


def _matches(s: Session, q: SessionQuery) -> list[session_pages.Match]:
    found = []
    if q.search.strip():
        found.append(session_pages.match_search(s, f"%{q.search.strip()}%"))
    if q.concern and q.concern.strip():
        found.append(session_pages.match_concern(s, q.concern))
    return found


def list_sessions(
    store: Store,
    actor: Actor,
    query: SessionQuery | None = None,
    offset: int = 0,
    limit: int = 200,
    after: SessionInfo | None = None,
) -> list[SessionInfo]:
    """One page of sessions in the query's order.

    Pass the last row of the previous page as ``after`` for the next page (keyset
    paging: every page costs the same, and rows are never skipped or repeated); an
    offset still works but makes SQLite step over every earlier row.
    """
    q = query or SessionQuery()
    sort_name = q.order_by if q.order_by in session_pages.SORTS else "started_at"
    key = session_pages.SORTS[sort_name]
    with store.session() as s:
        matches = _matches(s, q)
        if any(m.empty for m in matches):
            return []
        conds = _conditions(actor, q) + [m.condition() for m in matches]
        if after is not None:
            conds.append(session_pages.after(key, q.descending, after))
        # A supporter sees a small share of a large store: collecting their sessions
        # and sorting them beats walking the whole store's index for their rows. Their
        # own sessions by date (Today's recent sessions) walk their own index instead.
        own = bool(q.mine_only or q.supporter_id) and sort_name == "started_at"
        few = any(m.few for m in matches) or (not is_program_wide(actor) and not own)
        # The page's ids first, from the sort's own tables and index; then those rows
        # in full. Sorting many candidate rows then moves ids, not whole joined rows.
        if (
            few
            and not matches
            and sort_name == "started_at"
            and not offset
            and actor.supporter_id is not None
            and not is_program_wide(actor)
        ):
            ids = session_pages.supporter_page_ids(
                s, actor.supporter_id, conds, q.descending, limit
            )
        else:
            ids = list(
                s.scalars(
                    select(SupportSession.id)
                    .select_from(session_pages.sort_from(sort_name, walk=not few))
                    .where(*conds)
                    .order_by(*session_pages.order_by(key, q.descending, use_index=not few))
                    .offset(offset or None)
                    .limit(limit)
                )
            )
        if not ids:
            return []
        found = {r[0].id: r for r in s.execute(_base().where(SupportSession.id.in_(ids)))}
        rows = [found[i] for i in ids]
        concerns = _concerns(s, ids)
        return [_info(actor, r, concerns[r[0].id]) for r in rows]


def count_sessions(store: Store, actor: Actor, query: SessionQuery | None = None) -> int:
    """How many sessions the query matches: reads every match, so run it off the GUI."""
    q = query or SessionQuery()
    with store.session() as s:
        matches = _matches(s, q)
        if any(m.empty for m in matches):
            return 0
        conds = _conditions(actor, q) + [m.condition() for m in matches]
        return int(s.scalar(select(func.count(SupportSession.id)).where(*conds)) or 0)


def get_session(store: Store, actor: Actor, session_id: str) -> SessionInfo:
    """One session with its notes if the reader wrote them; reading notes is audited."""
    with store.session() as s:
        row = s.execute(
            _base().where(SupportSession.id == session_id, session_filter(actor))
        ).first()
        if row is None:
            raise NotFoundError("no such session, or it is not yours to see")
        ss = row[0]
        attendees = tuple(
            s.scalars(
                select(Participant.code)
                .join(SessionAttendance, SessionAttendance.participant_id == Participant.id)
                .where(SessionAttendance.session_id == ss.id)
                .order_by(Participant.code)
            )
        )
        text = _readable_notes(store, s, actor, ss)
        info = _info(actor, row, _concerns(s, [ss.id])[ss.id], text, attendees)
        if text is None and may_read_notes(actor, ss):
            info = replace(info, notes_locked=True)
        if info.notes:
            store.audit(s, actor, "note.view", "session", ss.id)
        return info


def last_mode_used(store: Store, actor: Actor) -> str | None:
    if actor.supporter_id is None:
        return None
    with store.session() as s:
        return s.scalar(
            select(SupportSession.mode)
            .where(SupportSession.supporter_id == actor.supporter_id)
            .order_by(SupportSession.created_at.desc())
            .limit(1)
        )

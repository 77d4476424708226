"""Reading the audit log (coordinators and admins): filtered, paged, newest first, in
plain words (services/audit_text.py); exporting it as CSV (admins; audited)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from peerdesk.models import (
    AuditEvent,
    Course,
    Participant,
    Resource,
    Site,
    SupporterProfile,
    User,
)
from peerdesk.services import spreadsheet
from peerdesk.services.audit import AuditRow, to_rows
from peerdesk.services.audit_text import Names, action_label, describe, parse_detail, record
from peerdesk.services.auth import Actor
from peerdesk.services.files import atomic_path
from peerdesk.services.output_paths import check_output_path
from peerdesk.services.store import Store


@dataclass(frozen=True)
class AuditQuery:
    action: str = ""  # prefix, e.g. "login" or "session."
    exact_action: str = ""  # one kind of event, e.g. "login.failed"
    actor: str = ""  # username, substring
    person: str = ""  # exactly this account name (as stored with the event)
    search: str = ""  # action, target type or target id, substring
    since: datetime | None = None
    until: datetime | None = None
    descending: bool = True

    def summary(self) -> str:
        """The filter in words, for the export's audit event (no free text typed)."""
        parts = []
        if self.person:
            parts.append(f"person {self.person}")
        if self.exact_action:
            parts.append(action_label(self.exact_action).lower())
        if self.action:
            parts.append(f"actions {self.action}*")
        if self.since or self.until:
            parts.append("a date range")
        if self.search or self.actor:
            parts.append("a search")
        return ", ".join(parts)


@dataclass(frozen=True)
class ReadableEvent:
    seq: int
    at: datetime  # naive UTC, as stored; the UI shows local time
    username: str  # as stored with the event
    who: str  # "Zoë Martin (zoe)", "PeerDesk (system)"
    action: str
    what: str  # "Failed sign-in"
    record: str  # "account Zoë Martin (zoe)", "participant P-4K2M"
    details: str  # a sentence, never JSON
    flagged: bool  # failures, lock-outs, emergency access, rollback


FLAGGED = {
    "login.failed",
    "account.lock_out",
    "login.recovery_key",
    "store.rollback_detected",
    "pending_event.rejected",
    "notes.recovery_key_mismatch",
    "integrity.accounts_restored",
    "integrity.mismatch",
    "integrity.resigned",
}
SYSTEM_NAME = "system"


def _filtered(q: AuditQuery) -> Select:
    stmt = select(AuditEvent)
    if q.action.strip():
        stmt = stmt.where(AuditEvent.action.startswith(q.action.strip(), autoescape=True))
    if q.exact_action:
        stmt = stmt.where(AuditEvent.action == q.exact_action)
    if q.actor.strip():
        stmt = stmt.where(AuditEvent.actor_name.contains(q.actor.strip(), autoescape=True))
    if q.person:
        stmt = stmt.where(AuditEvent.actor_name == q.person)
    if q.search.strip():
        term = q.search.strip()
        stmt = stmt.where(
            AuditEvent.action.contains(term, autoescape=True)
            | AuditEvent.target_type.contains(term, autoescape=True)
            | AuditEvent.target_id.contains(term, autoescape=True)
        )
    if q.since:
        stmt = stmt.where(AuditEvent.at >= q.since)
    if q.until:
        stmt = stmt.where(AuditEvent.at < q.until)
    return stmt


def list_events(
    store: Store, actor: Actor, query: AuditQuery | None = None, offset: int = 0, limit: int = 200
) -> list[AuditRow]:
    """The raw rows (for verify-style tools); people read list_readable."""
    actor.require("audit.read", "read the audit log")
    q = query or AuditQuery()
    order = AuditEvent.seq.desc() if q.descending else AuditEvent.seq.asc()
    with store.session() as s:
        return to_rows(s.scalars(_filtered(q).order_by(order).offset(offset).limit(limit)))


def _person(display: str, username: str) -> str:
    return display if display == username else f"{display} ({username})"


def _names(s: Session, events: list[AuditEvent]) -> Names:
    """Look up, in one query per kind, the names of everyone and everything on the page."""
    ids: dict[str, set[str]] = {}
    for e in events:
        if e.actor_id:
            ids.setdefault("user", set()).add(e.actor_id)
        if e.target_id:
            ids.setdefault(e.target_type, set()).add(e.target_id)
        if e.action == "episode.assign":
            sid = parse_detail(e.detail).get("supporter_id")
            if isinstance(sid, str):
                ids.setdefault("supporter", set()).add(sid)
    names = Names()
    if ids.get("user"):
        for uid, display, username in s.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(ids["user"]))
        ):
            names.users[uid] = _person(display, username)
    if ids.get("supporter"):
        for pid, display in s.execute(
            select(SupporterProfile.id, SupporterProfile.display_name).where(
                SupporterProfile.id.in_(ids["supporter"])
            )
        ):
            names.supporters[pid] = display
    if ids.get("participant"):
        # The pseudonymous code only; participant names never appear in the audit log.
        for pid, code in s.execute(
            select(Participant.id, Participant.code).where(Participant.id.in_(ids["participant"]))
        ):
            names.participants[pid] = code
    if ids.get("resource"):
        for rid, name in s.execute(
            select(Resource.id, Resource.name).where(Resource.id.in_(ids["resource"]))
        ):
            names.resources[rid] = name
    if ids.get("site"):
        for sid, name in s.execute(select(Site.id, Site.name).where(Site.id.in_(ids["site"]))):
            names.sites[sid] = name
    if ids.get("course"):
        for cid, name in s.execute(
            select(Course.id, Course.name).where(Course.id.in_(ids["course"]))
        ):
            names.courses[cid] = name
    return names


def _readable(e: AuditEvent, names: Names) -> ReadableEvent:
    detail = parse_detail(e.detail)
    if e.actor_id and e.actor_id in names.users:
        who = names.users[e.actor_id]
    elif e.actor_name == SYSTEM_NAME:
        who = "PeerDesk (system)"
    elif e.actor_name == "recovery-key":
        who = "Emergency access (recovery key)"
    else:
        who = e.actor_name
    if e.target_type == "user" and e.target_id and e.target_id == e.actor_id:
        about = "own account"
    else:
        about = record(e.target_type, e.target_id, names)
    return ReadableEvent(
        seq=e.seq,
        at=e.at,
        username=e.actor_name,
        who=who,
        action=e.action,
        what=action_label(e.action),
        record=about,
        details=describe(e.action, detail, names),
        flagged=e.action in FLAGGED or bool(detail.get("emergency_access")),
    )


def list_readable(
    store: Store, actor: Actor, query: AuditQuery | None = None, offset: int = 0, limit: int = 200
) -> list[ReadableEvent]:
    actor.require("audit.read", "read the audit log")
    q = query or AuditQuery()
    order = AuditEvent.seq.desc() if q.descending else AuditEvent.seq.asc()
    with store.session() as s:
        events = list(s.scalars(_filtered(q).order_by(order).offset(offset).limit(limit)))
        names = _names(s, events)
        return [_readable(e, names) for e in events]


def count_events(store: Store, actor: Actor, query: AuditQuery | None = None) -> int:
    actor.require("audit.read", "read the audit log")
    sub = _filtered(query or AuditQuery()).subquery()
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(sub)) or 0)


def action_names(store: Store, actor: Actor) -> list[str]:
    """Distinct action prefixes ("login", "session", ...)."""
    actor.require("audit.read", "read the audit log")
    with store.session() as s:
        actions = s.scalars(select(AuditEvent.action).distinct())
        return sorted({a.split(".")[0] for a in actions})


def action_choices(store: Store, actor: Actor) -> list[tuple[str, str]]:
    """(action, plain label) for every kind of event in the log, by label."""
    actor.require("audit.read", "read the audit log")
    with store.session() as s:
        actions = set(s.scalars(select(AuditEvent.action).distinct()))
    return sorted(((a, action_label(a)) for a in actions), key=lambda p: p[1].lower())


def people(store: Store, actor: Actor) -> list[tuple[str, str]]:
    """(account name as stored, "Display name (username)") for everyone in the log."""
    actor.require("audit.read", "read the audit log")
    with store.session() as s:
        stored = set(s.scalars(select(AuditEvent.actor_name).distinct()))
        known = {
            username: _person(display, username)
            for username, display in s.execute(select(User.username, User.display_name))
        }
    special = {
        SYSTEM_NAME: "PeerDesk (system)",
        "recovery-key": "Emergency access (recovery key)",
    }
    out = [(n, known.get(n) or special.get(n) or n) for n in stored]
    return sorted(out, key=lambda p: p[1].lower())


EXPORT_HEADER = [
    "number",
    "time (local)",
    "account",
    "person",
    "action",
    "what",
    "record",
    "details",
]


@dataclass(frozen=True)
class AuditExport:
    path: Path
    rows: int


def export_csv(
    store: Store, actor: Actor, path: Path, query: AuditQuery | None = None
) -> AuditExport:
    """The events matching query, in plain words, as a CSV that opens right in Excel
    (UTF-8 with a byte-order mark) and LibreOffice; written atomically, and audited
    before the file appears."""
    actor.require("audit.export", "export the audit log")
    q = query or AuditQuery()
    path = Path(path)
    if path.suffix.lower() != ".csv":
        path = path.with_name(path.name + ".csv")
    check_output_path(path, store.data_dir)
    rows = 0

    def events() -> Iterator[list[object]]:
        nonlocal rows
        offset = 0
        while True:
            page = list_readable(store, actor, q, offset, 1000)
            for e in page:
                # Local wall-clock time as a real date-time a spreadsheet can sort and filter.
                local = e.at.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
                yield [e.seq, local, e.username, e.who, e.action, e.what, e.record, e.details]
            rows += len(page)
            if len(page) < 1000:
                return
            offset += 1000

    with atomic_path(path) as tmp:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            # BOM, cell rules and formula guard shared with every CSV (docs/csv.md).
            spreadsheet.write_rows(fh, EXPORT_HEADER, events())
        with store.session() as s:
            store.audit(
                s, actor, "audit.export", "file", path.name, {"rows": rows, "filter": q.summary()}
            )
    return AuditExport(path, rows)

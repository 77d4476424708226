"""Reading the audit log: filtered, paged, newest first (coordinators and admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from peerdesk.models import AuditEvent
from peerdesk.services.audit import AuditRow, to_rows
from peerdesk.services.auth import Actor
from peerdesk.services.store import Store


@dataclass(frozen=True)
class AuditQuery:
    action: str = ""  # prefix, e.g. "login" or "session."
    actor: str = ""  # username, substring
    search: str = ""  # action, target type or target id, substring
    since: datetime | None = None
    until: datetime | None = None
    descending: bool = True


def _filtered(q: AuditQuery) -> Select:
    stmt = select(AuditEvent)
    if q.action.strip():
        stmt = stmt.where(AuditEvent.action.startswith(q.action.strip(), autoescape=True))
    if q.actor.strip():
        stmt = stmt.where(AuditEvent.actor_name.contains(q.actor.strip(), autoescape=True))
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
    actor.require("audit.read", "read the audit log")
    q = query or AuditQuery()
    order = AuditEvent.seq.desc() if q.descending else AuditEvent.seq.asc()
    with store.session() as s:
        return to_rows(s.scalars(_filtered(q).order_by(order).offset(offset).limit(limit)))


def count_events(store: Store, actor: Actor, query: AuditQuery | None = None) -> int:
    actor.require("audit.read", "read the audit log")
    sub = _filtered(query or AuditQuery()).subquery()
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(sub)) or 0)


def action_names(store: Store, actor: Actor) -> list[str]:
    """Distinct action prefixes ("login", "session", ...) for a filter list."""
    actor.require("audit.read", "read the audit log")
    with store.session() as s:
        actions = s.scalars(select(AuditEvent.action).distinct())
        return sorted({a.split(".")[0] for a in actions})

"""Audit log: append events chained with an HMAC keyed from the data key, and verify them.

Each row's MAC covers its own fields and the previous row's MAC, so editing, deleting
or reordering rows breaks the chain. The newest (seq, mac) is also kept in the
settings table, so cutting rows off the end is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerdesk.models import AuditEvent, Setting, new_id, utcnow
from peerdesk.services.auth import Actor

GENESIS = "0" * 64
HEAD_KEY = "audit_head"


def audit_key(data_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"peerdesk audit chain v1"
    ).derive(data_key)


def _mac(key: bytes, row: AuditEvent | dict[str, Any]) -> str:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    at = get("at")
    payload = json.dumps(
        [
            get("seq"),
            get("id"),
            at.isoformat() if isinstance(at, datetime) else at,
            get("actor_id"),
            get("actor_name"),
            get("action"),
            get("target_type"),
            get("target_id"),
            get("detail"),
            get("prev_mac"),
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def append(
    session: Session,
    key: bytes,
    actor: Actor,
    action: str,
    target_type: str = "",
    target_id: str = "",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add one event in the caller's transaction. detail must never hold notes or names."""
    # Chain from the recorded head, not from whatever row is last now: if rows were cut
    # off the end, the next event then shows the gap instead of papering over it.
    chain_lock = session.info.get("chain_lock")
    if chain_lock is not None:
        # Several writers (a server store): wait for the others' appends, then read the
        # head as they left it, so the chain never forks (services/storage/postgres.py).
        chain_lock(session)
        head = session.get(Setting, HEAD_KEY, populate_existing=True)
    else:
        head = session.get(Setting, HEAD_KEY)
    if head is not None:
        head_seq, _, prev_mac = head.value.partition(":")
        seq = int(head_seq) + 1
    else:
        seq, prev_mac = 1, GENESIS
    if actor.emergency:
        detail = {**(detail or {}), "emergency_access": True}
    row = AuditEvent(
        seq=seq,
        id=new_id(),
        at=(at or utcnow()).replace(microsecond=0),
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
        prev_mac=prev_mac,
    )
    row.mac = _mac(key, row)
    session.add(row)
    value = f"{seq}:{row.mac}"
    if head is None:
        session.add(Setting(key=HEAD_KEY, value=value))
    else:
        head.value = value
    session.flush()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problems: list[str]


def verify_chain(session: Session, key: bytes) -> ChainReport:
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if row.seq != expected_seq:
            problems.append(f"audit event {expected_seq} is missing (next found is {row.seq})")
        if row.prev_mac != prev:
            problems.append(f"audit event {row.seq} does not follow the one before it")
        if not hmac.compare_digest(row.mac, _mac(key, row)):
            problems.append(f"audit event {row.seq} was altered")
        prev = row.mac
        expected_seq = row.seq + 1
    chain_lock = session.info.get("chain_lock")
    if chain_lock is not None:
        # Several writers (a server store): wait for the others' appends, then read the
        # head as they left it, so the chain never forks (services/storage/postgres.py).
        chain_lock(session)
        head = session.get(Setting, HEAD_KEY, populate_existing=True)
    else:
        head = session.get(Setting, HEAD_KEY)
    if head is not None:
        head_seq, _, head_mac = head.value.partition(":")
        if count == 0 or int(head_seq) != expected_seq - 1 or head_mac != prev:
            problems.append("the newest audit events were removed")
    elif count:
        problems.append("the audit log's head record is missing")
    return ChainReport(checked=count, problems=problems)


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: str


def to_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    return [
        AuditRow(e.seq, e.at, e.actor_name, e.action, e.target_type, e.target_id, e.detail)
        for e in events
    ]


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

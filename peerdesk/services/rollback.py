"""An older copy of the store put back stays loud until an administrator acknowledges it.

services/store.py notices the rollback at unlock (the key file saw a newer audit head) and
writes `store.rollback_detected`. From then on the rollback is *open* until an admin
writes `store.rollback_acknowledged` after a later detection: every command line command
prints the warning on stderr, `verify` fails, and the app shows it to every admin and
coordinator at sign-in. The state is read from the audit log itself, so it survives
restarts and cannot be lost by closing the app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerdesk.models import AuditEvent
from peerdesk.services.auth import ADMIN, COORDINATOR, Actor

log = logging.getLogger("peerdesk.it")

DETECTED = "store.rollback_detected"
ACKNOWLEDGED = "store.rollback_acknowledged"
WARNING = (
    "an older copy of the store was put back: audit events recorded earlier are missing, "
    "so recent work may be lost; an administrator must check it and acknowledge it "
    "('peerdesk verify --acknowledge-rollback' or at sign-in in the app)"
)
# Who is told at sign-in in the app (the command line tells everyone on stderr).
TOLD_ROLES = (ADMIN, COORDINATOR)


@dataclass(frozen=True)
class OpenRollback:
    detected_seq: int  # the newest store.rollback_detected event
    detected_at: datetime
    detections: int  # since the last acknowledgement


def open_rollback(session: Session) -> OpenRollback | None:
    """The unacknowledged rollback, if any: a detection newer than the last acknowledgement."""
    acked = session.scalar(
        select(func.max(AuditEvent.seq)).where(AuditEvent.action == ACKNOWLEDGED)
    )
    since = AuditEvent.seq > (acked or 0)
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.at)
        .where(AuditEvent.action == DETECTED, since)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    count = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == DETECTED, since)
    )
    return OpenRollback(int(row[0]), row[1], int(count or 0))


def told_at_sign_in(actor: Actor) -> bool:
    return actor.emergency or actor.role in TOLD_ROLES


def acknowledge(store, actor: Actor) -> bool:  # noqa: ANN001 - services.store.Store
    """An admin confirms they checked the rollback (audited); False if none was open."""
    actor.require("accounts.write", "acknowledge an older copy of the store")
    with store.session() as s:
        found = open_rollback(s)
        if found is None:
            return False
        store.audit(
            s,
            actor,
            "store.rollback_acknowledged",  # = ACKNOWLEDGED; literal for the describer check
            "store",
            store.keyslots.store_id,
            {"detected_seq": found.detected_seq, "detections": found.detections},
        )
    # The audit heads the IT log kept belong to the copy that was lost; from here on the
    # store's own chain is the one `verify` compares (services/integrity.it_log_anchors).
    log.info(
        "audit anchors reset: store %s (older copy acknowledged by an administrator)",
        store.keyslots.store_id,
    )
    store.rollback = None
    if WARNING in store.warnings:
        store.warnings.remove(WARNING)
    return True

"""Versions of the records people correct: a clear "changed by X at HH:MM; reload" for the
second of two people saving the same record, never a silent overwrite (docs/concurrency.md).

Two checks, one message:
- the service compares the version the person loaded (carried by the dataclass the form
  got) with the row's version now (check());
- the row's UPDATE itself says ``WHERE version = :loaded`` (models.VersionedMixin), which
  catches a second writer committing between that check and the write; Store.session()
  turns the resulting StaleDataError into the same StaleEditError (after_race()).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from peerdesk.errors import PeerDeskError, StaleEditError
from peerdesk.models import User, VersionedMixin

# What the person calls each versioned record, by table.
NOUNS = {
    "participants": "participant",
    "episodes": "episode",
    "support_sessions": "session",
    "outcome_answers": "outcome answer",
    "referrals": "referral",
    "resources": "resource",
    "supporters": "supporter",
    "courses": "course",
    "training_records": "training record",
    "supervision_entries": "supervision entry",
    "users": "account",
}
# Session.info key: the rows this transaction checked, for after_race().
CHECKED = "peerdesk.checked_versions"


def noun(table: str) -> str:
    return NOUNS.get(table, "record")


def local_hhmm(stamp: datetime) -> str:
    """A stored (naive UTC) time as the workstation's local HH:MM."""
    return stamp.replace(tzinfo=UTC).astimezone().strftime("%H:%M")


def message(what: str, who: str | None, when: datetime | None) -> str:
    by = f"by {who}" if who else "by someone else"
    at = f" at {local_hhmm(when)} (local time)" if when is not None else ""
    return f"This {what} was changed {by}{at}; reload it to see their change."


def describe_change(s: Session, row: Any) -> str:
    """The message for a row someone else changed: their display name and the time."""
    who = None
    if row.updated_by:
        who = s.scalar(select(User.display_name).where(User.id == row.updated_by))
    return message(noun(row.__tablename__), who, row.updated_at)


def check(s: Session, row: VersionedMixin, loaded: int | None) -> None:
    """Refuse the edit when the row changed after the person loaded it.

    loaded: the version the form showed. None only where the record was read in this same
    transaction (a one-shot command such as `peerdesk user disable`); the UPDATE's own
    version condition still guards that.
    """
    seen = row.version if loaded is None else loaded
    s.info.setdefault(CHECKED, []).append((type(row), row.id, seen))  # type: ignore[attr-defined]
    if loaded is not None and row.version != loaded:
        raise StaleEditError(describe_change(s, row))
    if inspect(type(row)).version_id_generator is False:
        # models.CheckedVersionMixin: only a checked edit moves the version (the UPDATE
        # still says WHERE version = :seen).
        row.version = seen + 1


_TABLE = re.compile(r"on table '([a-z_]+)'")


def after_race(
    open_session: Callable[[], AbstractContextManager[Session]],
    session: Session,
    exc: Exception,
) -> StaleEditError:
    """The UPDATE matched no row: another writer committed between the check and the write.
    Read who it was in a new transaction (this one is rolled back) for the usual message."""
    try:
        for model, row_id, seen in session.info.get(CHECKED, ()):
            with open_session() as s:
                row = s.get(model, row_id)
                if row is not None and row.version != seen:
                    return StaleEditError(describe_change(s, row))
    except PeerDeskError:
        pass  # cannot read it now (the connection went too): say so without a name
    table = _TABLE.search(str(exc))
    return StaleEditError(message(noun(table.group(1) if table else ""), None, None))

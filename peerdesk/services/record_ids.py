"""Saves that may be tried again: the record id is made before the first attempt.

Over a network a save can fail after the server committed it (the reply was lost), so
"failed" does not always mean "not saved". The form that collects the input makes the
new record's id once (`new_record_id()`) and sends the same id with every attempt; the
service then either inserts the record or finds it already there and answers as if it
had just saved it. So a save pressed again after a lost connection never makes a second
record, and never fails because the first one did arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from peerdesk.models import new_id

T = TypeVar("T")


def new_record_id() -> str:
    """The id for a record a form is about to create (time-ordered, as models/base.py)."""
    return new_id()


def insert_once(
    record_id: str | None,
    earlier: Callable[[str], T | None],
    insert: Callable[[], T],
) -> T:
    """insert() unless `earlier(record_id)` finds the record an earlier attempt saved.

    `earlier` returns what the service returns for a saved record, or None when there
    is none; it raises when the id belongs to a record this attempt may not claim (another
    person's, another episode's). An id that collides during the insert (the earlier
    attempt's transaction was still finishing on the server) is looked up once more.
    """
    if record_id is None:
        return insert()
    found = earlier(record_id)
    if found is not None:
        return found
    try:
        return insert()
    except IntegrityError:
        found = earlier(record_id)
        if found is None:
            raise
        return found

"""Declarative base, naming convention and the columns every record carries."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# A fixed naming convention keeps constraint names stable, which Alembic's batch
# mode on SQLite needs to alter tables later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_last = [0, 0]  # (milliseconds, 12-bit counter) of the last id made in this process
_id_lock = threading.Lock()  # ids are made on the GUI thread and in background tasks


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): 48-bit Unix milliseconds, then random.

    Python 3.12 has no uuid7. Ids made later sort later, so new rows land on the last pages
    of each primary-key and foreign-key index instead of on random pages all over the file
    (which SQLCipher must decrypt and re-encrypt). Within one millisecond the 12 bits after
    the version count up from a random start (RFC 9562 method 1), so ids from this process
    never go backwards, even if the clock does.
    """
    rand = int.from_bytes(os.urandom(10), "big")
    with _id_lock:
        now = time.time_ns() // 1_000_000
        if now > _last[0]:
            _last[0], _last[1] = now, rand >> 69  # 11 random bits: room to count up
        else:  # same millisecond, or the clock stepped back: keep counting from the last
            _last[1] += 1
            if _last[1] > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last[0], _last[1] = _last[0] + 1, 0
        stamp, counter = _last
    low = rand & ((1 << 62) - 1)
    value = (stamp & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | low
    return uuid.UUID(int=value)


def new_id() -> str:
    """Id of a new record: time-ordered (see uuid7).

    It tells when the record was made, to the millisecond; record ids stay inside the
    encrypted store and in exports that carry the dates anyway. Ids shown outside the
    store (the store id in keyslots.json) use uuid4 instead.
    """
    return str(uuid7())


def utcnow() -> datetime:
    """Naive UTC timestamp; every stored datetime is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RecordMixin:
    """Stable UUID, timestamps and acting user, on every domain record."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(36))
    updated_by: Mapped[str | None] = mapped_column(String(36))


class VersionedMixin:
    """A version number on records that people correct after saving them.

    SQLAlchemy's version counter (version_id_col): every ORM UPDATE of the row says
    ``WHERE version = :loaded`` and sets it one higher, so two people saving over each
    other never silently overwrite: the second UPDATE matches no row (StaleDataError,
    turned into StaleEditError by Store.session). Services also compare the version the
    person loaded into the form (services/record_versions.py). See docs/concurrency.md.
    """

    version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default=text("1")
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - declared_attr takes the class
        return {"version_id_col": cls.version}


class CheckedVersionMixin(VersionedMixin):
    """A version that only the checked edits move (record_versions.check sets it), not
    every UPDATE: for accounts, whose last_login_at every sign-in writes. Each UPDATE still
    says WHERE version = :loaded, so an edit racing a sign-in is still caught, but two
    sign-ins of one person at once never refuse each other, and a sign-in never makes an
    administrator's "disable" blame the wrong person."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - declared_attr takes the class
        return {"version_id_col": cls.version, "version_id_generator": False}

"""Free text sealed with the data key before it leaves the workstation (server mode).

On a PostgreSQL server the database administrator reads every table in clear, so the
columns that hold what a person typed about a person (names, contact details, reasons,
notes) are sealed here, on the workstation: AES-256-GCM under a sub-key derived from the
data key with HKDF-SHA256 (its own label), a fresh 96-bit nonce per value, and the table,
column and record id as associated data, so a sealed value moved to another record or
column fails to open. What reports aggregate (dates, minutes, modes, codes, statuses,
counts) stays in clear; docs/security.md lists every column.

The ORM does the work (`install` below): values are sealed as rows are written and opened
as rows are loaded, so services and the UI only ever see plain text. The sealer is taken
from `session.info["sealer"]` (engine.make_session_factory puts it there); without one, or
with NO_SEALING (a local SQLCipher store, encrypted as a whole), nothing happens.

Stored form: "pds1:" + base64(nonce + ciphertext + tag). The prefix tells sealed text
from plain text; "pds" = PeerDesk sealed, 1 = this scheme. Empty text stays empty and
NULL stays NULL, so a database administrator can tell a blank field from a filled one,
but not what it says or (beyond a rough length) how long it is.

A value that fails to open, or plain text where sealed text belongs, raises
DamagedStoreError naming the table and column, never the text: it was moved, altered or
written outside PeerDesk, and showing something else in its place would be worse.

Code that writes around the ORM (Core inserts, as the demo does) or reads sealed columns
with a column-level select (as the export does) seals and opens explicitly with
`seal_rows` and `open_value`. SQL cannot filter, sort or search on sealed text: searches
load the candidates' ids and text and match in Python, with and without sealing alike.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, String, Text, bindparam, event, select, update
from sqlalchemy.orm import Session, attributes, object_session
from sqlalchemy.types import TypeEngine

from peerdesk.errors import DamagedStoreError

PREFIX = "pds1:"
LABEL = b"peerdesk column sealing v1"
SESSION_KEY = "sealer"  # in Session.info

# table -> columns sealed in it. Keep docs/security.md ("What a database administrator
# can read") in step with this.
SEALED: dict[str, tuple[str, ...]] = {
    "participants": ("name", "contact"),
    "episodes": ("reason",),
    "support_sessions": ("notes", "withdrawn_reason"),
    "referrals": ("reason",),
    "referral_status_changes": ("note",),
    "supervision_entries": ("supervisor", "notes"),
    "resources": ("phone", "email", "address", "hours", "notes"),
}

# Columns whose values may already be sealed by their author with a key the data key
# cannot open (private notes, services/notes_crypto.py): such values are stored as they
# are. Notes written before notes were sealed per author are sealed with the data key
# like any other text until their author's next sign-in seals them per author.
AUTHOR_SEALED: dict[tuple[str, str], str] = {("support_sessions", "notes"): "pdn1:"}


class Sealer(Protocol):
    def seal(self, table: str, column: str, record_id: str, text: str) -> str: ...

    def open(self, table: str, column: str, record_id: str, stored: str) -> str: ...


class _NoSealing:
    """A local SQLCipher store: the whole file is encrypted, columns are stored as they are."""

    def seal(self, table: str, column: str, record_id: str, text: str) -> str:
        return text

    def open(self, table: str, column: str, record_id: str, stored: str) -> str:
        return stored

    def __repr__(self) -> str:
        return "NO_SEALING"


NO_SEALING: Sealer = _NoSealing()


def _aad(table: str, column: str, record_id: str) -> bytes:
    return f"{PREFIX}\x1f{table}\x1f{column}\x1f{record_id}".encode()


def damaged(table: str, column: str, why: str) -> DamagedStoreError:
    return DamagedStoreError(
        f"a value in {table}.{column} {why}: it was changed or moved outside PeerDesk "
        "(the store is damaged; restore a backup or ask IT)"
    )


class _AesGcmSealer:
    def __init__(self, data_key: bytes | Callable[[], bytes]) -> None:
        self._get_key: Callable[[], bytes] = data_key if callable(data_key) else (lambda: data_key)
        self._for: bytes | None = None
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        key = self._get_key()  # raises once the store is locked and the key dropped
        if self._aead is None or key is not self._for:
            if len(key) != 32:
                raise ValueError("the data key must be 32 bytes")
            sub = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(key)
            self._aead, self._for = AESGCM(sub), key
        return self._aead

    def seal(self, table: str, column: str, record_id: str, text: str) -> str:
        if not text:
            return text
        nonce = os.urandom(12)
        sealed = self._cipher().encrypt(nonce, text.encode("utf-8"), _aad(table, column, record_id))
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, table: str, column: str, record_id: str, stored: str) -> str:
        if not stored:
            return stored
        if not stored.startswith(PREFIX):
            raise damaged(table, column, "is not sealed")
        try:
            raw = base64.b64decode(stored[len(PREFIX) :].encode("ascii"), validate=True)
            plain = self._cipher().decrypt(raw[:12], raw[12:], _aad(table, column, record_id))
            return plain.decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise damaged(table, column, "does not open for its record") from None

    def __repr__(self) -> str:
        return "AES-256-GCM sealer"  # never the key


def make_sealer(data_key: bytes | Callable[[], bytes]) -> Sealer:
    """A sealer under a sub-key of the data key. Pass the key as a callable (as
    make_engine takes it) so that once the store drops its key, nothing seals or opens."""
    return _AesGcmSealer(data_key)


def sealer_of(session: Session) -> Sealer:
    return session.info.get(SESSION_KEY) or NO_SEALING


def sealed_columns(table: str) -> tuple[str, ...]:
    return SEALED.get(table, ())


def is_sealed_text(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal_value(sealer: Sealer, table: str, column: str, record_id: str, value: Any) -> Any:
    if value is None or value == "" or sealer is NO_SEALING:
        return value
    author = AUTHOR_SEALED.get((table, column))
    if author is not None and value.startswith(author):
        return value
    return sealer.seal(table, column, record_id, value)


def open_value(sealer: Sealer, table: str, column: str, record_id: str, value: Any) -> Any:
    if value is None or value == "" or sealer is NO_SEALING:
        return value
    author = AUTHOR_SEALED.get((table, column))
    if author is not None and value.startswith(author):
        return value
    return sealer.open(table, column, record_id, value)


def seal_rows(sealer: Sealer, table: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a Core insert with their sealed columns sealed (copies; "id" required)."""
    columns = sealed_columns(table)
    if sealer is NO_SEALING or not columns:
        return list(rows)
    out = []
    for row in rows:
        row = dict(row)
        for c in columns:
            if c in row:
                row[c] = seal_value(sealer, table, c, row["id"], row[c])
        out.append(row)
    return out


# -- the ORM: seal on write, open on load ------------------------------------------------


def _active(session: Session | None) -> Sealer | None:
    if session is None:
        return None
    sealer = session.info.get(SESSION_KEY)
    return None if sealer is None or sealer is NO_SEALING else sealer


def _seal_before_write(target: Any, columns: tuple[str, ...], table: str, new: bool) -> None:
    session = object_session(target)
    sealer = _active(session)
    if sealer is None:
        return
    assert session is not None
    if target.id is None:
        from peerdesk.models.base import new_id

        target.id = new_id()  # the column default runs too late: the id is sealed in
    state = attributes.instance_state(target)
    plain: dict[str, Any] = {}
    for c in columns:
        if c not in state.dict:
            continue
        if not new and not state.attrs[c].history.has_changes():
            continue
        value = state.dict[c]
        sealed = seal_value(sealer, table, c, target.id, value)
        if sealed is not value:
            plain[c] = value
            state.dict[c] = sealed
    if plain:
        session.info.setdefault("sealing.plain", {})[id(target)] = (target, plain)


def _restore_after_write(target: Any) -> None:
    session = object_session(target)
    if session is None:
        return
    pending = session.info.get("sealing.plain")
    if not pending:
        return
    entry = pending.pop(id(target), None)
    if entry is not None:
        for c, value in entry[1].items():
            attributes.set_committed_value(target, c, value)


def _open_loaded(
    state: Any,
    session: Session | None,
    columns: tuple[str, ...],
    table: str,
    only: Iterable[str] | None = None,
) -> None:
    sealer = _active(session)
    if sealer is None:
        return
    d = state.dict
    wanted = columns if only is None else [c for c in columns if c in set(only)]
    for c in wanted:
        if c in d:
            value = d[c]
            plain = open_value(sealer, table, c, d["id"], value)
            if plain is not value:
                attributes.set_committed_value(state.obj(), c, plain)


def install(model: type) -> None:
    """Seal and open the SEALED columns of one mapped class through ORM events."""
    table = model.__table__.name  # type: ignore[attr-defined]
    columns = SEALED[table]

    def before_insert(_mapper: Any, _conn: Any, target: Any) -> None:
        _seal_before_write(target, columns, table, new=True)

    def before_update(_mapper: Any, _conn: Any, target: Any) -> None:
        _seal_before_write(target, columns, table, new=False)

    def after_write(_mapper: Any, _conn: Any, target: Any) -> None:
        _restore_after_write(target)

    # raw=True: the listeners get the InstanceState, which spares a wrapper call per row
    # loaded (the session list loads hundreds of sessions per page, sealed or not).
    def on_load(state: Any, context: Any) -> None:
        _open_loaded(state, context.session, columns, table)

    def on_refresh(state: Any, context: Any, attrs: Iterable[str] | None) -> None:
        _open_loaded(state, context.session, columns, table, attrs)

    def on_refresh_flush(state: Any, flush_context: Any, attrs: Iterable[str] | None) -> None:
        _open_loaded(state, flush_context.session, columns, table, attrs)

    event.listen(model, "before_insert", before_insert)
    event.listen(model, "before_update", before_update)
    event.listen(model, "after_insert", after_write)
    event.listen(model, "after_update", after_write)
    event.listen(model, "load", on_load, raw=True)
    event.listen(model, "refresh", on_refresh, raw=True)
    event.listen(model, "refresh_flush", on_refresh_flush, raw=True)


def _clear_pending(session: Session, _flush_context: Any) -> None:
    # A flush that failed half-way leaves entries behind; they must not outlive it.
    session.info.pop("sealing.plain", None)


event.listen(Session, "after_flush_postexec", _clear_pending)


def install_all() -> None:
    from peerdesk.models.base import Base

    by_table = {m.class_.__table__.name: m.class_ for m in Base.registry.mappers}
    for table in SEALED:
        install(by_table[table])


def id_list(values: list[str]) -> Any:
    """Ids (or stored values) matched in Python, for `column.in_(...)`: rendered into the
    statement, so a long list never meets a driver's limit on bound parameters (SQLite:
    32,766)."""
    return bindparam("sealing_ids", values, expanding=True, literal_execute=True, unique=True)


def sealed_text(length: int) -> TypeEngine[str]:
    """The type of a sealed column: its plain-text length on SQLite (which ignores it), TEXT
    on PostgreSQL, where sealed text would not fit the plain-text length (migration 0009)."""
    return String(length).with_variant(Text(), "postgresql")


def reseal(connection: Connection, old: Sealer, new: Sealer, batch: int = 2000) -> int:
    """Rewrite every sealed column from one sealer's form to another's, in place, on one
    connection (the caller's transaction); returns the rows rewritten.

    For moving a store between engines: a local store's plain text sealed on its way onto a
    server (NO_SEALING -> make_sealer(key)), or a server's opened on its way into a local
    store (make_sealer(key) -> NO_SEALING). Values that fail to open raise DamagedStoreError
    and nothing is committed by this function.
    """
    from peerdesk.models.base import Base

    changed = 0
    for name, columns in SEALED.items():
        table = Base.metadata.tables[name]
        cols = [table.c[c] for c in columns]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in columns})
        )
        rows = connection.execute(select(table.c.id, *cols).order_by(table.c.id)).all()
        pending: list[dict[str, Any]] = []
        for record_id, *values in rows:
            params: dict[str, Any] = {"_id": record_id}
            for c, value in zip(columns, values, strict=True):
                plain = open_value(old, name, c, record_id, value)
                params[f"_{c}"] = seal_value(new, name, c, record_id, plain)
            if any(params[f"_{c}"] != v for c, v in zip(columns, values, strict=True)):
                pending.append(params)
            if len(pending) >= batch:
                connection.execute(stmt, pending)
                changed += len(pending)
                pending = []
        if pending:
            connection.execute(stmt, pending)
            changed += len(pending)
    return changed


def unopenable(connection: Connection, sealer: Sealer) -> dict[str, int]:
    """For `verify`: per "table.column", how many stored values fail to open with this
    sealer (moved, altered, or plain where sealed belongs); empty when all open. Reads
    every sealed column once; names no text."""
    from peerdesk.models.base import Base

    bad: dict[str, int] = {}
    for name, columns in SEALED.items():
        table = Base.metadata.tables[name]
        rows = connection.execute(select(table.c.id, *(table.c[c] for c in columns)))
        for record_id, *values in rows:
            for c, value in zip(columns, values, strict=True):
                try:
                    open_value(sealer, name, c, record_id, value)
                except DamagedStoreError:
                    bad[f"{name}.{c}"] = bad.get(f"{name}.{c}", 0) + 1
    return bad

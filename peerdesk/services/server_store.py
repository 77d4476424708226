"""Setting up and upgrading a store on the clinic's PostgreSQL server (admin, from the CLI):
`peerdesk server init --admin NAME` and `peerdesk server upgrade`.

The app and other commands never change the server's schema; they refuse one that is
older or newer than themselves (services/storage/postgres.py).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, inspect, literal, select, text
from sqlalchemy.exc import SQLAlchemyError

from peerdesk.errors import PermissionDeniedError, ServerSchemaError, StoreExistsError, UsageError
from peerdesk.models import Base, new_id, schema
from peerdesk.services import integrity, store_setup
from peerdesk.services.keyslots import new_recovery_key
from peerdesk.services.passwords import check_new_password, valid_username
from peerdesk.services.policy import load_policy
from peerdesk.services.storage import PostgresBackend, backend_for
from peerdesk.services.storage.keyslot_table import SETTING_UP, KeyslotTable
from peerdesk.services.store import open_engine_checked, open_store
from peerdesk.services.text_rules import check_one_line

log = logging.getLogger("peerdesk.it")


def server_backend(data_dir: Path) -> PostgresBackend:
    backend = backend_for(Path(data_dir))
    if not isinstance(backend, PostgresBackend):
        raise UsageError(
            "the machine policy names no server ([store] url); 'peerdesk server' commands "
            "work on a clinic server only"
        )
    return backend


def on_server(data_dir: Path) -> bool:
    return isinstance(backend_for(Path(data_dir)), PostgresBackend)


def _clear_interrupted_setup(backend: PostgresBackend) -> None:
    """A setup killed half-way left tables but no finished key document: nobody can have
    used that store (its recovery key was never shown), so it is cleared and redone."""
    engine = backend.engine()
    try:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text(f"DROP TABLE IF EXISTS {schema.VERSION_TABLE}"))
    finally:
        engine.dispose()
    log.warning("%s: an interrupted setup was cleared", backend.label)


def _only_schema(engine: Engine, current: str) -> bool:
    """The schema of this release and not one row: a database prepared by IT (or a test's
    template) with migrations only, ready for the first records."""
    if current != schema.head_revision():
        return False
    with engine.connect() as conn:
        return not any(
            conn.execute(select(literal(1)).select_from(table).limit(1)).first()
            for table in Base.metadata.sorted_tables
        )


def require_empty_server(backend: PostgresBackend, otherwise: str) -> None:
    """Refuse a server already set up (`otherwise` says what to do instead), or a database
    holding other tables; clear what an interrupted setup or move left (nobody can have
    used it: it never finished). A database IT prepared with this release's schema only
    (no rows) is used as it is."""
    current, finished = backend.schema_state()
    if finished:
        raise StoreExistsError(
            f"{backend.label} is already set up for PeerDesk (schema {current}); {otherwise}"
        )
    engine = backend.engine()
    try:
        with engine.connect() as conn:
            others = sorted(
                set(inspect(conn).get_table_names())
                - set(Base.metadata.tables)
                - {schema.VERSION_TABLE}
            )
        if others:
            raise StoreExistsError(
                f"{backend.label} holds other tables ({', '.join(others[:3])}); "
                "PeerDesk is set up only in an empty database"
            )
        if current is not None and not _only_schema(engine, current):
            _clear_interrupted_setup(backend)
    except SQLAlchemyError as exc:
        raise backend.unreachable(exc) from exc
    finally:
        engine.dispose()


def create_server_store(
    data_dir: Path,
    admin_username: str,
    admin_password: str,
    admin_display_name: str = "",
    site_name: str = "Main site",
    demo: bool = False,
    id_factory: Callable[[], str] = new_id,
) -> str:
    """Set up an empty server database with one admin account; return the recovery key."""
    backend = server_backend(data_dir)
    policy = load_policy(data_dir)
    admin_username = valid_username(admin_username)
    admin_display_name = check_one_line(admin_display_name, "the display name")
    site_name = check_one_line(site_name, "the site name")
    password = check_new_password(admin_password, policy.min_password_length, admin_username)
    require_empty_server(backend, "'peerdesk server upgrade' brings it to this release")
    engine = backend.engine()
    try:
        with engine.connect() as conn:
            schema.upgrade(conn)  # PostgreSQL runs the migrations' DDL in one transaction
            conn.commit()
        key = os.urandom(32)
        recovery = new_recovery_key()
        # Marked as being set up until the admin's account is in: an interrupted setup
        # is then found and redone instead of leaving a store nobody can open.
        slots = KeyslotTable.create_in(engine, str(uuid.uuid4()))
    except SQLAlchemyError as exc:
        raise backend.unreachable(exc) from exc
    finally:
        engine.dispose()
    first = store_setup.first_keys(slots, admin_username, password, key, recovery, demo)
    store = open_engine_checked(data_dir, key, None, policy, slots, backend)
    with store:
        store_setup.first_records(
            store, first, admin_username, admin_display_name, site_name, demo, id_factory
        )
        slots.data.pop(SETTING_UP, None)
        slots.save()
    log.info("%s set up for PeerDesk (first admin account %s)", backend.label, admin_username)
    return recovery


def upgrade_server(data_dir: Path, username: str, password: str) -> tuple[str | None, str]:
    """Bring the server's schema to this release; (from, to).

    The store cannot be opened while its schema is behind, so the administrator is
    checked at the key document: their slot must open and carry the integrity key, which
    only administrators' slots hold (services/integrity.py)."""
    backend = server_backend(data_dir)
    policy = load_policy(data_dir)
    slots = backend.keyslots()
    name = username.strip().lower()
    unlocked = slots.open_slot("password", name, password, policy.max_failed_attempts)
    if integrity.KEY_EXTRA not in unlocked.extras:
        raise PermissionDeniedError("only an administrator may upgrade the server's database")
    before, after = _upgrade(backend)
    if before != after:
        store, actor = open_store(data_dir, name, password)
        with store:
            store.record_event(
                actor, "server.upgrade", "store", slots.store_id, {"from": before, "to": after}
            )
    return before, after


def _upgrade(backend: PostgresBackend) -> tuple[str | None, str]:
    head = schema.head_revision()
    engine = backend.engine()
    try:
        with engine.connect() as conn:
            current = schema.current_revision(conn)
            if current is not None and current not in schema.known_revisions():
                raise ServerSchemaError(
                    f"{backend.label} was set up by a newer PeerDesk release (schema "
                    f"{current}); install that release to upgrade it"
                )
            if current != head:
                schema.upgrade(conn)
                conn.commit()
    except SQLAlchemyError as exc:
        raise backend.unreachable(exc) from exc
    finally:
        engine.dispose()
    if current != head:
        log.info("%s upgraded from schema %s to %s", backend.label, current, head)
    return current, head

"""Moving a store onto the clinic server, and backups in and out of it (issue 13 part 6).

- `import_store`: `peerdesk server import-store DIR` moves a local store onto an empty
  server database;
- `restore_onto_server`: `peerdesk restore FILE` in server mode puts a backup onto an
  empty server database;
- `peerdesk backup` in server mode copies the server's rows into a temporary SQLCipher
  file under the data key (services/storage/server_copy.py), which services/backup.py
  then packs as every backup is packed.

All three copy with services/storage/transfer.py. A move onto the server is all or
nothing, as `peerdesk server init` is: the key document is written first marked as
being set up (SETTING_UP), the rows are copied, counted, the audit chain and a sample of
sealed values are checked, and the mark is removed in the same transaction as the rows.
A failure or a kill before that commit leaves a server that reports "not set up"; the
next import, restore or init clears what was left and starts again. The server gets the
local store's key document, so the same passwords and the same recovery key open it.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from peerdesk.errors import (
    AuthenticationError,
    DamagedStoreError,
    IntegrityProblem,
    PermissionDeniedError,
    StoreNotFoundError,
)
from peerdesk.models import KeyDocument, User, schema
from peerdesk.models.engine import make_engine
from peerdesk.services import audit, integrity, pending_events
from peerdesk.services.auth import ADMIN, Actor
from peerdesk.services.keyslots import KEYSLOTS_FILE, KeyslotFile, canonical_recovery_key
from peerdesk.services.policy import load_policy
from peerdesk.services.server_store import require_empty_server, server_backend
from peerdesk.services.storage import PostgresBackend, SqlcipherBackend, transfer
from peerdesk.services.storage.keyslot_table import ROW_ID, SETTING_UP
from peerdesk.services.storage.postgres import lock_chain
from peerdesk.services.storage.server_copy import (  # noqa: F401 - export_server_copy for callers
    export_server_copy,
    server_error,
    server_sealing,
)
from peerdesk.services.storage.transfer import Progress, Sealing

log = logging.getLogger("peerdesk.it")
DB_FILE = "peerdesk.db"


@dataclass(frozen=True)
class MoveReport:
    """What a move onto the server copied and proved."""

    tables: dict[str, int]  # rows per table, equal on both sides
    audit_events: int  # the chain verified on the server
    sealed_checked: int  # sealed values read back and opened equal


# -- sealing -----------------------------------------------------------------------------


# -- who may move a store ----------------------------------------------------------------


def _unlock_admin(
    slots: KeyslotFile,
    where: Path,
    username: str | None,
    password: str | None,
    recovery_key: str | None,
    max_failed: int,
) -> tuple[bytes, str | None]:
    """The data key, opened by an administrator's password or the recovery key; (key,
    username or None for the recovery key). Only administrators' slots carry the
    integrity key (services/integrity.py), which is how an admin is known before the
    store is open."""
    from peerdesk.services.store import note_failed_login  # avoids an import cycle

    if recovery_key is not None:
        kind, name, secret = "recovery", "", canonical_recovery_key(recovery_key)
    else:
        if not username or password is None:
            raise AuthenticationError("a username and password are needed")
        kind, name, secret = "password", username.strip().lower(), password
    try:
        unlocked = slots.open_slot(kind, name, secret, max_failed)
    except AuthenticationError as exc:
        note_failed_login(slots, name, type(exc).__name__, bool(getattr(exc, "just_locked", False)))
        raise
    if kind == "password" and integrity.KEY_EXTRA not in unlocked.extras:
        raise PermissionDeniedError(
            f"only an administrator of the store in {where} may move it to the server"
        )
    return unlocked.key, (name if kind == "password" else None)


def _actor(source: Connection, username: str | None) -> Actor:
    if username is None:
        return Actor(None, "recovery-key", "Emergency access", ADMIN, emergency=True)
    user = source.execute(
        select(User.id, User.username, User.display_name).where(User.username == username)
    ).first()
    if user is None:
        raise DamagedStoreError("the account's keyslot has no matching user record")
    return Actor(user.id, user.username, user.display_name, ADMIN)


# -- the move ----------------------------------------------------------------------------

MOVE_ONLY = "a store is moved or restored only onto an empty database"


def _prepare_server(engine: Engine, slot_doc: dict[str, Any]) -> None:
    """The schema, then the key document marked as being set up: from here until the
    rows' commit, a kill leaves a server that says "not set up"."""
    with engine.connect() as conn:
        schema.upgrade(conn)
        conn.commit()
    doc = {**slot_doc, SETTING_UP: True}
    with engine.begin() as conn:
        conn.execute(insert(KeyDocument).values(id=ROW_ID, doc=json.dumps(doc)))


def move_onto_server(
    backend: PostgresBackend,
    source_engine: Engine,
    key: bytes,
    slot_doc: dict[str, Any],
    username: str | None,
    action: str,
    detail: dict[str, Any],
    progress: Progress | None = None,
    sealing: Sealing | None = None,
) -> MoveReport:
    """Copy a SQLCipher store's rows onto the empty server named by `backend`, prove the
    copy, audit `action` on the server and finish the key document, all in one commit."""
    require_empty_server(backend, MOVE_ONLY)
    sealing = sealing if sealing is not None else server_sealing(key, onto_server=True)
    engine = backend.engine()
    try:
        _prepare_server(engine, slot_doc)
        with source_engine.connect() as source, engine.connect() as target:
            source.begin()  # one snapshot of the source
            target.begin()
            actor = _actor(source, username)
            tables = transfer.copy_all(source, target, sealing, progress=progress)
            problems = transfer.count_problems(source, target)
            checked, sealed_problems = transfer.sealed_sample_problems(source, target, sealing)
            problems += sealed_problems
            with Session(bind=target, info={"chain_lock": lock_chain}) as s:
                chain = audit.verify_chain(s, key)
                problems += chain.problems
                if problems:
                    raise IntegrityProblem(
                        f"the copy on {backend.label} did not match ({problems[0]}"
                        + (f"; {len(problems) - 1} more" if len(problems) > 1 else "")
                        + "); nothing was kept on the server"
                    )
                # `action` names the event (store.import, backup.restore), the store its target.
                target_of = ("store", str(slot_doc.get("store_id", "")))
                done = {**detail, "rows": sum(tables.values())}
                audit.append(s, key, actor, action, *target_of, done)
                s.flush()
            target.execute(
                update(KeyDocument)
                .where(KeyDocument.id == ROW_ID)
                .values(doc=json.dumps({k: v for k, v in slot_doc.items() if k != SETTING_UP}))
            )
            target.commit()
    except SQLAlchemyError as exc:
        error = server_error(backend, exc, key)
        if error is None:
            raise
        raise error from exc
    finally:
        engine.dispose()
    return MoveReport(tables, chain.checked, checked)


def import_store(
    data_dir: Path,
    local_dir: Path,
    username: str | None,
    password: str | None,
    recovery_key: str | None = None,
    progress: Progress | None = None,
    sealing: Sealing | None = None,
) -> MoveReport:
    """`peerdesk server import-store DIR`: the local store in DIR onto the empty server the
    machine policy names. The local store is left as it was; nothing is deleted."""
    from peerdesk.services.instance_lock import InstanceLock
    from peerdesk.services.store import open_engine_checked

    backend = server_backend(data_dir)
    local_dir = Path(local_dir)
    local = SqlcipherBackend(local_dir)
    if not local.exists() or not (local_dir / KEYSLOTS_FILE).exists():
        raise StoreNotFoundError(f"no PeerDesk store in {local_dir}")
    require_empty_server(backend, MOVE_ONLY)  # before asking for anything: one clear line
    policy = load_policy(local_dir)
    lock = InstanceLock(local_dir)  # the app must not write while its rows are copied
    lock.acquire()
    try:
        slots = local.keyslots()
        key, name = _unlock_admin(
            slots, local_dir, username, password, recovery_key, policy.max_failed_attempts
        )
    except BaseException:
        lock.release()
        raise
    # Migrates an older local store first (with its pre-upgrade backup), as opening does.
    store = open_engine_checked(local_dir, key, lock, policy, slots, local)
    with store:
        # Events queued beside a running app join the local chain before it is copied.
        with store.session() as s:
            queued = pending_events.flush(local_dir, key, s, store.audit)
        pending_events.remove(queued)
        report = move_onto_server(
            backend,
            store.engine,
            key,
            dict(slots.document()),
            name,
            "store.import",
            {"from": "local store"},
            progress,
            sealing,
        )
        # No event is added to the local store after the copy: the server continues the
        # same chain (same store id), and an event here would be a second event with the
        # same number, which `verify` on the server would report against the IT log's
        # anchors. The move is recorded on the server (store.import) and in the IT log.
    log.info(
        "store %s moved from %s to %s (%d rows, %d audit events verified)",
        slots.store_id,
        local_dir,
        backend.label,
        sum(report.tables.values()),
        report.audit_events,
    )
    return report


def restore_onto_server(
    backup: Path,
    data_dir: Path,
    username: str | None,
    password: str | None,
    recovery_key: str | None = None,
    progress: Progress | None = None,
    sealing: Sealing | None = None,
) -> dict[str, Any]:
    """`peerdesk restore FILE` in server mode: a backup onto the empty server. The
    backup's store is unpacked (still encrypted) into a private temporary folder, brought
    to this release's schema there, and moved as `import_store` moves a local store."""
    from peerdesk.services.backup import extract_store_files

    backend = server_backend(data_dir)
    require_empty_server(backend, MOVE_ONLY)
    work = Path(tempfile.mkdtemp(prefix="peerdesk-restore-"))  # 0700
    try:
        manifest = extract_store_files(Path(backup), work)
        slots = KeyslotFile(work)
        key, name = _unlock_admin(
            slots, work, username, password, recovery_key, load_policy(data_dir).max_failed_attempts
        )
        engine = make_engine(work / DB_FILE, key)
        try:
            with engine.connect() as conn:
                current = schema.current_revision(conn)
                if current is not None and current not in schema.known_revisions():
                    raise DamagedStoreError(
                        "this backup was made by a newer PeerDesk release; install that release"
                    )
                if current != schema.head_revision():
                    schema.upgrade(conn)  # the temporary copy only
                    conn.commit()
            report = move_onto_server(
                backend,
                engine,
                key,
                {k: v for k, v in slots.document().items() if k != SETTING_UP},
                name,
                "backup.restore",
                {
                    "file": Path(backup).name,
                    "backup_created_at": manifest.get("created_at"),
                },
                progress,
                sealing,
            )
        finally:
            engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    manifest["rows"] = sum(report.tables.values())
    manifest["onto"] = backend.label
    log.info("backup restored onto %s (made %s)", backend.label, manifest.get("created_at", "?"))
    # The chain continues from the backup's head: older anchors no longer apply.
    log.info("audit anchors reset: store %s (restored from a backup)", manifest.get("store_id"))
    return manifest


# -- backups of a server store -----------------------------------------------------------

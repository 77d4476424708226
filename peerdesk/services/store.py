"""Creating, unlocking, migrating and closing the encrypted store.

A data folder holds: peerdesk.db (SQLCipher 4), keyslots.json, peerdesk.lock,
an optional policy.toml and backups/ (automatic pre-migration backups).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from peerdesk.errors import (
    AuthenticationError,
    DamagedStoreError,
    PasswordChangeRequiredError,
    PeerDeskError,
    StorageFullError,
    StoreExistsError,
    StoreNotFoundError,
)
from peerdesk.models import AuditEvent, Setting, User, new_id, schema, utcnow
from peerdesk.services import audit, integrity, pending_events, record_versions, store_setup
from peerdesk.services.auth import ADMIN, SYSTEM, Actor
from peerdesk.services.files import (
    os_error_message,
)
from peerdesk.services.folder_access import (
    create_file,
    make_folder,
    set_file_mode,
    tighten_folder,
)
from peerdesk.services.instance_lock import HOLDER_FILE, LOCK_FILE, InstanceLock
from peerdesk.services.keyslots import (
    KEYSLOTS_FILE,
    KeyslotFile,
    Unlocked,
    canonical_recovery_key,
    new_recovery_key,
)
from peerdesk.services.locations import (  # noqa: F401 - re-exported for callers
    default_data_dir,
    default_demo_dir,
    resolve_data_dir,
)
from peerdesk.services.notes import (
    NoteKeys,
    setup_at_unlock,
)
from peerdesk.services.passwords import check_new_password, valid_username
from peerdesk.services.policy import POLICY_FILE, Policy, load_policy
from peerdesk.services.rollback import WARNING as ROLLBACK_WARNING
from peerdesk.services.rollback import OpenRollback, open_rollback, told_at_sign_in
from peerdesk.services.storage import Backend, PostgresBackend, SqlcipherBackend, backend_for
from peerdesk.services.text_rules import check_one_line

DB_FILE = "peerdesk.db"
BACKUP_DIR = "backups"
PENDING_KEY = "pending_events"
AUDIT_SEEN_KEY = "audit_head_seen"
log = logging.getLogger("peerdesk.it")


def store_file_names() -> tuple[str, ...]:
    return (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", KEYSLOTS_FILE)


def secure_store_files(data_dir: Path) -> None:
    """Bring the modes of the store's files in line with the folder (0600, or 0660 in a
    group-shared folder); stores made by older releases had a 0644 database file."""
    for name in (*store_file_names(), LOCK_FILE, HOLDER_FILE, POLICY_FILE):
        try:
            set_file_mode(Path(data_dir) / name)
        except OSError:
            pass  # not ours to change; the folder's own mode still keeps others out
    # Folders too (a restore by an older release left 0755): 0700, or the clinic group's
    # 2770 in a shared folder; never anything for others.
    for folder in (Path(data_dir), Path(data_dir) / BACKUP_DIR, Path(data_dir) / "pending-events"):
        try:
            tighten_folder(folder)
        except OSError:
            pass


def store_exists(data_dir: Path) -> bool:
    """Whether there is a store to open: the folder's file, or the server the machine
    policy names, set up with `peerdesk server init`."""
    backend = backend_for(Path(data_dir))
    try:
        return backend.exists()
    finally:
        backend.close()


def store_location(data_dir: Path) -> str | None:
    """The clinic server the store is on ("host:port/database"), or None for the local
    file in data_dir (read from the machine policy, without connecting)."""
    backend = backend_for(Path(data_dir))
    return backend.config.label if isinstance(backend, PostgresBackend) else None


def key_document(data_dir: Path) -> KeyslotFile:
    """The store's key document, read without unlocking: keyslots.json in the folder, or
    the server's key table (what the sign-in screen may show, and the keyring unlock)."""
    backend = backend_for(Path(data_dir))
    try:
        return backend.keyslots()
    finally:
        backend.close()  # a later save reconnects


class Store:
    """An unlocked store: engine, key and instance lock. Close it to drop all three."""

    def __init__(
        self,
        data_dir: Path,
        key: bytes,
        lock: InstanceLock | None,
        policy: Policy,
        keyslots: KeyslotFile | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.policy = policy
        # Where the store lives: this folder's SQLCipher file, or the clinic's server.
        self.backend: Backend = backend or SqlcipherBackend(self.data_dir)
        self._key: bytes | None = key
        # None: opened beside another instance (a backup while the app is open). Such a
        # store never rewrites keyslots.json, which the instance holding the lock owns.
        self._lock = lock
        self.engine: Engine = self.backend.make_engine(lambda: self.key)
        self._sessions: sessionmaker[Session] = self.backend.session_factory(
            self.engine,
            lambda: self.key,  # the sealer's key goes with the store's lock
        )
        # One key document per open store, so nothing saves a stale copy over newer slots.
        self.keyslots = keyslots or self.backend.keyslots()
        self.warnings: list[str] = []  # shown to the person who unlocked (e.g. rollback)
        # An older copy put back and not yet acknowledged (services/rollback.py).
        self.rollback: OpenRollback | None = None
        self.note_keys = NoteKeys()  # the unlocked person's notes keys (services/notes.py)
        # Set while the person signed in still has an administrator's password (see
        # accounts.choose_first_password); holds their opened slot until they replace it.
        self.first_password: Unlocked | None = None
        # The integrity key's public half this person trusts, and the signer for admins.
        self.integrity = integrity.IntegrityState()

    @property
    def must_change_password(self) -> bool:
        return self.first_password is not None

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise PeerDeskError("the store is locked")
        return self._key

    @property
    def is_open(self) -> bool:
        return self._key is not None

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        if self._key is None:
            raise PeerDeskError("the store is locked")
        with self._sessions() as session:
            try:
                with session.begin():
                    yield session
            except StaleDataError as exc:
                # Another writer saved the same record between the version check and the
                # write (services/record_versions.py): say who, never overwrite.
                raise record_versions.after_race(self.session, session, exc) from exc
            except (OSError, SQLAlchemyError, sqlcipher3.Error) as exc:
                # Damage, a full disk, permissions (faults.py), a lost or refusing server:
                # one clear sentence from the engine's backend, and the transaction rolled
                # back. Other errors (a constraint) stay for the caller.
                known = self.backend.fault(exc, self._key)
                if known is not None:
                    raise known from exc
                raise

    def audit(
        self,
        session: Session,
        actor: Actor,
        action: str,
        target_type: str = "",
        target_id: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        audit.append(session, self.key, actor, action, target_type, target_id, detail)

    def record_event(
        self,
        actor: Actor,
        action: str,
        target_type: str = "",
        target_id: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Audit an event in its own transaction; beside a running app (not exclusive),
        sealed into pending-events/ instead, so this process never commits to the
        database under the app (see services/pending_events.py)."""
        if self.exclusive:
            with self.session() as s:
                self.audit(s, actor, action, target_type, target_id, detail)
        else:
            pending_events.record(
                self.data_dir, self.key, actor, action, target_type, target_id, detail
            )

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self.session() as s:
            row = s.get(Setting, key)
            return row.value if row else default

    def is_demo(self) -> bool:
        return self.setting("demo") == "true"

    @property
    def exclusive(self) -> bool:
        """True when this process may commit and rewrite the key document: it holds the
        instance lock, or the store is on a server, where every workstation writes."""
        return self._lock is not None or self.backend.shared

    def close(self) -> None:
        if self._key is not None:
            if self.exclusive:
                self._remember_audit_head()
            self.engine.dispose()
            self._key = None
            self.note_keys = NoteKeys()
            self.first_password = None
            self.integrity = integrity.IntegrityState()
        if self._lock is not None:
            self._lock.release()

    def _remember_audit_head(self) -> None:
        try:
            with self.session() as s:
                head = s.get(Setting, audit.HEAD_KEY)
            if head is not None and self.keyslots.data.get(AUDIT_SEEN_KEY) != head.value:
                self.keyslots.data[AUDIT_SEEN_KEY] = head.value
                self.keyslots.save()
            if head is not None:  # an anchor outside the store, compared by `verify`
                seq, _, mac = head.value.partition(":")
                log.info("audit anchor: store %s event %s %s", self.keyslots.store_id, seq, mac)
        except (PeerDeskError, OSError, SQLAlchemyError):
            pass  # closing must always succeed; the check is a warning, not a lock

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _migrate(data_dir: Path, engine: Engine, key: bytes) -> None:
    from peerdesk.services.backup import write_backup_file  # avoids an import cycle

    with engine.connect() as conn:
        current = schema.current_revision(conn)
        if current is None and schema.has_tables(conn):
            raise DamagedStoreError("the store file is not a PeerDesk store")
    head = schema.head_revision()
    if current == head:
        return
    if current is not None:
        known = schema.known_revisions()
        if current not in known:
            raise DamagedStoreError(
                "this store was written by a newer PeerDesk release; install that release"
            )
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = data_dir / BACKUP_DIR / f"pre-upgrade-{current}-{stamp}.pdbackup"
        write_backup_file(engine, key, data_dir, target)
        prune_automatic_backups(data_dir, load_policy(data_dir).backups_to_keep)
    with engine.connect() as conn:
        schema.upgrade(conn)
        conn.commit()
    log.info(
        "store in %s upgraded from schema %s to %s",
        data_dir,
        current or "(new)",
        head,
    )


def prune_automatic_backups(data_dir: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` automatic backups in <data dir>/backups; return the removed."""
    found = sorted(
        (Path(data_dir) / BACKUP_DIR).glob("pre-upgrade-*.pdbackup"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = found[max(1, keep) :]
    for old in removed:
        old.unlink(missing_ok=True)
    return removed


def open_engine_checked(
    data_dir: Path,
    key: bytes,
    lock: InstanceLock | None,
    policy: Policy,
    slots: KeyslotFile | None = None,
    backend: Backend | None = None,
) -> Store:
    try:
        store = Store(data_dir, key, lock, policy, slots, backend)
        if isinstance(store.backend, PostgresBackend):
            try:
                store.backend.require_current_schema(store.engine)
            except BaseException:
                store.engine.dispose()
                raise
        elif lock is not None:
            _migrate(data_dir, store.engine, key)
        else:
            _require_current_schema(store.engine)
    except DamagedStoreError:
        if lock is not None:
            lock.release()
        raise
    except Exception as exc:
        if lock is not None:
            lock.release()
        if isinstance(exc, PeerDeskError):
            raise
        known = (backend or SqlcipherBackend(data_dir)).fault(exc, key)
        if known is not None:
            raise known from exc
        raise DamagedStoreError(f"the store cannot be opened: {exc}") from exc
    return store


def _require_current_schema(engine: Engine) -> None:
    """Opened beside another instance nothing may be migrated: the schema must be current."""
    with engine.connect() as conn:
        current = schema.current_revision(conn)
    if current != schema.head_revision():
        engine.dispose()
        raise PeerDeskError(
            "the store needs an upgrade by this PeerDesk release first: open it once in the "
            "app (or run any command while the app is closed)"
        )


def create_store(
    data_dir: Path,
    admin_username: str,
    admin_password: str,
    admin_display_name: str = "",
    site_name: str = "Main site",
    demo: bool = False,
    id_factory: Callable[[], str] = new_id,
    beside: bool = True,
) -> str:
    """Create an empty store with one admin account; return the recovery key (shown once).

    All or nothing: the store is built in a hidden folder beside data_dir and moved into
    place only once it is whole (services/store_build.py), so a full disk or a kill never
    leaves a store without its admin account. beside=False builds right in data_dir, for
    a caller that is itself building in such a folder (services/demo.py).
    """
    data_dir = Path(data_dir)
    from peerdesk.services.store_build import build_then_place, clean_stale  # import cycle

    clean_stale(data_dir)
    if store_exists(data_dir) or (data_dir / "keyslots.json").exists():
        raise StoreExistsError(f"a store already exists in {data_dir}")
    policy = load_policy(data_dir)
    admin_username = valid_username(admin_username)
    admin_display_name = check_one_line(admin_display_name, "the display name")
    site_name = check_one_line(site_name, "the site name")
    password = check_new_password(admin_password, policy.min_password_length, admin_username)
    args = (admin_username, password, admin_display_name, site_name, demo, id_factory, policy)
    if not beside:
        return _create_store_in(data_dir, *args)

    # A run killed while moving the files in is rolled back, not finished: its recovery
    # key was never shown, so nobody could use that store.
    def build(work: Path) -> str:
        # The new store signs the folder's own policy (services/integrity.py), so the build
        # needs a copy; it is taken out again so that only the store's files move in.
        folder_policy = data_dir / POLICY_FILE
        if folder_policy.is_file():
            shutil.copyfile(folder_policy, work / POLICY_FILE)
        try:
            return _create_store_in(work, *args)
        finally:
            (work / POLICY_FILE).unlink(missing_ok=True)

    try:
        recovery = build_then_place(data_dir, build, undo=True)
    except StorageFullError as exc:  # it named the hidden build folder, which is gone again
        raise StorageFullError(
            f"the disk is full: could not create a store in {data_dir}; nothing was changed"
        ) from exc
    log.info("store created in %s (first admin account %s)", data_dir, admin_username)
    return recovery


def _create_store_in(
    data_dir: Path,
    admin_username: str,
    password: str,
    admin_display_name: str,
    site_name: str,
    demo: bool,
    id_factory: Callable[[], str],
    policy: Policy,
) -> str:
    try:
        # Only this OS account needs a personal folder (0700); a machine-wide folder made
        # by the package (2770, group peerdesk) is kept as it is.
        make_folder(data_dir)
        # The database file gets its mode before SQLite opens it; -wal and -shm copy it.
        os.close(create_file(data_dir / DB_FILE))
    except OSError as exc:
        raise os_error_message(exc, data_dir) from exc
    lock = InstanceLock(data_dir)
    try:
        lock.acquire()
    except BaseException:
        (data_dir / DB_FILE).unlink(missing_ok=True)
        raise
    key = os.urandom(32)
    store_id = str(uuid.uuid4())  # readable without a key: no creation time in it
    recovery = new_recovery_key()
    try:
        slots = KeyslotFile.create(data_dir, store_id)
        first = store_setup.first_keys(slots, admin_username, password, key, recovery, demo)
        store = open_engine_checked(data_dir, key, lock, policy, slots)
    except BaseException:
        lock.release()
        for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", "keyslots.json"):
            (data_dir / name).unlink(missing_ok=True)
        raise
    lock.set_username(admin_username)
    with store:
        store_setup.first_records(
            store, first, admin_username, admin_display_name, site_name, demo, id_factory
        )
    return recovery


FAILURE_REASONS = ("AuthenticationError", "ThrottledError", "AccountLockedError")
UNKNOWN_NAME = "*unknown*"
# How queued events name an account name nobody has (never the typed text: people type
# passwords into the username box).
UNKNOWN_ACTOR = Actor(None, "(unknown name)", "an account name that does not exist", "")


def _pending(slots: KeyslotFile) -> dict[str, Any]:
    raw = slots.data.get(PENDING_KEY)
    return raw if isinstance(raw, dict) else {}


def note_failed_login(
    slots: KeyslotFile, username: str, reason: str, just_locked: bool = False
) -> None:
    """Count a failed sign-in in the key file; it joins the audit log at the next unlock.

    Failures happen before the store can be written. They are kept as counts per known
    username (never the typed text of an unknown one: people type passwords there), so
    a flood of attempts cannot push real records out. The attempt that locks an account
    is queued as a lock-out of its own.
    """
    now = int(time.time())
    pending = _pending(slots)
    if just_locked:
        lockouts = pending.get("lockouts")
        if not isinstance(lockouts, list):
            lockouts = pending["lockouts"] = []
        known = username if slots.has_account(username) else UNKNOWN_NAME
        lockouts.append({"username": known, "at": now})
        del lockouts[:-100]
    failures = pending.get("failures")
    if not isinstance(failures, dict):
        failures = pending["failures"] = {}
    name = username if slots.has_account(username) else UNKNOWN_NAME
    record = failures.get(name)
    try:  # the file is not trusted: a malformed record starts again
        count = int(record["count"]) if isinstance(record, dict) else 0
        reasons = {str(r): int(n) for r, n in record.get("reasons", {}).items()} if count else {}
        first = int(record["first"]) if count else now
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError):
        count, reasons, first = 0, {}, now
    reasons[reason] = reasons.get(reason, 0) + 1
    failures[name] = {"count": count + 1, "first": first, "last": now, "reasons": reasons}
    slots.data[PENDING_KEY] = pending
    slots.save()


def note_password_change(store: Store, username: str) -> None:
    """A password change must leave the database untouched, so its audit event waits in
    the key file, sealed with the audit key so it cannot be forged there."""
    at = int(time.time())
    pending = _pending(store.keyslots)
    changes = pending.setdefault("password_changes", [])
    changes.append({"username": username, "at": at, "mac": _seal(store, username, at)})
    del changes[:-100]
    store.keyslots.data[PENDING_KEY] = pending
    store.keyslots.save()


def _seal(store: Store, username: str, at: int) -> str:
    message = f"account.change_password\x1f{username}\x1f{at}".encode()
    return hmac.new(audit.audit_key(store.key), message, hashlib.sha256).hexdigest()


def _flush_pending_events(store: Store, session: Session) -> bool:
    """Move queued events into the audit log; the caller clears them after the commit.

    The key file is not authenticated, so failure counts are marked unverified and only
    the known kinds of entry are accepted; a password change must carry a valid seal.
    """
    pending = _pending(store.keyslots)

    def user_id(name: str) -> str:
        return session.scalar(select(User.id).where(User.username == name)) or ""

    def attempted(name: str) -> Actor:
        """Queued events are about the account named at the sign-in screen, not 'system'."""
        if name == UNKNOWN_NAME:
            return UNKNOWN_ACTOR
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            return Actor(None, name[:64], name[:64], "")
        return Actor(user.id, user.username, user.display_name, user.role)

    failures = pending.get("failures", {})
    for name, record in failures.items() if isinstance(failures, dict) else ():
        try:
            count = int(record["count"])
            reasons = {
                r: int(n) for r, n in record.get("reasons", {}).items() if r in FAILURE_REASONS
            }
            detail: dict[str, Any] = {
                "count": count,
                "first": int(record["first"]),
                "last": int(record["last"]),
                "reasons": reasons,
                "unverified": True,
            }
            if not all(0 <= v < 2**53 for v in (count, detail["first"], detail["last"])):
                raise ValueError("out of range")
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            store.audit(
                session,
                SYSTEM,
                "pending_event.rejected",
                "",
                "",
                {"reason": "malformed failure record"},
            )
            continue
        if name == UNKNOWN_NAME:
            detail["unknown_username"] = True
        store.audit(
            session,
            attempted(str(name)),
            "login.failed",
            "user",
            "" if name == UNKNOWN_NAME else user_id(str(name)),
            detail,
        )
    lockouts = pending.get("lockouts", [])
    for item in lockouts if isinstance(lockouts, list) else ():
        try:
            name, at = str(item["username"]), int(item["at"])
            if not 0 <= at < 2**53:
                raise ValueError("out of range")
        except (KeyError, TypeError, ValueError, OverflowError):
            store.audit(
                session, SYSTEM, "pending_event.rejected", "", "", {"reason": "malformed lock-out"}
            )
            continue
        lock_detail: dict[str, Any] = {"at": at, "unverified": True}
        if name == UNKNOWN_NAME:
            lock_detail["unknown_username"] = True
        store.audit(
            session,
            attempted(name),
            "account.lock_out",
            "user",
            "" if name == UNKNOWN_NAME else user_id(name),
            lock_detail,
        )
    changes = pending.get("password_changes", [])
    for item in changes if isinstance(changes, list) else ():
        try:
            name, at = str(item["username"]), int(item["at"])
            valid = hmac.compare_digest(str(item["mac"]), _seal(store, name, at))
        except (KeyError, TypeError, ValueError, OverflowError):
            valid = False
        if valid:
            store.audit(
                session,
                attempted(name),
                "account.change_password",
                "user",
                user_id(name),
                {"at": at},
            )
        else:
            store.audit(
                session,
                SYSTEM,
                "pending_event.rejected",
                "",
                "",
                {"reason": "password-change record without a valid seal"},
            )
    return PENDING_KEY in store.keyslots.data


def open_store(
    data_dir: Path,
    username: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
    refuse_first_password: bool = False,
    exclusive: bool = True,
    slot_kind: str = "password",
) -> tuple[Store, Actor]:
    """Unlock with a password (or the recovery key, as audited emergency access).

    A password an administrator set (new account, reset) must be replaced by its owner:
    the store then has `must_change_password` set and the app asks for a new one before
    the workspace opens; with refuse_first_password (command-line use) it is refused.

    slot_kind names another per-account slot the secret opens ("oslogin:<OS user>",
    see services/os_login.py); the password is then that slot's secret.

    exclusive=False opens beside a running app (for backups): no instance lock, no
    migration, no notes keys, and the key file is never rewritten on success.
    """
    data_dir = Path(data_dir)
    from peerdesk.services.store_build import clean_stale  # avoids an import cycle

    backend = backend_for(data_dir)
    if not backend.shared:
        clean_stale(data_dir)  # what killed runs left: build folders, backup temp files
    if not backend.exists():
        backend.close()
        raise StoreNotFoundError(
            f"no PeerDesk store in {data_dir}; create one with 'peerdesk init' or restore a backup"
            if not backend.shared
            else f"{backend.label} is not set up for PeerDesk; an administrator runs "
            "'peerdesk server init --admin NAME'"
        )
    policy = load_policy(data_dir)
    # On a server every workstation writes at once; the folder's lock guards a local file.
    lock = InstanceLock(data_dir) if exclusive and not backend.shared else None
    if lock is not None:
        lock.acquire()
        secure_store_files(data_dir)
    try:
        slots = backend.keyslots()
        slots.reset_on_success = lock is not None
        if recovery_key is not None:
            kind, name, secret = "recovery", "", canonical_recovery_key(recovery_key)
        else:
            if not username or password is None:
                raise AuthenticationError("a username and password are needed")
            kind, name, secret = slot_kind, username.strip().lower(), password
        try:
            unlocked = slots.open_slot(kind, name, secret, policy.max_failed_attempts)
            key = unlocked.key
        except AuthenticationError as exc:
            note_failed_login(
                slots, name, type(exc).__name__, bool(getattr(exc, "just_locked", False))
            )
            log.warning(
                "sign-in refused (%s) for %s",
                type(exc).__name__,
                name if slots.has_account(name) else "an unknown account name",
            )
            raise
        if unlocked.must_change and refuse_first_password:
            raise PasswordChangeRequiredError(
                f"{name} still has the password an administrator set; choose your own first "
                f"with 'peerdesk user password --user {name}' (or by signing in to the app)"
            )
    except BaseException:
        backend.close()
        if lock is not None:
            lock.release()
        raise
    # The store takes over the backend's engine: the key document and the store share it.
    store = open_engine_checked(data_dir, key, lock, policy, slots, backend)
    if unlocked.must_change:
        store.first_password = unlocked
    if not store.exclusive:
        return _open_beside_app(store, kind, name, slots.store_id, unlocked)
    try:
        # Failed sign-ins queued in the key document join the audit log and leave the
        # document in one step, so that none queued meanwhile by another workstation (on
        # a server) is dropped unlogged.
        with store.keyslots.locked():
            with store.session() as s:
                flushed = _flush_pending_events(store, s)
            if flushed:  # only once the events are safely in the audit log
                store.keyslots.data.pop(PENDING_KEY, None)
                store.keyslots.save()
        with store.session() as s:
            beside_files = pending_events.flush(data_dir, key, s, store.audit)
            _check_rollback(store, s)
            store.rollback = open_rollback(s)
            if kind == "recovery":
                actor = Actor(None, "recovery-key", "Emergency access", ADMIN, emergency=True)
                store.audit(s, actor, "login.recovery_key", "store", slots.store_id)
                setup_at_unlock(store, s, actor, unlocked)
                integrity.after_sign_in(store, s, actor, unlocked)
            else:
                user = s.scalar(select(User).where(User.username == name))
                if user is None:
                    raise DamagedStoreError("the account's keyslot has no matching user record")
                if user.state != "active":
                    raise AuthenticationError("this account is disabled")
                from peerdesk.services.accounts import actor_for  # avoids an import cycle

                # The role an administrator signed, whatever the users table says now.
                actor = integrity.check_sign_in(store, s, unlocked, user, actor_for(s, user))
                user.last_login_at = utcnow()
                via = {"via": "os_login"} if kind != "password" else None
                store.audit(s, actor, "login", "user", user.id, via)
                setup_at_unlock(store, s, actor, unlocked)
                integrity.after_sign_in(store, s, actor, unlocked)
            if store.rollback is not None and told_at_sign_in(actor):
                store.warnings.insert(0, ROLLBACK_WARNING)
        pending_events.remove(beside_files)
    except BaseException:
        store.close()
        raise
    if lock is not None:
        lock.set_username(actor.username)
    log.info(
        "signed in: %s", "emergency access (recovery key)" if actor.emergency else actor.username
    )
    return store, actor


def _open_beside_app(
    store: Store, kind: str, name: str, store_id: str, unlocked: Unlocked | None = None
) -> tuple[Store, Actor]:
    """The rest of open_store for a process working beside the app: read only, and the
    sign-in is audited through pending-events/ (no commit under the app's feet)."""
    from peerdesk.services.accounts import actor_for  # avoids an import cycle

    try:
        if kind == "recovery":
            actor = Actor(None, "recovery-key", "Emergency access", ADMIN, emergency=True)
            store.record_event(actor, "login.recovery_key", "store", store_id)
        else:
            with store.session() as s:
                store.rollback = open_rollback(s)
                user = s.scalar(select(User).where(User.username == name))
                if user is None:
                    raise DamagedStoreError("the account's keyslot has no matching user record")
                if user.state != "active":
                    raise AuthenticationError("this account is disabled")
                actor = integrity.check_sign_in(store, s, unlocked, user, actor_for(s, user))
                user_id = user.id
            store.record_event(actor, "login", "user", user_id)
    except BaseException:
        store.close()
        raise
    log.info(
        "signed in: %s (beside a running app)",
        "emergency access (recovery key)" if kind == "recovery" else actor.username,
    )
    return store, actor


def _check_rollback(store: Store, session: Session) -> None:
    """Warn when the database is older than the key file last saw (an old copy put back).

    The key file records the audit head at every close; a database whose chain does not
    reach that head has lost events. Replacing both files together is not detected.
    """
    seen = store.keyslots.data.get(AUDIT_SEEN_KEY)
    if not isinstance(seen, str) or ":" not in seen:
        return
    seq_text, _, mac = seen.partition(":")
    try:
        seq = int(seq_text)
    except ValueError:
        return
    if not 0 < seq < 2**63:
        return
    found = session.scalar(select(AuditEvent.mac).where(AuditEvent.seq == seq))
    if found != mac:
        # Told through store.rollback until an admin acknowledges it (services/rollback.py).
        store.audit(
            session,
            SYSTEM,
            "store.rollback_detected",
            "store",
            store.keyslots.store_id,
            {"expected_seq": seq},
        )

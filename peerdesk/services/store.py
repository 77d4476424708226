"""Creating, unlocking, migrating and closing the encrypted store.

A data folder holds: peerdesk.db (SQLCipher 4), keyslots.json, peerdesk.lock,
an optional policy.toml and backups/ (automatic pre-migration backups).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from peerdesk.errors import (
    AuthenticationError,
    DamagedStoreError,
    PeerDeskError,
    StoreExistsError,
    StoreNotFoundError,
)
from peerdesk.models import Setting, Site, User, new_id, schema, utcnow
from peerdesk.models.engine import make_engine, make_session_factory
from peerdesk.services import audit
from peerdesk.services.auth import ADMIN, SYSTEM, Actor
from peerdesk.services.files import os_error_message
from peerdesk.services.instance_lock import InstanceLock
from peerdesk.services.keyslots import KeyslotFile, canonical_recovery_key, new_recovery_key
from peerdesk.services.passwords import check_new_password
from peerdesk.services.policy import Policy, load_policy

DB_FILE = "peerdesk.db"
BACKUP_DIR = "backups"
PENDING_KEY = "pending_events"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("PeerDesk", "PeerDesk"))


def default_demo_dir() -> Path:
    """Demo stores live apart from real data: `peerdesk demo` and `peerdesk --demo`."""
    return default_data_dir() / "demo"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("PEERDESK_DATA_DIR")
    return Path(env).expanduser() if env else default_data_dir()


def store_exists(data_dir: Path) -> bool:
    return (Path(data_dir) / DB_FILE).exists()


class Store:
    """An unlocked store: engine, key and instance lock. Close it to drop all three."""

    def __init__(self, data_dir: Path, key: bytes, lock: InstanceLock, policy: Policy) -> None:
        self.data_dir = Path(data_dir)
        self.policy = policy
        self._key: bytes | None = key
        self._lock = lock
        self.engine: Engine = make_engine(self.db_path, lambda: self.key)
        self._sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.keyslots = KeyslotFile(self.data_dir)

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
            except OSError as exc:
                raise os_error_message(exc, self.db_path) from exc

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

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self.session() as s:
            row = s.get(Setting, key)
            return row.value if row else default

    def is_demo(self) -> bool:
        return self.setting("demo") == "true"

    def close(self) -> None:
        if self._key is not None:
            self.engine.dispose()
            self._key = None
        self._lock.release()

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
    with engine.connect() as conn:
        schema.upgrade(conn)
        conn.commit()


def _open_engine_checked(data_dir: Path, key: bytes, lock: InstanceLock, policy: Policy) -> Store:
    try:
        store = Store(data_dir, key, lock, policy)
        _migrate(data_dir, store.engine, key)
    except DamagedStoreError:
        lock.release()
        raise
    except Exception as exc:
        lock.release()
        if isinstance(exc, PeerDeskError):
            raise
        raise DamagedStoreError(f"the store cannot be opened: {exc}") from exc
    return store


def create_store(
    data_dir: Path,
    admin_username: str,
    admin_password: str,
    admin_display_name: str = "",
    site_name: str = "Main site",
    demo: bool = False,
    id_factory: Callable[[], str] = new_id,
) -> str:
    """Create an empty store with one admin account; return the recovery key (shown once)."""
    data_dir = Path(data_dir)
    if store_exists(data_dir) or (data_dir / "keyslots.json").exists():
        raise StoreExistsError(f"a store already exists in {data_dir}")
    policy = load_policy(data_dir)
    admin_username = admin_username.strip()
    if not admin_username:
        raise PeerDeskError("the admin account needs a username")
    password = check_new_password(admin_password, policy.min_password_length, admin_username)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error_message(exc, data_dir) from exc
    lock = InstanceLock(data_dir)
    lock.acquire()
    key = os.urandom(32)
    store_id = new_id()
    recovery = new_recovery_key()
    try:
        slots = KeyslotFile.create(data_dir, store_id)
        if demo:
            # Readable without unlocking, so `demo --force` can tell a demo store from a real one.
            slots.data["demo"] = True
            slots.save()
        slots.set_secret_slot("password", admin_username, password, key)
        slots.set_secret_slot("recovery", "", recovery, key)
        store = _open_engine_checked(data_dir, key, lock, policy)
    except BaseException:
        lock.release()
        for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", "keyslots.json"):
            (data_dir / name).unlink(missing_ok=True)
        raise
    with store:
        with store.session() as s:
            site = Site(id=id_factory(), name=site_name)
            s.add(site)
            s.flush()
            admin = User(
                id=id_factory(),
                username=admin_username,
                display_name=admin_display_name or admin_username,
                role=ADMIN,
                site_id=site.id,
            )
            s.add(admin)
            s.add(Setting(key="store_id", value=store_id))
            s.add(Setting(key="created_at", value=utcnow().isoformat()))
            s.add(Setting(key="demo", value="true" if demo else "false"))
            s.flush()
            store.audit(s, SYSTEM, "store.create", "site", site.id, {"demo": demo})
            store.audit(s, SYSTEM, "account.create", "user", admin.id, {"role": ADMIN})
            store.audit(s, SYSTEM, "recovery_key.create", "store", store_id)
    return recovery


def note_pending_event(slots: KeyslotFile, action: str, username: str, reason: str = "") -> None:
    """Queue an event that happens while the database must not (or cannot) be written.

    Failed logins happen before the store is unlocked, and a password change must leave
    the database file untouched; both wait in the key file and move into the audit log
    at the next successful unlock. Unknown usernames are not kept: people sometimes
    type their password into the username field.
    """
    entry: dict[str, Any] = {"action": action, "at": int(time.time())}
    if reason:
        entry["reason"] = reason
    if username in slots.usernames():
        entry["username"] = username
    log = slots.data.setdefault(PENDING_KEY, [])
    log.append(entry)
    del log[:-1000]
    slots.save()


def _flush_pending_events(store: Store, session: Session) -> None:
    pending = store.keyslots.data.get(PENDING_KEY, [])
    for item in pending:
        uname = item.get("username")
        uid = session.scalar(select(User.id).where(User.username == uname)) if uname else None
        detail = {"at": item.get("at")}
        if item.get("reason"):
            detail["reason"] = item["reason"]
        store.audit(session, SYSTEM, item.get("action", "login.failed"), "user", uid or "", detail)
    if pending:
        store.keyslots.data.pop(PENDING_KEY, None)
        store.keyslots.save()


def open_store(
    data_dir: Path,
    username: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
) -> tuple[Store, Actor]:
    """Unlock with a password (or the recovery key, as audited emergency access)."""
    data_dir = Path(data_dir)
    if not store_exists(data_dir):
        raise StoreNotFoundError(
            f"no PeerDesk store in {data_dir}; create one with 'peerdesk init' or restore a backup"
        )
    policy = load_policy(data_dir)
    lock = InstanceLock(data_dir)
    lock.acquire()
    try:
        slots = KeyslotFile(data_dir)
        if recovery_key is not None:
            kind, name, secret = "recovery", "", canonical_recovery_key(recovery_key)
        else:
            if not username or password is None:
                raise AuthenticationError("a username and password are needed")
            kind, name, secret = "password", username.strip(), password
        try:
            key = slots.unlock(kind, name, secret, policy.max_failed_attempts)
        except AuthenticationError as exc:
            note_pending_event(slots, "login.failed", name, type(exc).__name__)
            raise
    except BaseException:
        lock.release()
        raise
    store = _open_engine_checked(data_dir, key, lock, policy)
    try:
        with store.session() as s:
            _flush_pending_events(store, s)
            if kind == "recovery":
                actor = Actor(None, "recovery-key", "Emergency access", ADMIN, emergency=True)
                store.audit(s, actor, "login.recovery_key", "store", slots.store_id)
            else:
                user = s.scalar(select(User).where(User.username == name))
                if user is None:
                    raise DamagedStoreError("the account's keyslot has no matching user record")
                if user.state != "active":
                    raise AuthenticationError("this account is disabled")
                from peerdesk.services.accounts import actor_for  # avoids an import cycle

                actor = actor_for(s, user)
                user.last_login_at = utcnow()
                store.audit(s, actor, "login", "user", user.id)
    except BaseException:
        store.close()
        raise
    return store, actor

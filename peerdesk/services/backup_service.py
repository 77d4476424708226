"""Unattended backups: a backup-only keyslot whose secret the operating system keeps.

`enable_backup` (an admin, store open) adds a slot of kind "backup" wrapping the data
key under a random secret and hands the secret to the OS: its keyring (Windows
Credential Manager for the service account), or on Linux a systemd encrypted credential
that the timer's unit loads with LoadCredentialEncrypted=. The slot carries none of the
notes keys, and what it unlocks acts as BACKUP_ACTOR, whose only permission is
backup.run: it cannot sign in to the app, read casework or notes, or export.

`run_unattended_backup` opens the store beside a running app (no instance lock, no
migration, the key file left alone), writes a verified backup into the policy's
backup_dir, keeps the newest `backups_to_keep`, and logs one line.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from peerdesk.errors import (
    AuthenticationError,
    PeerDeskError,
    PermissionDeniedError,
    SecretStoreError,
    StoreNotFoundError,
    UsageError,
)
from peerdesk.services import secret_store
from peerdesk.services.auth import BACKUP_ACTOR, Actor
from peerdesk.services.backup import BACKUP_SUFFIX, BackupInfo, backup_store
from peerdesk.services.policy import load_policy
from peerdesk.services.rollback import open_rollback
from peerdesk.services.storage import backend_for
from peerdesk.services.store import (
    BACKUP_DIR,
    Store,
    key_document,
    open_engine_checked,
    store_exists,
)

SLOT_KIND = "backup"
KEYRING_SERVICE = "PeerDesk unattended backup"
METHODS = ("auto", "keyring", "systemd")
NIGHTLY_PREFIX = "peerdesk-"
log = logging.getLogger("peerdesk.it")


@dataclass(frozen=True)
class BackupServiceInfo:
    enabled: bool
    method: str  # "keyring", "systemd" or "" when not enabled
    where: str  # keyring service name or the credential file


def _keyring_account(store_id: str) -> str:
    return f"store-{store_id}"


def _choose(method: str) -> str:
    if method not in METHODS:
        raise UsageError(f"--secret-store must be one of {', '.join(METHODS)}")
    if method != "auto":
        return method
    if secret_store.usable_keyring() is not None:
        return "keyring"
    if secret_store.systemd_creds() is not None:
        return "systemd"
    raise SecretStoreError(
        "no place to keep the backup secret: no OS keyring and no systemd-creds; "
        "nothing was changed"
    )


def status(data_dir: Path) -> BackupServiceInfo:
    """Read from the key file without unlocking: is a backup slot there, where is its secret."""
    slots = key_document(data_dir)
    slot = slots.find(SLOT_KIND)
    if slot is None:
        return BackupServiceInfo(False, "", "")
    method = str(slot.get("secret_store", ""))
    where = KEYRING_SERVICE if method == "keyring" else str(slot.get("credential_file", ""))
    return BackupServiceInfo(True, method, where)


def enable_backup(store: Store, actor: Actor, method: str = "auto") -> BackupServiceInfo:
    """Create (or replace) the backup-only slot; its secret goes to the OS, never to disk."""
    actor.require("backup.run", "set up unattended backups")
    if actor.role == BACKUP_ACTOR.role:
        raise PermissionDeniedError("the backup job cannot set up unattended backups itself")
    if not store.exclusive:
        raise PeerDeskError("close the app first: the store must be open only here")
    chosen = _choose(method)
    secret = secrets.token_urlsafe(32)  # 256 bits: no throttling or lock-out is needed
    store_id = store.keyslots.store_id
    where: str
    if chosen == "keyring":
        secret_store.keyring_set(KEYRING_SERVICE, _keyring_account(store_id), secret)
        where = KEYRING_SERVICE
    else:
        target = secret_store.credential_file()
        secret_store.systemd_encrypt(secret, target)
        where = str(target)
    try:
        store.keyslots.set_secret_slot(SLOT_KIND, "", secret, store.key)
        slot = store.keyslots.find(SLOT_KIND)
        assert slot is not None
        slot["secret_store"] = chosen  # where the job looks; not a secret
        if chosen == "systemd":
            slot["credential_file"] = where
        store.keyslots.save()
        with store.session() as s:
            store.audit(s, actor, "backup_service.enable", "store", store_id, {"secret": chosen})
    except BaseException:
        _forget_secret(chosen, store_id, where)
        store.keyslots.remove_slot(SLOT_KIND)
        raise
    log.info("unattended backups enabled by %s (secret kept by %s)", actor.username, chosen)
    return BackupServiceInfo(True, chosen, where)


def _forget_secret(method: str, store_id: str, where: str) -> None:
    if method == "keyring":
        secret_store.keyring_delete(KEYRING_SERVICE, _keyring_account(store_id))
    elif where:
        Path(where).unlink(missing_ok=True)


def disable_backup(store: Store, actor: Actor) -> bool:
    """Remove the backup slot and the OS's copy of its secret. False if none was there."""
    actor.require("backup.run", "turn off unattended backups")
    if not store.exclusive:
        raise PeerDeskError("close the app first: the store must be open only here")
    slot = store.keyslots.find(SLOT_KIND)
    store_id = store.keyslots.store_id
    # Whatever the slot says, clear both places: a secret must not outlive its slot.
    secret_store.keyring_delete(KEYRING_SERVICE, _keyring_account(store_id))
    credential = str(slot.get("credential_file", "")) if slot else ""
    if credential:
        try:
            Path(credential).unlink(missing_ok=True)
        except OSError:
            pass  # without its slot the credential opens nothing
    if slot is None:
        return False
    store.keyslots.remove_slot(SLOT_KIND)
    with store.session() as s:
        store.audit(s, actor, "backup_service.disable", "store", store_id)
    log.info("unattended backups turned off by %s", actor.username)
    return True


def _read_secret(store_id: str) -> str:
    secret = secret_store.systemd_credential() or secret_store.keyring_get(
        KEYRING_SERVICE, _keyring_account(store_id)
    )
    if not secret:
        raise SecretStoreError(
            "no backup secret here: neither $CREDENTIALS_DIRECTORY/peerdesk-backup (systemd) "
            "nor the OS keyring holds it; run 'peerdesk service enable-backup --user ADMIN'"
        )
    return secret


def open_for_backup(data_dir: Path) -> tuple[Store, Actor]:
    """Unlock with the backup slot, beside a running app. The actor may only back up."""
    data_dir = Path(data_dir)
    if not store_exists(data_dir):
        raise StoreNotFoundError(f"no PeerDesk store in {data_dir}")
    policy = load_policy(data_dir)
    backend = backend_for(data_dir)
    try:
        slots = backend.keyslots()
        slots.reset_on_success = False  # beside the app: never rewrite its key file on success
        if slots.find(SLOT_KIND) is None:
            raise SecretStoreError(
                "unattended backups are not set up for this store; "
                "run 'peerdesk service enable-backup --user ADMIN'"
            )
        secret = _read_secret(slots.store_id)
        try:
            key = slots.unlock(SLOT_KIND, "", secret, max_failed=10**6)
        except AuthenticationError as exc:
            raise AuthenticationError(
                "the stored backup secret does not open this store; "
                "run 'peerdesk service enable-backup' again"
            ) from exc
    except BaseException:
        backend.close()
        raise
    store = open_engine_checked(data_dir, key, None, policy, slots, backend)
    return store, BACKUP_ACTOR


def backup_folder(data_dir: Path) -> Path:
    configured = load_policy(data_dir).backup_dir
    return Path(configured) if configured else Path(data_dir) / BACKUP_DIR


def _nightly_name(folder: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{NIGHTLY_PREFIX}{stamp}{BACKUP_SUFFIX}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{NIGHTLY_PREFIX}{stamp}-{n}{BACKUP_SUFFIX}"
    return target


def prune_nightly(folder: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` unattended backups (peerdesk-*.pdbackup); nothing else is touched."""
    found = sorted(
        (p for p in Path(folder).glob(f"{NIGHTLY_PREFIX}*{BACKUP_SUFFIX}") if p.is_file()),
        key=lambda p: (p.stat().st_mtime, p.name),
        reverse=True,
    )
    removed = found[max(1, keep) :]
    for old in removed:
        old.unlink(missing_ok=True)
    return removed


@dataclass(frozen=True)
class UnattendedResult:
    info: BackupInfo
    removed: list[Path]
    rollback_open: bool = False  # an older copy of the store not yet acknowledged


def run_unattended_backup(data_dir: Path, out: Path | None = None) -> UnattendedResult:
    """One nightly run; logs exactly one line, success or failure."""
    started = time.monotonic()
    try:
        store, actor = open_for_backup(data_dir)
        with store:
            with store.session() as s:  # the command line says so on stderr
                rollback_open = open_rollback(s) is not None
            target = Path(out) if out else _nightly_name(backup_folder(data_dir))
            info = backup_store(store, actor, target)
            removed = [] if out else prune_nightly(target.parent, store.policy.backups_to_keep)
    except PeerDeskError as exc:
        log.error("unattended backup failed (%s): %s", type(exc).__name__, exc)
        raise
    except Exception as exc:
        log.error("unattended backup failed (%s)", type(exc).__name__)
        raise
    log.info(
        "unattended backup ok: %s (%d bytes, %d rows, %.1f s); %d older removed",
        info.path,
        info.size,
        sum(info.tables.values()),
        time.monotonic() - started,
        len(removed),
    )
    return UnattendedResult(info, removed, rollback_open)

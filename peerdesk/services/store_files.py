"""Moving a damaged or replaced store out of the way before a restore, and back if needed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from peerdesk.errors import PeerDeskError
from peerdesk.services import pending_events
from peerdesk.services.files import os_error_message
from peerdesk.services.folder_access import make_folder, set_folder_mode
from peerdesk.services.instance_lock import InstanceLock
from peerdesk.services.keyslots import KEYSLOTS_FILE
from peerdesk.services.policy import POLICY_FILE
from peerdesk.services.store import DB_FILE, store_exists

# The folder's policy moves with the store (the backup brings its own back), and so do
# audit events still waiting from backups beside the app: they belong to the old store.
STORE_FILES = (
    DB_FILE,
    f"{DB_FILE}-wal",
    f"{DB_FILE}-shm",
    KEYSLOTS_FILE,
    POLICY_FILE,
    pending_events.FOLDER,
)


def move_store_aside(data_dir: Path, why: str = "replaced") -> Path:
    """Move the store files into <data_dir>/<why>-<time>/ (nothing is deleted)."""
    data_dir = Path(data_dir)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = data_dir / f"{why}-{stamp}"
    n = 1
    while target.exists():
        n += 1
        target = data_dir / f"{why}-{stamp}-{n}"
    try:
        make_folder(data_dir)
        target.mkdir(mode=0o700)  # the old store's files keep their modes; others stay out
        set_folder_mode(target, data_dir)
        for name in STORE_FILES:
            src = data_dir / name
            if src.exists():
                src.replace(target / name)
    except OSError as exc:
        raise os_error_message(exc, target) from exc
    return target


def move_store_back(aside: Path, data_dir: Path) -> None:
    """Undo move_store_aside after a failed restore."""
    data_dir = Path(data_dir)
    for name in STORE_FILES:
        if (data_dir / name).exists():
            raise PeerDeskError(f"{data_dir / name} is in the way; the old store is in {aside}")
    try:
        for name in STORE_FILES:
            src = Path(aside) / name
            if src.exists():
                src.replace(data_dir / name)
        Path(aside).rmdir()
    except OSError as exc:
        raise os_error_message(exc, data_dir) from exc


def restore_in_place(
    backup: Path,
    data_dir: Path,
    username: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
    why: str = "replaced",
) -> tuple[dict[str, Any], Path | None]:
    """Restore a backup into data_dir, first moving any store there aside.

    The store must not be open. If the backup does not restore or the credentials do
    not open it, the old files are moved back. Returns the manifest and where the old
    store now is (None if there was none).
    """
    from peerdesk.services.backup import restore_backup

    data_dir = Path(data_dir)
    aside = None
    if store_exists(data_dir) or (data_dir / KEYSLOTS_FILE).exists():
        # Restore needs the store to itself: never move it from under another OS
        # session or a running command (AlreadyOpenError says who has it).
        lock = InstanceLock(data_dir)
        lock.acquire()
        try:
            aside = move_store_aside(data_dir, why)
        finally:
            lock.release()
    try:
        manifest = restore_backup(backup, data_dir, username, password, recovery_key)
    except BaseException:
        if aside is not None:
            move_store_back(aside, data_dir)
        raise
    old_policy = aside / POLICY_FILE if aside is not None else None
    if manifest.get("policy_restored") == "none" and old_policy and old_policy.exists():
        # A backup without a policy (older releases) leaves the folder's settings as they were.
        try:
            old_policy.replace(data_dir / POLICY_FILE)
        except OSError as exc:
            raise os_error_message(exc, data_dir / POLICY_FILE) from exc
    return manifest, aside

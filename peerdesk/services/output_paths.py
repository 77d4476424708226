"""Where a file the person asked for may go: never onto a store.

Every output the app writes (backup, report PDF and CSV, export folder, audit CSV, recovery
sheet) is written atomically, by replacing the target. Aimed at `peerdesk.db` that replace
swaps the live database for a PDF; aimed at `keyslots.json`, `policy.toml` or the lock file
it breaks the store in other ways. So the path is resolved (symbolic links, `..`, `~`) and
refused when it lands

- directly in a PeerDesk data folder: the current one, the machine-wide one, the per-user
  defaults, or any folder holding a store marker (`peerdesk.db`, `keyslots.json`, the lock
  file), or in its `pending-events/` folder;
- on a file the open store uses (database, -wal, -shm, key file, policy, lock file), also
  through a hard link elsewhere (same device and inode).

Sub-folders such as `backups/` stay allowed: nothing there is part of the store.
"""

from __future__ import annotations

import os
from pathlib import Path

from peerdesk.errors import OutputPathError, PeerDeskError

DB_FILE = "peerdesk.db"
KEYSLOTS_FILE = "keyslots.json"
LOCK_FILE = "peerdesk.lock"
HOLDER_FILE = "peerdesk.lock-holder.json"
POLICY_FILE = "policy.toml"
PENDING_FOLDER = "pending-events"
MARKERS = (DB_FILE, KEYSLOTS_FILE, LOCK_FILE)
# What an open store holds open or rewrites (see services/store.py).
STORE_FILES = (
    DB_FILE,
    f"{DB_FILE}-wal",
    f"{DB_FILE}-shm",
    f"{DB_FILE}-journal",
    KEYSLOTS_FILE,
    POLICY_FILE,
    LOCK_FILE,
    HOLDER_FILE,
)


def _real(path: Path) -> Path:
    return Path(os.path.normcase(os.path.realpath(Path(path).expanduser())))


def known_data_folders(data_dir: Path | None = None) -> list[Path]:
    """The data folders PeerDesk knows of without looking for markers."""
    from peerdesk.services.locations import default_data_dir, default_demo_dir, resolve_data_dir
    from peerdesk.services.policy import load_machine_policy

    found: list[Path] = []
    candidates: list[object] = [data_dir, default_data_dir, default_demo_dir, resolve_data_dir]
    for candidate in candidates:
        try:
            folder = candidate() if callable(candidate) else candidate
        except (PeerDeskError, OSError, ValueError):
            continue  # a bad machine policy: the command itself reports it
        if folder is not None:
            found.append(_real(Path(folder)))
    try:
        machine = load_machine_policy().get("data_dir")
    except (PeerDeskError, OSError, ValueError):
        machine = None
    if machine:
        found.append(_real(Path(str(machine))))
    return found


def is_data_folder(folder: Path, known: list[Path] | None = None) -> bool:
    """A PeerDesk data folder: one we know of, or one holding a store marker."""
    real = _real(folder)
    if real in (known if known is not None else known_data_folders()):
        return True
    try:
        return any(os.path.lexists(real / name) for name in MARKERS)
    except OSError:
        return False


def _refuse(target: Path, folder: Path) -> OutputPathError:
    return OutputPathError(
        f"{target} is in the PeerDesk data folder {folder}, where a file written could "
        "destroy the store; choose a place outside it"
    )


def check_output_path(target: Path, data_dir: Path | None = None) -> Path:
    """Refuse an output file that would land on a store (see the module's rules).

    data_dir is the open store's folder, if any; returns target unchanged.
    """
    target = Path(target)
    real = _real(target)
    known = known_data_folders(data_dir)
    parent = real.parent
    if is_data_folder(parent, known):
        raise _refuse(target, parent)
    if parent.name == PENDING_FOLDER and is_data_folder(parent.parent, known):
        raise _refuse(target, parent.parent)
    if data_dir is not None:
        try:
            st = os.stat(real)
        except OSError:
            return target  # nothing there yet: no link to an open file
        for name in STORE_FILES:
            try:
                own = os.stat(Path(data_dir) / name)
            except OSError:
                continue
            if (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino):
                raise OutputPathError(
                    f"{target} is the store's own file {name} (a link to it); choose another file"
                )
    return target


def check_output_folder(folder: Path, data_dir: Path | None = None) -> Path:
    """An export folder: the files go inside it, so it must not be a data folder."""
    folder = Path(folder)
    check_output_path(folder / "export.csv", data_dir)
    return folder

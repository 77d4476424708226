"""Who may read the files PeerDesk writes: the OS user alone, or the clinic's group.

A personal data folder is 0700 and its files 0600. A machine-wide folder made by the
package (/var/lib/peerdesk, mode 2770 root:peerdesk) carries the set-group-ID bit, so
new files belong to the `peerdesk` group; PeerDesk then makes them 0660 and folders
2770, so every member of the group can open the store and nobody else can read it.
SQLite gives -wal and -shm the mode of the database file, so setting the database's
mode at creation covers them too.

On Windows the MSI sets the ACLs of %ProgramData%\\PeerDesk and new files inherit them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from peerdesk.services import policy

PRIVATE_FILE = 0o600
GROUP_FILE = 0o660
PRIVATE_DIR = 0o700
GROUP_DIR = 0o2770


def is_group_shared(folder: Path) -> bool:
    """A folder whose set-group-ID bit says: files here belong to a group of people."""
    if os.name != "posix" or policy.on_windows():
        return False
    try:
        return bool(Path(folder).stat().st_mode & stat.S_ISGID)
    except OSError:
        return False


def file_mode(folder: Path) -> int:
    return GROUP_FILE if is_group_shared(folder) else PRIVATE_FILE


def set_file_mode(path: Path) -> None:
    """Give a file PeerDesk wrote the mode its folder calls for (only files we own)."""
    if os.name != "posix":
        return
    path = Path(path)
    try:
        st = path.stat()
        if st.st_uid != os.geteuid() and os.geteuid() != 0:
            return  # another member of the group made it; they set its mode
        wanted = file_mode(path.parent)
        if stat.S_IMODE(st.st_mode) != wanted:
            os.chmod(path, wanted)
    except FileNotFoundError:
        return


def make_folder(path: Path) -> None:
    """Create a folder (and parents) readable only by this OS user, or by the group when
    it is made inside a group-shared folder."""
    path = Path(path)
    if path.is_dir():
        return
    parent = path.parent
    if not parent.exists():
        make_folder(parent)
    shared = is_group_shared(parent)
    try:
        path.mkdir(mode=GROUP_DIR & 0o777 if shared else PRIVATE_DIR)
    except FileExistsError:
        if path.is_dir():
            return
        raise
    if shared and os.name == "posix":
        os.chmod(path, GROUP_DIR)  # mkdir's mode is cut by the umask; set it exactly


def set_folder_mode(path: Path, parent: Path | None = None) -> None:
    """A folder PeerDesk made itself (e.g. with mkdtemp): 0700, or 2770 in a shared folder."""
    if os.name != "posix":
        return
    path = Path(path)
    os.chmod(path, GROUP_DIR if is_group_shared(parent or path.parent) else PRIVATE_DIR)


def tighten_folder(path: Path) -> None:
    """Take away what a data folder must not grant (only folders this user owns): others
    always; the group too unless the folder is the clinic group's (set-group-ID)."""
    if os.name != "posix":
        return
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return
    if st.st_uid != os.geteuid():
        return
    mode = stat.S_IMODE(st.st_mode)
    wanted = mode & ~0o007 if mode & stat.S_ISGID else mode & ~0o077
    if wanted != mode:
        os.chmod(path, wanted)


def create_file(path: Path) -> int:
    """Open (creating if needed) a file with the folder's mode from the start; returns an fd."""
    mode = file_mode(Path(path).parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    set_file_mode(Path(path))
    return fd

"""One open store at a time: an OS-level lock on a file beside it.

The operating system releases the lock when the holding process ends, however it
ends, so a lock left by a crashed or killed process is recovered on the next open.
Only an unlocked store holds it: a PeerDesk window at the sign-in or lock screen holds
nothing, so staff under another OS account on a shared workstation can open the store.

Who holds it (PeerDesk account, OS account, computer, process, since when) is written to
a separate file beside the lock, so the next person is told by whom and since when.
It never holds a secret. It is a separate file because Windows forbids reading a
locked byte range of the lock file itself.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from peerdesk.errors import AlreadyOpenError
from peerdesk.services.files import atomic_write_bytes
from peerdesk.services.folder_access import create_file

LOCK_FILE = "peerdesk.lock"
HOLDER_FILE = "peerdesk.lock-holder.json"
MAX_HOLDER_BYTES = 4096


def _try_lock(fh: IO[bytes]) -> bool:
    if os.name == "nt":  # pragma: no cover - exercised on Windows builds
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no name for this uid (containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "?"


def _clean(value: Any, limit: int = 64) -> str:
    """Text from the holder file is shown to people: short, one line, printable."""
    text = str(value) if isinstance(value, (str, int)) else ""
    return "".join(ch for ch in text if ch.isprintable())[:limit]


@dataclass(frozen=True)
class Holder:
    username: str  # the PeerDesk account; "" while it is still being unlocked
    os_user: str
    host: str
    pid: int
    since: int

    @classmethod
    def current(cls, username: str = "") -> Holder:
        return cls(username, _os_user(), socket.gethostname(), os.getpid(), int(time.time()))

    @classmethod
    def from_json(cls, raw: bytes) -> Holder | None:
        try:
            doc = json.loads(raw.decode("utf-8"))
            if not isinstance(doc, dict):
                return None
            return cls(
                _clean(doc.get("username", "")),
                _clean(doc.get("os_user", "")),
                _clean(doc.get("host", "")),
                int(doc.get("pid", 0)),
                int(doc.get("since", 0)),
            )
        except (ValueError, TypeError, OverflowError):
            return None

    def describe(self) -> str:
        who = f"PeerDesk account '{self.username}'" if self.username else "someone signing in"
        where = ", ".join(
            part
            for part in (
                f"OS user {self.os_user}" if self.os_user else "",
                f"computer {self.host}" if self.host else "",
                f"process {self.pid}" if self.pid else "",
            )
            if part
        )
        since = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.since)) if self.since else "?"
        return f"{who}{f' ({where})' if where else ''} since {since}"


def read_holder(data_dir: Path) -> Holder | None:
    path = Path(data_dir) / HOLDER_FILE
    try:
        with open(path, "rb") as fh:
            return Holder.from_json(fh.read(MAX_HOLDER_BYTES))
    except OSError:
        return None


class InstanceLock:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_FILE
        self.holder_path = self.data_dir / HOLDER_FILE
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        # Made with the folder's mode (0660 in a clinic group's shared folder), so the
        # next OS account can open it for locking too.
        fh = os.fdopen(create_file(self.path), "r+b")
        if not _try_lock(fh):
            fh.close()
            holder = read_holder(self.data_dir)
            in_use = holder.describe() if holder else "another PeerDesk"
            raise AlreadyOpenError(
                f"the store is already open, in use by {in_use}; it is free again once "
                "they lock PeerDesk or sign out: try again then",
                holder,
            )
        self._fh = fh
        self._write_holder(Holder.current())

    def set_username(self, username: str) -> None:
        """Name the PeerDesk account that now has the store (only once it is verified)."""
        if self._fh is not None:
            self._write_holder(Holder.current(username))

    def _write_holder(self, holder: Holder) -> None:
        doc = {
            "username": holder.username,
            "os_user": holder.os_user,
            "host": holder.host,
            "pid": holder.pid,
            "since": holder.since,
        }
        try:
            atomic_write_bytes(self.holder_path, json.dumps(doc).encode("utf-8"))
        except Exception:  # noqa: BLE001 - the note is a courtesy; the lock is what counts
            pass

    def release(self) -> None:
        if self._fh is not None:
            # The note goes first, while the lock is still held, so it never removes
            # the note of whoever takes the lock next.
            try:
                self.holder_path.unlink(missing_ok=True)
            except OSError:
                pass  # a stale note is harmless: it is read only while the lock is held
            self._fh.close()  # closing the handle releases the OS lock
            self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None

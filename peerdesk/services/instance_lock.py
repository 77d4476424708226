"""One app instance per store: an OS-level lock on a file beside it.

The operating system releases the lock when the holding process ends, however it
ends, so a lock left by a crashed or killed process is recovered on the next open.
The file only records who held it, for the message shown to a second instance.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import IO

from peerdesk.errors import AlreadyOpenError

LOCK_FILE = "peerdesk.lock"


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


class InstanceLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        fh = open(self.path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        if not _try_lock(fh):
            fh.seek(0)
            try:
                holder = json.loads(fh.read().decode("utf-8") or "{}")
            except ValueError:
                holder = {}
            fh.close()
            pid = holder.get("pid", "?")
            raise AlreadyOpenError(
                f"PeerDesk is already open on this computer for this store (process {pid}); "
                "close it there first"
            )
        fh.seek(0)
        fh.truncate()
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": int(time.time())}
        fh.write(json.dumps(info).encode("utf-8"))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the handle releases the OS lock
            self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None

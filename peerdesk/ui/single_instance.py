"""One PeerDesk window per OS user and data folder: a second launch brings it forward.

The first process listens on a local socket (a Unix socket in a private folder, a named
pipe on Windows) named for the OS user and the data folder, readable by that user only.
A second launch connects, asks the first to raise its window and exits; this works at
the sign-in screen too, where the store itself is not held (other OS accounts on a
shared workstation have their own socket and may open the store when it is free).
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE = b"raise\n"
ACK = b"ok\n"
CONNECT_MS = 500
ANSWER_MS = 1000


def server_name(data_dir: Path) -> str:
    """Per OS user and data folder; on Unix a full path so the socket file sits in a
    folder only this user can enter (XDG_RUNTIME_DIR is 0700)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    folder = str(Path(data_dir).expanduser().absolute())
    digest = hashlib.sha256(f"{user}\x1f{folder}".encode()).hexdigest()[:16]
    name = f"peerdesk-{digest}"
    if os.name == "nt":  # pragma: no cover - named pipes are per session on Windows
        return name
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime) and os.access(runtime, os.W_OK):
        return str(Path(runtime) / f"{name}.sock")
    return name  # Qt puts it in /tmp; UserAccessOption keeps it to this user


def ask_running_instance(data_dir: Path) -> bool:
    """True if a PeerDesk already running for this user and folder raised its window."""
    sock = QLocalSocket()
    sock.connectToServer(server_name(data_dir))
    if not sock.waitForConnected(CONNECT_MS):
        return False
    sock.write(RAISE)
    sock.flush()
    answered = sock.waitForReadyRead(ANSWER_MS) and sock.readAll().data().startswith(ACK)
    sock.disconnectFromServer()
    return bool(answered)


class InstanceServer(QObject):
    """Listens for second launches and calls on_raise for each."""

    def __init__(self, data_dir: Path, on_raise: Callable[[], None]) -> None:
        super().__init__()
        self.on_raise = on_raise
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.name = server_name(data_dir)
        self.server.newConnection.connect(self._connection)

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        # A socket left by a crashed PeerDesk: nobody answered ask_running_instance, so
        # it is stale and can go.
        QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def _connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)

    def _read(self, sock: QLocalSocket) -> None:
        if sock.readAll().data().startswith(RAISE):
            sock.write(ACK)
            sock.flush()
            self.on_raise()

    def close(self) -> None:
        self.server.close()

"""The log for IT: starts, sign-ins (account name only), backups, upgrades, errors by class.

Services write to the "peerdesk.it" logger; only the entry points (CLI, app) attach the
file, so tests that call services write nothing unless they ask. What goes in is chosen
at each call: never a note, a participant's name, a password, a key or a recovery key,
and for unexpected errors only the class, since a message may quote a record.

Where: $PEERDESK_LOG_DIR if set; else /var/log/peerdesk when it exists and this OS user
may write there (the package can make it group-writable), or %ProgramData%\\PeerDesk\\logs
on Windows; else the data folder's logs/. Rotated at 1 MB, five old files kept.
"""

from __future__ import annotations

import getpass
import logging
import logging.handlers
import os
from pathlib import Path

from peerdesk.services import policy
from peerdesk.services.folder_access import file_mode, make_folder

LOGGER = "peerdesk.it"
LOG_FILE = "peerdesk.log"
LOG_DIR_ENV = "PEERDESK_LOG_DIR"
MAX_BYTES = 1 << 20
BACKUPS = 5
SYSTEM_LOG_DIR = Path("/var/log/peerdesk")

log = logging.getLogger(LOGGER)


class _GroupRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates the file 0600, or 0660 in a clinic group's shared folder."""

    def _open(self):  # noqa: ANN202 - as in logging
        fd = os.open(
            self.baseFilename,
            os.O_WRONLY | os.O_APPEND | os.O_CREAT,
            file_mode(Path(self.baseFilename).parent),
        )
        return os.fdopen(fd, "a", encoding=self.encoding or "utf-8")

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        pass  # a log that cannot be written must never break a command or the app


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def log_folder(data_dir: Path | None) -> Path | None:
    env = os.environ.get(LOG_DIR_ENV)
    if env:
        return Path(env)
    if policy.on_windows():
        system = policy.program_data() / "PeerDesk" / "logs"
        if _writable(system) or _writable(system.parent):
            return system
    elif _writable(SYSTEM_LOG_DIR):
        return SYSTEM_LOG_DIR
    if data_dir is not None and Path(data_dir).is_dir():
        return Path(data_dir) / "logs"
    return None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "?"


def setup_it_log(data_dir: Path | None) -> Path | None:
    """Attach the rotating file once per process; returns the file, or None if no place
    can be written (the app never fails for want of a log)."""
    folder = log_folder(data_dir)
    if folder is None:
        return None
    path = folder / LOG_FILE
    for handler in log.handlers:
        if getattr(handler, "baseFilename", None) == str(path.absolute()):
            return path
    try:
        make_folder(folder)
        handler = _GroupRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s %(levelname)s [pid %(process)d, OS user {_os_user()}] %(message)s"
        )
    )
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return path


def close_it_log() -> None:
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()

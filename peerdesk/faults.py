"""The one table from SQLCipher/SQLite and OS errors to PeerDesk errors.

A damaged page, a store cut short, a full disk, a permission problem, a read-only disk
and a failing disk each get their own sentence and exit code, in every command and in
the app. Everything that turns a driver or OS error into words goes through `fault()`
(the engine when it opens a file, `Store.session()`, the file writers in
services/files.py, and the command line's last resort in cli.py), so no command says
"unexpected error" or "disk full" for what is really damage.

| kind        | raised from                                  | error               | exit |
|-------------|----------------------------------------------|---------------------|------|
| damaged     | SQLITE_CORRUPT ("malformed"), a failing HMAC | DamagedStoreError   | 4    |
| truncated   | the same, the file not a whole number of pages | TruncatedStoreError | 4  |
| not_a_store | SQLITE_NOTADB ("file is not a database")     | DamagedStoreError   | 4    |
| full        | SQLITE_FULL, ENOSPC, EDQUOT, EFBIG           | StorageFullError    | 11   |
| permission  | SQLITE_PERM, SQLITE_AUTH, EACCES, EPERM      | FolderAccessError   | 13   |
| read_only   | SQLITE_READONLY, EROFS                       | ReadOnlyStoreError  | 14   |
| io          | SQLITE_IOERR, EIO, SQLITE_CANTOPEN           | DiskFailingError    | 15   |

An I/O error on a nearly full disk counts as full (SQLite says "disk I/O error" when it
cannot grow a write-ahead log), and SQLITE_CANTOPEN in a folder this account cannot
write counts as a permission problem.

In server mode a lost or refused connection to PostgreSQL is one more row,
`connection_lost()`: ServerUnavailableError, exit code 16. Which driver errors count was
found by producing them against a real server (tests/server/test_network_loss.py).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from peerdesk.errors import (
    DamagedStoreError,
    DiskFailingError,
    FolderAccessError,
    PeerDeskError,
    ReadOnlyStoreError,
    ServerUnavailableError,
    StorageFullError,
    TruncatedStoreError,
)

PAGE_SIZE = 4096  # SQLCipher 4's default page size; every whole store file is a multiple


@dataclass(frozen=True)
class Fault:
    error: type[PeerDeskError]
    sentence: str  # {path}: the file concerned


FAULTS: dict[str, Fault] = {
    "damaged": Fault(
        DamagedStoreError,
        "the store file {path} is damaged (a page fails its check); nothing more was "
        "changed. Restore the latest backup with 'peerdesk restore' and keep the damaged "
        "file for IT",
    ),
    "truncated": Fault(
        TruncatedStoreError,
        "the store file {path} is cut short (part of it is missing, e.g. an interrupted "
        "copy); restore the latest backup with 'peerdesk restore' and keep the file for IT",
    ),
    "not_a_store": Fault(
        DamagedStoreError,
        "the store file {path} cannot be read with this key: it is damaged or not a PeerDesk store",
    ),
    "full": Fault(
        StorageFullError,
        "the disk is full: could not write {path}; nothing was changed",
    ),
    "permission": Fault(
        FolderAccessError,
        "no permission to read or write {path}: this computer account may not use it; "
        "ask IT to check the folder's owner and permissions",
    ),
    "read_only": Fault(
        ReadOnlyStoreError,
        "{path} is on a read-only disk or folder; nothing was changed. Copy the data "
        "folder to a writable place or ask IT",
    ),
    "io": Fault(
        DiskFailingError,
        "the disk could not read or write {path} (an input/output error); it may be "
        "failing or unplugged. Nothing more was changed; check the disk and your backups",
    ),
}

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_CODES = {
    3: "permission",  # SQLITE_PERM
    8: "read_only",  # SQLITE_READONLY
    10: "io",  # SQLITE_IOERR
    11: "damaged",  # SQLITE_CORRUPT
    13: "full",  # SQLITE_FULL
    14: "io",  # SQLITE_CANTOPEN (refined below: a permission problem or a missing folder)
    23: "permission",  # SQLITE_AUTH
    26: "not_a_store",  # SQLITE_NOTADB
}
_ERRNOS = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EFBIG: "full",  # a file-size limit: the same remedy, more room
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EROFS: "read_only",
    errno.EIO: "io",
}
# Drivers without result codes: their fixed English messages.
_MESSAGES = (
    ("database or disk is full", "full"),
    ("disk image is malformed", "damaged"),
    ("file is not a database", "not_a_store"),
    ("readonly database", "read_only"),
    ("disk i/o error", "io"),
    ("unable to open database file", "io"),
    ("hmac verification failed", "damaged"),
)


def _driver(exc: BaseException) -> BaseException:
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
    return orig if isinstance(orig, BaseException) else exc


def classify(exc: BaseException) -> str | None:
    """The kind of fault behind exc (following causes and SQLAlchemy wrappers), or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        error = _driver(current)
        if isinstance(error, OSError) and error.errno in _ERRNOS:
            return _ERRNOS[error.errno]
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_CODES:
            return _SQLITE_CODES[code & 0xFF]
        if type(error).__module__.startswith(("sqlcipher3", "sqlite3")):
            text = str(error).lower()
            for needle, kind in _MESSAGES:
                if needle in text:
                    return kind
        current = current.__cause__ or current.__context__
    return None


RESERVE = 80  # SQLCipher 4 per page: 16-byte IV and 64-byte HMAC-SHA512 at its end


def _pages_in_header(path: Path, key: bytes) -> int | None:
    """The page count the store's own (encrypted) header records, or None.

    Page 1 is the 16-byte salt, then AES-256-CBC ciphertext; with a raw key the data key
    is the cipher key and the IV sits in the page's reserved tail. Header offset 28 (the
    database size in pages) is at offset 12 of the decrypted text.
    """
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    try:
        with open(path, "rb") as fh:
            page = fh.read(PAGE_SIZE)
        if len(page) < PAGE_SIZE or len(key) != 32:
            return None
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        plain = decryptor.update(page[16 : PAGE_SIZE - RESERVE]) + decryptor.finalize()
    except (OSError, ValueError):
        return None
    if int.from_bytes(plain[0:2], "big") != PAGE_SIZE or plain[4] != RESERVE:
        return None  # the header itself is damaged (or another key): no claim to check
    return int.from_bytes(plain[12:16], "big")


def _cut_short(path: Path, key: bytes | None) -> bool:
    """Shorter than a whole number of pages, or than the page count its header records."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    if size % PAGE_SIZE != 0:
        return True
    expected = _pages_in_header(path, key) if key is not None else None
    return expected is not None and size // PAGE_SIZE < expected


def fault(
    exc: BaseException,
    path: Path | str,
    store_path: Path | str | None = None,
    key: bytes | None = None,
) -> PeerDeskError | None:
    """The PeerDesk error for exc, or None when the table has no row for it.

    path is the file being read or written; damage is always about the store file
    (store_path, when the failing write was to another file such as a backup). With the
    data key, a store cut on a page boundary is still told apart from a bad page.
    """
    if isinstance(exc, PeerDeskError):
        return exc
    kind = classify(exc)
    if kind is None:
        return None
    where = Path(path)
    if kind in ("damaged", "not_a_store"):
        where = Path(store_path) if store_path is not None else where
        if where.name.endswith(".db") and _cut_short(where, key):
            kind = "truncated"
    if kind == "io" and _cantopen_for_permission(exc, where):
        kind = "permission"
    elif kind == "read_only" and not _on_read_only_disk(where):
        kind = "permission"  # SQLite says "readonly database" for a folder it may not write
    elif kind == "io" and (_low_space(where) or _file_size_limited()):
        kind = "full"  # SQLite says "disk I/O error" when it cannot grow a WAL or index
    entry = FAULTS[kind]
    return entry.error(entry.sentence.format(path=where))


LOW_SPACE_BYTES = 1 << 20


def _low_space(path: Path) -> bool:
    import shutil

    folder = path if path.is_dir() else path.parent
    try:
        return shutil.disk_usage(folder).free < LOW_SPACE_BYTES
    except OSError:
        return False


def _on_read_only_disk(path: Path) -> bool:
    folder = path if path.is_dir() else path.parent
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows: believe the driver
        return True


def _file_size_limited() -> bool:
    """A file-size limit (ulimit -f) is set: SQLite reports hitting it as an I/O error."""
    try:
        import resource
    except ImportError:  # Windows
        return False
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return soft != resource.RLIM_INFINITY


def _cantopen_for_permission(exc: BaseException, path: Path) -> bool:
    """SQLITE_CANTOPEN hides the OS reason; a folder this account cannot write is one."""
    code = getattr(_driver(exc), "sqlite_errorcode", None)
    if not (isinstance(code, int) and code & 0xFF == 14):
        return False
    folder = path if path.is_dir() else path.parent
    try:
        return folder.exists() and not os.access(folder, os.W_OK | os.X_OK)
    except OSError:
        return False


# -- server mode: the connection to PostgreSQL lost or refused ----------------------------
#
# Each of these was produced against a real server (tests/server/test_network_loss.py):
# 57P01 when the server is stopped ("fast") or an administrator ends the backend, 57P03
# while it starts up or shuts down, 57P02 when another backend crashed, 25P03/57P05 when the
# server ended an idle session, class 08 for connection exceptions. libpq's own failures
# carry no SQLSTATE (psycopg 3 gives none for errors while connecting), so they are told
# apart by libpq's fixed English texts.
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57P05", "25P03"})
_LOST_TEXTS = (
    "connection refused",  # server down, nothing listening
    "server closed the connection unexpectedly",
    "consuming input failed",  # an immediate stop mid-work: "SSL error: unexpected eof"
    "sending query failed",
    "ssl syscall error",
    "unexpected eof",
    "ssl connection has been closed unexpectedly",
    "could not receive data from server",
    "could not send data to server",
    "timeout expired",  # connect_timeout: a server or a network that does not answer
    "no route to host",
    "network is unreachable",
    "connection reset by peer",
    "broken pipe",
    "failed to resolve host",  # no DNS: the network is down as far as PeerDesk can tell
    "could not translate host name",
    "the connection is closed",  # psycopg: a connection already known to be dead
    "the connection is lost",
    "connection is bad",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "terminating connection",
)
# Refusals that are not the network: the wrong password or login, a certificate that does
# not match, a database that does not exist. Each needs IT, not a retry.
_NOT_NETWORK_TEXTS = (
    "password authentication failed",
    "authentication failed",
    "pg_hba.conf",
    "certificate",
    "does not exist",
    "permission denied",
    "too many connections",
)


def _psycopg_error(exc: BaseException) -> BaseException | None:
    """The psycopg error behind exc (following SQLAlchemy wrappers and causes), or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        error = _driver(current)
        if type(error).__module__.split(".")[0] == "psycopg":
            return error
        current = current.__cause__ or current.__context__
    return None


def is_connection_lost(exc: BaseException) -> bool:
    """True when exc says the PostgreSQL server is unreachable or the connection died."""
    error = _psycopg_error(exc)
    if error is None:
        return False  # SQLCipher, or not a driver error at all: never a network problem
    text = str(error).lower()
    if any(needle in text for needle in _NOT_NETWORK_TEXTS):
        return False
    sqlstate = getattr(error, "sqlstate", None) or ""
    if sqlstate in _LOST_SQLSTATES or sqlstate.startswith("08"):
        return True
    if getattr(exc, "connection_invalidated", False):
        return True  # SQLAlchemy's own dialect judged it a disconnect
    import psycopg

    if isinstance(error, psycopg.InterfaceError) and "closed" in text:
        return True
    return isinstance(error, psycopg.OperationalError) and any(n in text for n in _LOST_TEXTS)


def connection_lost(exc: BaseException, host: str) -> ServerUnavailableError | None:
    """ServerUnavailableError for a lost or refused connection to the server `host`, else
    None. The sentence names the host only: never the login, a password or the SQL."""
    if isinstance(exc, ServerUnavailableError):
        return exc
    if not is_connection_lost(exc):
        return None
    return ServerUnavailableError.for_host(host)

"""Engine and session factory over one SQLCipher 4 file opened with a raw 256-bit key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from peerdesk.errors import DamagedStoreError
from peerdesk.faults import fault
from peerdesk.models.sealing import NO_SEALING, Sealer
from peerdesk.models.sealing import SESSION_KEY as SEALER_KEY

# Per connection, and the pool keeps several (background pages and counts each take one):
# 128 MiB each put a scrolled 200,000-session list at 600 MB of memory, 48 MiB at 420 MB
# with the same list timings (docs/performance.md). The report raises its own connection's
# cache while it runs (services/reports/data.py).
CACHE_KIB = 48 * 1024


def _raw_key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("the data key must be 32 bytes")
    # A raw key in x'..' form skips SQLCipher's own PBKDF2, so opening is instant;
    # the slow, memory-hard step happens once, when a keyslot is unwrapped.
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_raw(path: Path | str, key: bytes) -> sqlcipher3.Connection:
    """Open and check one SQLCipher connection; raises DamagedStoreError on a bad file."""
    try:
        conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlcipher3.Error as exc:
        raise fault(exc, path, path, key) or DamagedStoreError(
            f"the store file {path} cannot be opened: {exc}"
        ) from exc
    try:
        # SQLCipher otherwise writes its own error lines to stderr on a bad page;
        # PeerDesk reports damage itself, in one sentence.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(_raw_key_pragma(key))
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if not version or not str(version[0]).startswith("4"):
            raise DamagedStoreError(f"SQLCipher 4 is required, found {version!r}")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.Error as exc:
            # Damage, a cut file, a full or failing disk, permissions: one table (faults.py).
            raise fault(exc, path, path, key) or DamagedStoreError(
                "the store file cannot be read with this key: it is damaged or not a PeerDesk store"
            ) from exc
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA busy_timeout = 5000")
        # Lists walk indexes keyed by random UUIDs; with SQLite's 8 MB default, large
        # stores keep evicting and re-decrypting the same pages (9 s -> 1.5 s for a
        # no-match search over 200,000 sessions). The cache only grows as pages are read.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    except sqlcipher3.Error as exc:
        conn.close()
        raise fault(exc, path, path, key) or DamagedStoreError(
            f"the store file {path} cannot be opened: {exc}"
        ) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def make_engine(path: Path | str, key: bytes | Callable[[], bytes]) -> Engine:
    """A small pool of keyed connections; WAL lets a background reader run beside the GUI.

    Pass the key as a callable to keep it out of the engine: once the owner drops the
    key (the app locks), no new connection can be made from this engine.
    """
    get_key: Callable[[], bytes] = key if callable(key) else (lambda: key)
    # Check the key once up front so a bad file fails here with a clear error.
    connect_raw(path, get_key()).close()

    engine = create_engine(
        "sqlite://",
        module=sqlcipher3.dbapi2,
        creator=lambda: connect_raw(path, get_key()),
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _no_pysqlite_autobegin(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        # pysqlite's own transaction handling is off; SQLAlchemy issues BEGIN itself.
        conn.exec_driver_sql("BEGIN")

    return engine


def make_session_factory(engine: Engine, sealer: Sealer | None = None) -> sessionmaker[Session]:
    """Sessions over the engine. With a sealer (server mode), the ORM seals free text on
    write and opens it on load (models/sealing.py); without one, columns are stored as
    they are (a local SQLCipher store is encrypted as a whole)."""
    return sessionmaker(engine, expire_on_commit=False, info={SEALER_KEY: sealer or NO_SEALING})

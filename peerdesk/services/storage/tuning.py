"""Per-engine tuning a service may ask for without knowing the engine."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.orm import Session


@contextlib.contextmanager
def large_page_cache(session: Session, kib: int) -> Iterator[None]:
    """A bigger page cache for this connection while a large read or bulk write runs.

    SQLCipher decrypts every page it reads, so re-reading evicted pages costs twice; on
    PostgreSQL the server's shared buffers do this job and there is nothing to set."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = -{int(kib)}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before or -2000)}"))

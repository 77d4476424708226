"""The engine boundary: where a store lives and what differs per engine.

`backend_for(data_dir)` gives the local SQLCipher file (sqlcipher.py) unless the machine
policy names a PostgreSQL server (postgres.py, config.py). Both give the store layer the
same things: an engine, a session factory, the key document, whether the store exists,
and one sentence for a driver error. Services never ask which one they run on.
"""

from __future__ import annotations

from pathlib import Path

from peerdesk.services.storage.config import server_config
from peerdesk.services.storage.postgres import PostgresBackend
from peerdesk.services.storage.sqlcipher import SqlcipherBackend

Backend = SqlcipherBackend | PostgresBackend


def backend_for(data_dir: Path) -> Backend:
    config = server_config()
    if config is None:
        return SqlcipherBackend(data_dir)
    return PostgresBackend(config, data_dir)


__all__ = ["Backend", "PostgresBackend", "SqlcipherBackend", "backend_for"]

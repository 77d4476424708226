"""A store on the clinic's PostgreSQL server (issue 13, docs/server-mode.md).

Connecting is TLS with verify-full against the clinic CA named in the machine policy;
the login's secret comes from the OS keyring (or PEERDESK_DB_PASSWORD), or the login is
a client certificate. The data key never reaches the server: keyslots live in
`key_documents` as they do in keyslots.json, and the chosen free-text columns are sealed
on this workstation before they are sent (models/sealing.py).

Several workstations write at once, so the audit chain is appended under a transaction
advisory lock (one chain, never a fork), and the key document is updated under a row
lock (services/storage/keyslot_table.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from peerdesk.errors import PeerDeskError, ServerSchemaError, ServerUnavailableError
from peerdesk.faults import connection_lost
from peerdesk.models import schema, sealing
from peerdesk.models.engine import make_session_factory
from peerdesk.models.pg_connect import connect_args, engine_options
from peerdesk.models.sealing import make_sealer, sealer_of
from peerdesk.services.storage.config import ServerConfig, database_password
from peerdesk.services.storage.keyslot_table import SETTING_UP, KeyslotTable
from peerdesk.services.storage.server_copy import export_server_copy

# pg_advisory_xact_lock key for appending to the audit chain: "PDaudit" as a number.
CHAIN_LOCK = 0x5044_6175_6469_74


def lock_chain(session: Session) -> None:
    """Called by services/audit.py before it reads the chain's head: held until commit,
    so two workstations' events line up one after the other."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in words for IT (never the password)."""
    message = str(getattr(exc, "orig", None) or exc).lower()
    if "password authentication failed" in message or "no password supplied" in message:
        return (
            "the server refused the login (the password in this computer's keyring or "
            "PEERDESK_DB_PASSWORD is wrong or missing)"
        )
    if "no encryption" in message or "does not support ssl" in message:
        return "the server does not offer TLS; PeerDesk never connects without it"
    if "certificate" in message or "ssl error" in message:
        # OpenSSL words it many ways ("certificate verify failed", "provider signature
        # failure" for a look-alike CA); each means the server did not prove who it is.
        return (
            "the server's certificate does not match the clinic CA and host name in the "
            "machine policy"
        )
    if "pg_hba.conf" in message:
        return "the server does not accept this login from this computer (pg_hba.conf)"
    if "does not exist" in message and "database" in message:
        return "the database named in the machine policy does not exist"
    if "timeout" in message or "timed out" in message:
        return "no answer in time"
    if "refused" in message:
        return "nothing listens at that address (server stopped, or a firewall)"
    return "the connection failed or was lost"


class PostgresBackend:
    kind = "postgresql"
    shared = True  # many workstations and processes write at once

    def __init__(self, config: ServerConfig, data_dir: Path) -> None:
        self.config = config
        self.data_dir = Path(data_dir)  # this workstation's folder: lock, IT log, drafts
        self._engine: Engine | None = None

    @property
    def label(self) -> str:
        return f"the clinic server {self.config.label}"

    def connect_args(self) -> dict[str, Any]:
        # Timeouts and keepalives that notice a lost network (models/pg_connect.py), then
        # TLS that makes the server prove its name, then the login.
        args: dict[str, Any] = {
            **connect_args(self.config.connect_timeout),
            "sslmode": "verify-full",
            "sslrootcert": str(self.config.ca_file),
        }
        password = database_password(self.config)
        if password:
            args["password"] = password
        if self.config.client_cert is not None and self.config.client_key is not None:
            args["sslcert"] = str(self.config.client_cert)
            args["sslkey"] = str(self.config.client_key)
        return args

    def engine(self) -> Engine:
        if self._engine is None:
            # pool_pre_ping: a connection the server or the network dropped is noticed
            # before use, so the next action after an outage works without a restart.
            options = engine_options(self.config.connect_timeout)
            options["connect_args"] = self.connect_args()
            self._engine = create_engine(self.config.url, **options)
        return self._engine

    def close(self) -> None:
        """Drop the pooled connections of an engine no store took over."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def make_engine(self, key: Callable[[], bytes]) -> Engine:
        # The engine that already read the schema and the key document (one connection,
        # one TLS handshake per sign-in); from here on the store owns and disposes it.
        engine = self.engine()
        self._engine = None
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            engine.dispose()
            raise self.unreachable(exc) from exc
        return engine

    def session_factory(self, engine: Engine, key: Callable[[], bytes]) -> sessionmaker[Session]:
        # Names, contacts and free text are sealed here, before they are sent.
        factory = make_session_factory(engine, make_sealer(key))
        factory.kw.setdefault("info", {})["chain_lock"] = lock_chain
        return factory

    def keyslots(self) -> KeyslotTable:
        try:
            return KeyslotTable(self.engine())
        except SQLAlchemyError as exc:
            raise self.unreachable(exc) from exc

    def unreachable(self, exc: BaseException) -> ServerUnavailableError:
        return ServerUnavailableError(
            f"{self.label} cannot be reached: {_reason(exc)}. Try again when it is back; "
            "what was confirmed is kept, and a save tried again is never recorded twice"
        )

    def database_problems(self, session: Session) -> list[str]:
        """`verify`: the server keeps pages and foreign keys itself; what can still be
        wrong is an index left invalid (a failed concurrent build) or a schema that is not
        this release's."""
        problems = [
            f"database index {name} is invalid; the server's administrator rebuilds it"
            for name in session.scalars(
                text(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE NOT i.indisvalid"
                )
            )
        ]
        # Sealed text that does not open: altered, moved to another record, or plain
        # text put where sealed text belongs (by someone writing to the database directly).
        for column, count in sealing.unopenable(session.connection(), sealer_of(session)).items():
            problems.append(
                f"{count} sealed value(s) in {column} do not open with this store's key"
            )
        current = schema.current_revision(session.connection())
        if current != schema.head_revision():
            problems.append(f"the server's schema is {current}, not {schema.head_revision()}")
        return problems

    def fault(self, exc: BaseException, key: bytes | None) -> PeerDeskError | None:
        # A lost connection is one sentence wherever it happens (faults.py); the pool has
        # already dropped the dead connections, so the same Save tried again reconnects.
        lost = connection_lost(exc, self.config.url.host or "")
        if lost is not None:
            return lost
        if isinstance(exc, DBAPIError) and (
            exc.connection_invalidated or type(exc.orig).__name__ in _LOST
        ):
            return self.unreachable(exc)
        return None

    def schema_state(self) -> tuple[str | None, bool]:
        """(the server's schema revision, whether the key document is there)."""
        try:
            with self.engine().connect() as conn:
                current = schema.current_revision(conn)
                doc = (
                    conn.scalar(text("SELECT doc FROM key_documents WHERE id = 1"))
                    if inspect(conn).has_table("key_documents")
                    else None
                )
                has_keys = doc is not None and SETTING_UP not in json.loads(doc)
        except SQLAlchemyError as exc:
            raise self.unreachable(exc) from exc
        return current, has_keys

    def exists(self) -> bool:
        return self.schema_state()[1]

    def require_current_schema(self, engine: Engine) -> None:
        """The app never migrates a server at sign-in: `peerdesk server upgrade` does."""
        with engine.connect() as conn:
            current = schema.current_revision(conn)
        head = schema.head_revision()
        if current == head:
            return
        if current is None:
            raise ServerSchemaError(
                f"{self.label} is not set up for PeerDesk; an administrator runs "
                "'peerdesk server init --admin NAME'"
            )
        if current not in schema.known_revisions():
            raise ServerSchemaError(
                f"{self.label} was set up by a newer PeerDesk release (schema {current}); "
                "install that release on this computer"
            )
        raise ServerSchemaError(
            f"{self.label} has schema {current}; this release needs {head}: an "
            "administrator runs 'peerdesk server upgrade'"
        )

    def export_copy(self, engine: Engine, key: bytes, copy: Path) -> str:
        """The rows of a backup (services/backup.py): the server's rows, from one
        snapshot, copied into a new SQLCipher file under the data key (sealed columns
        opened) by services/storage/transfer.py; the same file a local backup holds."""
        return export_server_copy(self, engine, key, copy)


# psycopg's classes for a connection that failed or went away.
_LOST = {"OperationalError", "InterfaceError", "AdminShutdown", "ConnectionTimeout"}

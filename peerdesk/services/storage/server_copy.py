"""Copies of a server store as a local SQLCipher file (the rows of `peerdesk backup` in
server mode), and how sealed columns change between the two kinds of store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from peerdesk.errors import IntegrityProblem, PeerDeskError
from peerdesk.models import Setting, schema, sealing
from peerdesk.models.engine import make_engine
from peerdesk.services import audit
from peerdesk.services.storage import transfer
from peerdesk.services.storage.transfer import Progress, Sealing

if TYPE_CHECKING:
    from peerdesk.services.storage.postgres import PostgresBackend


def server_sealing(key: bytes, onto_server: bool) -> Sealing:
    """How sealed columns change between a local store (plain) and the server (sealed)."""
    sealer = sealing.make_sealer(key)
    columns = dict(sealing.SEALED)
    kept = dict(sealing.AUTHOR_SEALED)
    if onto_server:
        return Sealing(write=sealer, columns=columns, kept=kept)
    return Sealing(read=sealer, columns=columns, kept=kept)


def server_error(
    backend: PostgresBackend, exc: SQLAlchemyError, key: bytes
) -> PeerDeskError | None:
    """The server's errors in one sentence; the local file's are left to faults.py."""
    orig = getattr(exc, "orig", None)
    if orig is None or not type(orig).__module__.startswith("psycopg"):
        return None
    lost = backend.fault(exc, key)
    if lost is not None:
        return lost
    # The class and SQLSTATE only: the server's message may quote a value.
    return PeerDeskError(
        f"{backend.label} refused the copy ({type(orig).__name__}, SQLSTATE "
        f"{getattr(orig, 'sqlstate', '?')}); nothing was kept on the server"
    )


def export_server_copy(
    backend: PostgresBackend,
    engine: Engine,
    key: bytes,
    copy: Path,
    sealing: Sealing | None = None,
    progress: Progress | None = None,
) -> str:
    """Copy the server's rows, as one snapshot, into a new SQLCipher file `copy` under
    the data key (sealed columns opened: a local store keeps them plain inside its
    encryption); return the audit head of that snapshot for the manifest."""
    sealing = sealing if sealing is not None else server_sealing(key, onto_server=False)
    local = make_engine(copy, key)
    try:
        with local.connect() as target:
            schema.upgrade(target)  # the same schema a local store has, triggers included
            target.commit()
            try:
                with engine.connect().execution_options(
                    isolation_level="REPEATABLE READ"
                ) as source:
                    source.begin()  # every table from one snapshot, beside other writers
                    head = source.scalar(select(Setting.value).where(Setting.key == audit.HEAD_KEY))
                    target.begin()
                    transfer.copy_all(source, target, sealing, progress=progress)
                    problems = transfer.count_problems(source, target)
                    source.rollback()
            except SQLAlchemyError as exc:
                error = server_error(backend, exc, key)
                if error is None:
                    raise
                raise error from exc
            if problems:
                raise IntegrityProblem(f"the backup copy did not match the server: {problems[0]}")
            target.commit()
    finally:
        local.dispose()
    return head or ""

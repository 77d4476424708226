"""The local store: one SQLCipher 4 file and keyslots.json in a data folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from peerdesk.errors import FolderAccessError, PeerDeskError
from peerdesk.faults import fault
from peerdesk.models.engine import make_engine, make_session_factory
from peerdesk.services.files import os_error_message
from peerdesk.services.keyslots import KeyslotFile

DB_FILE = "peerdesk.db"


class SqlcipherBackend:
    kind = "sqlcipher"
    # One instance owns the folder (its lock); others open beside it read-only.
    shared = False

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def label(self) -> str:
        return str(self.data_dir)

    def exists(self) -> bool:
        try:
            return self.db_path.exists()
        except PermissionError as exc:
            raise FolderAccessError.for_folder(self.data_dir) from exc

    def close(self) -> None:
        """Nothing to drop: the file is opened by the store's own engine."""

    def make_engine(self, key: Callable[[], bytes]) -> Engine:
        return make_engine(self.db_path, key)

    def session_factory(self, engine: Engine, key: Callable[[], bytes]) -> sessionmaker[Session]:
        return make_session_factory(engine)

    def keyslots(self) -> KeyslotFile:
        return KeyslotFile(self.data_dir)

    def database_problems(self, session: Session) -> list[str]:
        """`verify`: every page's HMAC, SQLite's own structure check, foreign keys."""
        problems = [
            f"encrypted page check: {r[0]}"
            for r in session.execute(text("PRAGMA cipher_integrity_check")).all()
        ]
        check = [r[0] for r in session.execute(text("PRAGMA integrity_check")).all()]
        if check != ["ok"]:
            problems += [f"database integrity: {line}" for line in check[:20]]
        for table, rowid, parent, _ in session.execute(text("PRAGMA foreign_key_check")).all()[:20]:
            problems.append(f"{table} row {rowid} points to a missing {parent} record")
        return problems

    def fault(self, exc: BaseException, key: bytes | None) -> PeerDeskError | None:
        if isinstance(exc, OSError):
            return os_error_message(exc, self.db_path)
        return fault(exc, self.db_path, self.db_path, key)

    def export_copy(self, engine: Engine, key: bytes, copy: Path) -> str:
        """The rows of a backup (services/backup.py): sqlcipher_export() of one snapshot."""
        from peerdesk.services.backup import export_sqlcipher_copy  # avoids an import cycle

        return export_sqlcipher_copy(engine, key, copy)

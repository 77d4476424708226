"""The local store: one SQLCipher 4 file and keyslots.json in a data folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
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

    def make_engine(self, key: Callable[[], bytes]) -> Engine:
        return make_engine(self.db_path, key)

    def session_factory(self, engine: Engine, key: bytes) -> sessionmaker[Session]:
        return make_session_factory(engine)

    def keyslots(self) -> KeyslotFile:
        return KeyslotFile(self.data_dir)

    def fault(self, exc: BaseException, key: bytes | None) -> PeerDeskError | None:
        if isinstance(exc, OSError):
            return os_error_message(exc, self.db_path)
        return fault(exc, self.db_path, self.db_path, key)

    def export_copy(self, engine: Engine, key: bytes, copy: Path) -> str:
        """The rows of a backup (services/backup.py): sqlcipher_export() of one snapshot."""
        from peerdesk.services.backup import export_sqlcipher_copy  # avoids an import cycle

        return export_sqlcipher_copy(engine, key, copy)

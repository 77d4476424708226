"""Encrypted backups made through SQLCipher, verified, and restorable into an empty folder.

A backup file is a ZIP (stored, not compressed) holding manifest.json, keyslots.json and
peerdesk.db. The database inside is exported by sqlcipher_export() under the same data
key, so it is never plaintext, and the keyslots let any account or the recovery key
open it on another machine.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text

from peerdesk import __version__
from peerdesk.errors import DamagedStoreError, PeerDeskError, StoreExistsError
from peerdesk.models import utcnow
from peerdesk.models.engine import connect_raw
from peerdesk.services.auth import Actor
from peerdesk.services.files import atomic_path, os_error_message
from peerdesk.services.keyslots import KEYSLOTS_FILE, KeyslotFile

BACKUP_FORMAT = "peerdesk-backup"
DB_MEMBER = "peerdesk.db"
PENDING_KEYS = ("pending_events",)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    tables: dict[str, int]
    revision: str | None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_db(path: Path, key: bytes) -> tuple[dict[str, int], str | None]:
    """Open an exported copy with the key and check it page by page; return row counts."""
    conn = connect_raw(path, key)
    try:
        problems = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if problems:
            raise DamagedStoreError(f"the backup copy failed its page check ({len(problems)})")
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise DamagedStoreError("the backup copy failed its integrity check")
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        revision = None
        if "alembic_version" in names:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        return counts, revision
    finally:
        conn.close()


def write_backup_file(engine: Engine, key: bytes, data_dir: Path, target: Path) -> BackupInfo:
    """Export, verify and write a backup atomically to target."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".peerdesk-backup-", dir=target.parent))
    except OSError as exc:
        raise os_error_message(exc, target) from exc
    try:
        copy = work / DB_MEMBER
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute(f"ATTACH DATABASE ? AS backup_copy KEY \"x'{key.hex()}'\"", (str(copy),))
            try:
                raw.execute("SELECT sqlcipher_export('backup_copy')")
            finally:
                raw.execute("DETACH DATABASE backup_copy")
        counts, revision = _check_db(copy, key)
        slots = KeyslotFile(data_dir)
        slot_doc = {k: v for k, v in slots.data.items() if k not in PENDING_KEYS}
        manifest = {
            "format": BACKUP_FORMAT,
            "version": 1,
            "store_id": slots.store_id,
            "created_at": utcnow().isoformat(),
            "app_version": __version__,
            "schema_revision": revision,
            "db_sha256": _sha256(copy),
            "tables": counts,
        }
        with atomic_path(target) as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr("manifest.json", json.dumps(manifest, indent=2))
                zf.writestr(KEYSLOTS_FILE, json.dumps(slot_doc, indent=2))
                zf.write(copy, DB_MEMBER)
            read_manifest(tmp, check_hash=True)  # verify what was written before it replaces
        return BackupInfo(target, target.stat().st_size, counts, revision)
    except OSError as exc:
        raise os_error_message(exc, target) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_manifest(path: Path, check_hash: bool = False) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            if manifest.get("format") != BACKUP_FORMAT:
                raise DamagedStoreError(f"{path} is not a PeerDesk backup")
            if check_hash:
                h = hashlib.sha256()
                with zf.open(DB_MEMBER) as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                if h.hexdigest() != manifest.get("db_sha256"):
                    raise DamagedStoreError(f"the backup {path} is damaged (checksum mismatch)")
            return manifest
    except FileNotFoundError as exc:
        raise PeerDeskError(f"backup file {path} does not exist") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DamagedStoreError(f"{path} is not a PeerDesk backup or is damaged") from exc


def backup_store(store: Any, actor: Actor, out: Path) -> BackupInfo:
    """Admin's backup of the open store (store is a services.store.Store)."""
    actor.require("backup.run", "make backups")
    info = write_backup_file(store.engine, store.key, store.data_dir, Path(out))
    with store.session() as s:
        store.audit(
            s,
            actor,
            "backup.create",
            "file",
            Path(out).name,
            {"bytes": info.size, "rows": sum(info.tables.values())},
        )
    return info


def unpack_backup(backup: Path, data_dir: Path) -> dict[str, Any]:
    """Place a verified backup's store and keyslots in an empty data folder."""
    from peerdesk.services.store import DB_FILE, store_exists

    backup, data_dir = Path(backup), Path(data_dir)
    manifest = read_manifest(backup, check_hash=True)
    if store_exists(data_dir) or (data_dir / KEYSLOTS_FILE).exists():
        raise StoreExistsError(
            f"{data_dir} already holds a store; restore into an empty folder or move it away first"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(backup) as zf:
            with atomic_path(data_dir / KEYSLOTS_FILE) as tmp:
                tmp.write_bytes(zf.read(KEYSLOTS_FILE))
            with atomic_path(data_dir / DB_FILE) as tmp:
                with zf.open(DB_MEMBER) as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except OSError as exc:
        remove_store_files(data_dir)
        raise os_error_message(exc, data_dir) from exc
    return manifest


def remove_store_files(data_dir: Path) -> None:
    from peerdesk.services.store import DB_FILE

    for name in (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", KEYSLOTS_FILE):
        (Path(data_dir) / name).unlink(missing_ok=True)


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        return {
            n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar() or 0) for n in names
        }


def restore_backup(
    backup: Path,
    data_dir: Path,
    username: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
) -> dict[str, Any]:
    """Unpack a backup into an empty folder and prove it opens with the given credentials.

    If the credentials do not open it, the unpacked files are removed again.
    """
    from peerdesk.services.store import open_store

    manifest = unpack_backup(backup, data_dir)
    try:
        store, actor = open_store(data_dir, username, password, recovery_key)
    except BaseException:
        remove_store_files(data_dir)
        raise
    with store:
        with store.session() as s:
            store.audit(
                s,
                actor,
                "backup.restore",
                "file",
                Path(backup).name,
                {"backup_created_at": manifest.get("created_at")},
            )
    return manifest

"""Encrypted backups made through SQLCipher, verified, and restorable into an empty folder.

A backup file is a ZIP (stored, not compressed) holding manifest.json, keyslots.json,
peerdesk.db and, when the data folder has one, its policy.toml. The database inside is
exported by sqlcipher_export() under the same data key, so it is never plaintext, and
the keyslots let any account or the recovery key open it on another machine.

The export reads one snapshot inside a read transaction, so a backup can run while the
app keeps writing (WAL lets one reader beside one writer); restore needs the store to
itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from peerdesk import __version__
from peerdesk.errors import DamagedStoreError, PeerDeskError, StorageFullError, StoreExistsError
from peerdesk.models import utcnow
from peerdesk.models.engine import connect_raw
from peerdesk.services import pending_events
from peerdesk.services.auth import BACKUP_JOB, Actor
from peerdesk.services.files import (
    atomic_path,
    database_error_message,
    fsync_dir,
    is_disk_full,
    os_error_message,
)
from peerdesk.services.folder_access import create_file, make_folder
from peerdesk.services.keyslots import FORMAT as KEYSLOTS_FORMAT
from peerdesk.services.keyslots import KEYSLOTS_FILE, KeyslotFile
from peerdesk.services.output_paths import check_output_path
from peerdesk.services.policy import POLICY_FILE, parse_policy_text

BACKUP_FORMAT = "peerdesk-backup"
BACKUP_SUFFIX = ".pdbackup"
DB_MEMBER = "peerdesk.db"
POLICY_MEMBER = POLICY_FILE
MAX_POLICY_BYTES = 1 << 20
PENDING_KEYS = ("pending_events",)
AUDIT_SEEN_KEY = "audit_head_seen"  # services/store.py (not imported: an import cycle)
# Small JSON members are read into memory; a damaged or hostile file must not make
# the app allocate more than this for them.
MAX_MANIFEST_BYTES = 1 << 20
MAX_KEYSLOTS_BYTES = 16 << 20
LOW_SPACE_BYTES = 1 << 20  # below this, a restored store that will not open means "disk full"
# What zipfile, zlib and json raise for a damaged, truncated or foreign file.
_DAMAGED_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ValueError,  # includes json.JSONDecodeError and UnicodeDecodeError
    EOFError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unsupported compression method
    zlib.error,
)
_DB_ERRORS = (sqlcipher3.Error, SQLAlchemyError)
log = logging.getLogger("peerdesk.it")


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


# (engine, data key, new SQLCipher file) -> the audit head ("seq:mac") of the copy
Exporter = Callable[[Engine, bytes, Path], str]


def export_sqlcipher_copy(engine: Engine, key: bytes, copy: Path) -> str:
    """A local store's rows into `copy` by sqlcipher_export(), from one snapshot."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute(f"ATTACH DATABASE ? AS backup_copy KEY \"x'{key.hex()}'\"", (str(copy),))
        try:
            # The copy is thrown away on any failure, so it needs no rollback journal
            # (a journal would also turn a full disk into a vague "disk I/O error").
            raw.execute("PRAGMA backup_copy.journal_mode = OFF")
            # One read transaction: every table is copied from the same snapshot even
            # while another process (the app) commits between the per-table copies.
            raw.execute("BEGIN")
            try:
                raw.execute("SELECT count(*) FROM main.sqlite_master").fetchone()
                # The audit chain's head in this snapshot: an anchor outside the store
                # that `verify` compares with the chain (services/integrity.py).
                head = raw.execute(
                    "SELECT value FROM main.settings WHERE key = 'audit_head'"
                ).fetchone()
                raw.execute("SELECT sqlcipher_export('backup_copy')")
                raw.execute("COMMIT")
            except BaseException:
                if raw.in_transaction:  # SQLite may have rolled back already (disk full)
                    raw.execute("ROLLBACK")
                raise
        finally:
            raw.execute("DETACH DATABASE backup_copy")
    return head[0] if head else ""


def write_backup_file(
    engine: Engine,
    key: bytes,
    data_dir: Path,
    target: Path,
    publish: Callable[[BackupInfo, Callable[[], None]], None] | None = None,
    export: Exporter | None = None,
    key_document: Callable[[], KeyslotFile] | None = None,
) -> BackupInfo:
    """Export, verify and write a backup atomically to target.

    export writes the store's rows into a new SQLCipher file under the data key and
    returns the audit head of what it copied (the store's engine: its backend's
    export_copy; a local file by default); key_document reads the store's key document
    afresh (its backend's keyslots; keyslots.json in data_dir by default).

    publish (e.g. the audit event) is called once the new file is written and checked,
    with a function that moves it into target's place; it calls that function inside its
    own commit, so the event and the file exist together. If publish fails before moving
    the file, target is left as it was.
    """
    target = Path(target)
    if target.is_dir():
        raise PeerDeskError(
            f"{target} is a folder; give a file name, e.g. {target / 'peerdesk.pdbackup'}"
        )
    from peerdesk.services.store_build import clean_temp_files  # avoids an import cycle

    clean_temp_files(target.parent)  # what killed backups into this folder left
    try:
        make_folder(target.parent)
        work = Path(tempfile.mkdtemp(prefix=f".peerdesk-backup-{os.getpid()}-", dir=target.parent))
    except OSError as exc:
        raise os_error_message(exc, target) from exc
    try:
        copy = work / DB_MEMBER
        head = (export or export_sqlcipher_copy)(engine, key, copy)
        counts, revision = _check_db(copy, key)
        slots = key_document() if key_document is not None else KeyslotFile(data_dir)
        slot_doc = {k: v for k, v in slots.document().items() if k not in PENDING_KEYS}
        if head:
            # The key document remembers the chain as far as this copy holds it (the
            # store's close records a newer head, services/store.py): a restore then
            # does not take events written after the copy for a rollback.
            slot_doc[AUDIT_SEEN_KEY] = head
        policy_bytes = _folder_policy(data_dir)
        manifest = {
            "format": BACKUP_FORMAT,
            "version": 1,
            "store_id": slots.store_id,
            "created_at": utcnow().isoformat(),
            "app_version": __version__,
            "schema_revision": revision,
            "db_sha256": _sha256(copy),
            "tables": counts,
            "policy": policy_bytes is not None,
            "audit_head": head,
        }
        # Written in the work folder (same disk as target), so the final step is a rename.
        tmp = work / "backup.pdbackup"
        os.close(create_file(tmp))
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
            zf.writestr(KEYSLOTS_FILE, json.dumps(slot_doc, indent=2))
            zf.write(copy, DB_MEMBER)
            if policy_bytes is not None:
                zf.writestr(POLICY_MEMBER, policy_bytes)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        read_manifest(tmp, check_hash=True)  # verify what was written before it replaces
        info = BackupInfo(target, tmp.stat().st_size, counts, revision)
        _check_target(target)

        def move_into_place() -> None:
            os.replace(tmp, target)
            fsync_dir(target.parent)

        if publish is None:
            move_into_place()
        else:
            publish(info, move_into_place)
        return info
    except OSError as exc:
        raise os_error_message(exc, target) from exc
    except _DB_ERRORS as exc:
        # e.g. sqlcipher_export() on a full disk: "database or disk is full"; checking
        # the copy on a nearly full disk fails as "disk I/O error" (no room for its WAL).
        if not is_disk_full(exc) and _low_space(target.parent):
            raise StorageFullError(
                f"the disk is full: could not write {target}; nothing was changed"
            ) from exc
        # A bad page met while exporting is the store's damage, not the backup's.
        raise database_error_message(exc, target, Path(data_dir) / DB_MEMBER, key) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_target(target: Path) -> None:
    """What atomic_path checks: never replace a folder, a device or a pipe."""
    if target.is_dir():
        raise PeerDeskError(f"{target} is a folder; give a file name")
    if target.exists() and not target.is_file():
        raise PeerDeskError(f"{target} is not a regular file (a device or pipe); give a file name")


def _folder_policy(data_dir: Path) -> bytes | None:
    """The data folder's policy.toml, so a restore brings the settings back too."""
    path = Path(data_dir) / POLICY_FILE
    if not path.is_file():
        return None
    with open(path, "rb") as fh:
        data = fh.read(MAX_POLICY_BYTES + 1)
    if len(data) > MAX_POLICY_BYTES:
        raise PeerDeskError(f"{path} is larger than 1 MB; it cannot be a PeerDesk policy")
    return data


def with_backup_suffix(path: Path) -> Path:
    """A name typed without .pdbackup gets it, so Restore's file filter lists the file."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == BACKUP_SUFFIX:
        return path
    return path.with_name(path.name + BACKUP_SUFFIX)


def _not_a_backup(path: Path) -> DamagedStoreError:
    return DamagedStoreError(f"{path} is not a PeerDesk backup or is damaged")


def _read_member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A small member, refused (KeyError/ValueError) if missing or larger than limit."""
    if zf.getinfo(name).file_size > limit:
        raise ValueError(f"{name} is too large")
    return zf.read(name)


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise PeerDeskError(f"backup file {path} does not exist")
    if path.is_dir():
        raise DamagedStoreError(f"{path} is a folder, not a PeerDesk backup file")
    if not path.is_file():  # a device or pipe: reading it could block or never end
        raise _not_a_backup(path)


def read_manifest(path: Path, check_hash: bool = False) -> dict[str, Any]:
    path = Path(path)
    _check_readable(path)
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(_read_member(zf, "manifest.json", MAX_MANIFEST_BYTES))
            if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
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
    except _DAMAGED_ZIP as exc:
        raise _not_a_backup(path) from exc
    except OSError as exc:
        raise PeerDeskError(f"cannot read the backup {path}: {exc.strerror or exc}") from exc


def _keyslot_bytes(zf: zipfile.ZipFile, backup: Path) -> bytes:
    """The backup's keyslots.json, checked for the layout the key file must have."""
    raw = _read_member(zf, KEYSLOTS_FILE, MAX_KEYSLOTS_BYTES)
    doc = json.loads(raw)
    slots = doc.get("slots") if isinstance(doc, dict) else None
    if (
        not isinstance(doc, dict)
        or doc.get("format") != KEYSLOTS_FORMAT
        or not isinstance(doc.get("store_id"), str)
        or not isinstance(slots, list)
        or not slots
        or not all(isinstance(slot, dict) and isinstance(slot.get("kind"), str) for slot in slots)
    ):
        raise _not_a_backup(backup)
    return raw


def backup_store(store: Any, actor: Actor, out: Path) -> BackupInfo:
    """Admin's backup of the open store (store is a services.store.Store)."""
    actor.require("backup.run", "make backups")
    out = check_output_path(with_backup_suffix(Path(out)), store.data_dir)

    def publish(info: BackupInfo, move_into_place: Callable[[], None]) -> None:
        # The event and the file exist together: a backup nobody can see in the log never
        # exists, and the log never names a backup that was not written.
        detail = {"bytes": info.size, "rows": sum(info.tables.values())}
        if not store.exclusive:
            # Beside a running app: the sealed event is prepared, the file moved, then the
            # event committed (pending_events.prepare/commit); a run killed between the two
            # is settled at the next unlock by whether the file is there.
            prepared = pending_events.prepare(
                store.data_dir, store.key, actor, "backup.create", "file", out.name, detail, out
            )
            try:
                move_into_place()
            except BaseException:
                pending_events.discard(prepared)
                raise
            pending_events.commit(prepared)
            return
        moved = False
        try:
            with store.session() as s:
                store.audit(s, actor, "backup.create", "file", out.name, detail)
                s.flush()
                move_into_place()  # inside the transaction: committed right after
                moved = True
        except BaseException as exc:
            if moved:  # the commit failed after the file took its place: take it back
                out.unlink(missing_ok=True)
            if isinstance(exc, _DB_ERRORS):
                raise database_error_message(exc, store.db_path) from exc
            raise

    info = write_backup_file(
        store.engine,
        store.key,
        store.data_dir,
        out,
        publish,
        export=store.backend.export_copy,
        key_document=store.backend.keyslots,
    )
    if actor.role == BACKUP_JOB:
        return info  # the unattended run logs its own single line
    log.info(
        "backup written by %s: %s (%d bytes, %d rows)",
        actor.username,
        info.path,
        info.size,
        sum(info.tables.values()),
    )
    return info


def check_restore_target(data_dir: Path) -> None:
    """A restore goes only into a folder that holds no store and no leftover store files."""
    from peerdesk.services.store import DB_FILE, store_exists

    if data_dir.exists() and not data_dir.is_dir():
        raise PeerDeskError(f"{data_dir} is a file, not a folder; restore into an empty folder")
    if store_exists(data_dir) or (data_dir / KEYSLOTS_FILE).exists():
        raise StoreExistsError(
            f"{data_dir} already holds a store; restore into an empty folder or move it away first"
        )
    leftovers = [n for n in (f"{DB_FILE}-wal", f"{DB_FILE}-shm") if (data_dir / n).exists()]
    if leftovers:
        # An old write-ahead log next to the restored file could be replayed into it.
        raise StoreExistsError(
            f"{data_dir} holds leftover store files ({', '.join(leftovers)}); move them away first"
        )


def unpack_backup(backup: Path, data_dir: Path) -> dict[str, Any]:
    """Place a verified backup's store and keyslots in a data folder that holds no store.

    If anything fails on the way (a full disk, a damaged member, Ctrl+C), the files this
    call created are removed again, so the next restore does not find a half store.
    """
    from peerdesk.services.store import DB_FILE

    backup, data_dir = Path(backup), Path(data_dir)
    check_restore_target(data_dir)
    manifest = read_manifest(backup, check_hash=True)
    made_dir = not data_dir.exists()
    created: list[Path] = []  # none of these existed: checked above
    try:
        make_folder(data_dir)  # 0700 (or the clinic group's mode), never the umask's 0755
        with zipfile.ZipFile(backup) as zf:
            slot_bytes = _keyslot_bytes(zf, backup)
            created.append(data_dir / KEYSLOTS_FILE)
            with atomic_path(data_dir / KEYSLOTS_FILE) as tmp:
                tmp.write_bytes(slot_bytes)
            created.append(data_dir / DB_FILE)
            with atomic_path(data_dir / DB_FILE) as tmp:
                with zf.open(DB_MEMBER) as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            manifest["policy_restored"] = _restore_policy(zf, backup, data_dir, created)
    except BaseException as exc:
        for path in created:
            path.unlink(missing_ok=True)
        if made_dir:
            try:
                data_dir.rmdir()
            except OSError:
                pass  # not empty (someone else's file) or already gone: leave it
        if isinstance(exc, OSError):
            raise os_error_message(exc, data_dir) from exc
        if isinstance(exc, _DAMAGED_ZIP):
            raise _not_a_backup(backup) from exc
        raise
    log.info("backup restored into %s (made %s)", data_dir, manifest.get("created_at", "?"))
    # The chain now continues from the backup's head: older anchors no longer apply.
    log.info("audit anchors reset: store %s (restored from a backup)", manifest.get("store_id"))
    return manifest


def extract_store_files(backup: Path, folder: Path) -> dict[str, Any]:
    """A verified backup's keyslots.json and (still encrypted) database into `folder`, a
    private working folder (a restore onto a server, services/server_transfer.py)."""
    backup, folder = Path(backup), Path(folder)
    manifest = read_manifest(backup, check_hash=True)
    try:
        with zipfile.ZipFile(backup) as zf:
            (folder / KEYSLOTS_FILE).write_bytes(_keyslot_bytes(zf, backup))
            with zf.open(DB_MEMBER) as src, open(folder / DB_MEMBER, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    except OSError as exc:
        raise os_error_message(exc, folder) from exc
    except _DAMAGED_ZIP as exc:
        raise _not_a_backup(backup) from exc
    return manifest


def _restore_policy(zf: zipfile.ZipFile, backup: Path, data_dir: Path, created: list[Path]) -> str:
    """Put the backup's policy.toml back: "restored", "kept" (the folder has its own),
    "none" (the backup has none) or "invalid" (not written)."""
    if POLICY_MEMBER not in zf.namelist():
        return "none"
    target = data_dir / POLICY_FILE
    if target.exists():
        return "kept"
    raw = _read_member(zf, POLICY_MEMBER, MAX_POLICY_BYTES)
    try:
        parse_policy_text(raw.decode("utf-8"), f"{backup} (policy.toml)")
    except (PeerDeskError, UnicodeDecodeError):
        return "invalid"
    created.append(target)
    with atomic_path(target) as tmp:
        tmp.write_bytes(raw)
    return "restored"


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


def _low_space(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < LOW_SPACE_BYTES
    except OSError:
        return False


def _no_room_to_open(exc: BaseException, data_dir: Path) -> bool:
    """A just-verified copy that will not open on a nearly full disk: blame the disk.

    SQLite reports a write-ahead log or index it cannot extend as "disk I/O error",
    which the store reports as damage; the checksum has just shown the copy is whole.
    """
    if not isinstance(exc, DamagedStoreError):
        return False
    try:
        return shutil.disk_usage(data_dir).free < LOW_SPACE_BYTES
    except OSError:
        return False


def restore_backup(
    backup: Path,
    data_dir: Path,
    username: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
) -> dict[str, Any]:
    """Unpack a backup and prove it opens with the given credentials, then put it in place.

    The store is built in a hidden folder beside data_dir (services/store_build.py) and
    moved into data_dir only once it opened and recorded the restore, so a failure or a
    kill on the way never leaves a half store in data_dir.
    """
    from peerdesk.services.storage import backend_for
    from peerdesk.services.store import open_store
    from peerdesk.services.store_build import build_then_place, clean_stale

    backup, data_dir = Path(backup), Path(data_dir)
    if backend_for(data_dir).shared:
        # The machine policy names a server: the backup goes onto it (it must be empty).
        from peerdesk.services.server_transfer import restore_onto_server

        return restore_onto_server(backup, data_dir, username, password, recovery_key)
    # First take back what a killed restore had half moved in (see store_build), so this
    # restore finds the folder as empty as it was before that one.
    clean_stale(data_dir)
    check_restore_target(data_dir)
    folder_policy = (data_dir / POLICY_FILE).exists()

    def build(work: Path) -> dict[str, Any]:
        manifest = unpack_backup(backup, work)
        if folder_policy and manifest.get("policy_restored") in ("restored", "invalid"):
            # The data folder keeps its own settings; the backup's copy is not placed.
            (work / POLICY_FILE).unlink(missing_ok=True)
            manifest["policy_restored"] = "kept"
        try:
            store, actor = open_store(work, username, password, recovery_key)
        except Exception as exc:
            if is_disk_full(exc) or _no_room_to_open(exc, work):
                raise StorageFullError(
                    f"the disk is full: could not restore into {data_dir}; nothing was changed"
                ) from exc
            raise
        try:
            with store:
                with store.session() as s:
                    store.audit(
                        s,
                        actor,
                        "backup.restore",
                        "file",
                        backup.name,
                        {
                            "backup_created_at": manifest.get("created_at"),
                            "policy": manifest.get("policy_restored", "none"),
                        },
                    )
        except _DB_ERRORS as exc:
            raise database_error_message(exc, data_dir) from exc
        return manifest

    manifest = build_then_place(data_dir, build, undo=True)
    log.info("backup restored into %s (made %s)", data_dir, manifest.get("created_at", "?"))
    return manifest

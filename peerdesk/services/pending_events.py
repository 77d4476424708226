"""Audit events recorded beside a running app, joined to the audit log at the next unlock.

A backup taken while the app has the store open must not write to the database: the
app's own transactions read and then write, and a commit from another process between
the two makes the app's write fail at once (SQLite's snapshot rule in WAL mode). So the
backup process seals its events (HMAC with the audit key, which only holders of the
data key can derive) into small files in pending-events/, and the next exclusive
unlock (the app's sign-in or unlock, or any command) moves them into the chained log.
A file without a valid seal is not trusted: it becomes a "rejected" entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerdesk.models import User
from peerdesk.services import audit
from peerdesk.services.auth import SYSTEM, Actor
from peerdesk.services.files import atomic_write_bytes
from peerdesk.services.folder_access import make_folder

FOLDER = "pending-events"
MAX_FILES = 1000
MAX_BYTES = 64 << 10
_FIELDS = ("action", "actor", "role", "target_type", "target_id", "detail", "at")


def _payload(record: dict[str, Any]) -> bytes:
    return json.dumps(
        [record.get(k) for k in _FIELDS], separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def _seal(data_key: bytes, record: dict[str, Any]) -> str:
    return hmac.new(audit.audit_key(data_key), _payload(record), hashlib.sha256).hexdigest()


def record(
    data_dir: Path,
    data_key: bytes,
    actor: Actor,
    action: str,
    target_type: str = "",
    target_id: str = "",
    detail: dict[str, Any] | None = None,
) -> Path:
    entry = _sealed(data_key, actor, action, target_type, target_id, detail)
    return _write(data_dir, f"{_unique()}.json", entry)


def _unique() -> str:
    return f"{time.time_ns()}-{secrets.token_hex(4)}"


def _write(data_dir: Path, name: str, entry: dict[str, Any]) -> Path:
    folder = Path(data_dir) / FOLDER
    make_folder(folder)
    path = folder / name
    atomic_write_bytes(path, json.dumps(entry).encode("utf-8"))
    return path


def _sealed(
    data_key: bytes,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any] | None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "action": action,
        "actor": actor.username,
        "role": actor.role,
        "target_type": target_type,
        "target_id": target_id,
        "detail": detail or {},
        "at": int(time.time()),
    }
    entry["mac"] = _seal(data_key, entry)
    return entry


PREPARED = ".prepared"


def prepare(
    data_dir: Path,
    data_key: bytes,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any] | None,
    about: Path,
) -> Path:
    """First half of an event that must exist exactly when a file does (a backup): sealed
    like any event but named `<pid>-....json.prepared`, so flush() leaves it alone until
    commit() renames it. If the writer dies in between, flush() decides by whether the
    file `about` is there."""
    entry = _sealed(data_key, actor, action, target_type, target_id, detail)
    entry["file"] = str(Path(about).absolute())  # not sealed: it only settles a dead run
    return _write(data_dir, f"{os.getpid()}-{_unique()}.json{PREPARED}", entry)


def commit(prepared: Path) -> Path:
    final = prepared.with_name(prepared.name.split("-", 1)[1].removesuffix(PREPARED))
    os.replace(prepared, final)
    return final


def discard(prepared: Path) -> None:
    Path(prepared).unlink(missing_ok=True)


def _settle_prepared(folder: Path) -> None:
    """Prepared events of writers that are gone: committed if their file exists, else
    dropped (the backup never appeared, so nothing may claim it did)."""
    for path in folder.glob(f"*.json{PREPARED}"):
        pid_text = path.name.split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        entry = _read(path)
        about = entry.get("file") if entry else None
        try:
            if isinstance(about, str) and Path(about).is_file():
                commit(path)
            else:
                path.unlink()
        except OSError:
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def flush(data_dir: Path, data_key: bytes, session: Session, append: Any) -> list[Path]:
    """Append each waiting event (append(session, actor, action, ...)); return the files to
    delete once the transaction has committed."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    _settle_prepared(folder)
    files = sorted(p for p in folder.glob("*.json") if p.is_file())[:MAX_FILES]
    for path in files:
        entry = _read(path)
        valid = entry is not None and hmac.compare_digest(
            str(entry.get("mac", "")), _seal(data_key, entry)
        )
        if not valid or entry is None:
            append(
                session,
                SYSTEM,
                "pending_event.rejected",
                "",
                "",
                {"reason": "event recorded beside the app without a valid seal"},
            )
            continue
        name = str(entry["actor"])
        user_id = session.scalar(select(User.id).where(User.username == name))
        actor = Actor(user_id, name, name, str(entry["role"]))
        detail = dict(entry["detail"]) if isinstance(entry["detail"], dict) else {}
        detail.update({"recorded_at": int(entry["at"]), "beside_running_app": True})
        append(
            session,
            actor,
            str(entry["action"]),
            str(entry["target_type"]),
            str(entry["target_id"]),
            detail,
        )
    return files


def _read(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or not all(k in entry for k in _FIELDS):
        return None
    try:
        int(entry["at"])
    except (TypeError, ValueError, OverflowError):
        return None
    return entry


def remove(files: list[Path]) -> None:
    for path in files:
        try:
            os.unlink(path)
        except OSError:
            pass  # already gone: another process flushed it first

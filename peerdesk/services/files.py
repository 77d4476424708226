"""Atomic file writes (temp file, fsync, rename); a full disk becomes a clear error."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from peerdesk.errors import PeerDeskError, StorageFullError
from peerdesk.faults import classify, fault
from peerdesk.services.folder_access import file_mode, make_folder


def fsync_dir(folder: Path) -> None:
    """Make a rename in folder survive a power cut (POSIX; Windows has no such call)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def os_error_message(exc: OSError, path: Path) -> PeerDeskError:
    """One sentence for an OS error met while writing path (the table in faults.py)."""
    known = fault(exc, path)
    if known is not None:
        return known
    if exc.errno == errno.ENOTDIR:
        return PeerDeskError(f"could not write {path}: part of that path is a file, not a folder")
    return PeerDeskError(f"could not write {path}: {exc.strerror or exc}")


SQLITE_FULL = 13  # "database or disk is full"


def driver_error(exc: BaseException) -> BaseException:
    """The database driver's own error behind a SQLAlchemy one (its `orig`), else exc."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def is_disk_full(exc: BaseException) -> bool:
    """True for ENOSPC/EDQUOT/EFBIG or SQLite's "database or disk is full", also wrapped."""
    return isinstance(exc, StorageFullError) or classify(exc) == "full"


def database_error_message(
    exc: BaseException, path: Path, store_path: Path | None = None, key: bytes | None = None
) -> PeerDeskError:
    """One sentence for a database error met while writing path (driver or SQLAlchemy).

    Damage, a full disk, permissions and the like come from the one table (faults.py),
    damage naming the store file (store_path) rather than path. Anything else uses the
    driver's own one-line message, never SQLAlchemy's multi-line text.
    """
    if isinstance(exc, PeerDeskError):
        return exc
    known = fault(exc, path, store_path, key)
    if known is not None:
        return known
    error = driver_error(exc)
    if isinstance(error, OSError):
        return os_error_message(error, path)
    lines = str(error).strip().splitlines()
    detail = lines[0] if lines else type(error).__name__
    return PeerDeskError(f"could not write {path}: {detail}")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success it replaces the target."""
    target = Path(target)
    folder = target.parent
    if target.is_dir():
        raise PeerDeskError(f"{target} is a folder; give a file name")
    if target.exists() and not target.is_file():
        # Replacing it would swap a device such as /dev/full for a regular file.
        raise PeerDeskError(f"{target} is not a regular file (a device or pipe); give a file name")
    if folder.exists() and not folder.is_dir():
        raise PeerDeskError(f"could not write {target}: {folder} is a file, not a folder")
    try:
        make_folder(folder)
        # The writer's pid in the name lets the next start remove what a killed run left
        # (services/store_build.clean_temp_files).
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder
        )
        os.close(fd)
        if os.name == "posix":  # 0600, or 0660 in a clinic group's shared folder
            os.chmod(tmp_name, file_mode(folder))
    except OSError as exc:
        raise os_error_message(exc, target) from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise os_error_message(exc, target) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)

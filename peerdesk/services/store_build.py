"""Stores that appear whole or not at all: demo and restore build beside their folder.

A demo store or a restored backup is built in a hidden folder next to the data folder
(`.<name>.peerdesk-build-<pid>-<random>`, same disk, so the final moves are renames),
opened and closed there, marked READY, and only then moved into place: the key file
first, then the policy, the database last (the database is what makes a folder "hold a
store"). A run killed before READY leaves no store in the data folder, only the hidden
folder. A run killed during the moves is settled by the next start, as READY says: a demo
is finished (roll forward; READY says the build was complete), a restore is rolled back
(the files it had already moved, listed in READY, are removed again), so the folder is
empty once more and the restore can simply be run again; nobody ever saw that store.

`clean_stale()` runs at every start that uses a data folder (commands, the app): it
removes hidden build folders of processes that are gone, finishes READY ones, and
removes hidden temp files and folders left by killed backups and atomic writes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from peerdesk.errors import StoreExistsError
from peerdesk.services.files import fsync_dir, os_error_message
from peerdesk.services.folder_access import make_folder, set_file_mode, set_folder_mode

T = TypeVar("T")
READY = "READY"
BUILD_TAG = "peerdesk-build"
# Moved in this order; the database last, since its presence means "a store is here".
PLACED = ("keyslots.json", "policy.toml", "peerdesk.db-wal", "peerdesk.db")
log = logging.getLogger("peerdesk.it")
# Hidden names this app gives its temporary files and folders, each with the writer's pid.
_TEMP_NAMES = (
    re.compile(r"^\.peerdesk-backup-(?P<pid>\d+)-"),  # services/backup.py work folders
    re.compile(r"^\..+\.(?P<pid>\d+)\.[^.]+\.tmp$"),  # services/files.atomic_path
    re.compile(r"^\..+\.export-(?P<pid>\d+)-"),  # services/exporter.py work folders
    re.compile(r"^\.peerdesk-export-(?P<pid>\d+)-"),
)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # no cheap check: leave it (Windows deletes its temp folders itself)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _build_pid(folder: Path, data_dir: Path) -> int | None:
    m = re.match(rf"^\.{re.escape(data_dir.name)}\.{BUILD_TAG}-(\d+)-", folder.name)
    return int(m.group(1)) if m else None


def _builds(data_dir: Path) -> list[Path]:
    """Build folders for data_dir: beside it, or inside it (see build_folder)."""
    found: list[Path] = []
    for where in (data_dir.parent, data_dir):
        try:
            found += [
                p
                for p in where.glob(f".{glob_escape(data_dir.name)}.{BUILD_TAG}-*")
                if p.is_dir() and _build_pid(p, data_dir) is not None
            ]
        except OSError:
            continue
    return found


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextlib.contextmanager
def build_folder(data_dir: Path) -> Iterator[Path]:
    """A fresh hidden folder beside data_dir; removed again unless placed."""
    data_dir = Path(data_dir)
    prefix = f".{data_dir.name}.{BUILD_TAG}-{os.getpid()}-"
    try:
        make_folder(data_dir.parent)
        work = Path(tempfile.mkdtemp(prefix=prefix, dir=data_dir.parent))
    except PermissionError:
        # A machine-wide folder (/var/lib/peerdesk) whose parent only root may write:
        # build inside the folder itself (still the same disk, still hidden).
        try:
            make_folder(data_dir)
            work = Path(tempfile.mkdtemp(prefix=prefix, dir=data_dir))
        except OSError as exc:
            raise os_error_message(exc, data_dir) from exc
    except OSError as exc:
        raise os_error_message(exc, data_dir) from exc
    try:
        # Files made here must already belong to the clinic group in a shared folder.
        set_folder_mode(work, data_dir if data_dir.is_dir() else data_dir.parent)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise os_error_message(exc, data_dir) from exc
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def place(work: Path, data_dir: Path, replace: bool = False, undo: bool = False) -> None:
    """Move a finished store from its build folder into data_dir (see the module's rules).

    replace: the caller has checked that what is there may go (a demo store under --force).
    undo: a run killed during the moves is rolled back by the next start, not finished
    (a restore: only files that were not there before are moved, so removing them is safe).
    """
    data_dir = Path(data_dir)
    if not replace and any((data_dir / name).exists() for name in ("peerdesk.db", "keyslots.json")):
        raise StoreExistsError(f"a store already exists in {data_dir}")
    if _place_whole(work, data_dir):
        return
    try:
        names = [name for name in PLACED if (work / name).exists()]
        ready = {"names": names, "on_kill": "undo" if undo else "finish"}
        (work / READY).write_text(json.dumps(ready), encoding="utf-8")
        fsync_dir(work)
        make_folder(data_dir)
        _move_files(work, data_dir, replace)
    except OSError as exc:
        raise os_error_message(exc, data_dir) from exc


def _place_whole(work: Path, data_dir: Path) -> bool:
    """Where the data folder does not exist yet, the build folder itself is renamed into
    place: one step, so a kill leaves either no store or the whole one. False when that
    cannot be done (the folder exists: an empty one may carry an owner, group or ACL that
    IT gave it, so it is kept and the files are moved into it; or the build is inside it)."""
    if os.name != "posix" or work.parent != data_dir.parent:
        return False
    try:
        if data_dir.exists() or data_dir.is_symlink():
            return False
        for entry in work.iterdir():  # only the store's files go, as with the moves below
            if entry.name not in PLACED:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        for name in PLACED:
            if (work / name).exists():
                set_file_mode(work / name)
        set_folder_mode(work, data_dir if data_dir.is_dir() else data_dir.parent)
        fsync_dir(work)
        if data_dir.exists():
            return False
        os.rename(work, data_dir)
        fsync_dir(data_dir.parent)
    except OSError:
        return False  # someone put something there meanwhile: move file by file instead
    return True


def _move_files(work: Path, data_dir: Path, replace: bool) -> None:
    if replace:
        for tail in ("-wal", "-shm"):  # a replaced store's log must not replay into the new one
            (data_dir / f"peerdesk.db{tail}").unlink(missing_ok=True)
    for name in PLACED:
        src = work / name
        if src.exists():
            os.replace(src, data_dir / name)
            set_file_mode(data_dir / name)
    fsync_dir(data_dir)


def build_then_place(
    data_dir: Path, build: Callable[[Path], T], replace: bool = False, undo: bool = False
) -> T:
    """Run build(work_folder) (it creates and closes a store there), then place it."""
    data_dir = Path(data_dir)
    clean_stale(data_dir)
    with build_folder(data_dir) as work:
        result = build(work)
        place(work, data_dir, replace, undo)
    return result


def _ready(work: Path) -> dict[str, Any]:
    """READY's record; an empty READY (written by older versions) means "finish"."""
    try:
        doc = json.loads((work / READY).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        doc = {}
    return doc if isinstance(doc, dict) else {}


def _undo_moves(work: Path, data_dir: Path, names: list[str]) -> None:
    """Remove from data_dir what an interrupted placement had moved there already.

    Only a placement that had not reached the database is undone (the caller checks the
    database is still in work); a name still in work was never moved, so what data_dir
    holds under it is not ours. A database in data_dir means someone else's store: leave
    everything there alone.
    """
    if (data_dir / "peerdesk.db").exists():
        return
    for name in names:
        if name in PLACED and name != "peerdesk.db" and not (work / name).exists():
            (data_dir / name).unlink(missing_ok=True)
    fsync_dir(data_dir)


def clean_stale(data_dir: Path) -> list[Path]:
    """Tidy what killed runs left (see the module's rules); return what was removed."""
    data_dir = Path(data_dir)
    removed: list[Path] = []
    for work in _builds(data_dir):
        pid = _build_pid(work, data_dir)
        if pid is None or _alive(pid):
            continue
        try:
            if (work / READY).exists() and (work / "peerdesk.db").exists():
                # Killed while moving (the database goes last): finish what was begun, or
                # (a restore) take back what was moved.
                ready = _ready(work)
                names = ready.get("names")
                if ready.get("on_kill") == "undo" and isinstance(names, list):
                    _undo_moves(work, data_dir, [str(n) for n in names])
                    log.info("rolled back an interrupted restore into %s", data_dir)
                else:
                    _move_files(work, data_dir, replace=True)
                    log.info("finished placing a store in %s after an interrupted run", data_dir)
            shutil.rmtree(work)
            removed.append(work)
        except OSError:
            continue  # not ours to remove, or busy: try again next time
    # pending-events/: services/pending_events.py writes its entries through atomic_path.
    for folder in (data_dir, data_dir / "backups", data_dir / "pending-events"):
        removed += clean_temp_files(folder)
    return removed


def clean_temp_files(folder: Path) -> list[Path]:
    """Hidden temp files and folders of killed writers (their pid is gone) in folder."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        for pattern in _TEMP_NAMES:
            m = pattern.match(entry.name)
            if m is None:
                continue
            if _alive(int(m.group("pid"))):
                break
            try:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry)
            except OSError:
                pass
            break
    return removed


def build_demo_store(
    data_dir: Path,
    replace: bool = False,
    sessions: int = 3000,
    seed: int = 1,
    password: str | None = None,
    anchor: date | None = None,
    years: int = 1,
    sites: int = 1,
) -> Any:
    """services.demo.build_demo, built beside data_dir and placed whole (a DemoResult).

    (No **options: ui/tasks.run_task would pass its progress and cancel arguments on.)

    replace: swap out a demo store already there (the caller checked it is a demo), under
    its instance lock so a running app never loses its store from under it.
    """
    from dataclasses import replace as with_field

    from peerdesk.services.demo import build_demo
    from peerdesk.services.instance_lock import InstanceLock

    data_dir = Path(data_dir)
    clean_stale(data_dir)
    with build_folder(data_dir) as work:
        result = build_demo(
            work,
            sessions=sessions,
            seed=seed,
            password=password,
            anchor=anchor,
            years=years,
            sites=sites,
        )
        if replace and (data_dir / "peerdesk.lock").exists():
            lock = InstanceLock(data_dir)
            lock.acquire()
            try:
                place(work, data_dir, replace=True)
            finally:
                lock.release()
        else:
            place(work, data_dir, replace=replace)
    return with_field(result, data_dir=data_dir)

"""Shared workstations: one machine-wide folder for the clinic group, private otherwise.

The group test runs the real CLI as other OS users (numeric uids, no accounts needed)
when the tests run as root; elsewhere it is skipped and the modes are still checked.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ADMIN_PW, NO_MACHINE_POLICY

from peerdesk.errors import AlreadyOpenError
from peerdesk.services import accounts
from peerdesk.services.backup import backup_store
from peerdesk.services.store import create_store, open_store
from peerdesk.services.store_files import restore_in_place

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _group_folder(path: Path) -> Path:
    path.mkdir()
    os.chmod(path, 0o2770)  # what the package makes: /var/lib/peerdesk 2770 root:peerdesk
    return path


def _nothing_for_others(folder: Path) -> list[str]:
    return [f"{p} {oct(_mode(p))}" for p in [folder, *folder.rglob("*")] if _mode(p) & 0o007]


@posix_only
def test_personal_folder_stays_private(tmp_path):
    folder = tmp_path / "mine"
    create_store(folder, "admin", ADMIN_PW)
    store, admin = open_store(folder, "admin", ADMIN_PW)
    with store:
        assert _mode(folder / "peerdesk.db-wal") == 0o600
        backup_store(store, admin, folder / "backups" / "b")
    assert _mode(folder) == 0o700
    for name in ("peerdesk.db", "keyslots.json", "peerdesk.lock", "backups/b.pdbackup"):
        assert _mode(folder / name) == 0o600, name
    assert _mode(folder / "backups") == 0o700
    assert _nothing_for_others(folder) == []


@posix_only
def test_group_folder_files_are_group_shared_and_never_world_readable(tmp_path):
    folder = _group_folder(tmp_path / "shared")
    create_store(folder, "admin", ADMIN_PW)
    store, admin = open_store(folder, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "alice", "supporter", ADMIN_PW)
        # While open: the write-ahead log and shared memory copy the database's mode.
        assert _mode(folder / "peerdesk.db-wal") == 0o660
        assert _mode(folder / "peerdesk.db-shm") == 0o660
        assert _mode(folder / "peerdesk.lock-holder.json") == 0o660
        backup_store(store, admin, folder / "backups" / "nightly")
    assert _mode(folder) == 0o2770  # kept as the package made it
    for name in ("peerdesk.db", "keyslots.json", "peerdesk.lock", "backups/nightly.pdbackup"):
        assert _mode(folder / name) == 0o660, name
    assert _mode(folder / "backups") == 0o2770
    assert _nothing_for_others(folder) == []


@posix_only
def test_an_older_world_readable_database_is_tightened_at_open(tmp_path):
    folder = _group_folder(tmp_path / "shared")
    create_store(folder, "admin", ADMIN_PW)
    os.chmod(folder / "peerdesk.db", 0o644)  # as SQLite's default left it before
    store, _ = open_store(folder, "admin", ADMIN_PW)
    store.close()
    assert _mode(folder / "peerdesk.db") == 0o660


def test_restore_never_moves_a_store_someone_else_has_open(tmp_path, store_dir):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        backup = backup_store(store, admin, tmp_path / "b").path
        with pytest.raises(AlreadyOpenError, match="'admin'"):
            restore_in_place(backup, store_dir.data_dir, "admin", ADMIN_PW)
        assert (store_dir.data_dir / "peerdesk.db").exists()
    assert [p.name for p in store_dir.data_dir.iterdir() if p.name.startswith("replaced")] == []


def _reachable_by_others(path: Path) -> bool:
    real = Path(os.path.realpath(path))
    return all(_mode(p) & 0o001 for p in real.parents) and bool(_mode(real) & 0o004)


def _interpreter() -> tuple[str, str] | None:
    """A Python other OS users may run, and the PYTHONPATH that finds PeerDesk and its
    dependencies (a venv whose base Python sits under /root is not reachable)."""
    site = next(p for p in sys.path if p.endswith("site-packages"))
    if _reachable_by_others(Path(sys.executable)):
        return sys.executable, site
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/bin:/usr/local/bin")
    if system and _reachable_by_others(Path(system)) and _reachable_by_others(Path(site)):
        return system, site
    return None


RUN_PEERDESK = (
    "import runpy, site; site.addsitedir({site!r}); "
    "from peerdesk.services import keyslots; "
    "keyslots.kdf_params = lambda: dict(keyslots.FAST_KDF); "
    "runpy.run_module('peerdesk', run_name='__main__', alter_sys=True)"
)


def _as_user(uid: int, gid: int, home: Path, *args: str, stdin: str = "", **env: str):
    python = _interpreter()
    assert python is not None
    full = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "USER": f"staff{uid}",
        "LOGNAME": f"staff{uid}",
        "PEERDESK_POLICY": NO_MACHINE_POLICY,
        "PEERDESK_LOG_DIR": str(home / "logs"),
        **env,
    }
    return subprocess.run(
        # -S: not the system dist-packages; addsitedir runs the editable install's finder.
        [python[0], "-S", "-c", RUN_PEERDESK.format(site=python[1]), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full,
        user=uid,
        group=uid,
        extra_groups=[gid] if gid else [],
        timeout=120,
        cwd="/",
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="switching OS users needs root")
def test_two_os_users_of_the_clinic_group_share_one_store_and_outsiders_cannot():
    clinic_gid, anna_uid, ben_uid, outsider_uid = 64000, 64001, 64002, 64003
    if _interpreter() is None or not _reachable_by_others(Path(__file__)):
        pytest.skip("no Python and checkout that other OS users may run")
    # pytest's tmp_path is private to root; this stands in for /var/lib and /home.
    root = Path(tempfile.mkdtemp(prefix="peerdesk-os-users-"))
    os.chmod(root, 0o755)
    try:
        _share_between_users(root, clinic_gid, anna_uid, ben_uid, outsider_uid)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _share_between_users(
    root: Path, clinic_gid: int, anna_uid: int, ben_uid: int, outsider_uid: int
) -> None:
    shared = root / "var-lib-peerdesk"
    shared.mkdir()
    os.chown(shared, 0, clinic_gid)
    os.chmod(shared, 0o2770)
    homes = {}
    for uid in (anna_uid, ben_uid, outsider_uid):
        homes[uid] = root / f"home{uid}"
        homes[uid].mkdir(mode=0o700)
        os.chown(homes[uid], uid, uid)
    data = str(shared)

    r = _as_user(
        anna_uid,
        clinic_gid,
        homes[anna_uid],
        "--data-dir",
        data,
        "init",
        "--admin",
        "admin",
        "--password-stdin",
        stdin=ADMIN_PW + "\n",
    )
    assert r.returncode == 0, r.stderr
    pw = {"PEERDESK_PASSWORD": ADMIN_PW, "PEERDESK_NEW_PASSWORD": "ben's first passphrase"}
    r = _as_user(
        anna_uid,
        clinic_gid,
        homes[anna_uid],
        "--data-dir",
        data,
        "user",
        "add",
        "ben",
        "--role",
        "coordinator",
        "--user",
        "admin",
        **pw,
    )
    assert r.returncode == 0, r.stderr
    # Ben, another OS account in the group, chooses his own password, then opens the same
    # store and writes to it.
    r = _as_user(
        ben_uid,
        clinic_gid,
        homes[ben_uid],
        "--data-dir",
        data,
        "user",
        "password",
        "--user",
        "ben",
        PEERDESK_PASSWORD="ben's first passphrase",
        PEERDESK_NEW_PASSWORD="ben's own passphrase",
    )
    assert r.returncode == 0, r.stderr
    r = _as_user(
        ben_uid,
        clinic_gid,
        homes[ben_uid],
        "--data-dir",
        data,
        "verify",
        "--user",
        "ben",
        PEERDESK_PASSWORD="ben's own passphrase",
    )
    assert r.returncode == 0, r.stderr
    r = _as_user(
        ben_uid,
        clinic_gid,
        homes[ben_uid],
        "--data-dir",
        data,
        "user",
        "list",
        "--user",
        "admin",
        PEERDESK_PASSWORD=ADMIN_PW,
    )
    assert r.returncode == 0 and "ben" in r.stdout, r.stderr
    # And back to Anna after Ben's session rewrote files (keyslots, -wal).
    r = _as_user(
        anna_uid,
        clinic_gid,
        homes[anna_uid],
        "--data-dir",
        data,
        "verify",
        "--user",
        "admin",
        PEERDESK_PASSWORD=ADMIN_PW,
    )
    assert r.returncode == 0, r.stderr
    owners = {p.name: (p.stat().st_uid, p.stat().st_gid, _mode(p)) for p in shared.iterdir()}
    assert all(gid == clinic_gid and mode & 0o007 == 0 for _, gid, mode in owners.values())
    # Someone outside the group gets one clear line and reads nothing.
    r = _as_user(
        outsider_uid,
        0,
        homes[outsider_uid],
        "--data-dir",
        data,
        "verify",
        "--user",
        "admin",
        PEERDESK_PASSWORD=ADMIN_PW,
    )
    assert r.returncode == 13 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "may not open the PeerDesk data folder" in r.stderr

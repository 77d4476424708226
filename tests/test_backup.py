"""Backups: encrypted, verified, restorable into a fresh folder with a password or the key."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest
from conftest import ADMIN_PW, COORD_PW, assert_one_line_error, run_cli

from peerdesk.errors import AuthenticationError, DamagedStoreError, StoreExistsError
from peerdesk.services.backup import restore_backup, table_counts
from peerdesk.services.demo import build_demo
from peerdesk.services.exporter import export_all
from peerdesk.services.store import open_store


@pytest.fixture
def demo_dir(tmp_path):
    result = build_demo(
        tmp_path / "demo", sessions=300, seed=7, password=ADMIN_PW, anchor=date(2026, 6, 30)
    )
    return result.data_dir


def _export(data_dir, out):
    store, coord = open_store(data_dir, "coordinator", ADMIN_PW)
    with store:
        export_all(store, coord, out, include_names=True)
        counts = table_counts(store.engine)
    # users.csv carries last-login times, which the export's own login changes.
    return {
        p.name: p.read_bytes() for p in sorted(out.glob("*.csv")) if p.name != "users.csv"
    }, counts


def test_backup_and_restore_gives_back_the_same_records(demo_dir, tmp_path):
    backup = tmp_path / "out" / "store.pdbackup"
    r = run_cli(
        "backup",
        "--out",
        str(backup),
        "--user",
        "admin",
        data_dir=demo_dir,
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(backup) as zf:
        assert set(zf.namelist()) == {"manifest.json", "keyslots.json", "peerdesk.db"}
        assert not zf.read("peerdesk.db").startswith(b"SQLite format 3")
    original, counts = _export(demo_dir, tmp_path / "e1")

    fresh = tmp_path / "fresh-machine"
    r = run_cli(
        "restore",
        str(backup),
        "--user",
        "coordinator",
        data_dir=fresh,
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert r.returncode == 0, r.stderr
    restored, restored_counts = _export(fresh, tmp_path / "e2")
    assert restored == original
    assert len(original) == 15
    assert restored_counts["support_sessions"] == counts["support_sessions"] == 300


def test_restore_with_recovery_key_and_wrong_credentials(demo_dir, tmp_path):
    store, admin = open_store(demo_dir, "admin", ADMIN_PW)
    from peerdesk.services.backup import backup_store

    with store:
        backup_store(store, admin, tmp_path / "b.pdbackup")
    with pytest.raises(AuthenticationError):
        restore_backup(tmp_path / "b.pdbackup", tmp_path / "r1", "admin", "wrong password here")
    assert not (tmp_path / "r1" / "peerdesk.db").exists()  # nothing left half-restored
    with pytest.raises(StoreExistsError):
        restore_backup(tmp_path / "b.pdbackup", demo_dir, "admin", ADMIN_PW)


def test_restore_with_recovery_key(store_dir, tmp_path):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    from peerdesk.services.backup import backup_store

    with store:
        backup_store(store, admin, tmp_path / "b.pdbackup")
    r = run_cli(
        "restore",
        str(tmp_path / "b.pdbackup"),
        "--recovery-key-stdin",
        data_dir=tmp_path / "r",
        stdin=store_dir.recovery_key + "\n",
    )
    assert r.returncode == 0, r.stderr
    store, coord = open_store(tmp_path / "r", "coord", COORD_PW)
    store.close()


def test_damaged_backup_is_refused(store_dir, tmp_path):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    from peerdesk.services.backup import backup_store

    with store:
        backup_store(store, admin, tmp_path / "b.pdbackup")
    data = bytearray((tmp_path / "b.pdbackup").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "b.pdbackup").write_bytes(bytes(data))
    with pytest.raises(DamagedStoreError):
        restore_backup(tmp_path / "b.pdbackup", tmp_path / "r", "admin", ADMIN_PW)
    (tmp_path / "not-a-backup").write_text("hello")
    r = run_cli(
        "restore",
        str(tmp_path / "not-a-backup"),
        "--user",
        "admin",
        data_dir=tmp_path / "r2",
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert "not a PeerDesk backup" in assert_one_line_error(r)

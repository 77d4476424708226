"""Issue 11 item 6: what killed runs leave is settled at the next start. A restore or init
killed while its files were moving in is rolled back (never someone else's store), init
that fails leaves nothing, and killed backups' temp files in pending-events/ go."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADMIN_PW

from peerdesk.errors import StorageFullError, StoreExistsError
from peerdesk.services.backup import backup_store, restore_backup
from peerdesk.services.store import Store, create_store, open_store
from peerdesk.services.store_build import BUILD_TAG, READY, clean_stale
from peerdesk.services.verify import verify_store


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _backup(store_dir, tmp_path: Path) -> Path:
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        return backup_store(store, admin, tmp_path / "b.pdbackup").path


def _half_placed(tmp_path: Path, backup: Path, target: Path) -> Path:
    """What a restore killed between moving the key file and the database leaves: a READY
    build folder of a dead process still holding the database, the key file in target."""
    whole = tmp_path / "whole"
    restore_backup(backup, whole, "admin", ADMIN_PW)
    work = target.parent / f".{target.name}.{BUILD_TAG}-{_dead_pid()}-x1"
    work.mkdir()
    shutil.copy2(whole / "peerdesk.db", work / "peerdesk.db")
    shutil.copy2(whole / "keyslots.json", target / "keyslots.json")
    names = ["keyslots.json", "peerdesk.db"]
    (work / READY).write_text(json.dumps({"names": names, "on_kill": "undo"}))
    return work


@pytest.mark.skipif(os.name != "posix", reason="dead-process check is POSIX only")
def test_restore_after_a_killed_placement_rolls_it_back_and_restores(store_dir, tmp_path):
    backup = _backup(store_dir, tmp_path)
    target = tmp_path / "made-by-it"
    target.mkdir()
    work = _half_placed(tmp_path, backup, target)
    restore_backup(backup, target, "admin", ADMIN_PW)
    assert not work.exists()
    store, admin = open_store(target, "admin", ADMIN_PW)
    with store:
        assert verify_store(store, admin).ok
    assert not [p.name for p in target.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(os.name != "posix", reason="dead-process check is POSIX only")
def test_rolling_back_never_touches_a_store_that_is_there(store_dir, tmp_path):
    backup = _backup(store_dir, tmp_path)
    live = store_dir.data_dir
    before = (live / "keyslots.json").read_bytes()
    work = live.parent / f".{live.name}.{BUILD_TAG}-{_dead_pid()}-x2"
    work.mkdir()
    restore_backup(backup, tmp_path / "whole", "admin", ADMIN_PW)
    shutil.copy2(tmp_path / "whole" / "peerdesk.db", work / "peerdesk.db")
    (work / READY).write_text(
        json.dumps({"names": ["keyslots.json", "peerdesk.db"], "on_kill": "undo"})
    )
    clean_stale(live)
    assert not work.exists()
    assert (live / "keyslots.json").read_bytes() == before
    open_store(live, "admin", ADMIN_PW)[0].close()


@pytest.mark.skipif(os.name != "posix", reason="dead-process check is POSIX only")
def test_dead_backups_temp_files_in_pending_events_go_live_ones_stay(store_dir):
    folder = store_dir.data_dir / "pending-events"
    folder.mkdir(exist_ok=True)
    dead = folder / f".123-abc.json.prepared.{_dead_pid()}.zz9.tmp"
    live = folder / f".456-def.json.prepared.{os.getppid()}.zz8.tmp"
    dead.write_bytes(b"{}")
    live.write_bytes(b"{}")
    clean_stale(store_dir.data_dir)
    assert not dead.exists()
    assert live.exists()


def test_init_that_fails_at_its_last_commit_leaves_nothing_and_runs_again(tmp_path, monkeypatch):
    target = tmp_path / "new"
    target.mkdir()
    real_audit = Store.audit

    def full_disk(self, s, actor, action, *args, **kw):
        if action == "recovery_key.create":
            raise OSError(28, "No space left on device")
        return real_audit(self, s, actor, action, *args, **kw)

    monkeypatch.setattr(Store, "audit", full_disk)
    with pytest.raises(StorageFullError, match="could not create a store in .*new; nothing"):
        create_store(target, "admin", ADMIN_PW, "Admin", "Clinic")
    assert sorted(p.name for p in target.iterdir()) == []
    assert not list(tmp_path.glob(f".*{BUILD_TAG}*"))
    monkeypatch.setattr(Store, "audit", real_audit)
    create_store(target, "admin", ADMIN_PW, "Admin", "Clinic")
    open_store(target, "admin", ADMIN_PW)[0].close()
    with pytest.raises(StoreExistsError):
        create_store(target, "admin", ADMIN_PW, "Admin", "Clinic")


def test_init_into_a_folder_with_its_own_policy_signs_that_policy(tmp_path):
    """The store is built elsewhere, but signs the data folder's policy.toml, so a looser
    setting there (more attempts) applies without a 'changed outside PeerDesk' warning."""
    target = tmp_path / "with-policy"
    target.mkdir()
    policy = "min_password_length = 14\nmax_failed_attempts = 25\n"
    (target / "policy.toml").write_text(policy)
    with pytest.raises(Exception, match="14"):
        create_store(target, "admin", "short pass 12", "Admin", "Clinic")
    create_store(target, "admin", ADMIN_PW, "Admin", "Clinic")
    assert (target / "policy.toml").read_text() == policy
    store, admin = open_store(target, "admin", ADMIN_PW)
    with store:
        assert store.warnings == []
        assert store.policy.max_failed_attempts == 25
        report = verify_store(store, admin)
    assert report.ok, report.problems

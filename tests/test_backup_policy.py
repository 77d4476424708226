"""Backups carry the data folder's policy.toml and always end in .pdbackup."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import ADMIN_PW, run_cli

from peerdesk.services.backup import backup_store, restore_backup
from peerdesk.services.store import open_store
from peerdesk.services.store_files import restore_in_place

POLICY = "[policy]\nidle_lock_minutes = 3\nseries_length = 5\n"
ENV = {"PEERDESK_PASSWORD": ADMIN_PW}


def _backup(data_dir: Path, out: Path) -> Path:
    store, admin = open_store(data_dir, "admin", ADMIN_PW)
    with store:
        return backup_store(store, admin, out).path


def test_a_name_without_the_extension_gets_it(store_dir, tmp_path):
    made = _backup(store_dir.data_dir, tmp_path / "monday")
    assert made == tmp_path / "monday.pdbackup" and made.exists()
    assert not (tmp_path / "monday").exists()
    # Already there (any case): left alone, never doubled.
    assert _backup(store_dir.data_dir, tmp_path / "t.PDBACKUP").name == "t.PDBACKUP"
    r = run_cli(
        "backup",
        "--out",
        str(tmp_path / "tuesday.bak"),
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env=ENV,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "tuesday.bak.pdbackup").exists()
    assert "tuesday.bak.pdbackup" in r.stdout


def test_the_policy_travels_with_the_backup(store_dir, tmp_path):
    (store_dir.data_dir / "policy.toml").write_text(POLICY)
    made = _backup(store_dir.data_dir, tmp_path / "with-policy")
    with zipfile.ZipFile(made) as zf:
        assert zf.read("policy.toml").decode() == POLICY
        assert json.loads(zf.read("manifest.json"))["policy"] is True
    fresh = tmp_path / "fresh"
    r = run_cli("restore", str(made), "--user", "admin", data_dir=fresh, env=ENV)
    assert r.returncode == 0, r.stderr
    assert "policy.toml was put back" in r.stdout
    assert (fresh / "policy.toml").read_text() == POLICY
    store, _ = open_store(fresh, "admin", ADMIN_PW)
    with store:
        assert store.policy.idle_lock_minutes == 3 and store.policy.series_length == 5


def test_a_folder_with_its_own_policy_keeps_it(store_dir, tmp_path):
    (store_dir.data_dir / "policy.toml").write_text(POLICY)
    made = _backup(store_dir.data_dir, tmp_path / "b")
    target = tmp_path / "target"
    target.mkdir()
    (target / "policy.toml").write_text("[policy]\nseries_length = 7\n")
    manifest = restore_backup(made, target, "admin", ADMIN_PW)
    assert manifest["policy_restored"] == "kept"
    assert (target / "policy.toml").read_text() == "[policy]\nseries_length = 7\n"


def test_restore_in_place_puts_the_backups_policy_back_and_keeps_the_old_aside(store_dir, tmp_path):
    (store_dir.data_dir / "policy.toml").write_text(POLICY)
    made = _backup(store_dir.data_dir, tmp_path / "b")
    (store_dir.data_dir / "policy.toml").write_text("[policy]\nseries_length = 9\n")
    manifest, aside = restore_in_place(made, store_dir.data_dir, "admin", ADMIN_PW)
    assert manifest["policy_restored"] == "restored"
    assert (store_dir.data_dir / "policy.toml").read_text() == POLICY
    assert aside is not None and "series_length = 9" in (aside / "policy.toml").read_text()


def test_a_backup_without_a_policy_leaves_the_folders_settings(store_dir, tmp_path):
    made = _backup(store_dir.data_dir, tmp_path / "no-policy")  # no policy.toml then
    (store_dir.data_dir / "policy.toml").write_text(POLICY)
    manifest, aside = restore_in_place(made, store_dir.data_dir, "admin", ADMIN_PW)
    assert manifest["policy_restored"] == "none"
    assert (store_dir.data_dir / "policy.toml").read_text() == POLICY
    assert aside is not None and not (aside / "policy.toml").exists()


def test_a_bad_policy_inside_a_backup_is_not_restored(store_dir, tmp_path):
    made = _backup(store_dir.data_dir, tmp_path / "b")
    tampered = tmp_path / "tampered.pdbackup"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("policy.toml", "[policy]\nmin_password_length = 4\n")
    fresh = tmp_path / "fresh"
    manifest = restore_backup(tampered, fresh, "admin", ADMIN_PW)
    assert manifest["policy_restored"] == "invalid"
    assert not (fresh / "policy.toml").exists()


def test_a_failed_restore_removes_the_policy_it_put_back(store_dir, tmp_path):
    (store_dir.data_dir / "policy.toml").write_text(POLICY)
    made = _backup(store_dir.data_dir, tmp_path / "b")
    fresh = tmp_path / "fresh"
    r = run_cli(
        "restore",
        str(made),
        "--user",
        "admin",
        data_dir=fresh,
        env={"PEERDESK_PASSWORD": "wrong password here"},
    )
    assert r.returncode == 6
    assert not (fresh / "policy.toml").exists() and not (fresh / "peerdesk.db").exists()


def test_waiting_events_of_the_old_store_move_aside_with_it(store_dir, tmp_path):
    made = _backup(store_dir.data_dir, tmp_path / "b")
    waiting = store_dir.data_dir / "pending-events"
    waiting.mkdir()
    (waiting / "1-x.json").write_text("{}")
    _manifest, aside = restore_in_place(made, store_dir.data_dir, "admin", ADMIN_PW)
    assert aside is not None and (aside / "pending-events" / "1-x.json").exists()
    assert not waiting.exists()

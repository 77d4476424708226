"""The machine policy: read before the data folder's, never loosened by it, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN_PW, COORD_PW, assert_one_line_error, run_cli

from peerdesk.errors import PermissionDeniedError, ValidationError
from peerdesk.services import policy_admin
from peerdesk.services.locations import resolve_data_dir
from peerdesk.services.policy import load_policy, policy_in_force
from peerdesk.services.store import open_store


@pytest.fixture
def machine(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "etc" / "policy.toml"
    path.parent.mkdir()
    monkeypatch.setenv("PEERDESK_POLICY", str(path))
    return path


# (key, machine value, a looser folder value, a stricter folder value)
LOOSER = [
    ("min_password_length", 12, 9, 14),
    ("max_failed_attempts", 5, 20, 4),
    ("idle_lock_minutes", 5, 30, 2),
    ("suppression_threshold", 11, 5, 15),
    ("backups_to_keep", 10, 2, 20),
    ("supervision_warning_weeks", 6, 10, 4),
    ("expiry_warning_days", 60, 10, 90),
    ("matching_department", "prefer_different", "any", "require_different"),
    ("supporters_may_assign", False, True, False),
    ("allow_keyring_unlock", False, True, False),
]


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else str(value)


@pytest.mark.parametrize(("key", "machine_value", "looser", "stricter"), LOOSER)
def test_folder_cannot_loosen_a_machine_setting(
    tmp_path, machine, key, machine_value, looser, stricter
):
    folder = tmp_path / "data"
    folder.mkdir()
    machine.write_text(f"[policy]\n{key} = {_toml(machine_value)}\n")
    (folder / "policy.toml").write_text(f"[policy]\n{key} = {_toml(looser)}\n")
    assert getattr(load_policy(folder), key) == machine_value
    row = next(r for r in policy_in_force(folder) if r.key == key)
    assert row.source == "machine policy" and row.path == str(machine)
    assert "loosen" in row.note and _toml(looser) in row.note

    (folder / "policy.toml").write_text(f"[policy]\n{key} = {_toml(stricter)}\n")
    assert getattr(load_policy(folder), key) == stricter
    row = next(r for r in policy_in_force(folder) if r.key == key)
    assert row.source == "data folder"


def test_keys_without_an_order_are_fixed_by_the_machine(tmp_path, machine):
    folder = tmp_path / "data"
    folder.mkdir()
    machine.write_text('[policy]\nseries_length = 4\nbackup_dir = "/srv/backups"\n')
    (folder / "policy.toml").write_text('series_length = 6\nbackup_dir = "/tmp/elsewhere"\n')
    policy = load_policy(folder)
    assert policy.series_length == 4 and policy.backup_dir == "/srv/backups"
    # Unset by the machine: the folder decides, the rest are defaults.
    rows = {r.key: r for r in policy_in_force(folder)}
    assert rows["idle_lock_minutes"].source == "default"


def test_data_dir_belongs_to_the_machine_policy(tmp_path, machine):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "policy.toml").write_text('data_dir = "/tmp/other"\n')
    with pytest.raises(ValidationError) as err:
        load_policy(folder)
    text = str(err.value)
    assert str(folder / "policy.toml") in text and "'data_dir'" in text
    assert "machine policy" in text


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("min_password_length = 6\n", ["'min_password_length'", "below 8"]),
        ('min_password_length = "twelve"\n', ["'min_password_length'", "must be int"]),
        ("idle_minutes = 5\n", ["unknown setting 'idle_minutes'"]),
        ('data_dir = "relative/path"\n', ["'data_dir'", "absolute"]),
        ('matching_department = "nearest"\n', ["'matching_department'", "one of"]),
        ("min_password_length = \n", ["not valid TOML"]),
        ("policy = 3\n", ["[policy] must be a table"]),
    ],
)
def test_bad_machine_policy_is_one_line_naming_file_key_and_reason(
    tmp_path, machine, store_dir, content, words
):
    machine.write_text(content if content.startswith("policy =") else "[policy]\n" + content)
    with pytest.raises(ValidationError) as err:
        load_policy(store_dir.data_dir)
    assert str(machine) in str(err.value)
    for word in words:
        assert word in str(err.value)
    env = {"PEERDESK_POLICY": str(machine), "PEERDESK_PASSWORD": ADMIN_PW}
    for args in (("policy", "show"), ("user", "list", "--user", "admin")):
        r = run_cli(*args, data_dir=store_dir.data_dir, env=env)
        line = assert_one_line_error(r)
        assert r.returncode == 9 and str(machine) in line, line
        assert all(word in line for word in words), line


def test_unreadable_machine_policy_is_refused(tmp_path, machine, store_dir):
    machine.write_bytes(b"\xff\xfe not text")
    r = run_cli(
        "policy", "show", data_dir=store_dir.data_dir, env={"PEERDESK_POLICY": str(machine)}
    )
    line = assert_one_line_error(r)
    assert r.returncode == 9 and "cannot be read" in line and str(machine) in line


def test_data_dir_precedence(tmp_path, machine, monkeypatch):
    machine.write_text(f'[policy]\ndata_dir = "{tmp_path / "shared"}"\n')
    monkeypatch.delenv("PEERDESK_DATA_DIR", raising=False)
    assert resolve_data_dir() == tmp_path / "shared"
    monkeypatch.setenv("PEERDESK_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    machine.write_text("[policy]\n")
    monkeypatch.delenv("PEERDESK_DATA_DIR")
    assert resolve_data_dir() != tmp_path / "shared"  # the per-OS-user default


def test_every_os_account_opens_the_machine_folder_without_flags(tmp_path, machine):
    """No --data-dir, no PEERDESK_DATA_DIR: init and commands use the policy's data_dir."""
    shared = tmp_path / "var-lib-peerdesk"
    machine.write_text(f'[policy]\ndata_dir = "{shared}"\nmin_password_length = 12\n')
    env = {"PEERDESK_POLICY": str(machine), "HOME": str(tmp_path / "home")}
    r = run_cli("init", "--admin", "admin", "--password-stdin", stdin="shortpass1\n", env=env)
    assert r.returncode == 9 and "12" in assert_one_line_error(r)  # the machine's minimum
    r = run_cli("init", "--admin", "admin", "--password-stdin", stdin=ADMIN_PW + "\n", env=env)
    assert r.returncode == 0, r.stderr
    assert (shared / "peerdesk.db").exists()
    assert not (tmp_path / "home" / ".local" / "share" / "PeerDesk" / "peerdesk.db").exists()
    r = run_cli("user", "list", "--user", "admin", env={**env, "PEERDESK_PASSWORD": ADMIN_PW})
    assert r.returncode == 0 and "admin" in r.stdout
    r = run_cli("policy", "show", env=env)
    assert r.returncode == 0
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("min_password_length"))
    assert "12" in line and f"machine policy ({machine})" in line


def test_admin_cannot_loosen_the_machine_policy_from_the_app(store_dir, machine):
    machine.write_text("[policy]\nmin_password_length = 12\nidle_lock_minutes = 5\n")
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        assert store.policy.min_password_length == 12
        with pytest.raises(ValidationError, match="machine policy .* min_password_length = 12"):
            policy_admin.save_policy(store, admin, {"min_password_length": 10})
        with pytest.raises(ValidationError, match="idle_lock_minutes"):
            policy_admin.save_policy(store, admin, {"idle_lock_minutes": 15})
        with pytest.raises(PermissionDeniedError):
            policy_admin.save_policy(store, admin, {"data_dir": "/tmp/x"})
        assert not (store_dir.data_dir / "policy.toml").exists()  # nothing written
        # Stricter is fine; only the changed key goes into the folder's file.
        new = policy_admin.save_policy(
            store, admin, {"min_password_length": 14, "idle_lock_minutes": 5, "series_length": 3}
        )
        assert new.min_password_length == 14
        assert (store_dir.data_dir / "policy.toml").read_text() == (
            "[policy]\nmin_password_length = 14\n"
        )
        rows = {r.key: r for r in policy_admin.policy_rows(store, admin)}
        assert rows["min_password_length"].source == "data folder"
        assert rows["idle_lock_minutes"].source == "machine policy"


def test_only_admins_see_the_policy_rows(store_dir):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store, pytest.raises(PermissionDeniedError):
        policy_admin.policy_rows(store, coord)

"""Issue 11 item 5: the sign-in screen tells nothing about which account names exist."""

from __future__ import annotations

import time

import pytest
from conftest import ADMIN_PW

from peerdesk.errors import AccountLockedError, AuthenticationError
from peerdesk.services import keyslots
from peerdesk.services.keyslots import DEFAULT_KDF, UNKNOWN_BUCKETS, KeyslotFile
from peerdesk.services.store import create_store


def _attempt(slots: KeyslotFile, name: str) -> float:
    start = time.perf_counter()
    with pytest.raises(AuthenticationError):
        slots.open_slot("password", name, "wrong password here", 10)
    return time.perf_counter() - start


def test_the_environment_cannot_select_weak_key_stretching(monkeypatch):
    from conftest import SHIPPED_KDF_PARAMS

    monkeypatch.setattr(keyslots, "kdf_params", SHIPPED_KDF_PARAMS)
    monkeypatch.setenv("PEERDESK_INSECURE_FAST_KDF", "1")
    assert keyslots.kdf_params() == DEFAULT_KDF


def test_unknown_names_cost_the_full_derivation_even_with_the_old_switch(tmp_path, monkeypatch):
    """The attack: a full-strength store, the fast switch set in the environment, and a
    stopwatch on wrong passwords for a real and a made-up name."""
    monkeypatch.setattr(keyslots, "kdf_params", lambda: dict(DEFAULT_KDF))
    create_store(tmp_path / "s", "admin", ADMIN_PW)
    monkeypatch.setattr(keyslots, "kdf_params", lambda: dict(keyslots.FAST_KDF))
    monkeypatch.setenv("PEERDESK_INSECURE_FAST_KDF", "1")
    slots = KeyslotFile(tmp_path / "s")
    assert slots.dummy_kdf()["memory_kib"] == DEFAULT_KDF["memory_kib"]
    real = min(_attempt(slots, "admin") for _ in range(2))
    unknown = min(_attempt(slots, f"nobody{i}") for i in range(2))
    assert unknown > 0.6 * real, (real, unknown)


def test_a_cli_subprocess_ignores_the_variable(tmp_path, monkeypatch):
    """In the shipped command line the variable changes nothing: new slots are full strength."""
    import os
    import subprocess
    import sys

    from conftest import NO_MACHINE_POLICY

    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env.update(
        PEERDESK_INSECURE_FAST_KDF="1",
        PEERDESK_POLICY=NO_MACHINE_POLICY,
        PEERDESK_PASSWORD=ADMIN_PW,
        PEERDESK_LOG_DIR=str(tmp_path / "logs"),
    )
    data = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-m", "peerdesk", "--data-dir", str(data), "init", "--admin", "admin"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    kdf = KeyslotFile(data).slots[0]["kdf"]
    assert kdf["memory_kib"] == DEFAULT_KDF["memory_kib"]


def test_a_flood_of_other_names_never_unlocks_an_unknown_name(tmp_path):
    """The second oracle: lock a made-up name, push 5,000 other names through the counters,
    and the made-up name must still be locked, exactly as a real one would be."""
    create_store(tmp_path / "s", "admin", ADMIN_PW)
    slots = KeyslotFile(tmp_path / "s")
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            slots.open_slot("password", "ghost", "x", 3, now=0.0)
    for i in range(5000):
        slots._throttle_record("password", f"flood{i}", 1.0)
    slots.save()
    slots = KeyslotFile(tmp_path / "s")
    with pytest.raises(AccountLockedError):
        slots.open_slot("password", "ghost", "x", 3, now=10**6)
    assert len(slots.data["unknown_buckets"]) <= UNKNOWN_BUCKETS
    assert "ghost" not in (tmp_path / "s" / "keyslots.json").read_text()


def test_unknown_and_real_names_get_the_same_messages(store_dir):
    """The same sequence of messages (attempts left, waiting, lock-out) for a real and a
    made-up name, at the same moments."""
    seen = {}
    for name in ("alice", "nosuchperson"):
        slots = KeyslotFile(store_dir.data_dir)
        messages = []
        for i in range(8):
            try:
                slots.open_slot("password", name, "wrong one here", 5, now=1000.0 + i)
            except AuthenticationError as exc:
                messages.append(str(exc))
        seen[name] = messages
    assert seen["alice"] == seen["nosuchperson"]
    assert any("locked" in m for m in seen["alice"]) and any(
        "try again" in m for m in seen["alice"]
    )


def test_the_key_file_names_no_account(store_dir):
    text = (store_dir.data_dir / "keyslots.json").read_text()
    for name in ("admin", "coord", "alice", "bob"):
        assert f'"{name}"' not in text
    slots = KeyslotFile(store_dir.data_dir)
    assert slots.has_account("alice") and not slots.has_account("mallory")


def test_slots_of_an_older_release_stop_naming_accounts_at_the_next_sign_in(tmp_path):
    import shutil
    from pathlib import Path

    from peerdesk.services.store import open_store

    d = tmp_path / "old"
    shutil.copytree(Path(__file__).parent / "fixtures" / "stores" / "0001", d)
    assert '"username": "zoe.m"' in (d / "keyslots.json").read_text()
    open_store(d, "zoe.m", "fixture passphrase 0001")[0].close()
    text = (d / "keyslots.json").read_text()
    assert '"zoe.m"' not in text and '"coordinator"' not in text
    # Every account still opens with its own password (the name stays in the sealed data).
    for name in ("zoe.m", "coordinator", "admin"):
        open_store(d, name, "fixture passphrase 0001")[0].close()
    with pytest.raises(AuthenticationError):
        open_store(d, "zoe.m", "not the passphrase")

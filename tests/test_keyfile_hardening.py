"""The key file is not authenticated: what it says is never trusted blindly."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from conftest import ADMIN_PW, SUP_A_PW
from sqlalchemy import select

from peerdesk.errors import (
    AccountLockedError,
    AuthenticationError,
    DamagedStoreError,
    ThrottledError,
)
from peerdesk.models import AuditEvent
from peerdesk.services import accounts, keyslots
from peerdesk.services.store import DB_FILE, open_store


def _events(data_dir, action):
    store, _ = open_store(data_dir, "admin", ADMIN_PW)
    with store, store.session() as s:
        return [
            (e.target_id, json.loads(e.detail))
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        ]


def test_unknown_usernames_are_throttled_like_real_ones(store_dir, monkeypatch):
    clock = [time.time()]
    real = keyslots.KeyslotFile.open_slot
    monkeypatch.setattr(
        keyslots.KeyslotFile,
        "open_slot",
        lambda self, k, u, sec, m, now=None: real(self, k, u, sec, m, now=clock[0]),
    )
    messages = {}
    for name in ("alice", "nobody.here"):
        seen = []
        for _ in range(4):
            with pytest.raises(AuthenticationError) as err:
                open_store(store_dir.data_dir, name, "wrong guess again")
            seen.append((type(err.value).__name__, str(err.value)))
        for _ in range(7):  # the tenth wrong password locks
            clock[0] += 400
            with pytest.raises(AuthenticationError) as err:
                open_store(store_dir.data_dir, name, "wrong guess again")
            seen.append((type(err.value).__name__, str(err.value)))
        messages[name] = seen
    assert messages["alice"] == messages["nobody.here"]
    assert messages["alice"][3][0] == ThrottledError.__name__
    assert messages["alice"][-1][0] == AccountLockedError.__name__


def test_failed_logins_are_counted_and_forged_events_rejected(store_dir):
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            open_store(store_dir.data_dir, "alice", "not her password")
    for i in range(30):  # a flood of unknown names must not push alice's record out
        with pytest.raises(AuthenticationError):
            open_store(store_dir.data_dir, f"ghost{i}", "whatever it is")
    path = store_dir.data_dir / "keyslots.json"
    doc = json.loads(path.read_text())
    assert "ghost1" not in json.dumps(doc)  # typed unknown names are never kept
    doc["pending_events"]["password_changes"] = [{"username": "alice", "at": 1, "mac": "0" * 64}]
    doc["pending_events"]["failures"]["admin"] = {"count": "lots"}
    path.write_text(json.dumps(doc))
    failed = _events(store_dir.data_dir, "login.failed")
    by_target = {d.get("unknown_username", False): d for _, d in failed}
    assert by_target[False]["count"] == 2 and by_target[False]["unverified"]
    assert by_target[True]["count"] == 30
    assert len(_events(store_dir.data_dir, "pending_event.rejected")) == 2
    assert _events(store_dir.data_dir, "account.change_password") == []
    # Once in the audit log, the queue is gone.
    assert "pending_events" not in json.loads(path.read_text())


def test_genuine_password_change_event_arrives(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        accounts.change_own_password(store, alice, SUP_A_PW, "alice has a new one")
    assert [t for t, _ in _events(store_dir.data_dir, "account.change_password")] == [alice.user_id]


def test_older_copy_of_the_database_is_noticed(store_dir, tmp_path):
    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    store.close()
    shutil.copy(store_dir.data_dir / DB_FILE, tmp_path / "old.db")
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "carol", "coordinator", "carol's passphrase")
        assert store.warnings == []
    shutil.copy(tmp_path / "old.db", store_dir.data_dir / DB_FILE)
    (store_dir.data_dir / f"{DB_FILE}-wal").unlink(missing_ok=True)
    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        assert "older copy of the store was put back" in store.warnings[0]
    assert len(_events(store_dir.data_dir, "store.rollback_detected")) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"memory_kib": 4_000_000_000},
        {"iterations": 0},
        {"salt": "!!"},
    ],
)
def test_impossible_key_stretching_settings_are_refused(store_dir, change):
    path = store_dir.data_dir / "keyslots.json"
    doc = json.loads(path.read_text())
    for slot in doc["slots"]:
        slot["kdf"].update(change)
    path.write_text(json.dumps(doc))
    with pytest.raises(DamagedStoreError):
        open_store(store_dir.data_dir, "admin", ADMIN_PW)


def test_malformed_counters_and_layout(store_dir):
    path = store_dir.data_dir / "keyslots.json"
    doc = json.loads(path.read_text())
    doc["slots"][0]["throttle"] = {"failed": "x", "surprise": 1}
    path.write_text(json.dumps(doc))
    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    store.close()
    doc["slots"] = "zz"
    path.write_text(json.dumps(doc))
    with pytest.raises(DamagedStoreError, match="unexpected layout"):
        open_store(store_dir.data_dir, "admin", ADMIN_PW)


def test_recovery_key_is_slowed_but_never_locked(store_dir, monkeypatch):
    clock = [time.time()]
    real = keyslots.KeyslotFile.open_slot
    monkeypatch.setattr(
        keyslots.KeyslotFile,
        "open_slot",
        lambda self, k, u, sec, m, now=None: real(self, k, u, sec, m, now=clock[0]),
    )
    for _ in range(15):
        clock[0] += 400
        with pytest.raises(AuthenticationError) as err:
            open_store(store_dir.data_dir, recovery_key="AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")
        assert not isinstance(err.value, AccountLockedError)
    clock[0] += 400
    store, actor = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    store.close()
    assert actor.emergency


def test_absurd_numbers_in_the_key_file_lock_nobody_out(store_dir):
    path = store_dir.data_dir / "keyslots.json"
    with pytest.raises(AuthenticationError):
        open_store(store_dir.data_dir, "alice", "a wrong password")
    text = path.read_text()
    doc = json.loads(text)
    doc["pending_events"]["failures"]["alice"]["count"] = 10**400
    for slot in doc["slots"]:
        slot["throttle"] = {"failed": 1, "not_before": 1e400, "locked": False}
    doc["audit_head_seen"] = f"{10**30}:abc"
    path.write_text(json.dumps(doc))  # 1e400 is written as Infinity
    assert "Infinity" in path.read_text()
    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    store.close()
    store, _ = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    store.close()
    assert [d for _, d in _events(store_dir.data_dir, "pending_event.rejected")]

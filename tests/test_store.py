"""The encrypted store: encryption at rest, unlocking, keyslots, throttling, instance lock."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ADMIN_PW, SUP_A_PW, assert_one_line_error, run_cli
from sqlalchemy import select

from peerdesk.errors import (
    AccountLockedError,
    AlreadyOpenError,
    AuthenticationError,
    DamagedStoreError,
    PasswordPolicyError,
    ThrottledError,
)
from peerdesk.models import AuditEvent
from peerdesk.services import accounts
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.store import DB_FILE, create_store, open_store


def test_store_file_is_encrypted(store_dir):
    db = store_dir.data_dir / DB_FILE
    assert not db.read_bytes().startswith(b"SQLite format 3")
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    # No plaintext sidecar files: only the encrypted db, its WAL, keys, lock.
    names = {p.name for p in store_dir.data_dir.iterdir()}
    assert names <= {DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", "keyslots.json", "peerdesk.lock"}


def test_cipher_settings(store_dir):
    from sqlalchemy import text

    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store, store.session() as s:
        assert s.execute(text("PRAGMA cipher_version")).scalar().startswith("4")
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA temp_store")).scalar() == 2  # MEMORY


def test_wrong_password_and_wrong_recovery_key(store_dir):
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        open_store(store_dir.data_dir, "admin", "not the password")
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        open_store(store_dir.data_dir, "nobody", ADMIN_PW)
    with pytest.raises(AuthenticationError, match="wrong recovery key"):
        open_store(store_dir.data_dir, recovery_key="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF")


def test_wrong_password_and_recovery_key_on_the_command_line(store_dir):
    r = run_cli(
        "user",
        "list",
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": "wrong wrong wrong"},
    )
    assert "wrong username or password" in assert_one_line_error(r)
    r = run_cli(
        "user",
        "list",
        "--recovery-key-stdin",
        data_dir=store_dir.data_dir,
        stdin="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF\n",
    )
    assert "wrong recovery key" in assert_one_line_error(r)


def test_password_change_leaves_database_untouched(store_dir):
    files = [store_dir.data_dir / n for n in (DB_FILE, f"{DB_FILE}-wal")]

    def digest() -> list[str]:
        return [hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else "" for f in files]

    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        before = digest()
        accounts.change_own_password(store, alice, SUP_A_PW, "a brand new secret")
        assert digest() == before
    with pytest.raises(AuthenticationError):
        open_store(store_dir.data_dir, "alice", SUP_A_PW)
    store, _ = open_store(store_dir.data_dir, "alice", "a brand new secret")
    with store, store.session() as s:
        actions = s.scalars(select(AuditEvent.action)).all()
    assert "account.change_password" in actions  # recorded at the next unlock
    assert "login.failed" in actions


def test_recovery_key_opens_store_and_is_audited(store_dir):
    store, actor = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key.lower())
    assert actor.emergency
    with store, store.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last.action == "login.recovery_key"
        assert '"emergency_access": true' in last.detail
    r = run_cli(
        "verify",
        "--recovery-key-stdin",
        data_dir=store_dir.data_dir,
        stdin=store_dir.recovery_key + "\n",
    )
    assert r.returncode == 0, r.stderr


def test_password_rules(tmp_path):
    for bad, why in [
        ("short", "at least 8"),
        ("password1", "commonly used"),
        ("aaaaaaaaaaa", "commonly used|single character"),
        ("admin123", "commonly"),
    ]:
        with pytest.raises(PasswordPolicyError, match=why):
            create_store(tmp_path / "x", "admin", bad)
    long_pw = "ünïcödé " * 10  # 80 characters, normalised, accepted
    create_store(tmp_path / "y", "admin", long_pw)
    # NFKC normalisation: a composed and a decomposed ü open the same slot
    store, _ = open_store(tmp_path / "y", "admin", long_pw.replace("ü", "u\u0308"))
    store.close()


def test_throttling_survives_restart_and_locks_out(store_dir, monkeypatch):
    from peerdesk.services import keyslots

    clock = [time.time()]
    real_unlock = keyslots.KeyslotFile.open_slot

    def unlock(self, kind, username, secret, max_failed, now=None):
        return real_unlock(self, kind, username, secret, max_failed, now=clock[0])

    monkeypatch.setattr(keyslots.KeyslotFile, "open_slot", unlock)
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            open_store(store_dir.data_dir, "alice", "wrong guess here")
    # The fourth try comes too soon: refused without checking the password.
    with pytest.raises(ThrottledError) as err:
        open_store(store_dir.data_dir, "alice", SUP_A_PW)
    assert err.value.retry_after > 0
    # Counters live in the key file, so a new process sees them.
    assert KeyslotFile(store_dir.data_dir).failed_attempts("password", "alice") == 3
    for _ in range(7):
        clock[0] += 400
        with pytest.raises(AuthenticationError):
            open_store(store_dir.data_dir, "alice", "wrong guess again")
    clock[0] += 400
    with pytest.raises(AccountLockedError, match="locked"):
        open_store(store_dir.data_dir, "alice", SUP_A_PW)
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        assert [
            u.locked_out for u in accounts.list_users(store, admin) if u.username == "alice"
        ] == [True]
        accounts.reset_password(store, admin, "alice", "fresh start password")
    store, _ = open_store(store_dir.data_dir, "alice", "fresh start password")
    store.close()


def test_second_instance_is_refused(store_dir):
    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        with pytest.raises(AlreadyOpenError, match="already open") as err:
            open_store(store_dir.data_dir, "admin", ADMIN_PW)
        # Told by whom (the PeerDesk account, not just "open") and since when.
        message = str(err.value)
        assert "PeerDesk account 'admin'" in message and " since " in message
        assert f"process {os.getpid()}" in message
        assert err.value.holder.username == "admin"
        assert ADMIN_PW not in (store_dir.data_dir / "peerdesk.lock-holder.json").read_text()
        r = run_cli(
            "user",
            "list",
            "--user",
            "admin",
            data_dir=store_dir.data_dir,
            env={"PEERDESK_PASSWORD": ADMIN_PW},
        )
        line = assert_one_line_error(r)
        assert "already open" in line and "'admin'" in line and r.returncode == 5
    assert not (store_dir.data_dir / "peerdesk.lock-holder.json").exists()
    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    store.close()


def test_stale_lock_of_killed_process_is_recovered(store_dir):
    script = textwrap.dedent(f"""
        import os, sys, time
        from peerdesk.services import keyslots
        keyslots.kdf_params = lambda: dict(keyslots.FAST_KDF)
        from peerdesk.services.store import open_store
        store, _ = open_store({str(store_dir.data_dir)!r}, "admin", {ADMIN_PW!r})
        print("open", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        with pytest.raises(AlreadyOpenError):
            open_store(store_dir.data_dir, "admin", ADMIN_PW)
        proc.kill()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (store_dir.data_dir / "peerdesk.lock").exists()  # left behind by the kill
    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    store.close()


def test_damaged_or_foreign_store_file(store_dir, tmp_path):
    db = store_dir.data_dir / DB_FILE
    data = bytearray(db.read_bytes())
    data[:4096] = b"\x00" * 4096  # first page (salt and header) wiped
    db.write_bytes(bytes(data))
    with pytest.raises(DamagedStoreError, match="damaged or not a PeerDesk store"):
        open_store(store_dir.data_dir, "admin", ADMIN_PW)
    r = run_cli(
        "verify",
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert "damaged" in assert_one_line_error(r)
    # A plain SQLite file in place of the store
    foreign = tmp_path / "foreign"
    create_store(foreign, "admin", ADMIN_PW)
    (foreign / DB_FILE).unlink()
    conn = sqlite3.connect(foreign / DB_FILE)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(DamagedStoreError):
        open_store(foreign, "admin", ADMIN_PW)
    # A missing key file
    (foreign / "keyslots.json").unlink()
    with pytest.raises(DamagedStoreError, match="key file"):
        open_store(foreign, "admin", ADMIN_PW)


def test_disabled_account_cannot_unlock(store_dir):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.disable_user(store, admin, "alice")
    with pytest.raises(AuthenticationError):
        open_store(store_dir.data_dir, "alice", SUP_A_PW)


def test_no_store_gives_clear_message(tmp_path: Path):
    r = run_cli(
        "user",
        "list",
        "--user",
        "admin",
        data_dir=tmp_path / "none",
        env={"PEERDESK_PASSWORD": "whatever pass"},
    )
    assert "no PeerDesk store" in assert_one_line_error(r)

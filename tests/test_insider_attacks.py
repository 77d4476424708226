"""Issue 11 item 2: an account holder with their own password and SQL tools cannot change
the rules. Each attack uses the real keyslot code to unwrap the data key from the
attacker's own slot and then edits the store with sqlcipher3 directly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlcipher3
from conftest import ADMIN_PW, COORD_PW, SUP_A_PW, SUP_B_PW, run_cli

from peerdesk.errors import AuthenticationError, PermissionDeniedError
from peerdesk.services import accounts, audit, integrity, policy_admin
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.store import open_store
from peerdesk.services.verify import verify_store


def stolen_key(data_dir: Path, user: str = "alice", password: str = SUP_A_PW) -> bytes:
    return KeyslotFile(data_dir).unlock("password", user, password, 10)


def sql(data_dir: Path, key: bytes, *statements: str, params: tuple = ()) -> list:
    conn = sqlcipher3.connect(str(data_dir / "peerdesk.db"))
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        rows: list = []
        for statement in statements:
            rows = conn.execute(statement, params).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def verify_as(data_dir: Path, user: str, password: str):
    return run_cli("verify", "--user", user, data_dir=data_dir, env={"PEERDESK_PASSWORD": password})


def test_a_supporter_who_makes_themself_admin_stays_a_supporter(store_dir):
    d = store_dir.data_dir
    sql(d, stolen_key(d), "UPDATE users SET role = 'admin' WHERE username = 'alice'")
    store, alice = open_store(d, "alice", SUP_A_PW)
    with store:
        assert alice.role == "supporter"
        assert any("changed outside PeerDesk" in w for w in store.warnings)
        with pytest.raises(PermissionDeniedError):
            accounts.add_user(store, alice, "mallory", "admin", "mallory passphrase")
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 10, r.stdout + r.stderr
    assert "account alice was changed outside PeerDesk" in r.stdout
    # An administrator's sign-in puts the role back (audited); verify says so once.
    r = verify_as(d, "admin", ADMIN_PW)
    assert r.returncode == 10 and "put back as signed (supporter, active)" in r.stdout
    assert verify_as(d, "coord", COORD_PW).returncode == 0


def test_a_disabled_account_re_enabled_behind_the_app_cannot_sign_in(store_dir):
    d = store_dir.data_dir
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        accounts.disable_user(store, admin, "bob")
    key = stolen_key(d)
    sql(d, key, "UPDATE users SET state = 'active' WHERE username = 'bob'")
    slots = KeyslotFile(d)
    slots.set_secret_slot("password", "bob", "bob chose this one", key)
    with pytest.raises(AuthenticationError, match="disabled"):
        open_store(d, "bob", "bob chose this one")
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 10 and "account bob was changed outside PeerDesk" in r.stdout


def test_an_account_added_behind_the_app_cannot_sign_in(store_dir):
    d = store_dir.data_dir
    key = stolen_key(d)
    [(site,)] = sql(d, key, "SELECT id FROM sites")
    sql(
        d,
        key,
        "INSERT INTO users (id, username, display_name, role, state, site_id, created_at, "
        "updated_at) VALUES ('00000000-0000-0000-0000-00000000beef', 'mallory', 'M', 'admin', "
        "'active', ?, '2026-01-01', '2026-01-01')",
        params=(site,),
    )
    KeyslotFile(d).set_secret_slot("password", "mallory", "mallory passphrase", key)
    with pytest.raises(AuthenticationError, match="not on the account list"):
        open_store(d, "mallory", "mallory passphrase")
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 10 and "account mallory is not on the signed account list" in r.stdout
    # The admin's next sign-in disables it and removes its slot.
    store, _ = open_store(d, "admin", ADMIN_PW)
    store.close()
    assert KeyslotFile(d).find("password", "mallory") is None


def test_a_replaced_integrity_key_is_caught_by_everyone_else(store_dir):
    """The attacker re-signs everything with a key of their own and puts its public half
    in both files: their own slot can be made to trust it, nobody else's can."""
    d = store_dir.data_dir
    key = stolen_key(d)
    fake = integrity.signer_for(b"\x01" * 32)
    public = integrity._b64(integrity.public_of(fake))
    slots = KeyslotFile(d)
    slots.data["integrity"] = {"public": public}
    slots.save()
    [(raw,)] = sql(d, key, "SELECT value FROM settings WHERE key = 'signed_accounts'")
    doc = json.loads(raw)["doc"]
    for row in doc["accounts"]:
        if row[1] == "alice":
            row[2] = "admin"
    signed = json.dumps({"doc": doc, "sig": integrity._b64(fake.sign(integrity._canonical(doc)))})
    sql(
        d,
        key,
        "UPDATE users SET role = 'admin' WHERE username = 'alice'",
        f"UPDATE settings SET value = '{public}' WHERE key = 'integrity_public_key'",
    )
    sql(d, key, "UPDATE settings SET value = ? WHERE key = 'signed_accounts'", params=(signed,))
    # Everyone whose slot pins the real key refuses to trust the account list ...
    with pytest.raises(AuthenticationError, match="cannot confirm this account's role"):
        open_store(d, "coord", COORD_PW)
    # ... and an administrator's sign-in puts back the list their own slot kept.
    r = verify_as(d, "admin", ADMIN_PW)
    assert r.returncode == 10, r.stdout + r.stderr
    assert "copy of the integrity public key was replaced" in r.stdout
    assert "signed account list does not carry a valid administrator signature" in r.stdout
    assert "account alice was changed outside PeerDesk (admin, active)" in r.stdout
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 0, r.stdout + r.stderr


def _cli_anchor(d: Path) -> None:
    """Any command run by anyone closes the store and writes the audit head to the IT log."""
    assert (
        run_cli(
            "user", "list", "--user", "coord", data_dir=d, env={"PEERDESK_PASSWORD": COORD_PW}
        ).returncode
        == 0
    )


def test_a_wiped_audit_log_fails_verify_even_with_the_key_file_edited(store_dir):
    d = store_dir.data_dir
    _cli_anchor(d)
    sql(
        d,
        stolen_key(d),
        "DELETE FROM audit_events",
        "DELETE FROM settings WHERE key = 'audit_head'",
    )
    slots = KeyslotFile(d)
    slots.data.pop("audit_head_seen", None)
    slots.save()
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 10, r.stdout + r.stderr
    assert "recorded in the IT log, are missing" in r.stdout
    assert "certified by an administrator's signature, was removed or rewritten" in r.stdout


def test_a_consistently_rewritten_chain_fails_verify(store_dir):
    """The data key is enough to recompute every MAC; the signed checkpoint and the IT log
    still hold the old ones."""
    d = store_dir.data_dir
    _cli_anchor(d)
    key = stolen_key(d)
    mac_key = audit.audit_key(key)
    cols = "seq, id, at, actor_id, actor_name, action, target_type, target_id, detail, prev_mac"
    rows = sql(d, key, f"SELECT {cols} FROM audit_events ORDER BY seq")
    prev = audit.GENESIS
    updates = []
    for row in rows:
        event = dict(zip([c.strip() for c in cols.split(",")], row, strict=True))
        if event["action"] == "account.create" and "coordinator" in event["detail"]:
            event["detail"] = json.dumps({"role": "supporter"})
        event["prev_mac"] = prev
        prev = audit._mac(mac_key, event)
        updates.append((event["detail"], event["prev_mac"], prev, event["seq"]))
    conn = sqlcipher3.connect(str(d / "peerdesk.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.executemany(
        "UPDATE audit_events SET detail = ?, prev_mac = ?, mac = ? WHERE seq = ?", updates
    )
    conn.execute(
        "UPDATE settings SET value = ? WHERE key = 'audit_head'", (f"{updates[-1][3]}:{prev}",)
    )
    conn.commit()
    conn.close()
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 10, r.stdout
    assert "chained correctly" not in r.stdout
    assert "differs from the copy recorded in the IT log" in r.stdout


def test_an_older_copy_put_back_fails_verify_through_the_backup_manifest(store_dir, tmp_path):
    d = store_dir.data_dir
    old = tmp_path / "old-copy"
    shutil.copytree(d, old)
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "carol", "supporter", "carol passphrase 1")
    r = run_cli(
        "backup",
        "--user",
        "admin",
        "--out",
        str(d / "backups" / "b.pdbackup"),
        data_dir=d,
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert r.returncode == 0, r.stderr
    for name in ("peerdesk.db", "keyslots.json"):
        shutil.copy(old / name, d / name)
    (Path(d).parent / "peerdesk-test-it-logs").exists() and shutil.rmtree(
        Path(d).parent / "peerdesk-test-it-logs"
    )
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 10 and "recorded in a backup's manifest" in r.stdout


def test_a_loosened_policy_file_does_not_apply(store_dir):
    d = store_dir.data_dir
    (d / "policy.toml").write_text("[policy]\nidle_lock_minutes = 600\n")
    store, alice = open_store(d, "alice", SUP_A_PW)
    with store:
        assert store.policy.idle_lock_minutes == 10
        assert any("would loosen idle_lock_minutes" in w for w in store.warnings)
    r = verify_as(d, "coord", COORD_PW)
    assert r.returncode == 10 and "loosens what an administrator saved" in r.stdout
    # Stricter by hand is harmless and applies; an admin saving the policy accepts it.
    (d / "policy.toml").write_text("[policy]\nidle_lock_minutes = 5\n")
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        assert store.policy.idle_lock_minutes == 5
        policy_admin.save_policy(store, admin, {"idle_lock_minutes": 30})
    assert verify_as(d, "coord", COORD_PW).returncode == 0
    store, _ = open_store(d, "bob", SUP_B_PW)
    with store:
        assert store.policy.idle_lock_minutes == 30


def test_an_untouched_store_verifies_and_lists_the_admin_changes(store_dir):
    r = verify_as(store_dir.data_dir, "coord", COORD_PW)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "admin change:" in r.stdout and "added account coord (coordinator)" in r.stdout


FIXTURE = Path(__file__).parent / "fixtures" / "stores" / "0001"
FIXTURE_PW = "fixture passphrase 0001"


def test_a_store_from_before_signing_is_signed_at_the_first_admin_sign_in(tmp_path):
    d = tmp_path / "old"
    shutil.copytree(FIXTURE, d)
    # Before any administrator signs in, nothing is signed and nobody is refused.
    store, coord = open_store(d, "coordinator", FIXTURE_PW)
    with store:
        assert coord.role == "coordinator" and not store.integrity.protected
        report = verify_store(store, coord)
        assert any("not signed yet" in w for w in report.warnings)
    store, admin = open_store(d, "admin", FIXTURE_PW)
    with store:
        assert store.integrity.signer is not None
        events = [e.action for e in _events(store, admin)]
        assert "integrity.create" in events
        assert verify_store(store, admin).ok
    slots = KeyslotFile(d)
    assert "escrow" not in slots.data["integrity"]  # 0001 had no recovery key pair yet
    # From now on the protection holds for everyone, and pins at each person's sign-in.
    key = stolen_key(d, "zoe.m", FIXTURE_PW)
    sql(d, key, "UPDATE users SET role = 'admin' WHERE username = 'zoe.m'")
    store, zoe = open_store(d, "zoe.m", FIXTURE_PW)
    with store:
        assert zoe.role == "supporter"
    # 0001 stores get their recovery key pair at the first emergency sign-in; the next
    # administrator sign-in then escrows the integrity key for the recovery key.
    recovery = "X2VFB-Y9F3K-RLJPK-UAMYQ-AFNWB-ZSX5L"
    store, emergency = open_store(d, recovery_key=recovery)
    with store:
        assert store.integrity.signer is None
        with pytest.raises(PermissionDeniedError, match="integrity key"):
            accounts.add_user(store, emergency, "too.early", "admin", "too early passphrase")
    open_store(d, "admin", FIXTURE_PW)[0].close()
    store, emergency = open_store(d, recovery_key=recovery)
    with store:
        assert store.integrity.signer is not None
        accounts.add_user(store, emergency, "second.admin", "admin", "second admin passphrase")
    assert "escrow" in KeyslotFile(d).data["integrity"]
    store, second = open_store(d, "second.admin", "second admin passphrase")
    with store:
        assert store.integrity.signer is not None  # a new admin's slot carries the key
        accounts.add_user(store, second, "third.user", "supporter", "third user passphrase")


def test_an_admin_without_the_key_cannot_change_accounts(tmp_path):
    """An admin account that existed before signing has no copy of the key until another
    administrator (or the recovery key) resets it: account changes are refused, not left
    unsigned."""
    d = tmp_path / "old"
    shutil.copytree(FIXTURE, d)
    key = stolen_key(d, "admin", FIXTURE_PW)
    sql(d, key, "UPDATE users SET role = 'admin' WHERE username = 'coordinator'")
    store, admin = open_store(d, "admin", FIXTURE_PW)  # signs coordinator as admin (as found)
    store.close()
    store, other = open_store(d, "coordinator", FIXTURE_PW)
    with store:
        assert other.role == "admin" and store.integrity.signer is None
        with pytest.raises(PermissionDeniedError, match="does not hold this store's integrity"):
            accounts.add_user(store, other, "x.user", "supporter", "x user passphrase 1")
    store, admin = open_store(d, "admin", FIXTURE_PW)
    with store:
        accounts.reset_password(store, admin, "coordinator", "a fresh passphrase 1")
    store, other = open_store(d, "coordinator", "a fresh passphrase 1")
    with store:
        assert store.integrity.signer is not None


def _events(store, actor):
    from peerdesk.services import audit_log
    from peerdesk.services.audit_log import AuditQuery

    return audit_log.list_readable(store, actor, AuditQuery())


def test_it_accepts_a_hand_edited_policy_from_the_command_line(store_dir):
    d = store_dir.data_dir
    (d / "policy.toml").write_text("[policy]\nsupporters_may_assign = true\n")
    assert verify_as(d, "coord", COORD_PW).returncode == 10
    r = run_cli(
        "policy", "accept", "--user", "coord", data_dir=d, env={"PEERDESK_PASSWORD": COORD_PW}
    )
    assert r.returncode == 7, r.stderr
    r = run_cli(
        "policy", "accept", "--user", "admin", data_dir=d, env={"PEERDESK_PASSWORD": ADMIN_PW}
    )
    assert r.returncode == 0, r.stderr
    assert verify_as(d, "coord", COORD_PW).returncode == 0
    store, _ = open_store(d, "alice", SUP_A_PW)
    with store:
        assert store.policy.supporters_may_assign

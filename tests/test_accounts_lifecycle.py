"""Disabled accounts come back by enabling, locked-out ones by unlocking, first passwords
are replaced by their owner, and every step shows in the audit log in plain words."""

from __future__ import annotations

import json

import pytest

from peerdesk.errors import (
    AccountLockedError,
    AuthenticationError,
    PasswordChangeRequiredError,
    ValidationError,
)
from peerdesk.services import accounts, audit_log
from peerdesk.services.audit_log import AuditQuery
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.store import key_document, open_store
from peerdesk.services.verify import verify_store
from tests.conftest import ADMIN_PW, SUP_A_PW, assert_one_line_error, run_cli

ADMIN = {"PEERDESK_PASSWORD": ADMIN_PW}


def _events(data_dir, action):
    store, admin = open_store(data_dir, "admin", ADMIN_PW)
    with store:
        return audit_log.list_readable(store, admin, AuditQuery(exact_action=action))


def test_disabled_name_cannot_be_reused_and_the_account_can_be_enabled(store_dir):
    d = store_dir.data_dir
    r = run_cli("user", "disable", "alice", "--user", "admin", data_dir=d, env=ADMIN)
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "user", "add", "Alice", "--role", "supporter", "--user", "admin", data_dir=d, env=ADMIN
    )
    line = assert_one_line_error(r)
    assert r.returncode == 9
    assert "alice exists and is disabled" in line and "peerdesk user enable alice" in line
    r = run_cli("user", "enable", "bob", "--user", "admin", data_dir=d, env=ADMIN)
    assert "bob is not disabled" in assert_one_line_error(r)
    r = run_cli("user", "enable", "nobody", "--user", "admin", data_dir=d, env=ADMIN)
    assert assert_one_line_error(r) and r.returncode == 8
    r = run_cli(
        "user",
        "enable",
        "alice",
        "--user",
        "admin",
        data_dir=d,
        env={**ADMIN, "PEERDESK_NEW_PASSWORD": "alice is back again"},
    )
    assert r.returncode == 0, r.stderr
    # The old password was dropped with the slot; the new one works, after she picks her own.
    with pytest.raises(AuthenticationError):
        open_store(d, "alice", SUP_A_PW)
    with pytest.raises(PasswordChangeRequiredError):
        open_store(d, "alice", "alice is back again", refuse_first_password=True)
    store, alice = open_store(d, "alice", "alice is back again")
    with store:
        assert store.must_change_password
        assert alice.supporter_id is not None  # the same account, with its profile
    [event] = _events(d, "account.enable")
    assert event.who == "Admin (admin)" and event.record == "account Alice Supporter (alice)"
    assert event.what == "Account enabled"


def test_reset_refuses_a_disabled_account(store_dir):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.disable_user(store, admin, "bob")
        with pytest.raises(ValidationError, match="bob is disabled; enable it"):
            accounts.reset_password(store, admin, "bob", "some new passphrase")


def _lock_policy(data_dir, attempts=3):
    (data_dir / "policy.toml").write_text(f"max_failed_attempts = {attempts}\n", encoding="utf-8")


def test_failed_sign_ins_name_the_account_warn_and_lock_out_once(store_dir):
    d = store_dir.data_dir
    _lock_policy(d, 3)
    with pytest.raises(AuthenticationError, match="2 attempts left before the account is locked"):
        open_store(d, "alice", "wrong one")
    with pytest.raises(AuthenticationError, match="1 attempt left before"):
        open_store(d, "alice", "wrong two")
    with pytest.raises(AccountLockedError) as err:
        open_store(d, "alice", "wrong three")
    assert err.value.just_locked
    text = str(err.value)
    assert text.count("locked") == 1 and "ask an administrator to unlock it" in text
    with pytest.raises(AccountLockedError) as again:
        open_store(d, "alice", SUP_A_PW)
    assert not again.value.just_locked and str(again.value).count("locked") == 1
    # An unknown name gets the same messages, and its typed text is never stored.
    with pytest.raises(AuthenticationError, match="2 attempts left"):
        open_store(d, "typed-secret-hunter2", "x")
    assert "hunter2" not in json.dumps(key_document(d).data)

    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        failed = audit_log.list_readable(store, admin, AuditQuery(exact_action="login.failed"))
        lockouts = audit_log.list_readable(
            store, admin, AuditQuery(exact_action="account.lock_out")
        )
        assert verify_store(store, admin).ok
        raw = json.dumps([e.__dict__ for e in failed + lockouts], default=str)
    by_user = {e.username: e for e in failed}
    assert set(by_user) == {"alice", "(unknown name)"}
    alice = by_user["alice"]
    assert alice.who == "Alice Supporter (alice)" and alice.flagged
    assert alice.details.startswith("4 failed attempts")
    assert "{" not in alice.details and "not verified" in alice.details
    assert "does not exist" in by_user["(unknown name)"].details
    assert [e.username for e in lockouts] == ["alice"]
    assert lockouts[0].what == "Account locked out"
    assert "hunter2" not in raw and SUP_A_PW not in raw and "system" not in raw


def test_unlock_lifts_a_lock_out_and_is_audited(store_dir):
    d = store_dir.data_dir
    _lock_policy(d, 3)
    for n in range(3):
        with pytest.raises(AuthenticationError):
            open_store(d, "alice", f"wrong {n}")
    r = run_cli("user", "list", "--user", "admin", data_dir=d, env=ADMIN)
    assert "locked" in next(line for line in r.stdout.splitlines() if "alice" in line)
    r = run_cli("user", "unlock", "bob", "--user", "admin", data_dir=d, env=ADMIN)
    assert "bob is not locked out" in assert_one_line_error(r)
    r = run_cli("user", "unlock", "alice", "--user", "alice", data_dir=d, env=ADMIN)
    assert r.returncode == 6  # alice's own slot is the locked one
    r = run_cli("user", "unlock", "alice", "--user", "admin", data_dir=d, env=ADMIN)
    assert r.returncode == 0, r.stderr
    store, _ = open_store(d, "alice", SUP_A_PW)  # the same password as before
    store.close()
    [event] = _events(d, "account.unlock")
    assert event.details == "Lock-out lifted after 3 failed attempts"


@pytest.mark.local_store_only
def test_first_password_flag_cannot_be_edited_out_of_the_key_file(store_dir):
    d = store_dir.data_dir
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        accounts.add_user(
            store, admin, "dora", "supporter", "given by the admin", "Dora", must_change=True
        )
    doc = json.loads((d / "keyslots.json").read_text())
    tag = KeyslotFile(d).name_tag("dora")  # slots name accounts by a keyed hash
    slot = next(s for s in doc["slots"] if s.get("user") == tag)
    assert slot["must_change"] is True
    r = run_cli("user", "list", "--user", "admin", data_dir=d, env=ADMIN)
    assert "first-pw" in next(line for line in r.stdout.splitlines() if "dora" in line)
    for tampered in (False, None):
        copy = json.loads(json.dumps(doc))
        target = next(s for s in copy["slots"] if s.get("user") == tag)
        if tampered is None:
            del target["must_change"]
        else:
            target["must_change"] = tampered
        (d / "keyslots.json").write_text(json.dumps(copy))
        with pytest.raises(AuthenticationError):
            open_store(d, "dora", "given by the admin")
    (d / "keyslots.json").write_text(json.dumps(doc))
    store, dora = open_store(d, "dora", "given by the admin")
    with store:
        with pytest.raises(ValidationError, match="different from the one you were given"):
            accounts.choose_first_password(store, dora, "given by the admin")
        accounts.choose_first_password(store, dora, "dora's own choice")
        assert not store.must_change_password
    assert "must_change" not in KeyslotFile(d).find("password", "dora")
    store, _ = open_store(d, "dora", "dora's own choice", refuse_first_password=True)
    store.close()
    [event] = _events(d, "account.change_password")
    assert event.username == "dora" and event.who == "Dora (dora)"


def test_audit_export_is_admin_only_csv_with_bom_and_audited(store_dir, tmp_path):
    d = store_dir.data_dir
    out = tmp_path / "out" / "audit"
    r = run_cli("user", "list", "--user", "coord", data_dir=d, env={"PEERDESK_PASSWORD": "x wrong"})
    assert r.returncode == 6
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        coord_store_events = audit_log.count_events(store, admin)
        result = audit_log.export_csv(store, admin, out, AuditQuery(person="coord"))
    assert result.path.name == "audit.csv"
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("number,time (local),account,person,action")
    assert result.rows == len(lines) - 1 >= 1
    assert all(",coord," in line for line in lines[1:])
    assert not list(result.path.parent.glob(".*tmp"))
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        [event] = audit_log.list_readable(store, admin, AuditQuery(exact_action="audit.export"))
        assert event.details.startswith(f"{result.rows} event")
        assert audit_log.count_events(store, admin) > coord_store_events
    store, coord = open_store(d, "coord", "coordinator passphrase")
    with store, pytest.raises(Exception, match="may not export the audit log"):
        audit_log.export_csv(store, coord, tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.local_store_only
def test_forged_or_damaged_lock_out_entries_are_rejected_not_trusted(store_dir):
    d = store_dir.data_dir
    doc = json.loads((d / "keyslots.json").read_text())
    doc["pending_events"] = {
        "lockouts": [{"username": "alice", "at": "soon"}, "junk", {"username": "bob"}]
    }
    (d / "keyslots.json").write_text(json.dumps(doc))
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        rejected = audit_log.list_readable(
            store, admin, AuditQuery(exact_action="pending_event.rejected")
        )
        lockouts = audit_log.count_events(store, admin, AuditQuery(exact_action="account.lock_out"))
        assert verify_store(store, admin).ok
    assert len(rejected) == 3 and lockouts == 0
    assert all("malformed lock-out" in e.details for e in rejected)


def test_audit_export_defuses_formula_like_names(store_dir, tmp_path):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "eve", "coordinator", "eve's passphrase", "=HYPERLINK(1)")
    store, _ = open_store(store_dir.data_dir, "eve", "eve's passphrase")
    store.close()
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        result = audit_log.export_csv(store, admin, tmp_path / "a.csv", AuditQuery(person="eve"))
    text = result.path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1) (eve)" in text and ",=HYPERLINK" not in text

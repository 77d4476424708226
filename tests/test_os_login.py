""" "Unlock with this computer's login": allowed by policy only, per OS user, removable."""

from __future__ import annotations

import pytest
from conftest import ADMIN_PW, SUP_A_PW, accept_policy

from peerdesk.errors import AuthenticationError, PermissionDeniedError
from peerdesk.services import accounts, episodes, os_login, participants, sessions
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.store import open_store

NOTE = "OSLOGIN-NOTE only alice reads this"


def _allow(data_dir, allowed: bool = True) -> None:
    (data_dir / "policy.toml").write_text(
        f"[policy]\nallow_keyring_unlock = {str(allowed).lower()}\n"
    )
    accept_policy(data_dir)  # loosening by hand applies once an administrator signs it


def _alice_with_note(data_dir) -> str:
    store, alice = open_store(data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff", role="nurse")
        ep = episodes.open_episode(store, alice, p.id, "burnout")
        return sessions.record_session(
            store, alice, sessions.SessionInput(ep.id, 30, "phone", notes=NOTE)
        ).id


def test_refused_where_the_policy_forbids_it(store_dir, memory_keyring, tmp_path, monkeypatch):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        assert not os_login.should_offer(store, alice)  # off by default
        with pytest.raises(PermissionDeniedError, match="policy does not allow"):
            os_login.enable(store, alice)
    assert memory_keyring.items == {}
    # The folder may not turn on what the machine policy turns off.
    machine = tmp_path / "machine.toml"
    machine.write_text("[policy]\nallow_keyring_unlock = false\n")
    monkeypatch.setenv("PEERDESK_POLICY", str(machine))
    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store, pytest.raises(PermissionDeniedError):
        os_login.enable(store, alice)


def test_offer_after_password_sign_in_then_unlock_without_password(store_dir, memory_keyring):
    session_id = _alice_with_note(store_dir.data_dir)
    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        assert os_login.should_offer(store, alice)
        os_login.enable(store, alice)
        assert not os_login.should_offer(store, alice)
    secret = next(iter(memory_keyring.items.values()))
    raw = (store_dir.data_dir / "keyslots.json").read_text()
    assert secret not in raw and f"oslogin:{os_login.os_user()}" in raw
    assert os_login.offered_username(store_dir.data_dir) == "alice"
    store, actor = os_login.sign_in(store_dir.data_dir, "alice")
    with store:
        assert actor.username == "alice"
        assert sessions.get_session(store, actor, session_id).notes == NOTE  # own notes open
    # The secret is no password: it does not sign in through the password form.
    with pytest.raises(AuthenticationError):
        open_store(store_dir.data_dir, "alice", secret)


def test_another_os_user_has_no_slot(store_dir, memory_keyring, monkeypatch):
    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
    monkeypatch.setattr(os_login, "os_user", lambda: "someone-else")
    assert os_login.offered_username(store_dir.data_dir) is None
    with pytest.raises(AuthenticationError):
        os_login.sign_in(store_dir.data_dir, "alice")


def test_policy_turned_off_later_refuses_an_existing_slot(store_dir, memory_keyring):
    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
    _allow(store_dir.data_dir, False)
    assert os_login.offered_username(store_dir.data_dir) is None
    with pytest.raises(PermissionDeniedError):
        os_login.sign_in(store_dir.data_dir, "alice")


def test_removed_by_the_user_or_an_admin(store_dir, memory_keyring):
    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
        assert os_login.remove(store, alice) == 1
    assert memory_keyring.items == {}
    assert os_login.offered_username(store_dir.data_dir) is None
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
        with pytest.raises(PermissionDeniedError):
            os_login.remove(store, alice, "bob")  # not someone else's
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        assert os_login.remove(store, admin, "alice") == 1
    assert not any(s["kind"].startswith("oslogin:") for s in KeyslotFile(store_dir.data_dir).slots)


def test_a_password_reset_makes_the_slot_stale(store_dir, memory_keyring, monkeypatch):
    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
    slots = KeyslotFile(store_dir.data_dir)
    slot = slots.find(f"oslogin:{os_login.os_user()}", "alice")
    slot["created_at"] -= 10  # made before the reset below
    slots.save()
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.reset_password(store, admin, "alice", "a brand new passphrase")
    with pytest.raises(AuthenticationError, match="password changed"):
        os_login.sign_in(store_dir.data_dir, "alice")
    assert os_login.offered_username(store_dir.data_dir) is None  # the stale slot is gone


def test_a_disabled_account_cannot_use_it(store_dir, memory_keyring):
    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.disable_user(store, admin, "alice")
    with pytest.raises(AuthenticationError):
        os_login.sign_in(store_dir.data_dir, "alice")


def test_emergency_access_is_never_tied_to_a_login(store_dir, memory_keyring):
    _allow(store_dir.data_dir)
    store, actor = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        assert not os_login.should_offer(store, actor)
        with pytest.raises(PermissionDeniedError):
            os_login.enable(store, actor)


def test_an_admin_removes_it_from_the_command_line(store_dir, memory_keyring):
    from conftest import run_cli

    _allow(store_dir.data_dir)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
    r = run_cli(
        "service",
        "remove-os-login",
        "alice",
        "--user",
        "alice",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": SUP_A_PW},
    )
    assert r.returncode == 0 and "Removed 1" in r.stdout  # her own: allowed
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        os_login.enable(store, alice)
    r = run_cli(
        "service",
        "remove-os-login",
        "alice",
        "--user",
        "bob",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": "supporter b passphrase"},
    )
    assert r.returncode == 7
    r = run_cli(
        "service",
        "remove-os-login",
        "ALICE",
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert r.returncode == 0 and "Removed 1" in r.stdout, r.stdout + r.stderr
    assert os_login.offered_username(store_dir.data_dir) is None

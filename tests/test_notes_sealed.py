"""Private notes are sealed with their author's own key, not just the store's key."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ADMIN_PW, SUP_A_PW, SUP_B_PW
from sqlalchemy import select, text

from peerdesk.errors import PermissionDeniedError, ValidationError
from peerdesk.models import SupportSession
from peerdesk.services import accounts, episodes, notes, participants, sessions
from peerdesk.services.notes import keys_from
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import key_document, open_store

NOTE = "alice's note: talked about the night of the incident"


@pytest.fixture
def alice_note(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff")
        ep = episodes.open_episode(store, alice, p.id, "adverse event")
        ss = sessions.record_session(
            store,
            alice,
            SessionInput(ep.id, 40, "in_person", datetime(2026, 4, 2, 9, 0), notes=NOTE),
        )
    return ss.id


def _raw_note(data_dir: Path, session_id: str) -> str:
    """What anyone holding the data key (any account) reads straight from the database."""
    store, _ = open_store(data_dir, "admin", ADMIN_PW)
    with store, store.session() as s:
        return s.scalar(select(SupportSession.notes).where(SupportSession.id == session_id))


def test_the_database_holds_only_ciphertext(store_dir, alice_note):
    raw = _raw_note(store_dir.data_dir, alice_note)
    assert raw.startswith("pdn1:") and "night" not in raw


def test_another_supporters_keys_do_not_open_it(store_dir, alice_note):
    """Even outside the app: bob's slot opens the data key and his own notes keys only."""
    slots = key_document(store_dir.data_dir)
    bob_keys, _ = keys_from(slots.open_slot("password", "bob", SUP_B_PW, 10).extras)
    raw = _raw_note(store_dir.data_dir, alice_note)
    from peerdesk.services.notes_crypto import open_note

    assert bob_keys and open_note(slots.store_id, raw, alice_note, bob_keys) is None


def test_author_and_emergency_access_read_it(store_dir, alice_note):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        assert sessions.get_session(store, alice, alice_note).notes == NOTE
    store, emergency = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        assert sessions.get_session(store, emergency, alice_note).notes == NOTE


def test_password_change_keeps_notes_and_reset_needs_the_recovery_key(store_dir, alice_note):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        accounts.change_own_password(store, alice, SUP_A_PW, "alice second passphrase")
    store, alice = open_store(store_dir.data_dir, "alice", "alice second passphrase")
    with store:
        assert sessions.get_session(store, alice, alice_note).notes == NOTE
    # An administrator's reset cannot carry the notes key over...
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.reset_password(store, admin, "alice", "alice third passphrase")
    store, alice = open_store(store_dir.data_dir, "alice", "alice third passphrase")
    with store:
        assert sessions.get_session(store, alice, alice_note).notes is None
        # ...but new notes work at once with a fresh key.
        ep = episodes.list_episodes(store, alice)[0]
        new = sessions.record_session(
            store, alice, SessionInput(ep.id, 10, "phone", notes="after the reset")
        )
        assert sessions.get_session(store, alice, new.id).notes == "after the reset"
    # A reset made with the recovery key gives every notes key back.
    store, emergency = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        accounts.reset_password(store, emergency, "alice", "alice fourth passphrase")
    store, alice = open_store(store_dir.data_dir, "alice", "alice fourth passphrase")
    with store:
        assert sessions.get_session(store, alice, alice_note).notes == NOTE
        assert sessions.get_session(store, alice, new.id).notes == "after the reset"


def test_recovery_key_is_replaced_only_with_itself(store_dir, alice_note):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store, pytest.raises(PermissionDeniedError, match="current recovery key"):
        accounts.replace_recovery_key(store, admin, "NEWKY-NEWKY-NEWKY-NEWKY-NEWKY-NEWKY")
    store, emergency = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        accounts.replace_recovery_key(store, emergency, "NEWKY-NEWKY-NEWKY-NEWKY-NEWKY-NEWKY")
    store, emergency = open_store(
        store_dir.data_dir, recovery_key="newky-newky-newky-newky-newky-newky"
    )
    with store:
        assert sessions.get_session(store, emergency, alice_note).notes == NOTE


@pytest.mark.local_store_only
def test_old_store_starts_sealing_once_the_recovery_key_has_been_used(tmp_path):
    """A store from before sealing has no recovery key pair; no notes key is made (nothing
    could escrow it) until the first emergency sign-in creates the pair. Then each
    author's next sign-in seals their old notes, escrowed, and emergency access reads them."""
    fixture = Path(__file__).parent / "fixtures" / "stores" / "0001"
    data_dir = tmp_path / "old"
    shutil.copytree(fixture, data_dir)
    store, admin = open_store(data_dir, "admin", "fixture passphrase 0001")
    with store, store.session() as s:
        assert "not sealed yet" in store.warnings[0]
        before = notes.unsealed_count(s)
        zoe_plain = s.execute(
            text(
                "SELECT count(*) FROM support_sessions ss JOIN users u ON u.id = ss.created_by "
                "WHERE u.username = 'zoe.m' AND ss.notes != ''"
            )
        ).scalar()
    assert before > 0 and zoe_plain > 0
    store, zoe = open_store(data_dir, "zoe.m", "fixture passphrase 0001")
    with store, store.session() as s:
        assert notes.unsealed_count(s) == before  # not yet: no escrow possible
        mine = sessions.list_sessions(store, zoe, sessions.SessionQuery(mine_only=True), limit=1)
        note_id = mine[0].id
    recovery = "X2VFB-Y9F3K-RLJPK-UAMYQ-AFNWB-ZSX5L"
    store, emergency = open_store(data_dir, recovery_key=recovery)
    store.close()
    store, zoe = open_store(data_dir, "zoe.m", "fixture passphrase 0001")
    with store, store.session() as s:
        assert notes.unsealed_count(s) == before - zoe_plain
        assert sessions.get_session(store, zoe, note_id).notes.startswith("Demo note")
    # An ordinary admin reset now keeps the notes reachable through emergency access.
    store, admin = open_store(data_dir, "admin", "fixture passphrase 0001")
    with store:
        accounts.reset_password(store, admin, "zoe.m", "zoe after the reset")
    store, emergency = open_store(data_dir, recovery_key=recovery)
    with store:
        assert sessions.get_session(store, emergency, note_id).notes.startswith("Demo note")


def test_correcting_a_session_never_wipes_a_note_it_cannot_open(store_dir, alice_note):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.reset_password(store, admin, "alice", "alice reset passphrase")
    before = _raw_note(store_dir.data_dir, alice_note)
    store, alice = open_store(store_dir.data_dir, "alice", "alice reset passphrase")
    with store:
        info = sessions.get_session(store, alice, alice_note)
        assert info.notes is None and info.notes_locked
        fixed = SessionInput(info.episode_id, 45, "in_person", info.started_at, notes="")
        assert sessions.update_session(store, alice, alice_note, fixed).notes_locked
        with pytest.raises(ValidationError, match="sealed with a key you no longer hold"):
            sessions.update_session(
                store,
                alice,
                alice_note,
                SessionInput(info.episode_id, 45, "phone", notes="new text"),
            )
    assert _raw_note(store_dir.data_dir, alice_note) == before


def _db(data_dir: Path, sql: str, **params: object) -> None:
    store, _ = open_store(data_dir, "admin", ADMIN_PW)
    with store, store.session() as s:
        s.execute(text(sql), params)


def test_a_swapped_recovery_public_key_is_not_used(store_dir, tmp_path):
    """Someone with the data key puts their own public key in the database and deletes
    the escrow rows: new escrow still goes to the key the slots vouch for."""
    from peerdesk.services.notes_crypto import new_recovery_keypair, unseal

    bad_private, bad_public = new_recovery_keypair()
    import base64

    _db(
        store_dir.data_dir,
        "UPDATE settings SET value = :v WHERE key = :k",
        v=base64.b64encode(bad_public).decode(),
        k="notes_recovery_public_key",
    )
    _db(store_dir.data_dir, "DELETE FROM note_keys")
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store, store.session() as s:
        assert "changed outside PeerDesk" in store.warnings[0]
        rows = s.execute(text("SELECT key_id, user_id, sealed_for_recovery FROM note_keys")).all()
    assert rows
    for kid, uid, box in rows:
        from peerdesk.services.notes_crypto import escrow_aad

        assert unseal(bad_private, box, escrow_aad(store.keyslots.store_id, uid, kid)) is None
    store, emergency = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        assert any("changed outside PeerDesk" in w for w in store.warnings)


def test_escrow_rows_cannot_be_moved_to_another_user(store_dir, alice_note):
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    bob_id = bob.user_id
    store.close()
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    alice_id = alice.user_id
    store.close()
    _db(
        store_dir.data_dir,
        "UPDATE note_keys SET user_id = :b WHERE user_id = :a",
        a=alice_id,
        b=bob_id,
    )
    store, emergency = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        accounts.reset_password(store, emergency, "bob", "bob after the reset")
    store, bob = open_store(store_dir.data_dir, "bob", "bob after the reset")
    with store, store.session() as s:
        from peerdesk.services.notes_crypto import open_note

        raw = s.scalar(select(SupportSession.notes).where(SupportSession.id == alice_note))
        assert open_note(store.keyslots.store_id, raw, alice_note, store.note_keys.own) is None


def test_new_password_means_new_notes_key(store_dir, alice_note):
    slots = key_document(store_dir.data_dir)
    first, _ = keys_from(slots.open_slot("password", "alice", SUP_A_PW, 10).extras)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        accounts.change_own_password(store, alice, SUP_A_PW, "only alice knows this")
        ep = episodes.list_episodes(store, alice)[0]
        later = sessions.record_session(
            store, alice, SessionInput(ep.id, 10, "phone", notes="after the change")
        )
    raw = _raw_note(store_dir.data_dir, later.id)
    from peerdesk.services.notes_crypto import key_id_of

    assert key_id_of(raw) not in first  # the admin-chosen password never protected this key
    store, alice = open_store(store_dir.data_dir, "alice", "only alice knows this")
    with store:
        assert sessions.get_session(store, alice, alice_note).notes == NOTE
        assert sessions.get_session(store, alice, later.id).notes == "after the change"


def test_emergency_access_cannot_rewrite_a_note(store_dir, alice_note):
    store, emergency = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        info = sessions.get_session(store, emergency, alice_note)
        with pytest.raises(PermissionDeniedError):
            sessions.update_session(
                store,
                emergency,
                alice_note,
                SessionInput(info.episode_id, 40, "in_person", notes=""),
            )
    assert _raw_note(store_dir.data_dir, alice_note).startswith("pdn1:")


def test_recovery_key_replacement_is_normalised(store_dir):
    store, emergency = open_store(store_dir.data_dir, recovery_key=store_dir.recovery_key)
    with store:
        with pytest.raises(ValidationError, match="30 letters"):
            accounts.replace_recovery_key(store, emergency, "short")
        accounts.replace_recovery_key(store, emergency, "abcde-fghjk-mnpqr-stuvw-xyz23-45678")
    store, emergency = open_store(store_dir.data_dir, recovery_key="ABCDEFGHJKMNPQRSTUVWXYZ2345678")
    store.close()

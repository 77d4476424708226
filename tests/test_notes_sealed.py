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
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.notes import keys_from
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store

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
    slots = KeyslotFile(store_dir.data_dir)
    bob_keys, _ = keys_from(slots.open_slot("password", "bob", SUP_B_PW, 10).extras)
    raw = _raw_note(store_dir.data_dir, alice_note)
    from peerdesk.services.notes_crypto import open_note

    assert bob_keys and open_note(raw, alice_note, bob_keys) is None


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


def test_notes_from_before_sealing_are_sealed_at_the_authors_sign_in(tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "stores" / "0001"
    data_dir = tmp_path / "old"
    shutil.copytree(fixture, data_dir)
    store, coord = open_store(data_dir, "coordinator", "fixture passphrase 0001")
    with store, store.session() as s:
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
        assert notes.unsealed_count(s) == before - zoe_plain
        mine = sessions.list_sessions(store, zoe, sessions.SessionQuery(mine_only=True), limit=1)
        assert sessions.get_session(store, zoe, mine[0].id).notes.startswith("Demo note")
        note_id = mine[0].id
    # An old store gets its recovery key pair at the first emergency access; notes keys
    # are escrowed to it at their owner's next sign-in, and then open in an emergency.
    recovery = "X2VFB-Y9F3K-RLJPK-UAMYQ-AFNWB-ZSX5L"
    store, emergency = open_store(data_dir, recovery_key=recovery)
    with store:
        assert sessions.get_session(store, emergency, note_id).notes is None
    store, zoe = open_store(data_dir, "zoe.m", "fixture passphrase 0001")
    store.close()
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

"""The role matrix, enforced in the services: notes stay with their author."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import ADMIN_PW, COORD_PW, SUP_A_PW, SUP_B_PW

from peerdesk.errors import NotFoundError, PermissionDeniedError
from peerdesk.services import episodes, participants, referrals, sessions
from peerdesk.services.exporter import export_all
from peerdesk.services.resources import ResourceInput, add_resource
from peerdesk.services.sessions import SessionInput, SessionQuery
from peerdesk.services.store import open_store

# Each test runs on a plain local store and again with free text sealed (conftest.sealing).
pytestmark = pytest.mark.usefixtures("sealing")

NOTE_A = "alice private note: talked about the night shift"
NOTE_B = "bob private note: discussed the incident in theatre"


@pytest.fixture
def casework(store_dir):
    """alice and bob each record one session with private notes."""
    made = {}
    for user, pw, note in (("alice", SUP_A_PW, NOTE_A), ("bob", SUP_B_PW, NOTE_B)):
        store, actor = open_store(store_dir.data_dir, user, pw)
        with store:
            p = participants.create_participant(store, actor, "staff", role="nurse")
            ep = episodes.open_episode(store, actor, p.id, "burnout")
            ss = sessions.record_session(
                store,
                actor,
                SessionInput(
                    episode_id=ep.id,
                    minutes=30,
                    mode="phone",
                    notes=note,
                    concerns=("burnout",),
                    started_at=datetime(2026, 3, 4, 10, 0),
                ),
            )
            made[user] = (p, ep, ss)
    return made


def test_author_reads_own_notes(store_dir, casework):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        assert sessions.get_session(store, alice, casework["alice"][2].id).notes == NOTE_A


def test_supporter_cannot_read_other_supporters_notes(store_dir, casework):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        with pytest.raises(NotFoundError):
            sessions.get_session(store, alice, casework["bob"][2].id)
        listed = sessions.list_sessions(store, alice, SessionQuery())
        assert [s.id for s in listed] == [casework["alice"][2].id]
        assert all(NOTE_B not in repr(s) for s in listed)
        with pytest.raises(NotFoundError):
            participants.get_participant(store, alice, casework["bob"][0].id)
        assert [p.id for p in participants.list_participants(store, alice)] == [
            casework["alice"][0].id
        ]
        assert [e.id for e in episodes.list_episodes(store, alice)] == [casework["alice"][1].id]
        with pytest.raises(PermissionDeniedError):
            sessions.update_session(
                store,
                alice,
                casework["bob"][2].id,
                SessionInput(
                    episode_id=casework["bob"][1].id, minutes=5, mode="text", notes="overwrite"
                ),
            )


def test_coordinator_sees_program_data_but_no_notes(store_dir, casework):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        listed = sessions.list_sessions(store, coord)
        assert len(listed) == 2
        for ss in listed:
            detail = sessions.get_session(store, coord, ss.id)
            assert detail.notes is None
            assert NOTE_A not in repr(detail) and NOTE_B not in repr(detail)
        with pytest.raises(PermissionDeniedError):
            sessions.update_session(
                store,
                coord,
                casework["alice"][2].id,
                SessionInput(episode_id=casework["alice"][1].id, minutes=5, mode="text"),
            )


def test_unassigned_only_lists_open_episodes_waiting_for_a_supporter(store_dir, casework):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        p = participants.create_participant(store, coord, "staff")
        waiting = episodes.open_episode(store, coord, p.id, "adverse event")
        closed = episodes.open_episode(store, coord, p.id, "earlier concern")
        episodes.close_episode(store, coord, closed.id)
        listed = episodes.list_episodes(store, coord, unassigned_only=True)
        assert [e.id for e in listed] == [waiting.id]
        assert listed[0].supporter_id is None
        # Without the flag nothing changes: assigned and closed episodes are listed too.
        assert len(episodes.list_episodes(store, coord)) == 4
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        assert episodes.list_episodes(store, alice, unassigned_only=True) == []


def test_export_never_contains_notes(store_dir, casework, tmp_path):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        result = export_all(store, coord, tmp_path / "export")
    text = "".join(p.read_text("utf-8") for p in (tmp_path / "export").glob("*.csv"))
    assert result.files["sessions.csv"] == 2
    assert NOTE_A not in text and NOTE_B not in text


def test_admin_cannot_read_participant_data(store_dir, casework, tmp_path):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        for call in (
            lambda: participants.list_participants(store, admin),
            lambda: participants.get_participant(store, admin, casework["alice"][0].id),
            lambda: episodes.list_episodes(store, admin),
            lambda: sessions.list_sessions(store, admin),
            lambda: sessions.get_session(store, admin, casework["alice"][2].id),
            lambda: referrals.list_referrals(store, admin),
            lambda: export_all(store, admin, tmp_path / "x"),
        ):
            with pytest.raises(PermissionDeniedError):
                call()


def test_supporter_cannot_administer(store_dir):
    from peerdesk.services import accounts
    from peerdesk.services.backup import backup_store

    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        with pytest.raises(PermissionDeniedError):
            accounts.add_user(store, alice, "mallory", "admin", "mallory's passphrase")
        with pytest.raises(PermissionDeniedError):
            backup_store(store, alice, store_dir.data_dir.parent / "b.pdbackup")
        with pytest.raises(PermissionDeniedError):
            add_resource(store, alice, ResourceInput(name="X", kind="eap"))


def test_referral_status_history(store_dir, casework):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        res = add_resource(store, coord, ResourceInput(name="EAP", kind="eap"))
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        ref = referrals.create_referral(
            store, alice, casework["alice"][1].id, res.id, warm_handoff=True
        )
        referrals.move_referral(store, alice, ref.id, "accepted")
        referrals.move_referral(store, alice, ref.id, "attended")
        with pytest.raises(Exception, match="can move to: closed"):
            referrals.move_referral(store, alice, ref.id, "made")
        referrals.move_referral(store, alice, ref.id, "closed", note="loop closed")
        full = referrals.get_referral(store, alice, ref.id)
        assert [h.status for h in full.history] == ["made", "accepted", "attended", "closed"]
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    with store:
        with pytest.raises(NotFoundError):
            referrals.get_referral(store, bob, ref.id)


def test_referral_search_sort_and_count_stay_in_scope(store_dir, casework):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        eap = add_resource(store, coord, ResourceInput(name="EAP", kind="eap"))
        crisis = add_resource(store, coord, ResourceInput(name="Crisis line", kind="crisis_line"))
    for user, pw, res in (("alice", SUP_A_PW, eap), ("bob", SUP_B_PW, crisis)):
        store, actor = open_store(store_dir.data_dir, user, pw)
        with store:
            referrals.create_referral(store, actor, casework[user][1].id, res.id)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        assert referrals.count_referrals(store, alice) == 1
        assert referrals.list_referrals(store, alice, search="crisis") == []
        assert [r.resource_name for r in referrals.list_referrals(store, alice, search="eap")] == [
            "EAP"
        ]
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        assert referrals.count_referrals(store, coord, status="open") == 2
        names = [
            r.resource_name
            for r in referrals.list_referrals(store, coord, order_by="resource", descending=False)
        ]
        assert names == ["Crisis line", "EAP"]
        codes = [
            p.code
            for p in participants.list_participants(store, coord, order_by="code", descending=True)
        ]
        assert codes == sorted(codes, reverse=True) and len(codes) == 2

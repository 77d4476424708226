"""Input checks that match the world: nothing in the future, codes people can type."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import COORD_PW, SUP_A_PW

from peerdesk.errors import ValidationError
from peerdesk.models.base import utcnow
from peerdesk.services import episodes, participants, sessions, supporters
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store


@pytest.fixture
def alice_episode(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff")
        ep = episodes.open_episode(store, alice, p.id, "burnout")
    return store_dir.data_dir, ep.id


def test_a_session_in_the_future_is_refused_and_clock_skew_is_not(alice_episode):
    data_dir, episode_id = alice_episode
    store, alice = open_store(data_dir, "alice", SUP_A_PW)
    with store:
        for ahead in (timedelta(days=365), timedelta(hours=2), timedelta(minutes=11)):
            with pytest.raises(ValidationError, match="future"):
                sessions.record_session(
                    store, alice, SessionInput(episode_id, 30, "phone", utcnow() + ahead)
                )
        # A workstation clock a few minutes fast is not "the future".
        ok = sessions.record_session(
            store,
            alice,
            SessionInput(episode_id, 30, "phone", utcnow() + timedelta(minutes=4)),
        )
        # A correction cannot move it into the future either.
        with pytest.raises(ValidationError, match="future"):
            sessions.update_session(
                store,
                alice,
                ok.id,
                SessionInput(episode_id, 30, "phone", utcnow() + timedelta(days=30)),
            )
        assert len(sessions.list_sessions(store, alice, sessions.SessionQuery())) == 1


def test_supervision_in_the_future_is_refused(store_dir):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        sup = supporters.list_supporters(store, coord)[0]
        with pytest.raises(ValidationError, match="future"):
            supporters.add_supervision(store, coord, sup.id, date.today() + timedelta(days=1), 60)
        supporters.add_supervision(store, coord, sup.id, date.today(), 60)
        assert [e.held_on for e in supporters.list_supervision(store, coord, sup.id)] == [
            date.today()
        ]


@pytest.mark.parametrize(
    "code",
    ["😀ABC", "P-ÄBC", "Р-ABC", "A", "-ABC", "P ABC", "P_ABC", "X" * 25, "P-\u200bABC"],
)
def test_participant_codes_outside_plain_ascii_are_refused(store_dir, code):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        with pytest.raises(ValidationError, match="letters A-Z, digits 0-9 and hyphens"):
            participants.create_participant(store, alice, "staff", code=code)


@pytest.mark.parametrize("code,stored", [("p-7hk3qa", "P-7HK3QA"), (" AB12 ", "AB12")])
def test_participant_codes_are_normalised(store_dir, code, stored):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        assert participants.create_participant(store, alice, "staff", code=code).code == stored

"""A new session with a participant closes their follow-ups that were due by then."""

from __future__ import annotations

from datetime import date, datetime

from conftest import COORD_PW, SUP_A_PW, SUP_B_PW
from sqlalchemy import text

from peerdesk.services import episodes, participants, sessions, supporters
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store


def _at(store, actor, episode_id, when, follow_up_on=None):
    return sessions.record_session(
        store,
        actor,
        SessionInput(episode_id, 30, "phone", started_at=when, follow_up_on=follow_up_on),
    )


def _done(store, actor, session_id):
    return sessions.get_session(store, actor, session_id).follow_up_done_on


def test_new_session_closes_due_and_overdue_follow_ups_only(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff")
        other = participants.create_participant(store, alice, "staff")
        ep = episodes.open_episode(store, alice, p.id, "burnout", opened_on=date(2026, 5, 1))
        ep_other = episodes.open_episode(store, alice, other.id, "grief")
        overdue = _at(store, alice, ep.id, datetime(2026, 5, 2, 10), date(2026, 5, 8))
        due_that_day = _at(store, alice, ep.id, datetime(2026, 5, 3, 10), date(2026, 5, 10))
        later = _at(store, alice, ep.id, datetime(2026, 5, 4, 10), date(2026, 5, 20))
        someone_else = _at(store, alice, ep_other.id, datetime(2026, 5, 2, 10), date(2026, 5, 8))
        new = _at(store, alice, ep.id, datetime(2026, 5, 10, 12))
        assert _done(store, alice, overdue.id) == date(2026, 5, 10)
        assert _done(store, alice, due_that_day.id) == date(2026, 5, 10)
        assert _done(store, alice, later.id) is None  # planned beyond this contact
        assert _done(store, alice, someone_else.id) is None  # another participant
        assert _done(store, alice, new.id) is None
        # A session entered afterwards but dated before the follow-up closes nothing.
        _at(store, alice, ep.id, datetime(2026, 5, 5, 9))
        assert _done(store, alice, later.id) is None
        with store.session() as s:
            closed = s.execute(
                text("SELECT count(*) FROM audit_events WHERE action = 'session.follow_up_done'")
            ).scalar()
        assert closed == 2


def test_a_session_by_another_supporter_closes_it_too(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "patient")
        ep = episodes.open_episode(store, alice, p.id, "recovery support")
        first = _at(store, alice, ep.id, datetime(2026, 5, 2, 10), date(2026, 5, 8))
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        bob_id = next(
            s.id for s in supporters.list_supporters(store, coord) if "Bob" in s.display_name
        )
        episodes.assign_episode(store, coord, ep.id, bob_id)
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    with store:
        _at(store, bob, ep.id, datetime(2026, 5, 9, 10))
        assert _done(store, bob, first.id) == date(2026, 5, 9)

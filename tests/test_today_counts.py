"""Today's follow-up counts: counted in one pass over open follow-ups, same answers."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import COORD_PW, SUP_A_PW, SUP_B_PW

from peerdesk.models.base import utcnow
from peerdesk.services import episodes, participants, sessions, today
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store


def _session(store, actor, follow_up_on: date) -> str:
    # One participant each: a later contact would close an earlier follow-up.
    p = participants.create_participant(store, actor, "staff")
    ep = episodes.open_episode(store, actor, p.id, "burnout")
    started = utcnow().replace(microsecond=0) - timedelta(days=20)
    info = sessions.record_session(
        store, actor, SessionInput(ep.id, 30, "phone", started, follow_up_on=follow_up_on)
    )
    return info.id


def test_follow_up_counts_overdue_due_soon_and_never_done_or_withdrawn(store_dir):
    day = date.today()
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        for offset in (-9, -2, -1, 0, 3, 7):  # due by day + 7: counted
            _session(store, alice, day + timedelta(days=offset))
        _session(store, alice, day + timedelta(days=8))  # beyond the week: not counted
        done = _session(store, alice, day - timedelta(days=5))
        sessions.mark_follow_up_done(store, alice, done, day)
        gone = _session(store, alice, day - timedelta(days=4))
        sessions.withdraw_session(store, alice, gone, "recorded twice")
        items, total, overdue = today.follow_ups(store, alice, day, limit=2)
        assert (total, overdue) == (6, 3)
        assert [f.overdue_days for f in items] == [9, 2]  # the most overdue first
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    with store:
        _session(store, bob, day - timedelta(days=1))
        assert today.follow_ups(store, bob, day)[1:] == (1, 1)  # only his own
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        assert today.follow_ups(store, coord, day)[1:] == (7, 4)  # the program's

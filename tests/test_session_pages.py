"""Keyset paging of the session list: every row exactly once, in the sort's order, under
every sort and direction, with ties, for a coordinator and a supporter, searched or not."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from conftest import COORD_PW, SUP_A_PW, SUP_B_PW
from sqlalchemy import update

from peerdesk.models import SupporterProfile
from peerdesk.models.base import utcnow
from peerdesk.services import episodes, participants, session_pages, sessions
from peerdesk.services.sessions import SessionInput, SessionQuery
from peerdesk.services.store import open_store

# Each test runs on a plain local store and again with free text sealed (conftest.sealing).
pytestmark = pytest.mark.usefixtures("sealing")

SORT_ATTRS = {name: key.attrs for name, key in session_pages.SORTS.items()}


def _fill(data_dir, seed: int) -> None:
    """Sessions with many ties: a few start times, durations and modes, two supporters
    with the same display name, participants with several episodes."""
    rng = random.Random(seed)
    base = utcnow().replace(microsecond=0) - timedelta(days=3)
    starts = [base - timedelta(hours=h) for h in range(3)]
    for user, pw in (("alice", SUP_A_PW), ("bob", SUP_B_PW)):
        store, actor = open_store(data_dir, user, pw)
        with store:
            eps = []
            for _ in range(3):
                p = participants.create_participant(store, actor, "staff")
                eps.append(episodes.open_episode(store, actor, p.id, "burnout").id)
            if user == "bob":
                bob_id, bob_episode = actor.supporter_id, eps[0]
            for _ in range(rng.randint(12, 20)):
                sessions.record_session(
                    store,
                    actor,
                    SessionInput(
                        rng.choice(eps),
                        rng.choice((15, 30)),
                        rng.choice(("phone", "video")),
                        rng.choice(starts),
                        concerns=rng.choice(((), ("burnout",), ("grief", "burnout"))),
                    ),
                )
    store, coord = open_store(data_dir, "coord", COORD_PW)
    with store:
        # One of bob's episodes moves to alice: she now also sees sessions bob recorded.
        alice_id = next(
            e.supporter_id for e in episodes.list_episodes(store, coord) if e.supporter_id != bob_id
        )
        episodes.assign_episode(store, coord, bob_episode, alice_id)
        with store.session() as s:
            s.execute(update(SupporterProfile).values(display_name="Same Name"))


def _walk(store, actor, q: SessionQuery, size: int) -> list[sessions.SessionInfo]:
    out: list[sessions.SessionInfo] = []
    while True:
        page = sessions.list_sessions(store, actor, q, limit=size, after=out[-1] if out else None)
        out += page
        if len(page) < size:
            return out


def _expected_order(rows, order_by: str, descending: bool) -> list[str]:
    attrs = SORT_ATTRS[order_by]
    ranked = sorted(rows, key=lambda r: tuple(getattr(r, a) for a in attrs), reverse=descending)
    return [r.id for r in ranked]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("threshold", [1, 10**6], ids=["walk-index", "fetch-and-sort"])
def test_keyset_pages_return_every_row_once_in_order(store_dir, monkeypatch, seed, threshold):
    _fill(store_dir.data_dir, seed)
    # Both ways of finding a search's page: walking the sort's index, or fetching the
    # few matches and sorting them.
    monkeypatch.setattr(session_pages, "few_threshold", lambda _s: threshold)
    rng = random.Random(seed)
    for user, pw in (("coord", COORD_PW), ("alice", SUP_A_PW)):
        store, actor = open_store(store_dir.data_dir, user, pw)
        with store:
            for search in ("", "burn", "P-", "zzz"):
                for order_by in session_pages.SORTS:
                    for descending in (False, True):
                        q = SessionQuery(search=search, order_by=order_by, descending=descending)
                        everything = sessions.list_sessions(store, actor, q, limit=10_000)
                        ids = [r.id for r in everything]
                        assert len(set(ids)) == len(ids)
                        assert ids == _expected_order(everything, order_by, descending)
                        assert sessions.count_sessions(store, actor, q) == len(ids)
                        size = rng.randint(1, 7)
                        paged = [r.id for r in _walk(store, actor, q, size)]
                        assert paged == ids, (user, search, order_by, descending, size)


def test_search_matches_concern_words_and_codes_and_nothing_else(store_dir):
    _fill(store_dir.data_dir, 3)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        every = sessions.list_sessions(store, coord, limit=10_000)
        code = every[0].participant_code
        by_code = sessions.list_sessions(store, coord, SessionQuery(search=code.lower()))
        assert by_code and {r.participant_code for r in by_code} == {code}
        assert len(by_code) == sum(r.participant_code == code for r in every)
        grief = sessions.list_sessions(store, coord, SessionQuery(search="RIE"), limit=10_000)
        assert [r.id for r in grief] == [r.id for r in every if "grief" in r.concerns]
        assert sessions.list_sessions(store, coord, SessionQuery(search="no such thing")) == []
        assert sessions.count_sessions(store, coord, SessionQuery(search="no such thing")) == 0
        # A note's words are never searched (notes are sealed per author).
        assert sessions.list_sessions(store, coord, SessionQuery(search="Alice")) == []


def test_filters_by_supporter_and_by_concern(store_dir):
    _fill(store_dir.data_dir, 4)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        every = sessions.list_sessions(store, coord, limit=10_000)
        sup = every[-1].supporter_id
        mine = sessions.list_sessions(store, coord, SessionQuery(supporter_id=sup), limit=10_000)
        assert [r.id for r in mine] == [r.id for r in every if r.supporter_id == sup]
        q = SessionQuery(concern=" Grief ", supporter_id=sup)
        both = sessions.list_sessions(store, coord, q, limit=10_000)
        assert [r.id for r in both] == [
            r.id for r in every if r.supporter_id == sup and "grief" in r.concerns
        ]
        assert sessions.count_sessions(store, coord, q) == len(both)
        assert sessions.list_sessions(store, coord, SessionQuery(concern="unheard of")) == []
        # The search and a concern filter together: both must hold.
        q = SessionQuery(search="burn", concern="grief")
        assert {r.id for r in sessions.list_sessions(store, coord, q, limit=10_000)} == {
            r.id for r in every if "grief" in r.concerns
        }


def test_a_supporter_pages_through_exactly_the_sessions_they_may_see(store_dir):
    _fill(store_dir.data_dir, 5)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        every = sessions.list_sessions(store, coord, limit=10_000)
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        mine_eps = {e.id for e in episodes.list_episodes(store, alice)}
        visible = {
            r.id for r in every if r.supporter_id == alice.supporter_id or r.episode_id in mine_eps
        }
        # Some of them recorded by bob, in the episode that moved to alice.
        assert any(r.id in visible and r.supporter_id != alice.supporter_id for r in every)
        for order_by in session_pages.SORTS:
            for descending in (False, True):
                q = SessionQuery(order_by=order_by, descending=descending)
                assert {r.id for r in _walk(store, alice, q, 4)} == visible

"""Record ids: time-ordered UUIDv7 for new rows, random uuid4 where shown outside the store."""

from __future__ import annotations

import threading
import time
import uuid

from conftest import ADMIN_PW, COORD_PW
from sqlalchemy import select

from peerdesk.models import AuditEvent, User
from peerdesk.models.base import new_id
from peerdesk.services import accounts
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.store import open_store


def test_new_ids_are_uuid7_carrying_the_time():
    before = time.time_ns() // 1_000_000
    ids = [uuid.UUID(new_id()) for _ in range(2000)]
    after = time.time_ns() // 1_000_000
    for u in ids:
        assert u.version == 7 and u.variant == uuid.RFC_4122
    # The 48-bit millisecond stamp; a burst may borrow a few milliseconds ahead.
    assert before <= ids[0].int >> 80 and ids[-1].int >> 80 <= after + 2000 // 4096 + 1


def test_ids_never_go_backwards_and_never_repeat():
    ids = [new_id() for _ in range(20000)]  # far more than 4,096 within one millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_from_threads_are_unique():
    made: list[list[str]] = [[] for _ in range(4)]

    def work(i: int) -> None:
        made[i].extend(new_id() for _ in range(5000))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [x for part in made for x in part]
    assert len(set(every)) == len(every)
    assert all(part == sorted(part) for part in made)


def test_rows_made_later_sort_later_and_store_id_stays_random(store_dir):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "carol", "supporter", COORD_PW, "Carol")
        accounts.add_user(store, admin, "dave", "supporter", COORD_PW, "Dave")
        with store.session() as s:
            carol = s.scalar(select(User.id).where(User.username == "carol"))
            dave = s.scalar(select(User.id).where(User.username == "dave"))
            audit_ids = [a for (a,) in s.execute(select(AuditEvent.id).order_by(AuditEvent.seq))]
    assert uuid.UUID(carol).version == 7 and carol < dave
    assert audit_ids == sorted(audit_ids)
    # keyslots.json is readable without the key: its store id tells no creation time.
    assert uuid.UUID(KeyslotFile(store_dir.data_dir).store_id).version == 4


def test_demo_with_time_ordered_ids_orders_sessions_by_creation(tmp_path):
    from datetime import date

    from peerdesk.models import SupportSession
    from peerdesk.services.demo import build_demo

    pw = "demo passphrase 7"
    build_demo(tmp_path / "v7", sessions=200, seed=3, password=pw, anchor=date(2026, 11, 25),
               time_ordered_ids=True)  # fmt: skip
    store, _ = open_store(tmp_path / "v7", "coordinator", pw)
    with store, store.session() as s:
        rows = s.execute(select(SupportSession.id, SupportSession.created_at)).all()
    assert len(rows) == 200
    assert all(uuid.UUID(i).version == 7 for i, _ in rows)
    by_id = [created for _, created in sorted(rows)]
    assert by_id == sorted(by_id)

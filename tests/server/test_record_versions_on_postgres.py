"""The version check on PostgreSQL: two workstations (two engines, two connections) correct
the same record; the second is refused naming the first, also when it commits between the
service's check and the write (READ COMMITTED: only the UPDATE's WHERE version catches it).

The services run on a plain SQLAlchemy engine on the test server (the engine boundary of
issue 13 is not used here), after the migrations built the schema.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, select

from peerdesk.errors import StaleEditError
from peerdesk.models import Resource, User, schema
from peerdesk.models.engine import make_session_factory
from peerdesk.services import record_versions, resources
from peerdesk.services.auth import Actor
from peerdesk.services.policy import Policy
from peerdesk.services.resources import ResourceInput
from peerdesk.services.store import Store
from tests.pg_server import PgCluster

STALE = re.compile(
    r"This resource was changed by Bea Lund at (\d\d:\d\d) \(local time\); "
    r"reload it to see their change\."
)


def _workstation(tmp_path: Path, url: object, name: str, key: bytes) -> Store:
    """A Store whose sessions run on the PostgreSQL engine (one per 'workstation')."""
    (tmp_path / name).mkdir()
    # No key file: nothing here signs in or touches keyslots.
    store = Store(tmp_path / name, key, None, Policy(), keyslots=SimpleNamespace())  # type: ignore[arg-type]
    store.engine.dispose()  # the (empty) SQLCipher file it opened is never used
    store.engine = create_engine(url)
    store._sessions = make_session_factory(store.engine)
    return store


@pytest.fixture
def two_workstations(
    tmp_path: Path, pg_cluster: PgCluster, pg_database: str
) -> Iterator[tuple[Store, Actor, Store, Actor, str]]:
    url = pg_cluster.url(pg_database)
    setup = create_engine(url)
    with setup.begin() as conn:
        schema.upgrade(conn)
    setup.dispose()
    key = os.urandom(32)
    a = _workstation(tmp_path, url, "a", key)
    b = _workstation(tmp_path, url, "b", key)
    with a.session() as s:
        users = [
            User(username=u, display_name=d, role="coordinator")
            for u, d in (("coord", "Coordinator"), ("bea", "Bea Lund"))
        ]
        s.add_all(users)
        s.flush()
        coord, bea = (Actor(u.id, u.username, u.display_name, u.role) for u in users)
    made = resources.add_resource(a, coord, ResourceInput("Night EAP line", "eap"))
    try:
        yield a, coord, b, bea, made.id
    finally:
        a.engine.dispose()
        b.engine.dispose()


def test_second_correction_is_refused_on_postgres(two_workstations) -> None:
    a, coord, b, bea, rid = two_workstations
    loaded = next(r for r in resources.list_resources(a, coord) if r.id == rid)
    resources.update_resource(b, bea, rid, ResourceInput("Night EAP line", "eap", phone="1"), 1)
    with pytest.raises(StaleEditError) as caught:
        resources.update_resource(
            a, coord, rid, ResourceInput("Night EAP line", "eap", phone="2"), loaded.version
        )
    assert STALE.fullmatch(str(caught.value)), str(caught.value)
    now = next(r for r in resources.list_resources(a, coord) if r.id == rid)
    assert (now.phone, now.version) == ("1", 2)


def test_a_commit_between_check_and_write_is_refused_on_postgres(two_workstations, monkeypatch):
    a, coord, b, bea, rid = two_workstations
    real_check = record_versions.check
    raced: list[str] = []

    def check_then_other_workstation_saves(s, row, loaded):  # noqa: ANN001, ANN202
        real_check(s, row, loaded)
        if not raced:  # workstation B saves (and commits) while A's transaction is open
            raced.append(datetime.now().strftime("%H:%M"))
            monkeypatch.setattr(record_versions, "check", real_check)
            data = ResourceInput("Night EAP line", "eap", phone="from B")
            resources.update_resource(b, bea, rid, data, version=loaded)
            raced.append(datetime.now().strftime("%H:%M"))

    monkeypatch.setattr(record_versions, "check", check_then_other_workstation_saves)
    with pytest.raises(StaleEditError) as caught:
        resources.update_resource(
            a, coord, rid, ResourceInput("Night EAP line", "eap", phone="from A"), version=1
        )
    m = STALE.fullmatch(str(caught.value))
    assert m, str(caught.value)
    assert m[1] in raced
    with a.session() as s:
        row = s.scalar(select(Resource).where(Resource.id == rid))
        assert (row.phone, row.version) == ("from B", 2)  # B's save stands, A's never landed

"""A Store over the test PostgreSQL server, for the network-loss tests.

Until the PostgreSQL backend (issue 13) opens a Store on a server, this builds one by
hand: the real Store class, its real session() and the real services, with the engine
made from models/pg_connect.py's settings and the schema made from the models. Seeded
with one site, one supporter account and profile, and a resource.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from peerdesk.models import Base, Resource, Site, SupporterProfile, User
from peerdesk.models.engine import make_session_factory
from peerdesk.models.pg_connect import engine_options
from peerdesk.services import integrity
from peerdesk.services.auth import Actor
from peerdesk.services.notes import NoteKeys
from peerdesk.services.policy import Policy
from peerdesk.services.store import Store


def pg_store(url: URL, data_dir: Path, connect_timeout: int = 3) -> Store:
    store = Store.__new__(Store)
    store.data_dir = data_dir
    store.policy = Policy()
    store._key = os.urandom(32)
    store._lock = None
    store.engine = create_engine(url, **engine_options(connect_timeout=connect_timeout))
    store._sessions = make_session_factory(store.engine)
    store.keyslots = None  # type: ignore[assignment]
    store.warnings = []
    store.rollback = None
    store.note_keys = NoteKeys()
    store.first_password = None
    store.integrity = integrity.IntegrityState()
    Base.metadata.create_all(store.engine)
    return store


def seed_supporter(store: Store) -> tuple[Actor, str]:
    """A supporter account with its profile, and one active resource; (actor, resource id)."""
    with store.session() as s:
        site = Site(name="Test clinic")
        s.add(site)
        s.flush()
        user = User(username="alice", display_name="Alice", role="supporter", site_id=site.id)
        s.add(user)
        s.flush()
        profile = SupporterProfile(user_id=user.id, site_id=site.id, display_name="Alice")
        resource = Resource(name="Employee assistance", kind="eap")
        s.add_all([profile, resource])
        s.flush()
        actor = Actor(user.id, "alice", "Alice", "supporter", supporter_id=profile.id)
        return actor, resource.id

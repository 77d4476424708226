"""Known data for the report tests, built through the services (helpers, not tests)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from peerdesk.models import User  # noqa: E402
from peerdesk.services.accounts import actor_for, add_user  # noqa: E402
from peerdesk.services.auth import Actor  # noqa: E402
from peerdesk.services.store import Store, create_store, open_store  # noqa: E402

PASSWORD = "violet-harbour-lantern-42"
NAMES = {"zoe": "Zoë Łukasz Ğül", "sam": "Sam Okafor"}


@dataclass
class World:
    data_dir: Path
    store: Store
    admin: Actor
    coord: Actor
    supporters: dict[str, Actor] = field(default_factory=dict)

    def close(self) -> None:
        self.store.close()


def actor(store: Store, username: str) -> Actor:
    with store.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return actor_for(s, user)


def make_world(tmp_path: Path, site: str = "Klinik Süd – Zoë Łukasz Ğül") -> World:
    data_dir = tmp_path / "store"
    create_store(data_dir, "admin", PASSWORD, site_name=site)
    store, admin = open_store(data_dir, "admin", PASSWORD)
    add_user(store, admin, "coord", "coordinator", PASSWORD, display_name="Casey Coordinator")
    for username, name in NAMES.items():
        add_user(store, admin, username, "supporter", PASSWORD, display_name=name)
    world = World(data_dir, store, admin, actor(store, "coord"))
    for username in NAMES:
        world.supporters[username] = actor(store, username)
    return world


def bulk_sessions(store: Store, month: date, count: int, seed: int = 7) -> dict[str, int]:
    """Many sessions in one month through plain ORM inserts (for size tests and benchmarks).

    Returns the numbers the report should show, counted here from what was inserted.
    """
    from peerdesk.models import (
        Episode,
        Participant,
        SessionConcern,
        SupporterProfile,
        SupportSession,
    )

    rng = random.Random(seed)
    kinds = ("staff", "patient", "caregiver")
    modes = ("in_person", "phone", "video", "text")
    concerns = ("burnout", "adverse event", "patient death", "conflict", "grief", "moral distress")
    with store.session() as s:
        sups = list(s.scalars(select(SupporterProfile.id)))
        people = [
            Participant(
                code=f"B{seed:02d}-{i:06d}",
                kind=kinds[i % 3],
                role=("nurse", "physician", "")[i % 3],
            )
            for i in range(max(50, count // 8))
        ]
        s.add_all(people)
        s.flush()
        episodes = [
            Episode(
                participant_id=p.id,
                supporter_id=sups[i % len(sups)],
                reason="burnout",
                opened_on=month,
            )
            for i, p in enumerate(people)
        ]
        s.add_all(episodes)
        s.flush()
        days = 28
        by_mode: dict[str, int] = {}
        rows = []
        concern_rows = []
        for _ in range(count):
            ep = rng.choice(episodes)
            mode = rng.choice(modes)
            by_mode[mode] = by_mode.get(mode, 0) + 1
            ss = SupportSession(
                episode_id=ep.id,
                supporter_id=ep.supporter_id,
                started_at=datetime(month.year, month.month, 1, 8)
                + timedelta(days=rng.randrange(days), minutes=rng.randrange(600)),
                minutes=rng.choice((10, 20, 35, 50, 75)),
                mode=mode,
                format="individual",
            )
            rows.append(ss)
        s.add_all(rows)
        s.flush()
        for ss in rows:
            concern_rows.append(SessionConcern(session_id=ss.id, concern=rng.choice(concerns)))
        s.add_all(concern_rows)
        used = {ss.episode_id for ss in rows}
        return {
            "contacts": count,
            "people": len(used),
            **{f"mode:{k}": v for k, v in by_mode.items()},
        }

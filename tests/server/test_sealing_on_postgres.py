"""On a real PostgreSQL server, the database administrator finds no typed text in clear.

The schema is built by the migrations; rows are written through the ORM with a sealer, as
a workstation in server mode writes them; the tables are then read as the administrator
reads them: plain SQL with psycopg, and pg_dump.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, datetime

import psycopg
import pytest
from sqlalchemy import create_engine, select

from peerdesk.errors import DamagedStoreError
from peerdesk.models import (
    Episode,
    Participant,
    Referral,
    ReferralStatusChange,
    Resource,
    SupervisionEntry,
    SupporterProfile,
    SupportSession,
    schema,
)
from peerdesk.models.engine import make_session_factory
from peerdesk.models.sealing import PREFIX, make_sealer
from tests.pg_server import PgCluster

# The longest name the services accept, in 4-byte characters: sealed, far past 200 bytes.
LONG_NAME = "\U0001f600" * 200
NAMES = ["Ottoline Quarrington", "Baptiste Vanterpool-Ng", LONG_NAME]
TEXTS = [
    "ottoline.q@example.invalid",
    "husband died in March",
    "recorded against the wrong episode",
    "sister lives near the clinic",
    "left a voicemail for intake",
    "Dr Ferdinand Ashgrove",
    "discussed boundaries",
    "0161 496 0321",
]


def _write(factory) -> dict[str, str]:  # noqa: ANN001
    ids: dict[str, str] = {}
    with factory() as s, s.begin():
        people = [
            Participant(
                code=f"P-{i}", kind="staff", name=name, contact=TEXTS[0] if i == 0 else None
            )
            for i, name in enumerate(NAMES)
        ]
        s.add_all(people)
        sup = SupporterProfile(display_name="Supporter One")
        res = Resource(name="Intake line", kind="eap", phone=TEXTS[7], notes=TEXTS[4])
        s.add_all([sup, res])
        s.flush()
        ep = Episode(participant_id=people[0].id, supporter_id=sup.id, reason=TEXTS[1],
                     opened_on=date(2026, 3, 1))  # fmt: skip
        s.add(ep)
        s.flush()
        ss = SupportSession(
            episode_id=ep.id,
            supporter_id=sup.id,
            started_at=datetime(2026, 3, 2, 10),
            minutes=30,
            mode="phone",
            withdrawn_at=datetime(2026, 3, 3),
            withdrawn_reason=TEXTS[2],
        )
        ref = Referral(episode_id=ep.id, resource_id=res.id, reason=TEXTS[3])
        s.add_all([ss, ref])
        s.flush()
        s.add(
            ReferralStatusChange(
                referral_id=ref.id, status="made", changed_at=datetime(2026, 3, 3), note=TEXTS[4]
            )
        )
        s.add(
            SupervisionEntry(
                supporter_id=sup.id,
                held_on=date(2026, 3, 4),
                minutes=60,
                supervisor=TEXTS[5],
                notes=TEXTS[6],
            )
        )
        ids.update(first=people[0].id, second=people[1].id, episode=ep.id)
    return ids


def test_the_administrator_reads_no_name_or_free_text(
    pg_cluster: PgCluster, pg_database: str, tmp_path
) -> None:
    engine = create_engine(pg_cluster.url(pg_database))
    try:
        with engine.begin() as conn:
            schema.upgrade(conn)
        key = os.urandom(32)
        factory = make_session_factory(engine, make_sealer(key))
        ids = _write(factory)

        # The administrator: plain SQL over every table, then pg_dump.
        cells: list[str] = []
        with psycopg.connect(pg_cluster.dsn(pg_database), password=pg_cluster.password) as c:
            tables = [
                r[0]
                for r in c.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            ]
            for table in tables:
                for row in c.execute(f'SELECT * FROM "{table}"').fetchall():
                    cells += [v for v in row if isinstance(v, str)]
            names = [r[0] for r in c.execute("SELECT name FROM participants").fetchall()]
        assert len(names) == 3 and all(n.startswith(PREFIX) for n in names)
        for plain in NAMES + TEXTS:
            assert not any(plain in cell for cell in cells), plain
        dump = subprocess.run(
            [str(pg_cluster.bin_dir / "pg_dump"), "--data-only", pg_cluster.dsn(pg_database)],
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": pg_cluster.password},
            timeout=120,
            check=True,
        ).stdout
        assert "P-0" in dump  # codes stay in clear: the dump is the real one
        for plain in ["Ottoline", "Vanterpool", "\U0001f600", "husband", "voicemail", "Ashgrove"]:
            assert plain not in dump, plain

        # The workstation, with the data key, reads everything back.
        with factory() as s:
            got = {p.code: (p.name, p.contact) for p in s.scalars(select(Participant))}
            assert got == {
                "P-0": (NAMES[0], TEXTS[0]),
                "P-1": (NAMES[1], None),
                "P-2": (LONG_NAME, None),
            }
            assert s.get(Episode, ids["episode"]).reason == TEXTS[1]
            assert s.scalar(select(SupportSession.withdrawn_reason)) != TEXTS[2]  # a column read
            assert s.scalars(select(SupportSession)).one().withdrawn_reason == TEXTS[2]
            entry = s.scalars(select(SupervisionEntry)).one()
            assert (entry.supervisor, entry.notes) == (TEXTS[5], TEXTS[6])

        # The administrator swaps two sealed names: refused, naming the column only.
        with psycopg.connect(pg_cluster.dsn(pg_database), password=pg_cluster.password) as c:
            c.execute(
                "UPDATE participants SET name = (SELECT name FROM participants WHERE id = %s)"
                " WHERE id = %s",
                (ids["first"], ids["second"]),
            )
        with factory() as s, pytest.raises(DamagedStoreError) as exc:
            s.get(Participant, ids["second"])
        assert "participants.name" in str(exc.value) and "Ottoline" not in str(exc.value)
    finally:
        engine.dispose()


def test_a_sealed_demo_on_the_server_hides_names_and_reports_like_a_local_store(
    server, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """The services end to end on the server, sealed by the server backend itself."""
    from peerdesk.models.sealing import sealer_of
    from peerdesk.services import participants
    from peerdesk.services.demo import build_demo
    from peerdesk.services.reports.period import Period
    from peerdesk.services.reports.run import build_report
    from peerdesk.services.store import open_store

    def plain_month(data_dir):  # noqa: ANN001, ANN202
        store, coord = open_store(data_dir, "coordinator", "demo pass 1")
        with store:
            found = participants.list_participants(store, coord, search="demo person", limit=999)
            report = build_report(
                store, coord, Period.month("2026-10"), suppress=False, now=datetime(2026, 11, 25)
            )
            with store.session() as s:
                sealer = sealer_of(s)
        return report.tables, sorted((p.code, p.name, p.contact) for p in found), sealer

    anchor = date(2026, 11, 25)
    local = tmp_path / "local"
    with monkeypatch.context() as m:
        m.setenv("PEERDESK_POLICY", str(tmp_path / "no-policy.toml"))  # a local store
        build_demo(local, sessions=300, seed=9, password="demo pass 1", anchor=anchor)
        expected = plain_month(local)

    build_demo(server.data_dir, sessions=300, seed=9, password="demo pass 1", anchor=anchor)
    got = plain_month(server.data_dir)
    assert (repr(expected[2]), repr(got[2])) == ("NO_SEALING", "AES-256-GCM sealer")
    assert got[:2] == expected[:2]
    assert len(got[1]) >= 150 // 8
    cluster = server.cluster
    dump = subprocess.run(
        [str(cluster.bin_dir / "pg_dump"), "--data-only", cluster.dsn(server.database)],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": cluster.password},
        timeout=120,
        check=True,
    ).stdout
    assert "D-" in dump and "pds1:" in dump and "pdn1:" in dump
    for plain in ("Demo Person", "example.invalid", "Demo note", "Demo referral"):
        assert plain not in dump, plain

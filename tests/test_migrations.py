"""Alembic: an empty store upgrades to head; the models and migrations agree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import ADMIN_PW
from sqlalchemy import text

from peerdesk.models import schema
from peerdesk.models.engine import make_engine
from peerdesk.services.backup import restore_backup
from peerdesk.services.store import open_store


def test_empty_store_upgrades_to_head_and_matches_models(tmp_path):
    engine = make_engine(tmp_path / "empty.db", os.urandom(32))
    with engine.connect() as conn:
        assert schema.current_revision(conn) is None
        schema.upgrade(conn)
        conn.commit()
    with engine.connect() as conn:
        assert schema.current_revision(conn) == schema.head_revision()
        assert schema.schema_differences(conn) == []
    engine.dispose()


FIXTURES = Path(__file__).parent / "fixtures" / "stores"


@pytest.mark.parametrize("revision", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_stores_from_every_released_schema_upgrade(tmp_path, revision):
    data_dir = tmp_path / revision
    shutil.copytree(FIXTURES / revision, data_dir)
    engine = make_engine(data_dir / "peerdesk.db", _fixture_key(data_dir))
    with engine.connect() as conn:
        assert schema.current_revision(conn) == revision
        before = {
            t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
            for t in ("participants", "episodes", "support_sessions", "referrals", "audit_events")
        }
    engine.dispose()

    store, coord = open_store(data_dir, "coordinator", "fixture passphrase 0001")
    with store, store.session() as s:
        assert (
            s.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == schema.head_revision()
        )
        for table, count in before.items():
            now = s.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
            # the login adds audit events; everything else is kept as it was
            assert now >= count if table == "audit_events" else now == count
        assert schema.schema_differences(s.connection()) == []
    backups = list((data_dir / "backups").glob(f"pre-upgrade-{revision}-*.pdbackup"))
    assert len(backups) == 1
    # The automatic backup holds the old revision and restores on its own.
    restored = restore_backup(
        backups[0], tmp_path / "restored", "coordinator", "fixture passphrase 0001"
    )
    assert restored["schema_revision"] == revision


def _fixture_key(data_dir: Path) -> bytes:
    from peerdesk.services.keyslots import KeyslotFile

    return KeyslotFile(data_dir).unlock("password", "admin", "fixture passphrase 0001", 10)


def test_store_from_a_newer_release_is_refused(store_dir):
    from peerdesk.errors import DamagedStoreError

    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store, store.session() as s:
        s.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    with pytest.raises(DamagedStoreError, match="newer PeerDesk"):
        open_store(store_dir.data_dir, "admin", ADMIN_PW)


def test_automatic_backups_are_rotated(tmp_path):
    import os as _os
    import time as _time

    from peerdesk.services.store import BACKUP_DIR, prune_automatic_backups

    folder = tmp_path / BACKUP_DIR
    folder.mkdir()
    for i in range(5):
        f = folder / f"pre-upgrade-000{i}-x.pdbackup"
        f.write_text("x")
        _os.utime(f, (_time.time() - 100 + i, _time.time() - 100 + i))
    (folder / "mine.pdbackup").write_text("kept: not an automatic backup")
    removed = prune_automatic_backups(tmp_path, 2)
    assert sorted(p.name for p in removed) == [f"pre-upgrade-000{i}-x.pdbackup" for i in range(3)]
    assert sorted(p.name for p in folder.iterdir()) == [
        "mine.pdbackup",
        "pre-upgrade-0003-x.pdbackup",
        "pre-upgrade-0004-x.pdbackup",
    ]

"""Schema revision checks at unlock: read without Alembic, always agreeing with Alembic."""

from __future__ import annotations

import subprocess
import sys

from alembic.script import ScriptDirectory
from conftest import ADMIN_PW

from peerdesk.models import schema


def test_light_revision_reading_agrees_with_alembic():
    scripts = ScriptDirectory.from_config(schema._config())
    assert schema.head_revision() == scripts.get_current_head()
    assert schema.known_revisions() == {r.revision for r in scripts.walk_revisions()}


def test_current_revision_matches_alembic_on_a_store(store_dir):
    from alembic.runtime.migration import MigrationContext

    from peerdesk.services.store import open_store

    store, _ = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store, store.engine.connect() as conn:
        ours = schema.current_revision(conn)
        assert ours == MigrationContext.configure(conn).get_current_revision()
        assert ours == schema.head_revision()


def test_unlocking_a_current_store_never_loads_alembic(store_dir):
    code = (
        "import sys\n"
        "from peerdesk.services.store import open_store\n"
        f"store, _ = open_store({str(store_dir.data_dir)!r}, 'admin', {ADMIN_PW!r})\n"
        "store.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert r.stdout.strip() == "[]", r.stdout

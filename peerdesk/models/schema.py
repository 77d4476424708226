"""Schema versions: run Alembic migrations on an open connection."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.command import revision as alembic_revision
from alembic.command import upgrade as alembic_upgrade
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from peerdesk.models.base import Base


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(str(resources.files("peerdesk.migrations")))))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def has_tables(connection: Connection) -> bool:
    return bool(inspect(connection).get_table_names())


def upgrade(connection: Connection) -> None:
    alembic_upgrade(_config(connection), "head")


def schema_differences(connection: Connection) -> list[object]:
    """What the models describe that the migrated database lacks (empty when in step)."""
    return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def new_revision(connection: Connection, message: str) -> None:
    """Developer helper: autogenerate a migration against an up-to-date store."""
    alembic_revision(_config(connection), message=message, autogenerate=True)


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}

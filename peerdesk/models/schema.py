"""Schema versions: run Alembic migrations on an open connection.

Alembic (with Mako and its dialect modules) costs a few hundred milliseconds to import,
and walking its script directory imports every migration. Every unlock only needs to
know that the store is at the newest revision, so the revision ids are read straight from
the migration files (with ast, nothing imported) and from the alembic_version table;
Alembic itself is loaded only to migrate or to compare schemas. If the files cannot be
read that simply (a merge with several heads, an unusual file), Alembic decides.
"""

from __future__ import annotations

import ast
import functools
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not change it


def _script_location() -> Path:
    return Path(str(resources.files("peerdesk.migrations")))


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_script_location()))
    cfg.attributes["connection"] = connection
    return cfg


def _literal(node: ast.AST) -> Any:
    return ast.literal_eval(node)


@functools.cache
def _revisions_from_files() -> dict[str, tuple[str, ...]] | None:
    """{revision: its down revisions}, read from the files, or None if unsure."""
    graph: dict[str, tuple[str, ...]] = {}
    for path in sorted((_script_location() / "versions").glob("*.py")):
        if path.name == "__init__.py":
            continue
        found: dict[str, Any] = {}
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                target = value = None
                if isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    found[target.id] = _literal(value)
        except (OSError, SyntaxError, ValueError):
            return None
        rev, down = found.get("revision"), found.get("down_revision", "missing")
        if not isinstance(rev, str) or down == "missing" or rev in graph:
            return None
        if down is None:
            downs: tuple[str, ...] = ()
        elif isinstance(down, str):
            downs = (down,)
        elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
            downs = tuple(down)
        else:
            return None
        graph[rev] = downs
    return graph or None


def head_revision() -> str:
    graph = _revisions_from_files()
    if graph is not None:
        referenced = {d for downs in graph.values() for d in downs}
        heads = [rev for rev in graph if rev not in referenced]
        if len(heads) == 1 and referenced <= set(graph):
            return heads[0]
    return _alembic_head_revision()


def _alembic_head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None  # a new, empty store
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(rows) <= 1:
        return rows[0][0] if rows else None
    from alembic.runtime.migration import MigrationContext  # several heads: Alembic says

    return MigrationContext.configure(connection).get_current_revision()


def has_tables(connection: Connection) -> bool:
    return bool(inspect(connection).get_table_names())


def upgrade(connection: Connection) -> None:
    from alembic.command import upgrade as alembic_upgrade

    alembic_upgrade(_config(connection), "head")


def schema_differences(connection: Connection) -> list[object]:
    """What the models describe that the migrated database lacks (empty when in step)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from peerdesk.models.base import Base

    return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def new_revision(connection: Connection, message: str) -> None:
    """Developer helper: autogenerate a migration against an up-to-date store."""
    from alembic.command import revision as alembic_revision

    alembic_revision(_config(connection), message=message, autogenerate=True)


def known_revisions() -> set[str]:
    graph = _revisions_from_files()
    if graph is not None:
        return set(graph)
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}

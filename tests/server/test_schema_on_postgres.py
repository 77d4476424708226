"""Every migration runs on PostgreSQL too, and ends where the models say the schema is."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from peerdesk.models import Base, schema
from tests.pg_server import PgCluster


def test_the_migrations_build_the_models_schema_on_postgres(
    pg_cluster: PgCluster, pg_database: str
) -> None:
    engine = create_engine(pg_cluster.url(pg_database))
    try:
        with engine.begin() as conn:
            schema.upgrade(conn)
        with engine.connect() as conn:
            assert schema.current_revision(conn) == schema.head_revision()
            assert schema.schema_differences(conn) == []
            tables = set(inspect(conn).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()

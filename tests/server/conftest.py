"""Fixtures for server mode: one throwaway TLS-only PostgreSQL cluster per test process.

Without PostgreSQL's server binaries these tests are skipped, unless
PEERDESK_REQUIRE_POSTGRES=1 (set by .ci/run) turns the skip into a failure, so CI can
never pass by quietly testing nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_server import PgCluster, create_cluster, server_bin_dir


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if server_bin_dir() is None:
        if os.environ.get("PEERDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries are required here but not installed")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="peerdesk-pg-"))
    folder.chmod(0o755)  # searchable by the account the server runs as
    cluster = create_cluster(folder / "cluster")
    try:
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_database(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, empty database on the test cluster; dropped afterwards. Yields its name."""
    import psycopg

    name = f"peerdesk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.dsn(), password=pg_cluster.password, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield name
    if not pg_cluster.running():
        pg_cluster.start()
    with psycopg.connect(pg_cluster.dsn(), password=pg_cluster.password, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

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
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pg_server import SUPERUSER, PgCluster, create_cluster, server_bin_dir


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


@dataclass
class ServerSetup:
    """A workstation whose machine policy names the test server's database."""

    data_dir: Path  # this workstation's own folder (lock, IT log, drafts)
    policy: Path
    database: str
    cluster: PgCluster

    @property
    def env(self) -> dict[str, str]:
        """What a CLI subprocess needs: the policy and the database login's password."""
        return {"PEERDESK_POLICY": str(self.policy), "PEERDESK_DB_PASSWORD": self.cluster.password}

    def workstation(self, name: str) -> Path:
        """Another workstation's folder, on the same server."""
        folder = self.data_dir.parent / name
        folder.mkdir(exist_ok=True)
        return folder


def write_server_policy(path: Path, cluster: PgCluster, database: str, extra: str = "") -> Path:
    path.write_text(
        "[store]\n"
        f'url = "postgresql://{SUPERUSER}@{cluster.host}:{cluster.port}/{database}"\n'
        f'ca_file = "{cluster.ca_file}"\n' + extra,
        encoding="utf-8",
    )
    return path


@pytest.fixture
def server(
    pg_cluster: PgCluster, pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ServerSetup:
    """Server mode for this test: PEERDESK_POLICY names an empty database on the test
    cluster, PEERDESK_DB_PASSWORD holds the login's password."""
    if not pg_cluster.running():
        pg_cluster.start()
    policy = write_server_policy(tmp_path / "machine-policy.toml", pg_cluster, pg_database)
    monkeypatch.setenv("PEERDESK_POLICY", str(policy))
    monkeypatch.setenv("PEERDESK_DB_PASSWORD", pg_cluster.password)
    data_dir = tmp_path / "workstation"
    data_dir.mkdir()
    return ServerSetup(data_dir, policy, pg_database, pg_cluster)

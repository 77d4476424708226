"""The throwaway server the server-mode tests stand on: TLS only, and it can be taken away."""

from __future__ import annotations

import psycopg
import pytest

from tests.pg_server import PgCluster


def test_connections_use_tls_verified_against_the_clinic_ca(pg_cluster: PgCluster) -> None:
    with psycopg.connect(pg_cluster.dsn(), password=pg_cluster.password) as conn:
        row = conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert row is not None and row[0] is True
    assert row[1] in ("TLSv1.2", "TLSv1.3")


def test_a_plain_connection_is_refused(pg_cluster: PgCluster) -> None:
    plain = pg_cluster.dsn().replace("sslmode=verify-full", "sslmode=disable")
    with pytest.raises(psycopg.OperationalError, match="no encryption|pg_hba.conf"):
        psycopg.connect(plain, password=pg_cluster.password)


def test_a_server_name_the_certificate_does_not_cover_is_refused(pg_cluster: PgCluster) -> None:
    # Same listener, reached under a name the certificate does not carry: libpq checks
    # the name in `host` and connects to `hostaddr`.
    wrong_name = pg_cluster.dsn().replace(
        "host=localhost", "host=db.other-clinic.example hostaddr=127.0.0.1"
    )
    with pytest.raises(psycopg.OperationalError, match="certificate|does not match"):
        psycopg.connect(wrong_name, password=pg_cluster.password)


def test_a_wrong_password_is_refused(pg_cluster: PgCluster) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(pg_cluster.dsn(), password="not the password")


def test_the_server_can_be_stopped_and_started_mid_test(
    pg_cluster: PgCluster, pg_database: str
) -> None:
    dsn = pg_cluster.dsn(pg_database)
    with psycopg.connect(dsn, password=pg_cluster.password, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        conn.execute("INSERT INTO t VALUES (1)")
        pg_cluster.stop("immediate")
        with pytest.raises(psycopg.OperationalError):
            conn.execute("INSERT INTO t VALUES (2)")
    pg_cluster.start()
    with psycopg.connect(dsn, password=pg_cluster.password) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)

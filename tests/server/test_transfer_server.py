"""Moving a store onto the server, backups of a server store and restores, against a real
TLS-only PostgreSQL (issue 13 part 6): `peerdesk server import-store`, `peerdesk backup`
and `peerdesk restore` in server mode, through the real command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from peerdesk.errors import StoreExistsError, StoreNotFoundError
from peerdesk.services import audit
from peerdesk.services import backup as backup_service
from peerdesk.services.reports.period import Period, add_months, month_start
from peerdesk.services.reports.run import build_report
from peerdesk.services.server_store import create_server_store
from peerdesk.services.server_transfer import import_store
from peerdesk.services.storage import transfer
from peerdesk.services.store import open_store, store_exists
from tests.conftest import (
    ADMIN_PW,
    NO_MACHINE_POLICY,
    assert_one_line_error,
    fast_kdf_env,
    run_cli,
)
from tests.server.conftest import ServerSetup, write_server_policy

PW = "demo passphrase for the move"
NOW = datetime(2026, 11, 30, 12, 0)


def _demo(folder: Path, sessions: int = 300) -> str:
    """A demo store made by the real CLI on a machine without the server policy; returns
    its recovery key."""
    made = run_cli(
        "--data-dir", str(folder), "demo", "--sessions", str(sessions), "--seed", "7",
        "--password-stdin", stdin=PW + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return next(
        line.split(":", 1)[1].strip() for line in made.stdout.splitlines()
        if line.startswith("Recovery key:")
    )  # fmt: skip


def _import(server: ServerSetup, folder: Path, user: str = "admin", pw: str = PW):  # noqa: ANN202
    return run_cli(
        "server", "import-store", str(folder), "--user", user, "--password-stdin",
        stdin=pw + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip


def _counts(data_dir: Path, user: str = "admin", pw: str = PW) -> dict[str, int]:
    store, _ = open_store(data_dir, user, pw)
    with store, store.engine.connect() as conn:
        return transfer.table_counts(conn)


def _report(data_dir: Path, month: Period):  # noqa: ANN202
    store, coord = open_store(data_dir, "coordinator", PW)
    with store:
        return build_report(store, coord, month, now=NOW)


@pytest.fixture
def local_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """For reading a local store in this process: no machine policy, so no server."""
    with monkeypatch.context() as m:
        m.setenv("PEERDESK_POLICY", NO_MACHINE_POLICY)
        yield m


def _last_months() -> list[Period]:
    first = month_start(NOW.date())
    return [Period.month(f"{add_months(first, -n):%Y-%m}") for n in (1, 2, 3)]


def test_import_store_moves_a_demo_store_and_reports_are_equal(
    server: ServerSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "local-store"
    recovery = _demo(local)
    with monkeypatch.context() as m:
        m.setenv("PEERDESK_POLICY", NO_MACHINE_POLICY)
        before = _counts(local)
        reports = [_report(local, month) for month in _last_months()]
    assert before["support_sessions"] == 300

    moved = _import(server, local)
    assert moved.returncode == 0, moved.stderr
    assert "audit chain verified" in moved.stdout and "the same counts" in moved.stdout
    assert store_exists(server.data_dir)
    # Same rows (the server also holds the move's event and this sign-in's).
    after = _counts(server.data_dir)
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert after["audit_events"] > before["audit_events"]
    # The same month figures from the same rows, signed in with the same demo password.
    assert [_report(server.data_dir, month) for month in _last_months()] == reports
    assert any(r.headline for r in reports)
    # The same recovery key opens it; the chain on the server verifies.
    store, _ = open_store(server.data_dir, recovery_key=recovery)
    with store, store.session() as s:
        chain = audit.verify_chain(s, store.key)
    assert chain.problems == [] and chain.checked > before["audit_events"]
    verified = run_cli(
        "verify", "--user", "admin", "--password-stdin", stdin=PW + "\n",
        env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # The local store is left as it was.
    with monkeypatch.context() as m:
        m.setenv("PEERDESK_POLICY", NO_MACHINE_POLICY)
        assert _counts(local)["support_sessions"] == 300


def test_import_refused_on_a_set_up_server_and_for_wrong_people(
    server: ServerSetup, tmp_path: Path
) -> None:
    local = tmp_path / "local-store"
    _demo(local, sessions=20)
    wrong = _import(server, local, pw="not the password at all")
    assert wrong.returncode == 6
    assert_one_line_error(wrong)
    coordinator = _import(server, local, user="coordinator")
    assert coordinator.returncode == 7
    assert "administrator" in assert_one_line_error(coordinator)
    missing = _import(server, tmp_path / "nothing-here")
    assert missing.returncode == 3
    assert_one_line_error(missing)
    assert not store_exists(server.data_dir)  # none of these left anything

    create_server_store(server.data_dir, "boss", ADMIN_PW)
    refused = _import(server, local)
    assert refused.returncode == 3
    assert "already set up" in assert_one_line_error(refused)


def test_failure_half_way_leaves_the_server_not_set_up(
    server: ServerSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "local-store"
    _demo(local, sessions=60)
    calls = {"n": 0}
    real = transfer._insert_batch

    def failing(target, table, rows):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if table.name == "support_sessions":
            raise RuntimeError("injected failure mid-copy")
        return real(target, table, rows)

    monkeypatch.setattr(transfer, "_insert_batch", failing)
    with pytest.raises(RuntimeError, match="injected"):
        import_store(server.data_dir, local, "admin", PW)
    assert calls["n"] > 3
    assert not store_exists(server.data_dir)
    with pytest.raises(StoreNotFoundError, match="not set up"):
        open_store(server.data_dir, "admin", PW)
    monkeypatch.setattr(transfer, "_insert_batch", real)
    report = import_store(server.data_dir, local, "admin", PW)
    assert report.tables["support_sessions"] == 60
    assert store_exists(server.data_dir)
    with pytest.raises(StoreExistsError):
        import_store(server.data_dir, local, "admin", PW)


KILL_SCRIPT = """
import os, signal, sys
from peerdesk.services.storage import transfer
real = transfer._insert_batch
def kill_at_sessions(target, table, rows):
    if table.name == "support_sessions":
        print("copying support_sessions", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    return real(target, table, rows)
transfer._insert_batch = kill_at_sessions
from peerdesk.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_import_killed_mid_copy_then_done_again(server: ServerSetup, tmp_path: Path) -> None:
    local = tmp_path / "local-store"
    _demo(local, sessions=60)
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    env.update(server.env, PEERDESK_DATA_DIR=str(server.data_dir))
    env["PEERDESK_LOG_DIR"] = str(tmp_path / "logs")
    killed = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, "server", "import-store", str(local),
         "--user", "admin", "--password-stdin"],
        input=PW + "\n", capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "copying support_sessions" in killed.stdout
    status = run_cli("server", "status", env=server.env, data_dir=server.data_dir)
    assert status.returncode == 3 and "Set up:   no" in status.stdout
    # Everything the killed run copied is on the server but unusable: not set up.
    with psycopg.connect(
        server.cluster.dsn(server.database), password=server.cluster.password
    ) as conn:
        assert conn.execute("SELECT count(*) FROM sites").fetchone()[0] == 0
        assert "setting_up" in conn.execute("SELECT doc FROM key_documents").fetchone()[0]
    again = _import(server, local)
    assert again.returncode == 0, again.stderr
    status = run_cli("server", "status", env=server.env, data_dir=server.data_dir)
    assert status.returncode == 0 and "Set up:   yes" in status.stdout


@pytest.fixture
def second_database(server: ServerSetup) -> Iterator[Path]:
    """Another empty database on the same cluster, and a machine policy naming it."""
    name = f"peerdesk_second_{uuid.uuid4().hex[:10]}"
    dsn = server.cluster.dsn()
    with psycopg.connect(dsn, password=server.cluster.password, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield write_server_policy(server.policy.parent / "second.toml", server.cluster, name)
    with psycopg.connect(dsn, password=server.cluster.password, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_on_the_server_restores_locally_and_onto_another_server(
    server: ServerSetup, tmp_path: Path, second_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "local-store"
    recovery = _demo(local, sessions=120)
    assert _import(server, local).returncode == 0
    out = tmp_path / "backups" / "server.pdbackup"
    made = run_cli(
        "backup", "--out", str(out), "--user", "admin", "--password-stdin",
        stdin=PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    manifest = backup_service.read_manifest(out, check_hash=True)
    assert manifest["tables"]["support_sessions"] == 120
    seq, _, mac = manifest["audit_head"].partition(":")
    assert int(seq) > 0 and len(mac) == 64
    # Audited on the server, as a local backup is.
    store, _ = open_store(server.data_dir, "admin", PW)
    with store, store.session() as s:
        from sqlalchemy import select

        from peerdesk.models import AuditEvent

        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert "backup.create" in actions and "store.import" in actions
    assert not list(out.parent.glob(".peerdesk-backup-*"))  # no temporary folder left

    # Into a local folder with today's restore, on a machine without the server policy.
    restored = tmp_path / "restored"
    done = run_cli(
        "restore", str(out), "--user", "admin", "--password-stdin", stdin=PW + "\n",
        data_dir=restored,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    verified = run_cli(
        "verify", "--user", "admin", "--password-stdin", stdin=PW + "\n", data_dir=restored
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    with monkeypatch.context() as m:
        m.setenv("PEERDESK_POLICY", NO_MACHINE_POLICY)
        local_counts = _counts(restored)
    for table, count in manifest["tables"].items():
        if table not in ("audit_events", "settings", "alembic_version", *transfer.NOT_COPIED):
            assert local_counts[table] == count, table
    assert local_counts["audit_events"] > manifest["tables"]["audit_events"]

    # Onto another, empty server database: `restore` in server mode.
    other_env = {**server.env, "PEERDESK_POLICY": str(second_database)}
    other_ws = server.workstation("other-site")
    onto = run_cli(
        "restore", str(out), "--user", "admin", "--password-stdin", stdin=PW + "\n",
        env=other_env, data_dir=other_ws,
    )  # fmt: skip
    assert onto.returncode == 0, onto.stderr
    again = run_cli(
        "restore", str(out), "--user", "admin", "--password-stdin", stdin=PW + "\n",
        env=other_env, data_dir=other_ws,
    )  # fmt: skip
    assert again.returncode == 3
    assert "already set up" in assert_one_line_error(again)
    monkeypatch.setenv("PEERDESK_POLICY", str(second_database))
    other_counts = _counts(other_ws)
    assert other_counts["support_sessions"] == 120
    assert other_counts["participants"] == manifest["tables"]["participants"]
    store, _ = open_store(other_ws, recovery_key=recovery)  # the same recovery key
    store.close()


class Reverser:
    """A stand-in for models/sealing.py's sealer: reverses the text behind the table,
    column and record id, and opens only for the same ones."""

    def seal(self, table: str, column: str, record_id: str, text: str) -> str:
        return f"sealed:{table}.{column}.{record_id}:{text[::-1]}"

    def open(self, table: str, column: str, record_id: str, stored: str) -> str:
        prefix = f"sealed:{table}.{column}.{record_id}:"
        if not stored.startswith(prefix):
            raise ValueError("does not open for its record")
        return stored[len(prefix) :][::-1]


def test_sealed_columns_sealed_on_the_way_in_and_opened_on_the_way_out(
    server: ServerSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select, update

    from peerdesk.models import Participant
    from peerdesk.services.server_transfer import export_server_copy
    from peerdesk.services.storage import backend_for
    from peerdesk.services.storage.transfer import Sealing

    local = tmp_path / "local-store"
    _demo(local, sessions=40)
    with monkeypatch.context() as m:
        m.setenv("PEERDESK_POLICY", NO_MACHINE_POLICY)
        store, _ = open_store(local, "admin", PW)
        with store:
            key = store.key
            with store.session() as s:
                ids = list(s.scalars(select(Participant.id).order_by(Participant.id)))
                for n, pid in enumerate(ids):
                    s.execute(
                        update(Participant)
                        .where(Participant.id == pid)
                        .values(name=f"Made-up Person {n}", contact=f"0400 555 {n:03d}")
                    )
            with store.engine.connect() as conn:
                plain = dict(conn.execute(select(Participant.id, Participant.name)).all())
    columns = {"participants": ("name", "contact")}
    report = import_store(
        server.data_dir, local, "admin", PW, sealing=Sealing(write=Reverser(), columns=columns)
    )
    assert report.sealed_checked == 2 * min(len(ids), transfer.SAMPLE_ROWS)
    # What the database administrator reads: only sealed text.
    with psycopg.connect(
        server.cluster.dsn(server.database), password=server.cluster.password
    ) as conn:
        stored = dict(conn.execute("SELECT id, name FROM participants").fetchall())
        dump = str(conn.execute("SELECT name, contact FROM participants").fetchall())
    assert all(v.startswith(f"sealed:participants.name.{k}:") for k, v in stored.items())
    assert "Made-up Person" not in dump and "0400 555" not in dump
    # The IT guide's pg_dump of the database: the same, the whole database in one file.
    dumped = subprocess.run(
        [str(server.cluster.bin_dir / "pg_dump"), "--dbname", server.cluster.dsn(server.database)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PGPASSWORD": server.cluster.password},
    )  # fmt: skip
    assert dumped.returncode == 0, dumped.stderr
    assert "COPY public.participants" in dumped.stdout
    assert "sealed:participants.name." in dumped.stdout
    assert "Made-up Person" not in dumped.stdout and "0400 555" not in dumped.stdout
    # A backup's copy holds them opened again (a local store keeps plain text).
    backend = backend_for(server.data_dir)
    copy = tmp_path / "copy.db"
    engine = backend.engine()
    try:
        export_server_copy(backend, engine, key, copy, Sealing(read=Reverser(), columns=columns))
    finally:
        engine.dispose()
    from peerdesk.models.engine import make_engine

    local_copy = make_engine(copy, key)
    with local_copy.connect() as conn:
        assert dict(conn.execute(select(Participant.id, Participant.name)).all()) == plain
    local_copy.dispose()

"""Server mode end to end against a real TLS-only PostgreSQL: the policy, setting up,
signing in, the key document's locking, the audit chain with several writers."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import psycopg
import pytest

from peerdesk.errors import (
    AuthenticationError,
    ServerSchemaError,
    ServerUnavailableError,
    StoreExistsError,
    ThrottledError,
    ValidationError,
)
from peerdesk.services import accounts, audit
from peerdesk.services.server_store import create_server_store
from peerdesk.services.storage import backend_for
from peerdesk.services.storage.config import parse_store_table
from peerdesk.services.storage.postgres import PostgresBackend
from peerdesk.services.store import open_store, store_exists
from tests.conftest import ADMIN_PW, COORD_PW, assert_one_line_error, run_cli
from tests.pg_server import make_certificates
from tests.server.conftest import ServerSetup, write_server_policy

CA = "/etc/clinic-ca.pem"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"url": "postgresql://pd@db.clinic/pd?sslmode=require", "ca_file": CA}, "verify-full"),
        ({"url": "postgresql://pd@db.clinic/pd?sslmode=disable", "ca_file": CA}, "verify-full"),
        ({"url": "postgresql://pd:secret@db.clinic/pd", "ca_file": CA}, "never in the policy"),
        ({"url": "postgresql://pd@db.clinic/pd"}, "ca_file"),
        ({"url": "mysql://pd@db.clinic/pd", "ca_file": CA}, "PostgreSQL"),
        ({"url": "postgresql://db.clinic/pd", "ca_file": CA}, "user, host and database"),
        ({"url": "postgresql://pd@db.clinic/pd", "ca_file": "clinic.pem"}, "absolute"),
        ({"url": "postgresql://pd@db.clinic/pd", "ca_file": CA, "password": "x"}, "unknown"),
    ],
)
def test_store_table_refuses_weak_or_secret_settings(table: dict, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_store_table(table, "/etc/peerdesk/policy.toml")
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_store_table_only_in_the_machine_policy(tmp_path: Path) -> None:
    from peerdesk.services.policy import load_policy

    (tmp_path / "policy.toml").write_text('[store]\nurl = "postgresql://a@b/c"\n')
    with pytest.raises(ValidationError, match="only be set in the machine policy"):
        load_policy(tmp_path)


def test_init_sign_in_and_refuse_second_init(server: ServerSetup) -> None:
    assert not store_exists(server.data_dir)
    recovery = create_server_store(server.data_dir, "boss", ADMIN_PW, "The Boss")
    assert len(recovery) > 20
    assert store_exists(server.data_dir)
    store, admin = open_store(server.data_dir, "boss", ADMIN_PW)
    with store:
        assert isinstance(store.backend, PostgresBackend)
        assert store.exclusive  # every workstation writes
        accounts.add_user(store, admin, "coord", "coordinator", COORD_PW, "Coordinator")
    # Nothing of the store is in the workstation's folder.
    assert not (server.data_dir / "peerdesk.db").exists()
    assert not (server.data_dir / "keyslots.json").exists()
    # A second workstation signs in to the same store.
    other = server.workstation("floor-2")
    store, coord = open_store(other, "coord", COORD_PW)
    with store:
        assert coord.role == "coordinator"
    with pytest.raises(StoreExistsError):
        create_server_store(server.data_dir, "boss2", ADMIN_PW)
    with pytest.raises(AuthenticationError):
        open_store(server.data_dir, "boss", "not the password at all")
    store, _ = open_store(server.data_dir, "boss", recovery_key=recovery)
    store.close()


def test_key_document_holds_no_names_and_no_key(server: ServerSetup) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW)
    with psycopg.connect(
        server.cluster.dsn(server.database), password=server.cluster.password
    ) as conn:
        doc = conn.execute("SELECT doc FROM key_documents").fetchone()[0]
    assert "boss" not in doc
    parsed = json.loads(doc)
    assert "setting_up" not in parsed
    assert {s["kind"] for s in parsed["slots"]} == {"password", "recovery"}


def test_guessing_from_two_workstations_is_counted_once_each(server: ServerSetup) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW)
    errors: list[BaseException] = []

    def guess(folder: Path) -> None:
        for _ in range(3):
            try:
                open_store(folder, "boss", "wrong guess number one")
            except AuthenticationError as exc:
                errors.append(exc)

    threads = [
        threading.Thread(target=guess, args=(server.workstation(f"ws{i}"),)) for i in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 6
    slots = backend_for(server.data_dir).keyslots()
    # Every guess that was tried was counted (none lost to a concurrent write), and once
    # three were counted the waiting time applied to both workstations.
    tried = [e for e in errors if not isinstance(e, ThrottledError)]
    assert slots.failed_attempts("password", "boss") == len(tried) == 3
    assert len(errors) - len(tried) == 3


def test_audit_chain_stays_one_chain_with_concurrent_writers(server: ServerSetup) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW)
    stores = [open_store(server.workstation(f"ws{i}"), "boss", ADMIN_PW) for i in range(3)]
    barrier = threading.Barrier(3)

    def write(store_actor) -> None:  # noqa: ANN001
        store, actor = store_actor
        barrier.wait()
        for n in range(15):
            store.record_event(actor, "test.concurrent", "n", str(n))

    threads = [threading.Thread(target=write, args=(sa,)) for sa in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store, _ = stores[0]
    with store.session() as s:
        report = audit.verify_chain(s, store.key)
    for st, _ in stores:
        st.close()
    assert report.problems == []
    assert report.checked >= 45


def test_wrong_server_name_and_missing_password_are_one_line(
    server: ServerSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW)
    # A policy naming another clinic's CA: the server cannot prove who it is.
    (server.policy.parent / "other-clinic").mkdir()
    other_ca = make_certificates(server.policy.parent / "other-clinic")[0]
    policy = write_server_policy(
        server.policy.parent / "other.toml", server.cluster, server.database
    )
    policy.write_text(policy.read_text().replace(str(server.cluster.ca_file), str(other_ca)))
    monkeypatch.setenv("PEERDESK_POLICY", str(policy))
    with pytest.raises(ServerUnavailableError, match="certificate"):
        open_store(server.data_dir, "boss", ADMIN_PW)
    monkeypatch.setenv("PEERDESK_POLICY", str(server.policy))
    monkeypatch.setenv("PEERDESK_DB_PASSWORD", "not the database password")
    with pytest.raises(ServerUnavailableError, match="refused the login"):
        open_store(server.data_dir, "boss", ADMIN_PW)


def test_cli_server_init_status_and_commands(server: ServerSetup) -> None:
    done = run_cli(
        "server", "init", "--admin", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "RECOVERY KEY" in done.stdout
    status = run_cli("server", "status", env=server.env, data_dir=server.data_dir)
    assert status.returncode == 0, status.stderr
    assert "Set up:   yes" in status.stdout
    again = run_cli(
        "server", "init", "--admin", "other", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert "already set up" in assert_one_line_error(again)
    added = run_cli(
        "user", "add", "coord", "--role", "coordinator", "--user", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env={**server.env, "PEERDESK_NEW_PASSWORD": COORD_PW},
        data_dir=server.data_dir,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    verify = run_cli(
        "verify", "--user", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _month_json(data_dir: Path, env: dict[str, str], month: str, password: str) -> dict:
    done = run_cli(
        "report", "--month", month, "--json", "--user", "coordinator", "--password-stdin",
        stdin=password + "\n", env=env, data_dir=data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    figures.pop("generated_at", None)
    return figures


DEMO_PW = "demo passphrase for tests"


def test_demo_on_a_new_server_reports_the_same_month_as_a_local_store(
    server: ServerSetup, tmp_path: Path
) -> None:
    import datetime as dt

    args = ("demo", "--sessions", "400", "--seed", "7", "--password-stdin")
    local = tmp_path / "local-demo"
    done = run_cli("--data-dir", str(local), *args, stdin=DEMO_PW + "\n")
    assert done.returncode == 0, done.stderr
    here = ("--data-dir", str(server.data_dir))
    done = run_cli(*here, *args, stdin=DEMO_PW + "\n", env=server.env)
    assert done.returncode == 0, done.stderr
    last = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    on_server = _month_json(server.data_dir, server.env, last, DEMO_PW)
    assert on_server == _month_json(local, {}, last, DEMO_PW)
    assert any(v for v in json.dumps(on_server) if v.isdigit() and v != "0")


def test_demo_into_a_server_set_up_by_init_reports_like_a_local_demo(
    server: ServerSetup, tmp_path: Path
) -> None:
    """The issue's check: server init, demo into it, and the month report equal to the
    same demo data in a local store (only the site's name differs)."""
    import datetime as dt

    create_server_store(server.data_dir, "boss", ADMIN_PW)
    here = ("--data-dir", str(server.data_dir))
    done = run_cli(
        *here, "demo", "--sessions", "400", "--seed", "7", "--user", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    password = done.stdout.split("Password for every demo account: ")[1].split()[0]
    local = tmp_path / "local-demo"
    made = run_cli(
        "--data-dir", str(local), "demo", "--sessions", "400", "--seed", "7", "--password-stdin",
        stdin=password + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    last = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    on_server = _month_json(server.data_dir, server.env, last, password)
    in_file = _month_json(local, {}, last, password)
    assert on_server.pop("site") == "Main site"
    in_file.pop("site")
    assert on_server == in_file


def test_demo_fills_a_server_set_up_by_init(server: ServerSetup) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW)
    here = ("--data-dir", str(server.data_dir))
    refused = run_cli(*here, "demo", "--sessions", "50", env=server.env)
    assert "--user" in assert_one_line_error(refused)
    done = run_cli(
        *here, "demo", "--sessions", "200", "--user", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    password = done.stdout.split("Password for every demo account: ")[1].split()[0]
    store, coord = open_store(server.data_dir, "coordinator", password)
    with store:
        assert coord.role == "coordinator"
        assert store.is_demo()
    again = run_cli(
        *here, "demo", "--sessions", "20", "--user", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env,
    )  # fmt: skip
    assert "already holds participants" in assert_one_line_error(again)


def test_a_policy_saved_on_one_workstation_applies_on_every_workstation(
    server: ServerSetup,
) -> None:
    from peerdesk.services import policy_admin, verify

    create_server_store(server.data_dir, "boss", ADMIN_PW)
    store, admin = open_store(server.data_dir, "boss", ADMIN_PW)
    with store:
        policy_admin.save_policy(store, admin, {"idle_lock_minutes": 4})
    other = server.workstation("reception")  # has no policy.toml of its own
    store, admin = open_store(other, "boss", ADMIN_PW)
    with store:
        assert store.policy.idle_lock_minutes == 4
        assert store.warnings == []
        assert verify.verify_store(store, admin).problems == []
    # A workstation's own file may tighten, never loosen, what was saved.
    (other / "policy.toml").write_text("idle_lock_minutes = 30\n")
    store, admin = open_store(other, "boss", ADMIN_PW)
    with store:
        assert store.policy.idle_lock_minutes == 4
        assert any("loosen" in w for w in store.warnings)


def test_local_init_is_refused_in_server_mode(server: ServerSetup) -> None:
    done = run_cli(
        "init", "--admin", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert "peerdesk server init" in assert_one_line_error(done)
    assert not (server.data_dir / "peerdesk.db").exists()


def test_a_server_set_up_by_a_newer_release_is_refused_in_one_line(server: ServerSetup) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW)
    with psycopg.connect(
        server.cluster.dsn(server.database), password=server.cluster.password
    ) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    with pytest.raises(ServerSchemaError, match="newer PeerDesk release"):
        open_store(server.data_dir, "boss", ADMIN_PW)
    done = run_cli(
        "report", "--month", "2026-01", "--json", "--user", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert "newer PeerDesk release" in assert_one_line_error(done)
    assert done.returncode == 17
    status = run_cli("server", "status", env=server.env, data_dir=server.data_dir)
    assert status.returncode == 17


def test_failures_queued_from_two_workstations_all_reach_the_audit_log(
    server: ServerSetup,
) -> None:
    from sqlalchemy import select

    from peerdesk.models import AuditEvent

    create_server_store(server.data_dir, "boss", ADMIN_PW)
    for folder in (server.workstation("a"), server.workstation("b")):
        with pytest.raises(AuthenticationError):
            open_store(folder, "boss", "a wrong password here")
    store, _ = open_store(server.workstation("c"), "boss", ADMIN_PW)
    with store, store.session() as s:
        failed = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "login.failed"))
        counts = [json.loads(d)["count"] for d in failed]
    assert sum(counts) == 2
    assert "pending_events" not in backend_for(server.data_dir).keyslots().data


def test_an_older_server_is_refused_until_an_admin_runs_server_upgrade(
    server: ServerSetup,
) -> None:
    from alembic.command import downgrade
    from sqlalchemy import create_engine, select

    from peerdesk.models import AuditEvent, schema

    create_server_store(server.data_dir, "boss", ADMIN_PW)
    accounts_made = open_store(server.data_dir, "boss", ADMIN_PW)
    with accounts_made[0] as store:
        accounts.add_user(store, accounts_made[1], "coord", "coordinator", COORD_PW, "C")
    # The server as the release before the newest migration left it.
    head = schema.head_revision()
    previous = schema._revisions_from_files()[head][0]  # noqa: SLF001
    engine = create_engine(server.cluster.url(server.database))
    with engine.connect() as conn:
        downgrade(schema._config(conn), previous)  # noqa: SLF001
        conn.commit()
    engine.dispose()
    with pytest.raises(ServerSchemaError, match="server upgrade"):
        open_store(server.data_dir, "coord", COORD_PW)
    refused = run_cli(
        "server", "upgrade", "--user", "coord", "--password-stdin",
        stdin=COORD_PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert "administrator" in assert_one_line_error(refused)
    done = run_cli(
        "server", "upgrade", "--user", "boss", "--password-stdin",
        stdin=ADMIN_PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"from {previous} to {head}" in done.stdout
    store, _ = open_store(server.data_dir, "coord", COORD_PW)
    with store, store.session() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "server.upgrade"))


def test_unattended_backup_of_a_server_store(server: ServerSetup, tmp_path: Path) -> None:
    from peerdesk.services import backup_service
    from peerdesk.services.backup import read_manifest

    create_server_store(server.data_dir, "boss", ADMIN_PW)
    store, admin = open_store(server.data_dir, "boss", ADMIN_PW)
    with store:
        backup_service.enable_backup(store, admin, "keyring")
    assert backup_service.status(server.data_dir).enabled
    done = backup_service.run_unattended_backup(server.data_dir, tmp_path / "night.pdbackup")
    assert done.info.path.exists()
    store_id = backend_for(server.data_dir).keyslots().store_id
    assert read_manifest(done.info.path)["store_id"] == store_id

"""Shared fixtures: real SQLCipher stores in temporary folders, fast key stretching."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read this machine's /etc/peerdesk/policy.toml; those about the machine
# policy point PEERDESK_POLICY at their own file.
NO_MACHINE_POLICY = str(Path(tempfile.gettempdir()) / "peerdesk-tests-no-machine-policy.toml")
os.environ["PEERDESK_POLICY"] = NO_MACHINE_POLICY

import keyring  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402

from peerdesk.services import keyslots  # noqa: E402

# Argon2id at full strength takes ~0.3 s per unlock; tests unlock hundreds of times. The
# shipped app has no switch for weak settings: the suite replaces the function itself, here
# for this process (before any fixture runs) and through tests/fast_kdf/sitecustomize.py for
# subprocesses (FAST_KDF_ENV). Slots record their parameters, so `verify` shows weak ones.
SHIPPED_KDF_PARAMS = keyslots.kdf_params
_FAST_KDF = pytest.MonkeyPatch()
_FAST_KDF.setattr(keyslots, "kdf_params", lambda: dict(keyslots.FAST_KDF))
FAST_KDF_DIR = Path(__file__).parent / "fast_kdf"


def fast_kdf_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a PeerDesk subprocess with the suite's weak key stretching."""
    base = dict(os.environ if env is None else env)
    paths = [str(FAST_KDF_DIR), *filter(None, [base.get("PYTHONPATH", "")])]
    base["PYTHONPATH"] = os.pathsep.join(paths)
    return base


@pytest.fixture(autouse=True, scope="session")
def fast_kdf() -> Iterator[None]:
    """Weak key stretching for the whole session (set at import; undone at the end)."""
    yield
    _FAST_KDF.undo()


class MemoryKeyring(KeyringBackend):
    """In-memory keyring so no test touches the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


ADMIN_PW = "admin passphrase one"
COORD_PW = "coordinator passphrase"
SUP_A_PW = "supporter a passphrase"
SUP_B_PW = "supporter b passphrase"


def accept_policy(data_dir: Path, user: str = "admin", password: str = ADMIN_PW) -> None:
    """What IT does after editing a data folder's policy.toml by hand: an administrator
    accepts (signs) it, so values that loosen the signed policy apply too."""
    from peerdesk.services import policy_admin
    from peerdesk.services.store import open_store

    store, admin = open_store(data_dir, user, password)
    with store:
        policy_admin.accept_policy_file(store, admin)


@dataclass
class StoreInfo:
    data_dir: Path
    recovery_key: str


@pytest.fixture
def store_dir(tmp_path: Path) -> StoreInfo:
    """A fresh store with admin, coordinator and two supporters (alice, bob); on the
    test server when the suite runs against PostgreSQL (PEERDESK_TEST_ENGINE)."""
    from peerdesk.services import accounts
    from peerdesk.services.server_store import create_server_store, on_server
    from peerdesk.services.store import create_store, open_store

    data_dir = tmp_path / "store"
    create = create_server_store if on_server(data_dir) else create_store
    if create is create_server_store:
        data_dir.mkdir()  # the workstation's own folder (its policy.toml, IT log, drafts)
    recovery = create(data_dir, "admin", ADMIN_PW, "Admin", "Test Clinic")
    store, admin = open_store(data_dir, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "coord", "coordinator", COORD_PW, "Coordinator")
        accounts.add_user(store, admin, "alice", "supporter", SUP_A_PW, "Alice Supporter")
        accounts.add_user(store, admin, "bob", "supporter", SUP_B_PW, "Bob Supporter")
    return StoreInfo(data_dir, recovery)


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    data_dir: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess."""
    full_env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    if data_dir is not None:
        full_env["PEERDESK_DATA_DIR"] = str(data_dir)
    # Never the machine's own policy or /var/log/peerdesk: a test names them when it needs them.
    full_env["PEERDESK_POLICY"] = NO_MACHINE_POLICY
    if TEST_ENGINE == "postgresql":  # the test's own server (server_engine below)
        full_env["PEERDESK_POLICY"] = os.environ["PEERDESK_POLICY"]
        full_env["PEERDESK_DB_PASSWORD"] = os.environ["PEERDESK_DB_PASSWORD"]
    logs = Path(data_dir).parent if data_dir is not None else Path(tempfile.gettempdir())
    full_env["PEERDESK_LOG_DIR"] = str(logs / "peerdesk-test-it-logs")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "peerdesk", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line (a store-level warning such as a rollback may come before it)."""
    assert result.returncode != 0
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith("peerdesk: warning: ")
    ]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("peerdesk: ")
    return lines[0]


SERVER_TESTS = Path(__file__).parent / "server"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/server (a real PostgreSQL per run: many writers, outages, moving stores) is
    its own step of .ci/run, so the default suite stays short; it runs when named on the
    command line or with PEERDESK_SERVER_SUITE=1."""
    if collection_path != SERVER_TESTS or os.environ.get("PEERDESK_SERVER_SUITE") == "1":
        return None
    named = [str(a) for a in config.args]
    return True if not any("server" in a for a in named) else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "local_store_only: reads or edits the store's files (keyslots.json, peerdesk.db) "
        "directly; not run when the suite runs on PostgreSQL",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_ENGINE != "postgresql":
        return
    skip = pytest.mark.skip(reason="works on the local store's files (local_store_only)")
    for item in items:
        if item.get_closest_marker("local_store_only"):
            item.add_marker(skip)


# PEERDESK_TEST_ENGINE=postgresql runs the service tests against a real server: every test
# gets an empty database (copied from a migrated template) and a machine policy naming it,
# so `store_dir` and every open_store() in the test use the server. `.ci/run` runs the
# service modules listed there this way as its own step.
TEST_ENGINE = os.environ.get("PEERDESK_TEST_ENGINE", "sqlcipher")

if TEST_ENGINE == "postgresql":

    @pytest.fixture(scope="session")
    def engine_server() -> Iterator[tuple[object, str]]:
        import shutil

        import psycopg
        from sqlalchemy import create_engine

        from peerdesk.models import schema
        from tests.pg_server import create_cluster, server_bin_dir

        if server_bin_dir() is None:
            pytest.fail("PEERDESK_TEST_ENGINE=postgresql needs PostgreSQL's server binaries")
        folder = Path(tempfile.mkdtemp(prefix="peerdesk-pg-engine-"))
        folder.chmod(0o755)
        cluster = create_cluster(folder / "cluster")
        with psycopg.connect(cluster.dsn(), password=cluster.password, autocommit=True) as c:
            c.execute('CREATE DATABASE "peerdesk_template"')
        engine = create_engine(cluster.url("peerdesk_template"))
        with engine.connect() as conn:
            schema.upgrade(conn)
            conn.commit()
        engine.dispose()
        try:
            yield cluster, "peerdesk_template"
        finally:
            cluster.stop("immediate")
            shutil.rmtree(folder, ignore_errors=True)

    @pytest.fixture(autouse=True)
    def server_engine(
        engine_server: tuple[object, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[None]:
        import uuid

        import psycopg

        cluster, template = engine_server
        name = f"peerdesk_{uuid.uuid4().hex[:12]}"
        dsn = cluster.dsn()  # type: ignore[attr-defined]
        password = cluster.password  # type: ignore[attr-defined]
        with psycopg.connect(dsn, password=password, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        policy = tmp_path / "machine-policy.toml"
        policy.write_text(
            "[store]\n"
            f'url = "postgresql://peerdesk_dba@{cluster.host}:{cluster.port}/{name}"\n'  # type: ignore[attr-defined]
            f'ca_file = "{cluster.ca_file}"\n',  # type: ignore[attr-defined]
            encoding="utf-8",
        )
        monkeypatch.setenv("PEERDESK_POLICY", str(policy))
        monkeypatch.setenv("PEERDESK_DB_PASSWORD", password)
        yield
        with psycopg.connect(dsn, password=password, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seal_free_text(store) -> None:  # noqa: ANN001 - a services.store.Store
    """Turn sealing on for an open store, as server mode does (models/sealing.py): the
    store's own session factory gets a sealer, keeping what else its engine put in."""
    from peerdesk.models.sealing import SESSION_KEY, make_sealer

    store._sessions.kw.setdefault("info", {})[SESSION_KEY] = make_sealer(lambda: store.key)


@pytest.fixture(params=["plain", "sealed"])
def sealing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on local stores as they are, then again with every store's free text
    sealed as on a server (`pytestmark = pytest.mark.usefixtures("sealing")`)."""
    if request.param == "sealed":
        from peerdesk.services.store import Store

        original = Store.__init__

        def sealed_init(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
            original(self, *args, **kwargs)
            seal_free_text(self)

        monkeypatch.setattr(Store, "__init__", sealed_init)
    return request.param

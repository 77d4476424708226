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

# Argon2id at full strength takes ~0.3 s per unlock; tests unlock hundreds of times.
# Slots record their parameters, so this never silently weakens a real store.
os.environ["PEERDESK_INSECURE_FAST_KDF"] = "1"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read this machine's /etc/peerdesk/policy.toml; those about the machine
# policy point PEERDESK_POLICY at their own file.
NO_MACHINE_POLICY = str(Path(tempfile.gettempdir()) / "peerdesk-tests-no-machine-policy.toml")
os.environ["PEERDESK_POLICY"] = NO_MACHINE_POLICY

import keyring  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402


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


@dataclass
class StoreInfo:
    data_dir: Path
    recovery_key: str


@pytest.fixture
def store_dir(tmp_path: Path) -> StoreInfo:
    """A fresh store with admin, coordinator and two supporters (alice, bob)."""
    from peerdesk.services import accounts
    from peerdesk.services.store import create_store, open_store

    data_dir = tmp_path / "store"
    recovery = create_store(data_dir, "admin", ADMIN_PW, "Admin", "Test Clinic")
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
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    full_env["PEERDESK_INSECURE_FAST_KDF"] = "1"
    if data_dir is not None:
        full_env["PEERDESK_DATA_DIR"] = str(data_dir)
    # Never the machine's own policy or /var/log/peerdesk: a test names them when it needs them.
    full_env["PEERDESK_POLICY"] = NO_MACHINE_POLICY
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

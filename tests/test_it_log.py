"""The log for IT after a scripted working day: what happened is there, secrets are not."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from conftest import ADMIN_PW, run_cli

from peerdesk.services import accounts, episodes, participants, sessions
from peerdesk.services.backup_service import enable_backup, run_unattended_backup
from peerdesk.services.it_log import close_it_log, setup_it_log
from peerdesk.services.store import open_store

ALICE_PW = "alice private passphrase 7731"
NEW_PW = "generated-ish passphrase 5521"
PARTICIPANT = "Quillon Zebedee-Testperson"
NOTE = "NOTE-SECRET-8841 talked about the night shift"
TYPED_IN_NAME_FIELD = "Oops-MyPassword-In-The-Name-Box-42"
FIXTURES = Path(__file__).parent / "fixtures" / "stores"


@pytest.fixture
def logs(tmp_path, monkeypatch):
    folder = tmp_path / "it-logs"
    monkeypatch.setenv("PEERDESK_LOG_DIR", str(folder))
    path = setup_it_log(None)
    assert path == folder / "peerdesk.log"
    yield path
    close_it_log()


def test_a_scripted_day_leaves_events_and_no_secrets(tmp_path, logs, memory_keyring):
    data = tmp_path / "store"
    env = {"PEERDESK_LOG_DIR": str(logs.parent)}
    r = run_cli(
        "init",
        "--admin",
        "admin",
        "--password-stdin",
        stdin=ADMIN_PW + "\n",
        data_dir=data,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    recovery = next(ln.strip() for ln in r.stdout.splitlines() if ln.strip().count("-") == 5)
    admin_env = {**env, "PEERDESK_PASSWORD": ADMIN_PW}
    r = run_cli(
        "user",
        "add",
        "alice",
        "--role",
        "supporter",
        "--user",
        "admin",
        data_dir=data,
        env={**admin_env, "PEERDESK_NEW_PASSWORD": ALICE_PW},
    )
    assert r.returncode == 0
    r = run_cli(
        "user",
        "add",
        "coord",
        "--role",
        "coordinator",
        "--user",
        "admin",
        data_dir=data,
        env={**admin_env, "PEERDESK_NEW_PASSWORD": "first " + NEW_PW},
    )
    assert r.returncode == 0
    # The password the admin set is a first password: coord chooses their own.
    r = run_cli(
        "user",
        "password",
        "--user",
        "coord",
        data_dir=data,
        env={**env, "PEERDESK_PASSWORD": "first " + NEW_PW, "PEERDESK_NEW_PASSWORD": NEW_PW},
    )
    assert r.returncode == 0, r.stderr
    # Alice's session, in the process (services log to the same file).
    store, alice = open_store(data, "alice", ALICE_PW)
    with store:
        data_key = store.key.hex()
        p = participants.create_participant(store, alice, "staff", role="nurse", name=PARTICIPANT)
        ep = episodes.open_episode(store, alice, p.id, "burnout")
        sessions.record_session(store, alice, sessions.SessionInput(ep.id, 30, "phone", notes=NOTE))
    # Someone types a password into the name box; another a wrong password.
    r = run_cli(
        "verify",
        "--user",
        TYPED_IN_NAME_FIELD,
        data_dir=data,
        env={**env, "PEERDESK_PASSWORD": ALICE_PW},
    )
    assert r.returncode == 6
    r = run_cli(
        "verify",
        "--user",
        "alice",
        data_dir=data,
        env={**env, "PEERDESK_PASSWORD": "not " + ALICE_PW},
    )
    assert r.returncode == 6
    coord_env = {**env, "PEERDESK_PASSWORD": NEW_PW}
    r = run_cli(
        "export",
        "--out",
        str(tmp_path / "exp"),
        "--include-names",
        "--user",
        "coord",
        data_dir=data,
        env=coord_env,
    )
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "backup", "--out", str(tmp_path / "b"), "--user", "admin", data_dir=data, env=admin_env
    )
    assert r.returncode == 0
    r = run_cli(
        "restore",
        str(tmp_path / "b.pdbackup"),
        "--recovery-key-stdin",
        data_dir=tmp_path / "drill",
        env=env,
        stdin=recovery + "\n",
    )
    assert r.returncode == 0, r.stderr
    store, admin = open_store(data, "admin", ADMIN_PW)
    with store:
        enable_backup(store, admin, "keyring")
        accounts.reset_password(store, admin, "alice", ALICE_PW + " new")
    run_unattended_backup(data, tmp_path / "nightly")
    backup_secret = next(iter(memory_keyring.items.values()))

    text = "\n".join(p.read_text() for p in logs.parent.glob("peerdesk.log*"))
    for secret in (
        ADMIN_PW,
        ALICE_PW,
        NEW_PW,
        PARTICIPANT,
        "Quillon",
        NOTE,
        "NOTE-SECRET",
        TYPED_IN_NAME_FIELD,
        recovery,
        recovery.replace("-", ""),
        data_key,
        backup_secret,
    ):
        assert secret not in text, f"{secret!r} is in the IT log"
    for expected in (
        "start: peerdesk",
        "init",
        "store created",
        "signed in: admin",
        "signed in: alice",
        "signed in: coord",
        "sign-in refused (AuthenticationError) for an unknown account name",
        "sign-in refused (AuthenticationError) for alice",
        "verify ended with AuthenticationError (exit 6)",
        "backup written by admin",
        "signed in: emergency access (recovery key)",
        "backup restored into",
        "unattended backups enabled by admin",
        "unattended backup ok",
    ):
        assert expected in text, expected
    assert stat.S_IMODE(logs.stat().st_mode) == 0o600


def test_upgrades_are_logged(tmp_path, logs):
    revision = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())[0]
    data = tmp_path / "old"
    shutil.copytree(FIXTURES / revision, data)
    store, _ = open_store(data, "coordinator", "fixture passphrase 0001")
    store.close()
    assert f"upgraded from schema {revision} to" in logs.read_text()


def test_the_log_rotates(tmp_path, logs, monkeypatch):
    import logging

    from peerdesk.services import it_log

    handler = logging.getLogger("peerdesk.it").handlers[0]
    monkeypatch.setattr(handler, "maxBytes", 2000)
    for n in range(200):
        logging.getLogger("peerdesk.it").info("line %d of a long day", n)
    rotated = sorted(p.name for p in logs.parent.iterdir())
    assert "peerdesk.log.1" in rotated and len(rotated) <= 1 + it_log.BACKUPS


def test_an_unwritable_log_never_breaks_a_command(tmp_path, store_dir):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the log folder should be")
    r = run_cli(
        "user",
        "list",
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_LOG_DIR": str(blocked), "PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert r.returncode == 0 and r.stderr == ""

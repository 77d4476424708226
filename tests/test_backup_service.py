"""Backups while the app is open, and unattended backups with a backup-only keyslot.

The systemd path uses the real systemd-creds where it works (root with a host key);
otherwise a stub on PATH stands in and the test says so in its id.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import keyring
import pytest
from conftest import ADMIN_PW, COORD_PW, SUP_A_PW, assert_one_line_error, run_cli

from peerdesk.errors import (
    AuthenticationError,
    PermissionDeniedError,
    SecretStoreError,
)
from peerdesk.services import (
    accounts,
    audit_log,
    episodes,
    exporter,
    participants,
    policy_admin,
    secret_store,
    sessions,
)
from peerdesk.services.backup import backup_store
from peerdesk.services.backup_service import (
    KEYRING_SERVICE,
    disable_backup,
    enable_backup,
    open_for_backup,
    run_unattended_backup,
)
from peerdesk.services.it_log import close_it_log, setup_it_log
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.store import open_store
from peerdesk.services.verify import verify_store

NOTE = "BACKUP-TEST-NOTE private words"


def _write_policy(data_dir: Path, text: str) -> None:
    (data_dir / "policy.toml").write_text("[policy]\n" + text)


def _keyring_secret(memory_keyring) -> str:
    [(service, _account)] = list(memory_keyring.items)
    assert service == KEYRING_SERVICE
    return next(iter(memory_keyring.items.values()))


def _files_text(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def _with_a_note(data_dir: Path) -> str:
    store, alice = open_store(data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff", role="nurse")
        ep = episodes.open_episode(store, alice, p.id, "burnout")
        info = sessions.record_session(
            store, alice, sessions.SessionInput(ep.id, 30, "phone", notes=NOTE)
        )
    return info.id


def test_the_backup_job_can_only_back_up(store_dir, memory_keyring, tmp_path):
    session_id = _with_a_note(store_dir.data_dir)
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        info = enable_backup(store, admin, "keyring")
    assert info.method == "keyring"
    secret = _keyring_secret(memory_keyring)
    # Never on disk in plaintext: not in the key file, nor anywhere in the data folder.
    assert secret.encode() not in _files_text(store_dir.data_dir)
    slot = KeyslotFile(store_dir.data_dir).find("backup")
    assert slot is not None and "extras" not in slot  # no notes keys in it

    job_store, job = open_for_backup(store_dir.data_dir)
    with job_store:
        assert job.role == "backup-job"
        refusals = {
            "participants": lambda: participants.list_participants(job_store, job),
            "sessions": lambda: sessions.list_sessions(job_store, job),
            "a note": lambda: sessions.get_session(job_store, job, session_id),
            "export": lambda: exporter.export_all(job_store, job, tmp_path / "exp"),
            "accounts": lambda: accounts.list_users(job_store, job),
            "audit log": lambda: audit_log.list_events(job_store, job),
            "verify": lambda: verify_store(job_store, job),
            "policy": lambda: policy_admin.save_policy(job_store, job, {"series_length": 4}),
            "enable": lambda: enable_backup(job_store, job, "keyring"),
        }
        for what, call in refusals.items():
            with pytest.raises(PermissionDeniedError):
                call()
                pytest.fail(f"the backup job could reach {what}")
        assert not (tmp_path / "exp").exists()
        keys = job_store.note_keys
        assert not keys.own and keys.recovery_private is None
    # It cannot sign in to the app: the secret is no account's password.
    for name in ("backup", "backup-job", "admin", ""):
        with pytest.raises(AuthenticationError):
            open_store(store_dir.data_dir, name, secret)


def test_unattended_backup_beside_the_open_app_rotates_and_logs_one_line(
    store_dir, memory_keyring, tmp_path, monkeypatch
):
    monkeypatch.setenv("PEERDESK_LOG_DIR", str(tmp_path / "logs"))
    folder = tmp_path / "nightly"
    _write_policy(store_dir.data_dir, f'backups_to_keep = 2\nbackup_dir = "{folder}"\n')
    folder.mkdir()
    (folder / "keep-me.pdbackup").write_bytes(b"someone else's file")
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        enable_backup(store, admin, "keyring")
    log_path = setup_it_log(tmp_path / "logs")
    assert log_path is not None
    try:
        app, _coord = open_store(store_dir.data_dir, "coord", COORD_PW)  # the app, signed in
        with app:
            results = [run_unattended_backup(store_dir.data_dir) for _ in range(3)]
    finally:
        close_it_log()
    kept = sorted(p.name for p in folder.glob("peerdesk-*.pdbackup"))
    assert kept == sorted(r.info.path.name for r in results[1:])
    assert (folder / "keep-me.pdbackup").exists()
    assert len(results[2].removed) == 1
    lines = log_path.read_text().splitlines()
    runs = [ln for ln in lines if "unattended backup" in ln]
    assert len(runs) == 3 and all("unattended backup ok" in ln for ln in runs)
    assert not any("backup written by" in ln for ln in lines)  # one line per run, not two
    # The newest restores and verifies.
    r = run_cli(
        "restore",
        str(results[2].info.path),
        "--user",
        "admin",
        data_dir=tmp_path / "restored",
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert r.returncode == 0, r.stderr


def test_backup_cli_while_the_app_writes_gets_one_consistent_snapshot(store_dir, tmp_path):
    """The app keeps writing audit events (the chain head moves with every one) while the
    CLI backs up; the restored copy's chain must verify end to end."""
    app, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    stop = threading.Event()
    written = []

    def keep_writing() -> None:
        while not stop.is_set():
            with app.session() as s:
                app.audit(s, admin, "test.write", "store", str(len(written)))
            written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        r = run_cli(
            "backup",
            "--out",
            str(tmp_path / "while-open"),
            "--user",
            "admin",
            data_dir=store_dir.data_dir,
            env={"PEERDESK_PASSWORD": ADMIN_PW},
        )
    finally:
        stop.set()
        writer.join()
        app.close()
    assert r.returncode == 0, r.stderr  # it used to refuse: "already open"
    assert len(written) > 5
    restored = tmp_path / "restored"
    env = {"PEERDESK_PASSWORD": ADMIN_PW}
    r = run_cli(
        "restore",
        str(tmp_path / "while-open.pdbackup"),
        "--user",
        "admin",
        data_dir=restored,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    r = run_cli("verify", "--user", "admin", data_dir=restored, env=env)
    assert r.returncode == 0, r.stdout + r.stderr


def _systemd_creds(tmp_path: Path) -> tuple[dict[str, str], bool]:
    """PATH for the CLI: the real systemd-creds if it can encrypt here, else a stub."""
    real = shutil.which("systemd-creds")
    if real:
        probe = subprocess.run(
            [real, "encrypt", "--name=probe", "-", str(tmp_path / "probe.cred")],
            input=b"x",
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return {"PATH": os.environ["PATH"]}, True
    stub_dir = tmp_path / "stub-bin"
    stub_dir.mkdir()
    stub = stub_dir / "systemd-creds"
    # Stands in for the real tool: "encrypts" by reversing and hex-encoding (tests only).
    stub.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = encrypt ]; then python3 -c "import sys;'
        'sys.stdout.write(sys.stdin.read()[::-1].encode().hex())" > "$4"; exit 0; fi\n'
        'if [ "$1" = decrypt ]; then python3 -c "import sys;'
        'sys.stdout.write(bytes.fromhex(open(sys.argv[1]).read()).decode()[::-1])" "$3"; '
        "exit 0; fi\nexit 1\n"
    )
    stub.chmod(0o755)
    return {"PATH": f"{stub_dir}:{os.environ['PATH']}"}, False


def test_unattended_backup_from_a_systemd_credential_while_the_app_is_open(store_dir, tmp_path):
    path_env, real = _systemd_creds(tmp_path)
    cred = tmp_path / "etc" / "backup.cred"
    bk = tmp_path / "var-backups"
    _write_policy(store_dir.data_dir, f'backup_dir = "{bk}"\n')
    env = {
        **path_env,
        "PEERDESK_BACKUP_CREDENTIAL": str(cred),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # as under systemd
        "PEERDESK_PASSWORD": ADMIN_PW,
    }
    r = run_cli("service", "enable-backup", "--user", "admin", data_dir=store_dir.data_dir, env=env)
    assert r.returncode == 0, r.stderr
    assert "systemd-creds" in r.stdout and oct(cred.stat().st_mode & 0o777) == "0o600"
    r = run_cli("service", "status", data_dir=store_dir.data_dir, env=env)
    assert r.returncode == 0 and f"secret kept by systemd ({cred})" in r.stdout
    assert f"Backup folder: {bk}" in r.stdout
    # What the unit does: LoadCredentialEncrypted= decrypts into $CREDENTIALS_DIRECTORY.
    creds_dir = tmp_path / "run-credentials"
    creds_dir.mkdir(mode=0o700)
    secret = subprocess.run(
        ["systemd-creds", "decrypt", "--name=peerdesk-backup", str(cred), "-"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **path_env},
    ).stdout
    assert len(secret) >= 40
    assert secret.encode() not in cred.read_bytes()  # encrypted at rest
    assert secret.encode() not in _files_text(store_dir.data_dir)
    (creds_dir / "peerdesk-backup").write_text(secret)
    job_env = {
        **path_env,
        "CREDENTIALS_DIRECTORY": str(creds_dir),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    app, _ = open_store(store_dir.data_dir, "coord", COORD_PW)  # signed in in the app
    with app:
        r = run_cli("backup", "--unattended", data_dir=store_dir.data_dir, env=job_env)
        assert r.returncode == 0, r.stderr
        [made] = list(bk.glob("peerdesk-*.pdbackup"))
        assert made.name in r.stdout
        # Restore needs the store to itself, so it is refused while the app has it.
        r = run_cli(
            "restore",
            str(made),
            "--user",
            "admin",
            data_dir=store_dir.data_dir,
            env={"PEERDESK_PASSWORD": ADMIN_PW},
        )
        assert r.returncode != 0
    r = run_cli(
        "service", "disable-backup", "--user", "admin", data_dir=store_dir.data_dir, env=env
    )
    assert r.returncode == 0 and not cred.exists()
    r = run_cli("backup", "--unattended", data_dir=store_dir.data_dir, env=job_env)
    assert r.returncode == 12 and "not set up" in assert_one_line_error(r)
    if not real:
        pytest.skip("ran with a systemd-creds stub: real encryption not verified here")


def test_no_secret_store_is_one_line_and_changes_nothing(store_dir, tmp_path):
    before = KeyslotFile(store_dir.data_dir).slots
    env = {
        "PATH": str(tmp_path / "empty-bin"),  # no systemd-creds
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PEERDESK_PASSWORD": ADMIN_PW,
        "PEERDESK_BACKUP_CREDENTIAL": str(tmp_path / "backup.cred"),
    }
    r = run_cli("service", "enable-backup", "--user", "admin", data_dir=store_dir.data_dir, env=env)
    line = assert_one_line_error(r)
    assert r.returncode == 12 and "no place to keep the backup secret" in line
    assert KeyslotFile(store_dir.data_dir).find("backup") is None
    assert not (tmp_path / "backup.cred").exists()
    r = run_cli("backup", "--unattended", data_dir=store_dir.data_dir, env=env)
    assert r.returncode == 12 and "not set up" in assert_one_line_error(r)
    r = run_cli("backup", "--unattended", "--user", "admin", data_dir=store_dir.data_dir, env=env)
    assert r.returncode == 2
    assert KeyslotFile(store_dir.data_dir).slots == before


class PlaintextKeyring(keyring.backend.KeyringBackend):
    """Looks like keyrings.alt's file backend: a plaintext file must never be used."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("a plaintext keyring was written to")

    def delete_password(self, service: str, username: str) -> None:
        pass


PlaintextKeyring.__module__ = "keyrings.alt.file"


def test_file_keyrings_are_refused(store_dir, monkeypatch):
    from keyring.backends.chainer import ChainerBackend

    keyring.set_keyring(PlaintextKeyring())
    assert secret_store.usable_keyring() is None
    monkeypatch.setattr(secret_store, "systemd_creds", lambda: None)
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        with pytest.raises(SecretStoreError):
            enable_backup(store, admin, "keyring")
        with pytest.raises(SecretStoreError, match="no place"):
            enable_backup(store, admin, "auto")
        assert store.keyslots.find("backup") is None
    chained = ChainerBackend.__new__(ChainerBackend)
    monkeypatch.setattr(ChainerBackend, "backends", [PlaintextKeyring()], raising=False)
    keyring.set_keyring(chained)
    assert secret_store.usable_keyring() is None


def test_wrong_or_removed_secret(store_dir, memory_keyring):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        enable_backup(store, admin, "keyring")
    key = next(iter(memory_keyring.items))
    memory_keyring.items[key] = "not the secret"
    with pytest.raises(AuthenticationError, match="does not open this store"):
        open_for_backup(store_dir.data_dir)
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        assert disable_backup(store, admin) is True
        assert disable_backup(store, admin) is False
    assert memory_keyring.items == {}
    with pytest.raises(SecretStoreError, match="not set up"):
        open_for_backup(store_dir.data_dir)


def test_enable_needs_an_admin_and_the_store_to_itself(store_dir, memory_keyring):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store, pytest.raises(PermissionDeniedError):
        enable_backup(store, coord, "keyring")
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW, exclusive=False)
    with store, pytest.raises(Exception, match="close the app first"):
        enable_backup(store, admin, "keyring")
    assert memory_keyring.items == {}


def test_events_from_beside_the_app_join_the_log_at_the_next_unlock(store_dir, tmp_path):
    app, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with app:
        r = run_cli(
            "backup",
            "--out",
            str(tmp_path / "b"),
            "--user",
            "admin",
            data_dir=store_dir.data_dir,
            env={"PEERDESK_PASSWORD": ADMIN_PW},
        )
        assert r.returncode == 0, r.stderr
        pending = list((store_dir.data_dir / "pending-events").glob("*.json"))
        assert len(pending) == 2  # the sign-in and the backup, nothing written to the db
        # A forged event (no valid seal) is not believed.
        forged = store_dir.data_dir / "pending-events" / "0-forged.json"
        forged.write_text(
            '{"action": "backup.create", "actor": "alice", "role": "admin", "target_type": "",'
            ' "target_id": "", "detail": {}, "at": 1, "mac": "00"}'
        )
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        events = audit_log.list_events(store, admin, limit=20)
    assert list((store_dir.data_dir / "pending-events").glob("*.json")) == []
    actions = [e.action for e in events]
    assert "pending_event.rejected" in actions
    backups = [e for e in events if e.action == "backup.create"]
    assert len(backups) == 1 and "b.pdbackup" in str(backups[0].target_id)
    r = run_cli(
        "verify",
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": ADMIN_PW},
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_backup_beside_the_app_leaves_the_key_file_alone(store_dir, tmp_path):
    """The app owns keyslots.json while it has the store; a backup's sign-in must not
    rewrite it (a password changed in the app at that moment would be lost)."""
    with pytest.raises(AuthenticationError):
        open_store(store_dir.data_dir, "admin", "a wrong password")  # leaves a count
    app, _ = open_store(store_dir.data_dir, "coord", COORD_PW)
    with app:
        before = (store_dir.data_dir / "keyslots.json").read_bytes()
        store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW, exclusive=False)
        with store:
            backup_store(store, admin, tmp_path / "b")
        assert (store_dir.data_dir / "keyslots.json").read_bytes() == before

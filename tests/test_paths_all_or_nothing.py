"""Issue 11 item 6: all or nothing. Kills and failures never leave half a store, an account
without its keyslot, a report without its audit event or an event without its backup."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ADMIN_PW, COORD_PW, NO_MACHINE_POLICY, fast_kdf_env, run_cli
from sqlalchemy import select

from peerdesk.errors import PeerDeskError, StorageFullError
from peerdesk.models import AuditEvent, User
from peerdesk.services import accounts, pending_events
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.store import open_store

ADMIN = {"PEERDESK_USER": "admin", "PEERDESK_PASSWORD": ADMIN_PW}
PW = "demo passphrase for kills"


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    env.update(
        PEERDESK_POLICY=NO_MACHINE_POLICY,
        PEERDESK_PASSWORD=PW,
        PEERDESK_LOG_DIR=str(Path(args[1]).parent / "logs"),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "peerdesk", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _kill_when(proc: subprocess.Popen[str], ready, timeout: float = 60.0) -> bool:
    """SIGKILL proc as soon as ready() holds; False if it finished first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    raise AssertionError("never reached the moment to kill")


def _builds(data_dir: Path) -> list[Path]:
    return list(data_dir.parent.glob(f".{data_dir.name}.peerdesk-build-*"))


def _looks_like_a_store(data_dir: Path) -> bool:
    return any((data_dir / n).exists() for n in ("peerdesk.db", "keyslots.json"))


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_demo_killed_half_way_leaves_nothing_and_demo_runs_again(tmp_path):
    d = tmp_path / "demo"
    proc = _spawn("--data-dir", str(d), "demo", "--sessions", "20000")
    killed = _kill_when(
        proc, lambda: any((b / "keyslots.json").exists() for b in _builds(d)), timeout=90
    )
    assert killed, "the demo finished before it could be killed"
    assert not _looks_like_a_store(d)
    assert _builds(d)  # the hidden build folder is all that is left
    verify = run_cli("verify", env={**ADMIN}, data_dir=d)
    assert verify.returncode == 3, verify.stderr  # no store, said plainly
    again = run_cli("--data-dir", str(d), "demo", "--sessions", "50", env={"PEERDESK_PASSWORD": PW})
    assert again.returncode == 0, again.stderr
    assert not _builds(d)  # the killed run's folder was cleaned up
    forced = run_cli(
        "--data-dir", str(d), "demo", "--force", "--sessions", "50", env={"PEERDESK_PASSWORD": PW}
    )
    assert forced.returncode == 0, forced.stderr


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_demo_force_killed_keeps_the_old_demo(tmp_path):
    d = tmp_path / "demo"
    first = run_cli("--data-dir", str(d), "demo", "--sessions", "50", env={"PEERDESK_PASSWORD": PW})
    assert first.returncode == 0, first.stderr
    proc = _spawn("--data-dir", str(d), "demo", "--force", "--sessions", "20000")
    assert _kill_when(proc, lambda: any((b / "peerdesk.db").exists() for b in _builds(d)))
    store, _ = open_store(d, "admin", PW)  # the old demo is whole
    store.close()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_restore_killed_leaves_the_folder_empty_and_restore_runs_again(store_dir, tmp_path):
    out = tmp_path / "b.pdbackup"
    made = run_cli("backup", "--out", str(out), env=ADMIN, data_dir=store_dir.data_dir)
    assert made.returncode == 0, made.stderr
    target = tmp_path / "restored"
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    env |= {"PEERDESK_POLICY": NO_MACHINE_POLICY, "PEERDESK_LOG_DIR": str(tmp_path / "logs")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "peerdesk", "--data-dir", str(target), "restore", str(out),
         "--user", "admin", "--password-stdin"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(ADMIN_PW + "\n")
    proc.stdin.flush()
    killed = _kill_when(proc, lambda: any((b / "peerdesk.db").exists() for b in _builds(target)))
    if killed:
        assert not _looks_like_a_store(target)
    again = run_cli("restore", str(out), env=ADMIN, data_dir=target)
    assert again.returncode == 0, again.stderr
    assert not _builds(target)
    assert (target.stat().st_mode & 0o777) == 0o700


def _events(data_dir: Path, action: str) -> list[AuditEvent]:
    store, _ = open_store(data_dir, "admin", ADMIN_PW)
    with store:
        with store.session() as s:
            return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_backup_killed_leaves_no_event_without_its_file_and_no_temp_files(store_dir):
    d = store_dir.data_dir
    out_dir = d / "backups"
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    env.update(
        PEERDESK_POLICY=NO_MACHINE_POLICY,
        PEERDESK_USER="admin",
        PEERDESK_PASSWORD=ADMIN_PW,
        PEERDESK_LOG_DIR=str(d.parent / "logs"),
    )
    kills = 0
    for n in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "peerdesk", "--data-dir", str(d), "backup",
             "--out", str(out_dir / f"b{n}.pdbackup")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=env,
        )  # fmt: skip
        # Kill at different moments: once the work folder exists, plus a growing delay.
        delay = 0.005 * n

        def ready(delay: float = delay) -> bool:
            if not list(out_dir.glob(".peerdesk-backup-*")):
                return False
            time.sleep(delay)
            return True

        kills += _kill_when(proc, ready)
    assert kills >= 1
    run_cli("verify", env=ADMIN, data_dir=d)  # the next start cleans and settles
    events = {e.target_id for e in _events(d, "backup.create")}
    files = {p.name for p in out_dir.glob("*.pdbackup")}
    assert events == files, (events, files)
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]
    assert not list((d / "pending-events").glob("*.prepared"))


def test_prepared_event_of_a_dead_backup_is_settled_by_its_file(store_dir, tmp_path):
    d = store_dir.data_dir
    store, admin = open_store(d, "admin", ADMIN_PW, exclusive=False)
    with store:
        kept = tmp_path / "kept.pdbackup"
        kept.write_bytes(b"x")
        for about in (kept, tmp_path / "gone.pdbackup"):
            p = pending_events.prepare(d, store.key, admin, "backup.create", "file", about.name,
                                       {}, about)  # fmt: skip
            p.rename(p.with_name("999999999-" + p.name.split("-", 1)[1]))  # a dead writer
    assert [e.target_id for e in _events(d, "backup.create")] == ["kept.pdbackup"]
    assert not list((d / "pending-events").glob("*"))


def test_user_add_on_a_full_disk_leaves_neither_account_nor_slot(store_dir, monkeypatch):
    d = store_dir.data_dir
    real_save = KeyslotFile.save

    def full(self: KeyslotFile) -> None:
        raise StorageFullError("the disk is full: could not write keyslots.json")

    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        monkeypatch.setattr(KeyslotFile, "save", full)
        with pytest.raises(StorageFullError):
            accounts.add_user(store, admin, "dana", "supporter", "dana's passphrase one")
        monkeypatch.setattr(KeyslotFile, "save", real_save)
        with store.session() as s:
            assert s.scalar(select(User).where(User.username == "dana")) is None
        assert not store.keyslots.has_account("dana")
        # and it can simply be added again
        accounts.add_user(store, admin, "dana", "supporter", "dana's passphrase one")
    assert KeyslotFile(d).has_account("dana")


def test_user_add_whose_commit_fails_takes_the_slot_out_again(store_dir, monkeypatch):
    from sqlalchemy.orm import SessionTransaction

    d = store_dir.data_dir
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        real_commit = SessionTransaction.commit

        def failing_commit(self: SessionTransaction, *a: object, **k: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(SessionTransaction, "commit", failing_commit)
        with pytest.raises(PeerDeskError):
            accounts.add_user(store, admin, "erin", "supporter", "erin's passphrase one")
        monkeypatch.setattr(SessionTransaction, "commit", real_commit)
        with store.session() as s:
            assert s.scalar(select(User).where(User.username == "erin")) is None
    assert not KeyslotFile(d).has_account("erin")


def test_report_whose_audit_fails_leaves_no_files(store_dir, tmp_path, monkeypatch):
    from datetime import date

    from peerdesk.services.reports import files as report_files
    from peerdesk.services.reports.period import Period
    from peerdesk.services.reports.run import build_report

    def audit_fails(*_a: object, **_k: object) -> None:
        raise StorageFullError("the disk is full: could not write peerdesk.db")

    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        report = build_report(store, coord, Period.month(date(2026, 3, 1).strftime("%Y-%m")))
        monkeypatch.setattr(report_files, "audit_report", audit_fails)
        with pytest.raises(StorageFullError):
            report_files.save_report(
                store, coord, report, b"%PDF-1.4 x", tmp_path / "r.pdf", tmp_path / "r.csv"
            )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]

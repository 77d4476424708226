"""Issue 11 item 3: an older copy of the store put back is loud until an admin acknowledges it."""

from __future__ import annotations

import shutil

from conftest import ADMIN_PW, COORD_PW, SUP_A_PW, run_cli
from sqlalchemy import select

from peerdesk.models import AuditEvent
from peerdesk.services.store import DB_FILE, open_store

ADMIN = {"PEERDESK_USER": "admin", "PEERDESK_PASSWORD": ADMIN_PW}
COORD = {"PEERDESK_USER": "coord", "PEERDESK_PASSWORD": COORD_PW}
ALICE = {"PEERDESK_USER": "alice", "PEERDESK_PASSWORD": SUP_A_PW}
WARNING = "peerdesk: warning: an older copy of the store was put back"


def put_old_copy_back(data_dir, tmp_path) -> None:
    """Copy the database, work on (a new account through the CLI), then put the copy back."""
    shutil.copy(data_dir / DB_FILE, tmp_path / "old.db")
    done = run_cli(
        "user", "add", "carol", "--role", "supporter",
        env={**ADMIN, "PEERDESK_NEW_PASSWORD": "carol's first passphrase"}, data_dir=data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shutil.copy(tmp_path / "old.db", data_dir / DB_FILE)
    for tail in ("-wal", "-shm"):
        (data_dir / f"{DB_FILE}{tail}").unlink(missing_ok=True)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(WARNING)]


def test_rollback_is_loud_on_every_command_until_acknowledged(store_dir, tmp_path):
    d = store_dir.data_dir
    put_old_copy_back(d, tmp_path)
    for env, args in (
        (ALICE, ("user", "password")),  # refused later; the warning still comes first
        (ADMIN, ("user", "list")),
        (COORD, ("report", "--month", "2026-03", "--csv", str(tmp_path / "r.csv"))),
        (ADMIN, ("backup", "--out", str(tmp_path / "b.pdbackup"))),
        (COORD, ("export", "--out", str(tmp_path / "export"))),
    ):
        result = run_cli(*args, env=env, data_dir=d)
        if args != ("user", "password"):
            assert result.returncode == 0, result.stderr
            assert len(warnings(result.stderr)) == 1, result.stderr
    # verify fails while it is open, and says why
    result = run_cli("verify", env=ADMIN, data_dir=d)
    assert result.returncode == 10, result.stdout + result.stderr
    assert "problem: rollback:" in result.stdout
    assert len(warnings(result.stderr)) == 1
    # a coordinator may not acknowledge it
    result = run_cli("verify", "--acknowledge-rollback", env=COORD, data_dir=d)
    assert result.returncode == 7
    # an admin acknowledges it (audited); from then on every command is quiet again
    result = run_cli("verify", "--acknowledge-rollback", env=ADMIN, data_dir=d)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "acknowledged" in result.stdout
    for env, args in ((ADMIN, ("user", "list")), (ADMIN, ("verify",))):
        result = run_cli(*args, env=env, data_dir=d)
        assert result.returncode == 0 and not warnings(result.stderr), result.stderr
    store, _ = open_store(d, "admin", ADMIN_PW)
    with store:
        with store.session() as s:
            actions = s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("store.rollback%"))
                .order_by(AuditEvent.seq)
            ).all()
    assert actions == ["store.rollback_detected", "store.rollback_acknowledged"]


def test_a_second_rollback_after_acknowledgement_is_loud_again(store_dir, tmp_path):
    d = store_dir.data_dir
    put_old_copy_back(d, tmp_path)
    first = run_cli("verify", "--acknowledge-rollback", env=ADMIN, data_dir=d)
    assert first.returncode == 0, first.stdout + first.stderr
    put_old_copy_back(d, tmp_path)
    result = run_cli("verify", env=ADMIN, data_dir=d)
    assert result.returncode == 10
    assert len(warnings(result.stderr)) == 1 and "problem: rollback:" in result.stdout

"""Issue 11 item 3 in the app: admins and coordinators are told at every sign-in until an
admin acknowledges the older copy of the store (audited); supporters are not bothered."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from peerdesk.models import AuditEvent
from peerdesk.services import accounts
from peerdesk.services.store import DB_FILE, open_store

from .conftest import PW, sign_in


def _roll_back(data_dir, tmp_path) -> None:
    shutil.copy(data_dir / DB_FILE, tmp_path / "old.db")
    store, admin = open_store(data_dir, "admin", PW)
    with store:
        accounts.add_user(store, admin, "dora", "supporter", "dora's passphrase here")
    shutil.copy(tmp_path / "old.db", data_dir / DB_FILE)
    for tail in ("-wal", "-shm"):
        (data_dir / f"{DB_FILE}{tail}").unlink(missing_ok=True)


def test_rollback_shown_to_coordinator_and_admin_until_acknowledged(
    qtbot, seeded, make_window, dialogs, tmp_path
):
    _roll_back(seeded.data_dir, tmp_path)
    w = make_window(seeded.data_dir)

    def told_since(n: int) -> list[str]:
        return [d.text for d in dialogs.shown[n:] if "older copy of the store" in d.text.lower()]

    n = len(dialogs.shown)
    sign_in(qtbot, w, "anna")
    assert w.signed_in and not told_since(n)  # supporters are not bothered
    w.sign_out()

    n = len(dialogs.shown)
    sign_in(qtbot, w, "coord")
    assert w.signed_in and dialogs.shown[n].kind == "warn" and len(told_since(n)) == 1
    assert dialogs.shown[n].text.startswith("An older copy of the store was put back")
    assert "confirm" not in [d.kind for d in dialogs.shown[n:]]  # only an admin may end it
    w.sign_out()

    dialogs.queue(False)  # the admin is asked; "Not yet" keeps it open
    n = len(dialogs.shown)
    sign_in(qtbot, w, "admin")
    assert dialogs.last("confirm").title == "Older copy of the store"
    assert w.store is not None and w.store.rollback is not None
    w.sign_out()

    dialogs.queue(True)  # acknowledged this time
    sign_in(qtbot, w, "admin")
    assert w.store is not None and w.store.rollback is None
    w.sign_out()

    n = len(dialogs.shown)
    sign_in(qtbot, w, "coord")
    assert w.signed_in and not told_since(n)
    w.sign_out()

    store, _ = open_store(seeded.data_dir, "admin", PW)
    with store:
        with store.session() as s:
            acked = s.scalars(
                select(AuditEvent.actor_name).where(
                    AuditEvent.action == "store.rollback_acknowledged"
                )
            ).all()
    assert acked == ["admin"]

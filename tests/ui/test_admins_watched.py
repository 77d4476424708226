"""Issue 11 item 9: what administrators do to accounts is shown to every coordinator."""

from __future__ import annotations

from datetime import date, timedelta

from peerdesk.services import accounts, today
from peerdesk.services.store import open_store

from .conftest import PW, sign_in


def _admin_changes(data_dir):
    store, admin = open_store(data_dir, "admin", PW)
    with store:
        accounts.add_user(store, admin, "second.coord", "coordinator", "another passphrase 1")
        accounts.disable_user(store, admin, "ben")
        accounts.enable_user(store, admin, "ben", "ben is back again 1")


def test_coordinators_see_account_changes_on_today(qtbot, make_window, seeded):
    _admin_changes(seeded.data_dir)
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "coord")
    page = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    assert page.admin_table.isVisible()
    texts = [c.text for c in page.admin_model.rows()]
    assert texts[:2] == ["re-enabled account ben", "added account second.coord (coordinator)"]
    assert all(c.by.startswith("Ada Admin (admin)") for c in page.admin_model.rows()[:2])


def test_supporters_do_not_see_the_panel(qtbot, make_window, seeded):
    _admin_changes(seeded.data_dir)
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    assert not page.admin_table.isVisible()
    assert page.admin_model.rows() == []


def test_changes_leave_today_after_thirty_days(seeded):
    _admin_changes(seeded.data_dir)
    store, coord = open_store(seeded.data_dir, "coord", PW)
    with store:
        now = today.admin_changes(store, coord, date.today())
        later = today.admin_changes(store, coord, date.today() + timedelta(days=31))
    assert {c.action for c in now} >= {"account.create", "account.enable"}
    assert later == []

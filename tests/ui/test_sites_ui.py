"""Several sites in the app: the organisation coordinator's Reports page offers the
organisation report and each site's; a site coordinator's does not; admins add sites and
move accounts on the Accounts page (real widgets, real stores)."""

from __future__ import annotations

import pytest
from conftest import ADMIN_PW, COORD_PW
from test_sites import BIG, NORTH, ORG_PW, SOUTH, THRESHOLD, two_sites  # noqa: F401

pytest.importorskip("PySide6.QtWidgets")

from peerdesk.services import accounts  # noqa: E402
from peerdesk.services.store import open_store  # noqa: E402
from peerdesk.ui.dialogs import ScriptedDialogs  # noqa: E402
from peerdesk.ui.main_window import available_pages  # noqa: E402
from peerdesk.ui.pages.accounts import AccountsPage  # noqa: E402
from peerdesk.ui.pages.base import Context  # noqa: E402
from peerdesk.ui.reports_page import ReportsPage  # noqa: E402


def _build(qtbot, page: ReportsPage) -> None:
    with qtbot.waitSignal(page.built, timeout=30000):
        page.build_button.click()


def test_the_organisation_coordinator_builds_the_merged_report(qtbot, two_sites):  # noqa: F811
    store, org = open_store(two_sites.data_dir, "org", ORG_PW)
    with store:
        assert [p.key for p in available_pages(org)] == ["today", "resources", "reports"]
        page = ReportsPage(store, org, ScriptedDialogs())
        qtbot.addWidget(page)
        assert [page.which.itemText(i) for i in range(page.which.count())] == [
            "All sites (merged)",
            NORTH,
            SOUTH,
        ]
        assert page.suppress.isHidden()  # no internal reports for this role
        page.set_month(BIG.start.year, BIG.start.month)
        _build(qtbot, page)
        assert "Organisation · 2 sites" in page.status.text()
        assert page.current.report.headline.cell("contacts", "current").text == "6"
        page.which.setCurrentIndex(2)
        _build(qtbot, page)
        assert SOUTH in page.status.text()
        assert page.current.report.headline.cell("contacts", "current").text == f"<{THRESHOLD}"


def test_a_site_coordinator_has_no_choice_of_site(qtbot, two_sites):  # noqa: F811
    store, coord = open_store(two_sites.data_dir, "coordn", COORD_PW)
    with store:
        page = ReportsPage(store, coord, ScriptedDialogs())
        qtbot.addWidget(page)
        assert page.which.isHidden() and page.which.count() == 0
        assert not page.suppress.isHidden()
        page.set_month(BIG.start.year, BIG.start.month)
        _build(qtbot, page)
        assert NORTH in page.status.text()


def test_admin_adds_a_site_and_moves_an_account(qtbot, two_sites):  # noqa: F811
    store, admin = open_store(two_sites.data_dir, "admin", ADMIN_PW)
    with store:
        dialogs = ScriptedDialogs()
        page = AccountsPage(Context(store, admin, dialogs, lambda *a, **k: None), None)
        qtbot.addWidget(page)
        page.refresh()
        assert "North Clinic (" in page.sites_label.text()
        # A name already taken is refused and offered again as typed; Cancel ends it.
        dialogs.queue(" north clinic ", None)
        page.add_site()
        assert [s.kind for s in dialogs.shown] == ["ask_text", "error", "ask_text"]
        assert "already exists" in dialogs.shown[1].text
        dialogs.queue("East Clinic")
        page.add_site()
        assert "East Clinic (0 accounts" in page.sites_label.text()
        page.select("sups")
        dialogs.queue("East Clinic")
        page.move_to_site()
        moved = {u.username: u.site for u in accounts.list_users(store, admin)}
        assert moved["sups"] == "East Clinic"
        assert page.current().username == "sups"
        from PySide6.QtCore import Qt

        headers = [
            page.model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            for c in range(page.model.columnCount())
        ]
        assert headers[3] == "Site"

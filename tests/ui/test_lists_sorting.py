"""Sorting and searching happen in SQL through the services: Participants and Referrals;
the Supporters page judges certificates on the workspace's day and the policy's window."""

from __future__ import annotations

from datetime import date, datetime

from conftest import accept_policy
from PySide6.QtCore import Qt

from peerdesk.services import episodes, referrals, resources
from peerdesk.services.policy import Policy, dump_policy
from peerdesk.services.store import open_store

from .conftest import PW
from .test_program_tools_ui import _as, _program


def _wait(qtbot, model) -> None:
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)


def test_participants_sort_through_the_service(qtbot, make_window, seeded):
    w = _as(qtbot, make_window, seeded.data_dir, "coord")
    w.workspace.show_page("participants")
    page = w.workspace.pages["participants"]
    _wait(qtbot, page.model)
    codes = [r.code for r in page.model.rows()]
    assert len(codes) == 3 and codes == sorted(codes)  # by code, ascending, at first
    header = page.view.horizontalHeader()
    header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)  # Type
    _wait(qtbot, page.model)
    assert (page.model.sort_key, page.model.descending) == ("kind", True)
    assert [r.kind for r in page.model.rows()] == ["staff", "patient", "caregiver"]
    header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    _wait(qtbot, page.model)
    assert [r.kind for r in page.model.rows()] == ["caregiver", "patient", "staff"]
    header.setSortIndicator(5, Qt.SortOrder.AscendingOrder)  # Name: never sorted on
    assert page.model.sort_key == "kind"


def _referrals(data_dir) -> None:
    """Three referrals in Anna's episode: two to the EAP, one to the crisis line."""
    store, coord = open_store(data_dir, "coord", PW)
    with store:
        by_name = {r.name: r.id for r in resources.list_resources(store, coord)}
        episode = next(e for e in episodes.list_episodes(store, coord) if e.reason == "burnout")
        for day, name, urgency, reason in (
            (1, "Staff EAP", "routine", "sleep trouble"),
            (2, "Crisis Line 24/7", "urgent", "safety plan"),
            (3, "Staff EAP", "soon", "workload"),
        ):
            referrals.create_referral(
                store,
                coord,
                episode.id,
                by_name[name],
                reason=reason,
                urgency=urgency,
                at=datetime(2026, 5, day, 9),
            )


def test_referrals_search_sort_and_count(qtbot, make_window, seeded):
    _referrals(seeded.data_dir)
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    w.workspace.show_page("referrals")
    page = w.workspace.pages["referrals"]
    _wait(qtbot, page.model)
    qtbot.waitUntil(lambda: page.count.text() == "3 referrals", timeout=5000)
    assert [r.reason for r in page.model.rows()] == ["workload", "safety plan", "sleep trouble"]
    assert page.first_focus() is page.search
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()  # Ctrl+F, from the workspace, on any page with a search

    qtbot.keyClicks(page.search, "EAP")
    assert page.model.rowCount() == 3  # debounced: nothing per keystroke
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and not page.model.loading, timeout=3000)
    qtbot.waitUntil(lambda: page.count.text() == "2 referrals", timeout=3000)
    assert {r.resource_name for r in page.model.rows()} == {"Staff EAP"}

    page.view.horizontalHeader().setSortIndicator(6, Qt.SortOrder.AscendingOrder)  # check back
    _wait(qtbot, page.model)
    assert page.model.sort_key == "follow_up_on"
    ups = [r.follow_up_on for r in page.model.rows()]
    assert ups == sorted(ups)

    page.search.setText("safety")
    page.search.flush()
    _wait(qtbot, page.model)
    assert [r.reason for r in page.model.rows()] == ["safety plan"]
    qtbot.waitUntil(lambda: page.count.text() == "1 referral", timeout=3000)
    page.search.setText("nothing like this")
    page.search.flush()
    _wait(qtbot, page.model)
    assert page.table.showing_empty and "No referrals match" in page.table.empty.text()


def test_supporters_page_uses_the_policy_window_and_the_workspace_day(qtbot, make_window, seeded):
    prog = _program(seeded.data_dir)  # Mia's first aid expires on 2026-07-01, Lee's crisis
    # course lapsed on 2026-04-30; the workspace's day is 2026-05-15.

    def states(page, supporter_id: str) -> dict[str, str]:
        row = next(i for i, s in enumerate(page.model.rows()) if s.id == supporter_id)
        page.view.setCurrentIndex(page.model.index(row, 0))
        return {
            page.training.row_at(r).course_name: page.training.index(r, 1).data()
            for r in range(page.training.rowCount())
        }

    w = _as(qtbot, make_window, seeded.data_dir, "coord")
    w.workspace.show_page("supporters")
    page = w.workspace.pages["supporters"]
    assert page.today() == date(2026, 5, 15)
    mia = states(page, prog.made["mia"])
    assert mia["Psychological first aid"] == "expires soon"  # 47 days, window 60
    assert set(mia.values()) == {"expires soon", "valid"}
    lee = states(page, prog.made["lee"])
    assert lee["Crisis recognition"] == "EXPIRED"
    w.sign_out()

    (seeded.data_dir / "policy.toml").write_text(
        dump_policy(Policy(expiry_warning_days=30)), encoding="utf-8"
    )
    accept_policy(seeded.data_dir, password=PW)
    w = _as(qtbot, make_window, seeded.data_dir, "coord")
    w.workspace.show_page("supporters")
    page = w.workspace.pages["supporters"]
    assert states(page, prog.made["mia"])["Psychological first aid"] == "valid"

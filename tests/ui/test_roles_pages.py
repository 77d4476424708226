from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QAbstractButton

from peerdesk.ui.dialogs import ScriptedDialogs, UnexpectedDialog
from peerdesk.ui.tasks import run_task, wait_all

from .conftest import sign_in


def test_navigation_shows_only_what_the_role_may_use(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    assert w.workspace.keys() == [
        "today",
        "sessions",
        "participants",
        "referrals",
        "resources",
        "wellbeing",
        "mytraining",
    ]
    w.sign_out()
    sign_in(qtbot, w, "coord")
    keys = w.workspace.keys()
    assert {"supporters", "training", "audit", "sessions"} <= set(keys)
    assert "accounts" not in keys and "wellbeing" not in keys and "mytraining" not in keys
    assert w.workspace.pages.get("sessions") is None  # pages are built when first shown
    w.sign_out()
    sign_in(qtbot, w, "admin")
    keys = w.workspace.keys()
    assert "accounts" in keys and "audit" in keys
    assert not {
        "sessions",
        "participants",
        "referrals",
        "supporters",
        "training",
        "wellbeing",
        "mytraining",
    } & set(keys)
    today = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    # No casework sections for this role, not even empty ones; locked accounts and what
    # administrators did to accounts only.
    shown = [head.text() for head, table in today.sections if not table.isHidden()]
    assert shown == ["Accounts locked out", "Account changes by administrators (last 30 days)"]


def test_today_shows_overdue_follow_up_and_attention(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    today = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    assert today.follow_model.rowCount() == 1
    assert today.follow_model.row_at(0).overdue_days == 1
    assert today.recent_model.rowCount() >= 1
    assert today.attention_table.isHidden()
    w.sign_out()
    sign_in(qtbot, w, "coord")
    today = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    kinds = {a.kind for a in today.attention_model.rows()}
    assert {"missing_course", "supervision"} <= kinds


def test_admin_adds_account_saves_policy_and_backs_up(
    qtbot, make_window, dialogs, seeded, tmp_path
):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "admin")
    w.workspace.show_page("accounts")
    page = w.workspace.pages["accounts"]

    def fill(dlg):
        dlg.username.setText("cleo")
        dlg.display.setText("Cleo New")
        dlg.role.setCurrentIndex(dlg.role.findData("supporter"))
        return True

    dialogs.queue(fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert "cleo" in [u.username for u in page.model.rows()]
    page.policy_fields["idle_lock_minutes"].setValue(3)
    qtbot.mouseClick(page.save_policy, Qt.MouseButton.LeftButton)
    assert "idle_lock_minutes = 3" in (seeded.data_dir / "policy.toml").read_text()
    out = tmp_path / "b.pdbackup"
    dialogs.queue(out)
    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "verified" in page.backup_status.text(), timeout=15000)
    assert out.exists()
    w.workspace.show_page("audit")
    audit = w.workspace.pages["audit"]
    qtbot.waitUntil(lambda: not audit.model.loading, timeout=5000)
    actions = {audit.model.row_at(r).action for r in range(audit.model.rowCount())}
    assert {"backup.create", "policy.update", "account.create"} <= actions
    audit.search.setText("backup")
    audit.search.flush()
    qtbot.waitUntil(lambda: not audit.model.loading, timeout=5000)
    assert {audit.model.row_at(r).action for r in range(audit.model.rowCount())} == {
        "backup.create"
    }


def test_referral_moves_along_with_history(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("participants", episode_id=seeded.a_episode)
    parts = w.workspace.pages["participants"]
    assert parts.current_episode().id == seeded.a_episode
    dialogs.queue(lambda dlg: dlg.reason.setText("talk to EAP") or True)
    qtbot.mouseClick(parts.referral_button, Qt.MouseButton.LeftButton)
    w.workspace.show_page("referrals")
    page = w.workspace.pages["referrals"]
    qtbot.waitUntil(lambda: not page.model.loading, timeout=5000)
    assert page.model.rowCount() == 1
    page.view.setCurrentIndex(page.model.index(0, 0))
    dialogs.queue("Accepted", "")
    qtbot.mouseClick(page.move_button, Qt.MouseButton.LeftButton)
    assert page.current().status == "accepted"
    assert [h.status for h in page.history.rows()] == ["made", "accepted"]


def test_resources_search_and_empty_state(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("resources")
    page = w.workspace.pages["resources"]
    assert page.model.rowCount() == 2 and page.add_button.isHidden()
    page.search.setText("crisis")
    page.search.flush()
    assert page.model.rowCount() == 1 and "555-0100" in page.detail.text()
    page.search.setText("nothing like this")
    page.search.flush()
    assert page.table.showing_empty and "Clear the search" in page.table.empty.text()


def test_demo_mode_creates_store_and_shows_banner(qtbot, make_window, tmp_path, monkeypatch):
    import peerdesk.ui.main_window as mw

    real = mw.MainWindow.create_demo
    monkeypatch.setattr(mw.MainWindow, "create_demo", lambda self: real(self, sessions=50))
    w = make_window(tmp_path / "demo", demo=True)
    assert not w.banner.isHidden()
    qtbot.waitUntil(lambda: not w.login._busy, timeout=60000)
    assert "Password for each" in w.login.demo_hint.text()
    w.login.password.setText(mw.DEMO_PASSWORD)
    qtbot.mouseClick(w.login.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.signed_in, timeout=10000)
    assert w.store.is_demo() and not w.banner.isHidden()


def test_scripted_dialogs_refuse_unexpected_dialogs():
    d = ScriptedDialogs()
    d.info(None, "t", "x")
    try:
        d.confirm(None, "Sure?", "really")
    except UnexpectedDialog as exc:
        assert "Sure?" in str(exc)
    else:
        raise AssertionError("expected UnexpectedDialog")
    d.queue("b")
    assert d.choose(None, "c", "pick", ["a", "b"]) == "b"
    d.queue(Path("/tmp/x"))
    assert d.save_file(None, "s", "x", "*") == Path("/tmp/x")
    assert d.kinds() == ["info", "confirm", "choose", "save_file"]


def test_task_runs_off_thread_reports_result_error_and_cancel(qtbot):
    import threading

    from peerdesk.errors import PeerDeskError

    main = threading.get_ident()
    got = {}
    run_task(
        None,
        lambda: threading.get_ident(),
        on_result=lambda r: got.setdefault("r", r),
        show_progress=False,
    )

    def boom():
        raise PeerDeskError("disk full")

    run_task(None, boom, on_error=lambda e: got.setdefault("e", str(e)), show_progress=False)
    assert wait_all()
    assert got["r"] != main and got["e"] == "disk full"

    started = threading.Event()

    def slow(cancel, progress):
        started.set()
        for i in range(500):
            if cancel.is_set():
                cancel.raise_if_cancelled()
            progress(i, 500)
            threading.Event().wait(0.01)
        return "finished"

    results = []
    task = run_task(None, slow, on_result=results.append, title="Slow", label="Working")
    started.wait(5)
    task.cancel()
    assert wait_all()
    assert task.cancelled and results == []


@pytest.mark.parametrize("user", ["anna", "coord"])
def test_f1_lists_every_shortcut_there_is(qtbot, make_window, dialogs, seeded, user):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, user)
    for key in w.workspace.keys():
        w.workspace.show_page(key)
    wait_all()
    found = {sc.key().toString() for sc in w.findChildren(QShortcut) if sc.isEnabled()}
    found |= {
        a.shortcut().toString() for a in w.findChildren(QAction) if not a.shortcut().isEmpty()
    }
    found |= {
        b.shortcut().toString()
        for b in w.findChildren(QAbstractButton)
        if not b.shortcut().isEmpty() and not b.shortcut().toString().startswith("Alt+")
    }
    assert {"Ctrl+1", "Ctrl+F", "Ctrl+L", "F1"} <= found
    w.help_action.trigger()
    shown = dialogs.last("info")
    assert shown.title == "Keyboard shortcuts"
    listed = shown.text.replace("Return", "Enter")
    for seq in found:
        assert seq.replace("Return", "Enter") in listed, seq
    for spec in w.workspace.specs[:9]:
        assert spec.title in listed
    assert ("Ctrl+N" in listed) == (user == "anna")

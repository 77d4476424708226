"""The first-run wizard: Enter goes on, and a restore hands over to the sign-in screen."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from peerdesk.services import backup
from peerdesk.services.store import open_store, store_exists

from .conftest import PW, sign_in


def _backup(seeded, tmp_path):
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        backup.backup_store(store, admin, tmp_path / "clinic.pdbackup")
    return tmp_path / "clinic.pdbackup"


def test_enter_on_the_first_page_goes_on(qtbot, make_window, dialogs, tmp_path):
    w = make_window(tmp_path / "fresh")
    wiz = w.wizard
    wiz.show()
    qtbot.waitExposed(wiz)
    wiz.activateWindow()
    qtbot.waitUntil(wiz.isActiveWindow, timeout=2000)
    assert wiz.currentPage() is wiz.welcome
    assert not wiz.welcome.restore.autoDefault() and not wiz.welcome.restore.isDefault()
    focused = QApplication.focusWidget()
    assert focused is not wiz.welcome.restore
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert wiz.currentPage() is wiz.account
    assert dialogs.shown == []  # no file dialog was opened
    # Even with the focus on the Restore button, Enter does not open the file dialog ...
    wiz.back()
    wiz.welcome.restore.setFocus()
    qtbot.keyClick(wiz.welcome.restore, Qt.Key.Key_Return)
    assert dialogs.shown == [] and wiz.currentPage() is wiz.account
    # ... while Space on it still does (a button is pressed with Space).
    wiz.back()
    wiz.welcome.restore.setFocus()
    dialogs.queue(None)
    qtbot.keyClick(wiz.welcome.restore, Qt.Key.Key_Space)
    assert dialogs.last().kind == "open_file"


def test_restore_from_the_wizard_hands_over_to_sign_in(
    qtbot, make_window, dialogs, seeded, tmp_path
):
    archive = _backup(seeded, tmp_path)
    data = tmp_path / "new-computer"
    w = make_window(data)
    wiz = w.wizard
    assert wiz is not None and not w.isVisible()
    dialogs.queue(archive, "anna", PW)
    qtbot.mouseClick(wiz.welcome.restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(s.title == "Restored" for s in dialogs.shown), timeout=15000)
    assert store_exists(data)
    # The wizard is gone and the main window shows the sign-in screen, name filled in.
    assert w.wizard is None and (not shiboken6.isValid(wiz) or not wiz.isVisible())
    assert w.isVisible() and w.stack.currentWidget() is w.login
    assert w.login.username.text() == "anna" and w.login.restore.isHidden()
    sign_in(qtbot, w, "anna")
    assert w.signed_in


def test_failed_restore_from_the_wizard_returns_to_it(qtbot, make_window, dialogs, tmp_path):
    bogus = tmp_path / "not-a-backup.pdbackup"
    bogus.write_bytes(b"nothing useful here" * 100)
    data = tmp_path / "fresh"
    w = make_window(data)
    wiz = w.wizard
    wiz.show()
    dialogs.queue(bogus, "anna", PW)
    qtbot.mouseClick(wiz.welcome.restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(s.kind == "error" for s in dialogs.shown), timeout=15000)
    assert dialogs.last("error").title == "Not restored"
    assert not store_exists(data)
    assert w.wizard is wiz and wiz.isVisible() and not w.isVisible()
    assert wiz.currentPage() is wiz.welcome

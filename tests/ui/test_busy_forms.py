"""Slow saves (password stretching) run off the GUI thread with a busy state."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from peerdesk.services import accounts
from peerdesk.services.store import open_store
from peerdesk.ui.forms import UserDialog

from .conftest import PW


def test_add_account_runs_in_the_background_and_clears_the_old_error(qtbot, seeded):
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        dlg = UserDialog(store, admin)
        qtbot.addWidget(dlg)
        dlg.username.setText("anna")  # taken
        dlg.display.setText("Another Anna")
        dlg.accept()
        assert dlg.busy and not dlg.username.isEnabled() and not dlg.working.isHidden()
        dlg.reject()  # Escape while it works does not drop the answer
        dlg.settle()
        assert not dlg.busy and dlg.username.isEnabled()
        assert "anna" in dlg.error.text().lower() and not dlg.error.isHidden()
        assert dlg.result() != QDialog.DialogCode.Accepted
        dlg.username.setText("dora")
        dlg.accept()
        # The previous message is gone the moment the new attempt starts.
        assert dlg.busy and dlg.error.isHidden()
        dlg.settle()
        assert dlg.result() == QDialog.DialogCode.Accepted
        assert dlg.value.username == "dora"
        assert "dora" in {u.username for u in accounts.list_users(store, admin)}


def test_change_password_checks_off_the_gui_thread(qtbot, seeded):
    from peerdesk.ui.forms import ChangePasswordDialog

    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        dlg = ChangePasswordDialog(store, anna)
        qtbot.addWidget(dlg)
        dlg.old.setText(PW)
        dlg.new.setText("a brand new passphrase")
        dlg.repeat.setText("a different passphrase")
        dlg.accept()  # refused at once, nothing started
        assert not dlg.busy and "not the same" in dlg.error.text()
        dlg.old.setText("not my password at all")
        dlg.repeat.setText("a brand new passphrase")
        dlg.accept()
        assert dlg.busy and dlg.error.isHidden()
        dlg.settle()
        assert not dlg.busy and not dlg.error.isHidden()
        assert dlg.result() != QDialog.DialogCode.Accepted
        dlg.old.setText(PW)
        dlg.accept()
        dlg.settle()
        assert dlg.result() == QDialog.DialogCode.Accepted
    store, anna = open_store(seeded.data_dir, "anna", "a brand new passphrase")
    store.close()

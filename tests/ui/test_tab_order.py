"""Tab walks each form top to bottom, left to right: the login, the session form and the
form dialogs (which used to open on their OK button)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QLabel,
    QTabBar,
    QWidget,
)

from peerdesk.services.store import open_store
from peerdesk.ui.forms import ChangePasswordDialog

from .conftest import PW, sign_in


def _tab_walk(qtbot, start: QWidget, steps: int) -> list[QWidget]:
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)
    seen = [QApplication.focusWidget()]
    for _ in range(steps):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    return seen


def test_login_tab_order(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    login = w.login
    walked = _tab_walk(qtbot, login.username, 3)
    assert walked == [login.username, login.password, login.sign_in, login.recovery]


def test_session_form_tab_order(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("sessions")
    f = w.workspace.pages["sessions"].form
    walked = _tab_walk(qtbot, f.episode, 11)
    # When is one stop: Tab leaves it rather than walking its five sections.
    assert walked == [
        f.episode,
        f.new_participant,
        f.when,
        f.minutes,
        f.mode,
        f.individual,
        f.concerns,
        f.notes,
        f.follow,
        f.safety,
        f.save,
        f.clear_button,
    ]
    # Group attendance and the follow-up date join the walk once they apply.
    f.group.setChecked(True)
    f.follow.setChecked(True)
    walked = _tab_walk(qtbot, f.mode, 7)
    assert walked == [
        f.mode,
        f.individual,  # one stop for the pair; arrow keys choose between them
        f.attendees,
        f.concerns,
        f.notes,
        f.follow,
        f.follow_on,
        f.safety,
    ]


def test_form_dialogs_open_on_the_first_field_and_end_on_their_buttons(qtbot, seeded):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        dlg = ChangePasswordDialog(store, anna)
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.activateWindow()
        qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
        fields = [dlg.old, dlg.new, dlg.repeat]
        qtbot.waitUntil(lambda: QApplication.focusWidget() is fields[0], timeout=2000)
        walked = _tab_walk(qtbot, fields[0], 4)
        ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = dlg.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert walked == [*fields, ok, cancel]
        dlg.reject()


def _mnemonics(root: QWidget) -> list[str]:
    texts = [b.text() for b in root.findChildren(QAbstractButton) if b.isVisibleTo(root)]
    texts += [
        lab.text()
        for lab in root.findChildren(QLabel)
        if lab.buddy() is not None and lab.isVisibleTo(root)
    ]
    for bar in root.findChildren(QTabBar):
        texts += [bar.tabText(i) for i in range(bar.count())]
    found = (re.search(r"&([^&])", t.replace("&&", "")) for t in texts)
    return [m.group(1).lower() for m in found if m]


@pytest.mark.parametrize("user", ["anna", "coord"])
def test_no_page_has_two_fields_on_one_alt_key(qtbot, make_window, seeded, user):
    """Two controls on one Alt+letter only take turns at focus; neither is pressed."""
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, user)
    for key in w.workspace.keys():
        w.workspace.show_page(key)
        keys = _mnemonics(w.workspace.pages[key])
        assert len(keys) == len(set(keys)), (key, sorted(keys))

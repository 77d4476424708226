"""The menu bar, About, the first-password step, enabling and unlocking accounts, the
readable audit log and the sign-in frictions, through real widgets."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QLineEdit

from peerdesk.services import accounts
from peerdesk.services.store import open_store
from peerdesk.ui.about import AboutDialog
from peerdesk.ui.first_password import FirstPasswordDialog
from peerdesk.ui.widgets import PasswordField

from .conftest import PW, sign_in


def _texts(menu) -> list[str]:
    return [a.text().split("\t")[0] for a in menu.actions() if a.isVisible() and a.text()]


def test_menus_show_what_the_role_may_do(qtbot, make_window, seeded, dialogs):
    w = make_window(seeded.data_dir)
    menus = w.menus
    # Before sign-in: nothing to go to; Quit and Help are there.
    assert not menus.go.menuAction().isVisible()
    assert _texts(menus.file) == ["Quit"] and not w.lock_action.isEnabled()
    sign_in(qtbot, w, "anna")
    assert w.windowTitle() == "PeerDesk — Anna Supporter"
    assert _texts(menus.file) == ["Change my password…", "Lock now", "Sign out", "Quit"]
    assert _texts(menus.help) == ["Keyboard shortcuts", "About PeerDesk"]
    go = [a.text() for a in menus.go.actions() if a.text()]
    assert go[0] == "Today\tCtrl+1" and go[1] == "Sessions\tCtrl+2"
    assert go[-1] == "Record a session\tCtrl+N"
    assert not any("Accounts" in t or "Audit" in t for t in go)
    menus.go.findChild(QAction, "go_participants").trigger()
    assert w.workspace.current_key() == "participants"
    w.sign_out()
    assert not menus.go.menuAction().isVisible() and _texts(menus.file) == ["Quit"]
    sign_in(qtbot, w, "admin")
    assert "Back up…" in _texts(menus.file)
    dialogs.queue(None)  # the backup's file dialog, cancelled
    menus.backup_action.trigger()
    assert dialogs.last("save_file").title == "Back up the store"
    assert w.workspace.current_key() == "accounts"


def test_no_key_is_bound_twice(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    keys: Counter[str] = Counter()
    for act in w.findChildren(QAction):
        for seq in act.shortcuts():
            keys[seq.toString()] += 1
    for sc in w.findChildren(QShortcut):
        keys[sc.key().toString()] += 1
    twice = {k: n for k, n in keys.items() if n > 1 and k}
    assert not twice, twice
    assert {"Ctrl+Q", "Ctrl+L", "Ctrl+Shift+L", "F1", "Ctrl+1", "Ctrl+N"} <= set(keys)


def test_pressing_the_shortcuts_raises_no_ambiguity_warning(qtbot, qtlog, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    for n in range(1, len(w.workspace.specs) + 1):
        qtbot.keyClick(
            w.focusWidget() or w, Qt.Key(Qt.Key.Key_0 + n), Qt.KeyboardModifier.ControlModifier
        )
        assert w.workspace.current_key() == w.workspace.specs[n - 1].key
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_F1)
    assert w.dialogs.last("info").title == "Keyboard shortcuts"
    assert "Ctrl+Q" in w.dialogs.last("info").text
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not w.signed_in  # Ctrl+L locked, once
    messages = [r.message for r in qtlog.records]
    assert not [m for m in messages if "mbiguous" in m], messages


def test_alt_f_still_belongs_to_the_session_form(qtbot, make_window, seeded):
    """Menu titles have no mnemonics, so Alt+F ticks "Follow up on" instead of only
    moving the focus (what an ambiguous Alt+F would do)."""
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("sessions", new=True)
    form = w.workspace.pages["sessions"]
    box = form.form.follow
    before = box.isChecked()
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    # A mnemonic clicks after a short animation; an ambiguous one would only focus.
    qtbot.waitUntil(lambda: box.isChecked() != before, timeout=2000)
    assert all("&" not in m.title() for m in (w.menus.file, w.menus.go, w.menus.help))


def test_ctrl_q_closes_through_the_window(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    closed: list[bool] = []
    w.destroyed.connect(lambda: closed.append(True))
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)
    assert not w.signed_in  # closeEvent tore the workspace down and closed the store


def test_ctrl_q_with_unsaved_input_asks_like_closing(qtbot, make_window, seeded, dialogs):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("sessions", new=True)
    form = w.workspace.pages["sessions"].form
    form.concerns.setText("half-written concern")
    dialogs.queue(False)  # "Go back"
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert dialogs.last("confirm").title == "Unsaved input"
    assert w.isVisible() and w.signed_in and form.concerns.text() == "half-written concern"
    dialogs.queue(True)  # "Throw it away"
    w.menus.quit_action.trigger()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)
    assert not w.signed_in


def test_about_shows_versions_and_licences(qtbot, make_window, seeded, dialogs):
    w = make_window(seeded.data_dir)
    seen = {}

    def look(dlg: AboutDialog) -> bool:
        seen["versions"] = dict(dlg.versions)
        seen["licences"] = [dlg.which.itemText(i) for i in range(dlg.which.count())]
        dlg.which.setCurrentIndex(1)
        seen["text"] = dlg.licence.toPlainText()
        seen["components"] = dlg.components.toPlainText()
        return False

    dialogs.queue(look)
    w.menus.about_action.trigger()
    v = seen["versions"]
    assert set(v) >= {"PeerDesk", "Python", "Qt", "PySide6", "SQLCipher", "SQLite"}
    assert v["SQLCipher"].startswith("4") and v["Qt"].startswith("6")
    assert seen["licences"] == ["DejaVu fonts LICENSE", "zxcvbn password list MIT"]
    assert "MIT License" in seen["text"]
    assert "PySide6-Essentials" in seen["components"] and "LGPL" in seen["components"]


def test_password_eye_is_visible_and_toggles(qtbot):
    field = PasswordField()
    qtbot.addWidget(field)
    field.show()
    field.setText("secret words")
    button = field.toggle_button()
    assert button is not None and button.isVisible() and button.width() > 0
    assert not field.toggle_action.icon().isNull()
    assert field.echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert field.echoMode() == QLineEdit.EchoMode.Normal
    assert button.toolTip() == "Hide password"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert field.echoMode() == QLineEdit.EchoMode.Password


def test_attempts_left_and_lock_out_said_once(qtbot, make_window, seeded):
    (seeded.data_dir / "policy.toml").write_text("[policy]\nmax_failed_attempts = 3\n")
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "ben", "not my password")
    assert "2 attempts left" in w.login.error.text()
    sign_in(qtbot, w, "ben", "not my password")
    assert "1 attempt left" in w.login.error.text()
    sign_in(qtbot, w, "ben", "not my password")
    text = w.login.error.text().lower()
    assert text.count("locked") == 1 and text.count("administrator") == 1
    sign_in(qtbot, w, "ben")
    text = w.login.error.text().lower()
    assert text.count("locked") == 1 and text.count("administrator") == 1


def _fill_first_password(new: str, repeat: str | None = None):
    def fill(dlg: FirstPasswordDialog) -> bool:
        assert isinstance(dlg, FirstPasswordDialog)
        dlg.new.setText(new)
        dlg.repeat.setText(repeat if repeat is not None else new)
        return True

    return fill


def test_first_sign_in_asks_for_an_own_password(qtbot, make_window, seeded, dialogs):
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        accounts.add_user(
            store, admin, "dora", "supporter", "given by the admin", "Dora", must_change=True
        )
    w = make_window(seeded.data_dir)
    # Cancelling the step leaves nobody signed in and says why.
    dialogs.queue(False)
    sign_in(qtbot, w, "dora", "given by the admin")
    assert not w.signed_in and w.workspace is None
    assert "choose your own password" in w.login.error.text().lower()
    # The same password again is refused in the dialog, which stays open with its message.
    seen: dict[str, str] = {}

    def same_then_cancel(dlg: FirstPasswordDialog) -> bool:
        dlg.new.setText("given by the admin")
        dlg.repeat.setText("given by the admin")
        dlg.accept()
        seen["error"] = dlg.error.text()
        return False

    dialogs.queue(same_then_cancel)
    sign_in(qtbot, w, "dora", "given by the admin")
    assert "different from the one you were given" in seen["error"]
    assert not w.signed_in
    dialogs.queue(_fill_first_password("dora picks her own"))
    sign_in(qtbot, w, "dora", "given by the admin")
    assert w.signed_in and w.actor.username == "dora"
    w.sign_out()
    sign_in(qtbot, w, "dora", "dora picks her own")  # no dialog queued: none is shown
    assert w.signed_in


def test_admin_enables_and_unlocks_accounts(qtbot, make_window, seeded, dialogs):
    (seeded.data_dir / "policy.toml").write_text("[policy]\nmax_failed_attempts = 3\n")
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        accounts.disable_user(store, admin, "coord")
    w = make_window(seeded.data_dir)
    for _ in range(3):
        sign_in(qtbot, w, "ben", "wrong wrong wrong")
    sign_in(qtbot, w, "admin")
    today = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    assert today.locked_model.rowCount() == 1
    today.locked_table.view.setFocus()
    today.locked_table.view.setCurrentIndex(today.locked_model.index(0, 0))
    qtbot.keyClick(today.locked_table.view, Qt.Key.Key_Return)
    page = w.workspace.pages["accounts"]
    assert w.workspace.current_key() == "accounts" and page.current().username == "ben"
    assert page.unlock_button.isEnabled() and not page.enable_button.isEnabled()
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    assert dialogs.last().title == "Account unlocked"
    assert not page.current().locked_out and not page.unlock_button.isEnabled()

    page.select("coord")
    assert page.enable_button.isEnabled() and not page.reset_button.isEnabled()
    dialogs.queue(True)
    qtbot.mouseClick(page.enable_button, Qt.MouseButton.LeftButton)
    shown = dialogs.last("info")
    assert shown.title == "Account enabled"
    password = shown.text.split("password: ")[1].split("\n")[0]
    assert page.current().state == "active"
    w.sign_out()
    sign_in(qtbot, w, "ben")  # the unlocked account, with its own password
    assert w.signed_in
    w.sign_out()
    dialogs.queue(_fill_first_password("cora is back here"))
    sign_in(qtbot, w, "coord", password)
    assert w.signed_in and w.actor.username == "coord"


def test_add_account_dialog_says_how_to_bring_back_a_disabled_name(
    qtbot, make_window, seeded, dialogs
):
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        accounts.disable_user(store, admin, "coord")
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "admin")
    w.workspace.show_page("accounts")
    page = w.workspace.pages["accounts"]
    seen = {}

    def add_coord(dlg) -> bool:
        dlg.username.setText("coord")
        dlg.accept()  # the account is made off the GUI thread; its answer comes back
        qtbot.waitUntil(lambda: bool(dlg.error.text()), timeout=10000)
        seen["error"] = dlg.error.text()
        return False

    dialogs.queue(add_coord)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert "Coord exists and is disabled; enable it with Enable…" in seen["error"]


def test_audit_log_reads_in_plain_words_filters_and_exports(
    qtbot, make_window, seeded, dialogs, tmp_path
):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna", "a wrong password")
    sign_in(qtbot, w, "admin")
    w.workspace.show_page("audit")
    page = w.workspace.pages["audit"]
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5000)
    rows = [model.row_at(i) for i in range(model.rowCount())]
    shown = " ".join(
        model.index(r, c).data() or ""
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    )
    assert "{" not in shown and "login.failed" not in shown
    assert "Anna Supporter (anna)" in shown and "Failed sign-in" in shown
    failed = next(e for e in rows if e.action == "login.failed")
    assert failed.who == "Anna Supporter (anna)" and "1 failed attempt at" in failed.details
    # Filter by person, then by kind of event.
    page.person.setCurrentIndex(page.person.findData("anna"))
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5000)
    assert {model.row_at(i).username for i in range(model.rowCount())} == {"anna"}
    page.action.setCurrentIndex(page.action.findData("login.failed"))
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert page.count.text() == "1 events"
    target = tmp_path / "audit-export"
    dialogs.queue(str(target))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert dialogs.last("info").title == "Audit log exported"
    data = (tmp_path / "audit-export.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and len(data.decode("utf-8-sig").splitlines()) == 2
    w.sign_out()
    sign_in(qtbot, w, "coord")
    w.workspace.show_page("audit")
    assert w.workspace.pages["audit"].export_button.isHidden()

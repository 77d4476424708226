"""Nothing typed is lost: over a lock, on Escape, on Ctrl+N, on closing the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from peerdesk.ui.checkin_forms import CheckInDialog
from peerdesk.ui.forms import ParticipantDialog

from .conftest import PW, mouse_move, sign_in

NOTE = "half-written note: slept badly, worried about the rota"


def _form(qtbot, w):
    w.workspace.show_page("sessions")
    page = w.workspace.pages["sessions"]
    qtbot.waitUntil(lambda: not page.model.loading, timeout=5000)
    # Shortcuts reach only the active window; offscreen, building the page can take the
    # activation away (a person would have it).
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    return page.form


def _pick(form, code: str) -> None:
    i = next(i for i in range(form.episode.count()) if form.episode.itemText(i).startswith(code))
    form.episode.setCurrentIndex(i)


def _half_fill(form, code: str) -> None:
    _pick(form, code)
    form.minutes.setValue(45)
    form.concerns.setText("sleep, rota")
    form.notes.setPlainText(NOTE)
    form.safety.setChecked(True)


def _unlock(qtbot, w, password: str = PW) -> None:
    w.lock_page.password.setText(password)
    qtbot.mouseClick(w.lock_page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.signed_in, timeout=10000)


def test_half_filled_session_survives_lock_and_unlock(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    _half_fill(form, seeded.a_code)
    w.workspace.show_page("today")
    qtbot.keyClick(w.workspace.nav, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.stack.currentWidget() is w.lock_page and w.store is None
    # While locked, the input exists only sealed: no widget, no plaintext in the sealed copy.
    assert w.workspace is None and w._sealed is not None
    assert NOTE.encode() not in w._sealed.box and b"sleep" not in w._sealed.box
    _unlock(qtbot, w)
    form = w.workspace.pages["sessions"].form
    assert w.workspace.current_key() == "sessions"
    assert form.notes.toPlainText() == NOTE
    assert form.minutes.value() == 45 and form.concerns.text() == "sleep, rota"
    assert form.safety.isChecked() and form.episode.currentText().startswith(seeded.a_code)
    assert "back in the form" in form.status.text()
    # It saves as if never interrupted (the safety flag then asks about a referral).
    dialogs.queue(False)
    info = form.submit()
    assert info is not None and info.participant_code == seeded.a_code and info.minutes == 45


def test_idle_lock_keeps_input_too(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir, idle_ms=1500)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    _half_fill(form, seeded.a_code)
    qtbot.waitUntil(lambda: not w.signed_in, timeout=10000)
    _unlock(qtbot, w)
    assert w.workspace.pages["sessions"].form.notes.toPlainText() == NOTE


def test_another_person_signing_in_never_sees_the_input(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    _half_fill(_form(qtbot, w), seeded.a_code)
    w.lock()
    # Anna has walked away; Ben needs the workstation. Signing Anna out asks first.
    dialogs.queue(False)
    qtbot.mouseClick(w.lock_page.switch, Qt.MouseButton.LeftButton)
    assert "Anna Supporter has input that was not saved" in dialogs.last("confirm").text
    assert w.stack.currentWidget() is w.lock_page and w._sealed is not None
    dialogs.queue(True)
    qtbot.mouseClick(w.lock_page.switch, Qt.MouseButton.LeftButton)
    assert w.stack.currentWidget() is w.login and w._sealed is None
    sign_in(qtbot, w, "ben")
    form = _form(qtbot, w)
    assert form.notes.toPlainText() == "" and not form.has_unsaved_input()


def test_sign_out_asks_and_no_keeps_the_form(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    _half_fill(form, seeded.a_code)
    dialogs.queue(False)
    w.sign_out_action.trigger()
    assert w.signed_in and form.notes.toPlainText() == NOTE
    assert "the session form" in dialogs.last("confirm").text
    dialogs.queue(True)
    w.sign_out_action.trigger()
    assert not w.signed_in and w.stack.currentWidget() is w.login


def test_closing_the_window_with_input_asks(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    form.notes.setPlainText(NOTE)
    dialogs.queue(False)
    assert not w.close()
    assert w.isVisible() and w.signed_in and form.notes.toPlainText() == NOTE
    # Locked with input kept: closing asks as well.
    w.lock()
    dialogs.queue(False)
    assert not w.close()
    dialogs.queue(True)
    assert w.close()


def test_a_dialog_left_open_is_offered_back_for_the_same_episode(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = w.workspace.pages["today"]
    dlg = CheckInDialog(w.store, w.actor, seeded.a_episode, page)
    dlg.show()
    qtbot.waitUntil(dlg.isVisible, timeout=2000)
    dlg.items[0].setCurrentIndex(3)  # the first question's answer
    assert dlg.has_unsaved_input()
    w.lock()
    assert not dlg.isVisible()  # the lock closed it (data hidden)
    _unlock(qtbot, w)
    assert "Record a check-in" in w.statusBar().currentMessage()
    # Another episode's check-in starts empty; the same episode's gets the answer back.
    other = CheckInDialog(w.store, w.actor, seeded.shared_episode, w.workspace.pages["today"])
    other.show()
    assert not other.has_unsaved_input() and other.restored is None
    other.done(QDialog.DialogCode.Rejected)
    again = CheckInDialog(w.store, w.actor, seeded.a_episode, w.workspace.pages["today"])
    again.show()
    assert again.items[0].currentIndex() == 3
    assert again.restored is not None and "before the lock" in again.restored.text()
    again.done(QDialog.DialogCode.Rejected)


def test_escape_or_cancel_on_a_dialog_with_input_asks(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    dlg = ParticipantDialog(w.store, w.actor, w.workspace.pages["today"])
    dlg.show()
    dlg.role.setText("night nurse")
    dialogs.queue(False)
    qtbot.keyClick(dlg.role, Qt.Key.Key_Escape)
    assert dlg.isVisible() and dlg.role.text() == "night nurse"
    dialogs.queue(True)
    qtbot.keyClick(dlg.role, Qt.Key.Key_Escape)
    assert not dlg.isVisible()
    # An untouched dialog closes on Escape without a question.
    empty = ParticipantDialog(w.store, w.actor, w.workspace.pages["today"])
    empty.show()
    qtbot.keyClick(empty.role, Qt.Key.Key_Escape)
    assert not empty.isVisible()


def test_escape_closes_the_suggestions_not_the_form(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    form.notes.setPlainText(NOTE)
    form.concerns.setFocus()
    qtbot.keyClicks(form.concerns, "bur")
    popup = form.concerns.completer_popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    form.escape()  # what the Escape shortcut calls
    assert not popup.isVisible()
    assert form.notes.toPlainText() == NOTE and form.concerns.text() == "bur"
    # Escape again: the form has input, so it asks; "keep it" keeps everything.
    dialogs.queue(False)
    form.escape()
    assert form.notes.toPlainText() == NOTE
    dialogs.queue(True)
    form.escape()
    assert form.notes.toPlainText() == "" and not form.has_unsaved_input()


def test_escape_key_in_the_participant_box_with_its_list_open(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    form.notes.setPlainText(NOTE)
    form.episode.setFocus()
    qtbot.keyClicks(form.episode.lineEdit(), seeded.a_code[:3])
    popup = form.episode.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not popup.isVisible() and form.notes.toPlainText() == NOTE


def test_ctrl_n_starts_without_a_participant_and_empty_save_is_refused(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    _pick(form, seeded.a_code)
    assert form.submit() is not None  # one session for the participant
    # After saving, and after Ctrl+N, nobody is chosen: Ctrl+Enter cannot record a second
    # session for the previous person by accident.
    assert form.episode.currentIndex() == -1
    w.workspace.show_page("today")
    qtbot.keyClick(w.workspace.nav, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert w.workspace.current_key() == "sessions" and form.episode.currentIndex() == -1
    qtbot.keyClick(form.episode, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not form.error.isHidden() and "participant" in form.error.text().lower()
    assert "nothing was saved" in form.error.text().lower()


def test_ctrl_n_keeps_unsaved_input(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    _half_fill(form, seeded.a_code)
    qtbot.keyClick(w.workspace.nav, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert form.notes.toPlainText() == NOTE
    assert "not saved" in form.status.text()


def test_numbers_outside_their_range_are_named_not_changed(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    _pick(form, seeded.a_code)
    for typed in ("0", "10000"):
        form.minutes.setFocus()
        form.minutes.selectAll()
        qtbot.keyClicks(form.minutes, typed)
        form.notes.setFocus()  # leaving the box must not change the number
        assert form.minutes.value() == int(typed)
        assert form.submit() is None
        assert "from 1 to 600 minutes" in form.error.text()
        assert f"{int(typed):,} is outside" in form.error.text()
    # Arrow keys never walk outside the range.
    form.minutes.setValue(600)
    form.minutes.stepBy(3)
    assert form.minutes.value() == 600


def test_a_session_in_the_future_is_refused_in_the_form(qtbot, make_window, seeded):
    from PySide6.QtCore import QDateTime

    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    _pick(form, seeded.a_code)
    form.when.setDateTime(QDateTime.currentDateTime().addDays(200))
    form.notes.setPlainText(NOTE)
    assert form.submit() is None
    assert "future" in form.error.text()
    assert form.notes.toPlainText() == NOTE  # nothing lost


def test_input_keeps_a_signed_in_window_open(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir, idle_ms=1500)
    sign_in(qtbot, w, "anna")
    for _ in range(12):
        qtbot.wait(250)
        QApplication.sendEvent(w.workspace.nav.viewport(), mouse_move())
    assert w.signed_in


def test_a_lock_while_a_question_is_open_deletes_nothing_under_it(qtbot, make_window, seeded):
    """The idle lock can fire while a question box runs its own event loop (found by the
    soak: a segfault). The widgets below that loop must outlive it; they go afterwards."""
    import shiboken6
    from PySide6.QtCore import QEventLoop, QTimer

    from peerdesk.ui.dialogs import modal_loop

    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _form(qtbot, w)
    form.notes.setPlainText(NOTE)
    loop = QEventLoop()

    def lock_then_close_the_box() -> None:
        w.lock()
        QTimer.singleShot(100, loop.quit)

    QTimer.singleShot(0, lock_then_close_the_box)
    with modal_loop():  # what Dialogs.confirm does around QMessageBox.exec()
        loop.exec()
        # Back in the code that asked the question: its form is still there to return to.
        assert w.stack.currentWidget() is w.lock_page
        assert shiboken6.isValid(form) and form.has_unsaved_input()
    qtbot.waitUntil(lambda: not shiboken6.isValid(form), timeout=3000)
    assert w._sealed is not None  # and what was typed is kept for the unlock

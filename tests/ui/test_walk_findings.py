"""Frictions found by walking through the app in a real 1024x700 window (issue 8 re-check)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk.errors import ValidationError
from peerdesk.services import backup
from peerdesk.services.store import open_store
from peerdesk.ui.fmt import sentence
from peerdesk.ui.tasks import error_text

from .conftest import PW, sign_in


def _sessions_form(qtbot, w):
    w.workspace.show_page("sessions")
    return w.workspace.pages["sessions"].form


def test_participant_chosen_from_suggestions_shows_its_code(qtbot, make_window, seeded):
    """Taking a suggestion left the cursor at the end of 'CODE — reason (since date)', so
    the narrow box showed '…ety (since 2026-10-14)' and not whom the session is for."""
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _sessions_form(qtbot, w)
    form.episode.setFocus()
    qtbot.keyClicks(form.episode.lineEdit(), seeded.a_code[:4])
    popup = form.episode.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.episode.currentText().startswith(seeded.a_code), timeout=2000)
    edit = form.episode.lineEdit()
    qtbot.waitUntil(lambda: edit.cursorPosition() == 0, timeout=2000)


def test_series_line_is_tall_enough_for_its_wrapped_text(qtbot, make_window, seeded):
    """'this will be session 2 of 3 (series 2)' wrapped to two lines in a one-line-high
    label, cut off at top and bottom, in a 1024x700 window."""
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.resize(1024, 700)
    form = _sessions_form(qtbot, w)
    for text in (
        "choose a participant",
        "this will be session 2 of 3 (series 2)",
        "this will be session 3 of 3 (series 12) — the last of the series: you will be "
        "asked about a referral",
        "",
    ):
        form.series.setText(text)
        qtbot.wait(50)
        label = form.series
        needed = label.heightForWidth(label.width())
        assert label.height() >= needed, (text, label.width(), label.height(), needed)


def test_messages_ending_in_an_ellipsis_get_no_extra_full_stop(qtbot, make_window, seeded):
    """'…add a new participant with New….' was shown when no episode matched."""
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _sessions_form(qtbot, w)
    form.episode.setEditText("ZZ-NOBODY")
    form.minutes.setValue(20)
    form.submit()
    assert form.error.text().endswith("New…"), form.error.text()
    assert sentence("add one with New…") == "Add one with New…"
    assert error_text(ValidationError("pick a file…")) == "Pick a file…"
    assert sentence("saved") == "Saved."


def test_restored_message_shows_the_backup_time_in_local_time(
    qtbot, make_window, dialogs, seeded, tmp_path, monkeypatch
):
    """The message read 'The backup from 2026-11-30T07:02 was restored': UTC with a 'T'."""
    monkeypatch.setenv("TZ", "Etc/GMT+5")  # five hours behind UTC, all year
    time.tzset()
    try:
        store, admin = open_store(seeded.data_dir, "admin", PW)
        with store:
            backup.backup_store(store, admin, tmp_path / "clinic.pdbackup")
        made_utc = datetime.now(UTC)
        w = make_window(tmp_path / "new-computer")
        dialogs.queue(tmp_path / "clinic.pdbackup", "anna", PW)
        qtbot.mouseClick(w.wizard.welcome.restore, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: any(s.title == "Restored" for s in dialogs.shown), timeout=15000)
        text = next(s.text for s in dialogs.shown if s.title == "Restored")
        local = made_utc - timedelta(hours=5)
        shown = {(local - timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M") for m in (0, 1)}
        assert any(f"The backup from {s} was restored" in text for s in shown), text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_disabling_an_account_keeps_it_selected_for_enable(qtbot, make_window, dialogs, seeded):
    """After Disable the list lost its selection and the focus fell to the first policy
    field, so Enable (the undo) needed the person to be found again."""
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "admin")
    w.workspace.show_page("accounts")
    page = w.workspace.pages["accounts"]
    page.select("ben")
    dialogs.queue(True)
    qtbot.mouseClick(page.disable_button, Qt.MouseButton.LeftButton)
    assert page.current() is not None and page.current().username == "ben"
    assert page.current().state == "disabled" and page.enable_button.isEnabled()
    assert page.view.hasFocus()


def test_restore_file_dialog_opens_where_the_backup_was_just_saved(qtbot, monkeypatch, tmp_path):
    """Back up now… and Restore… both opened in the folder the app was started from, so a
    backup just written elsewhere had to be hunted for."""
    from PySide6.QtWidgets import QFileDialog

    from peerdesk.ui.dialogs import Dialogs

    asked: list[str] = []
    target = tmp_path / "usb" / "clinic.pdbackup"

    def fake_save(_parent, _title, start, _filter):
        asked.append(start)
        return str(target), ""

    def fake_open(_parent, _title, start, _filter):
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    d = Dialogs()
    assert d.save_file(None, "Back up", "peerdesk-backup.pdbackup", "*.pdbackup") == target
    assert d.open_file(None, "Restore", "*.pdbackup") is None
    assert asked[0] == str(Path.home() / "peerdesk-backup.pdbackup")  # not the working folder
    assert asked[1] == str(target.parent)

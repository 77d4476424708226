"""Frictions found by walking through the app in a real 1024x700 window (issue 8 re-check)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from .conftest import sign_in


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

from __future__ import annotations

from PySide6.QtCore import Qt

from peerdesk.services import referrals, series
from peerdesk.services.store import open_store
from peerdesk.ui.table_models import ROW_ROLE

from .conftest import PW, sign_in


def _sessions_page(qtbot, w):
    w.workspace.show_page("sessions")
    page = w.workspace.pages["sessions"]
    qtbot.waitUntil(
        lambda: "sessions" in page.count.text() and not page.model.loading, timeout=5000
    )
    return page


def _pick_episode(form, code):
    i = next(i for i in range(form.episode.count()) if form.episode.itemText(i).startswith(code))
    form.episode.setCurrentIndex(i)


def test_session_from_form_appears_in_list_and_episode(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    form = page.form
    before = page.model.rowCount()
    # Defaults: now, my last mode used.
    assert form.mode.currentData() == "phone"
    # Keyboard entry: type the code, tab through, Ctrl+Enter saves.
    form.episode.setFocus()
    qtbot.keyClicks(form.episode.lineEdit(), seeded.a_code)
    popup = form.episode.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # takes the completion, as a person would
    assert not popup.isVisible()
    form.minutes.setValue(25)
    form.concerns.setText("sleep, workload")
    form.notes.setFocus()
    qtbot.keyClicks(form.notes, "felt heard")
    form.follow.setChecked(True)
    w.activateWindow()  # the offscreen platform does not hand activation back after a popup
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    qtbot.keyClick(form.notes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.error.isHidden(), form.error.text()
    assert "Saved a session" in form.status.text()
    assert page.model.rowCount() == before + 1
    rows = [page.model.index(r, 0).data(ROW_ROLE) for r in range(page.model.rowCount())]
    top = next(r for r in rows if r.minutes == 25)
    assert top.participant_code == seeded.a_code
    assert set(top.concerns) == {"sleep", "workload"} and top.notes is None  # lists carry no notes
    qtbot.waitUntil(lambda: f"{before + 1} sessions" in page.count.text(), timeout=5000)
    # The form is ready for the next one, keeping the mode.
    assert form.notes.toPlainText() == "" and form.mode.currentData() == "phone"
    # The episode shows it, in order.
    page.view.setCurrentIndex(page.model.index(rows.index(top), 0))
    qtbot.mouseClick(page.episode_button, Qt.MouseButton.LeftButton)
    parts = w.workspace.pages["participants"]
    assert w.workspace.current_key() == "participants"
    ep = parts.current_episode()
    assert ep is not None and ep.id == seeded.a_episode and ep.session_count == 2
    kinds = [parts.tl_model.row_at(r).kind for r in range(parts.tl_model.rowCount())]
    assert kinds.count("Session") == 2


def test_form_error_is_inline_and_nothing_is_lost(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _sessions_page(qtbot, w).form
    form.episode.setEditText("")
    form.notes.setPlainText("keep me")
    assert form.submit() is None
    assert "participant" in form.error.text().lower()
    assert form.notes.toPlainText() == "keep me"


def test_safety_flag_leads_to_referral_prompt(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    form = page.form
    _pick_episode(form, seeded.a_code)
    form.safety.setChecked(True)

    def fill(dlg):
        assert dlg.urgency.currentData() == "urgent"
        assert "Crisis" in dlg.resource.currentText()
        dlg.reason.setText("safety plan")
        return True

    def referred(dlg):
        assert "crisis" in dlg.explain.text()
        dlg.choose("referred")
        return True

    dialogs.queue(referred, fill)
    info = form.submit()
    assert info is not None and info.safety_flag
    prompt = dialogs.shown[0]
    assert prompt.kind == "run" and prompt.title == "Safety concern"
    assert dialogs.shown[1].kind == "run" and dialogs.shown[1].text == "ReferralDialog"
    w.sign_out()
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        refs = referrals.list_referrals(store, anna, episode_id=seeded.a_episode)
        assert series.referral_prompt(store, anna, info.id).decision == "referred"
    assert [r.urgency for r in refs] == ["urgent"] and refs[0].resource_name == "Crisis Line 24/7"


def test_author_corrects_and_withdraws(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    mine = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).is_mine)
    theirs = next(r for r in range(page.model.rowCount()) if not page.model.row_at(r).is_mine)
    page.view.setCurrentIndex(page.model.index(theirs, 0))
    assert not page.correct_button.isEnabled()
    page.view.setCurrentIndex(page.model.index(mine, 0))
    assert page.correct_button.isEnabled()
    page.correct()
    assert page.form.editing is not None and "A-OWN-NOTE" in page.form.notes.toPlainText()
    page.form.minutes.setValue(55)
    assert page.form.submit() is not None
    assert "Corrected" in page.form.status.text()
    row = next(
        page.model.row_at(r) for r in range(page.model.rowCount()) if page.model.row_at(r).is_mine
    )
    assert row.minutes == 55
    mine = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).is_mine)
    page.view.setCurrentIndex(page.model.index(mine, 0))
    dialogs.queue("entered twice")
    page.withdraw()
    assert "error" not in dialogs.kinds()
    assert all(not page.model.row_at(r).withdrawn for r in range(page.model.rowCount()))
    page.withdrawn.setChecked(True)
    qtbot.waitUntil(lambda: not page.model.loading, timeout=3000)
    assert any(page.model.row_at(r).withdrawn for r in range(page.model.rowCount()))


def test_debounced_search_filters_in_sql(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    assert page.model.rowCount() == 2
    searched: list[str] = []
    page.search.search.connect(searched.append)
    qtbot.keyClicks(page.search, "burn")
    # Not one search per keystroke (a loaded machine may type slower than the pause).
    assert len(searched) < 4
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    assert page.model.row_at(0).participant_code == seeded.a_code
    page.search.setText("no-such-thing")
    page.search.flush()
    assert page.model.loading
    qtbot.waitUntil(lambda: not page.model.loading, timeout=3000)
    assert page.model.rowCount() == 0 and page.table.showing_empty
    assert "No sessions match" in page.table.empty.text()


def test_new_participant_from_quick_entry(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    form = _sessions_page(qtbot, w).form

    def fill(dlg):
        dlg.reason.setCurrentText("grief")
        return True

    dialogs.queue(fill)
    qtbot.mouseClick(form.new_participant, Qt.MouseButton.LeftButton)
    assert "grief" in form.episode.currentText()
    assert "session 1 of 3" in form.series.text()
    dialogs.queue(False)  # the 'before' check-in of a first session: not now
    assert form.submit() is not None
    assert dialogs.last().title == "Check-in due"

"""Episodes waiting for a supporter on the coordinator's Today page; what the episode
timeline says about the referral question and about notes sealed by a password reset."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from peerdesk.services import accounts, episodes, participants, series, sessions
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store
from peerdesk.ui.matching_dialog import MatchingDialog

from .conftest import PW, sign_in
from .test_program_tools_ui import _as, _program

RESET_PW = "anna after the reset"


def _today(qtbot, w):
    page = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    return page


def test_today_lists_episodes_waiting_for_a_supporter_and_matches_them(
    qtbot, make_window, dialogs, seeded
):
    prog = _program(seeded.data_dir)  # the coordinator opened one episode with nobody yet
    w = _as(qtbot, make_window, seeded.data_dir, "coord")
    page = _today(qtbot, w)
    assert page.waiting_table.isVisible() and not page.waiting_table.showing_empty
    assert [e.id for e in page.waiting_model.rows()] == [prog.episode_id]
    assert page.waiting_model.index(0, 2).data() == prog.code
    assert "1 episode is waiting for a supporter" in page.summary.text()
    assert page.current_waiting().id == prog.episode_id  # the longest wait, chosen
    assert page.match_button.isEnabled()

    def assign_mia(dlg: MatchingDialog) -> bool:
        assert dlg.episode.id == prog.episode_id
        assert dlg.select_supporter(prog.made["mia"])
        return True

    dialogs.queue(assign_mia)
    qtbot.mouseClick(page.match_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    assert page.waiting_model.rowCount() == 0 and page.waiting_table.showing_empty
    assert "waiting for a supporter" not in page.summary.text()
    assert episodes.get_episode(w.store, w.actor, prog.episode_id).supporter_id == prog.made["mia"]


def test_supporters_do_not_see_the_waiting_list(qtbot, make_window, seeded):
    _program(seeded.data_dir)
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    page = _today(qtbot, w)
    assert page.waiting_table.isHidden() and page.match_button.isHidden()
    assert page.waiting_model.rowCount() == 0


def test_timeline_shows_the_answer_to_the_referral_question(qtbot, make_window, seeded):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        p = participants.create_participant(store, anna, "staff")
        ep = episodes.open_episode(store, anna, p.id, "adverse event")
        made = [
            sessions.record_session(
                store,
                anna,
                SessionInput(ep.id, 30, "phone", datetime(2026, 5, day, 9), safety_flag=day == 2),
            )
            for day in (1, 2, 3)
        ]
        series.record_referral_decision(store, anna, made[1].id, "declined")
        series.record_referral_decision(store, anna, made[2].id, "not_needed")
    for user in ("anna", "coord"):  # the coordinator sees the answers too, never notes
        w = _as(qtbot, make_window, seeded.data_dir, user)
        w.workspace.show_page("participants", episode_id=ep.id)
        parts = w.workspace.pages["participants"]
        details = {
            parts.tl_model.row_at(r).id: parts.tl_model.index(r, 3).data()
            for r in range(parts.tl_model.rowCount())
        }
        assert "referral" not in details[made[0].id]
        assert details[made[1].id] == "SAFETY FLAG; participant declined a referral"
        assert details[made[2].id] == "referral not needed"
        tip = parts.tl_model.index(1, 3).data(Qt.ItemDataRole.ToolTipRole)
        assert tip.startswith(details[made[1].id]) and "Private notes are not shown" in tip
        headers = [parts.tl_model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
        assert "Notes" not in headers  # the timeline never shows private notes
        w.sign_out()


def test_sealed_notes_are_named_where_the_episode_view_opens_them(
    qtbot, make_window, dialogs, seeded
):
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        accounts.reset_password(store, admin, "anna", RESET_PW)
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna", RESET_PW)
    assert w.signed_in
    w.workspace.show_page("participants", episode_id=seeded.a_episode)
    parts = w.workspace.pages["participants"]
    row = next(
        r for r in range(parts.tl_model.rowCount()) if parts.tl_model.row_at(r).kind == "Session"
    )
    assert parts.tl_model.row_at(row).mine
    parts.tl_view.setCurrentIndex(parts.tl_model.index(row, 0))
    parts.tl_view.activated.emit(parts.tl_model.index(row, 0))
    assert w.workspace.current_key() == "sessions"
    form = w.workspace.pages["sessions"].form
    assert form.editing is not None and form.editing.notes_locked
    assert form.notes.isReadOnly() and form.notes.toPlainText() == ""
    assert "sealed before your password was reset" in form.notes.placeholderText()
    assert "error" not in dialogs.kinds()


def test_someone_elses_session_in_the_timeline_does_not_open(qtbot, make_window, dialogs, seeded):
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    w.workspace.show_page("participants", episode_id=seeded.shared_episode)
    parts = w.workspace.pages["participants"]
    row = next(
        r
        for r in range(parts.tl_model.rowCount())
        if parts.tl_model.row_at(r).kind == "Session" and not parts.tl_model.row_at(r).mine
    )
    parts.tl_view.setCurrentIndex(parts.tl_model.index(row, 0))
    parts.tl_view.activated.emit(parts.tl_model.index(row, 0))
    assert dialogs.last().kind == "info" and "only they can open" in dialogs.last().text
    assert w.workspace.current_key() == "participants"

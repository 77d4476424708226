"""Today: referral questions left for later, follow-ups opened with Enter and marked done."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from peerdesk.models import utcnow
from peerdesk.services import series, sessions
from peerdesk.services.store import open_store
from peerdesk.ui.table_models import TONES

from .conftest import PW, sign_in


def _today(qtbot, w):
    page = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    return page


def _loaded(qtbot, page):
    page.refresh()
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)


def test_decide_later_waits_on_today_and_in_the_timeline_and_is_answered_there(
    qtbot, make_window, dialogs, seeded
):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("sessions")
    form = w.workspace.pages["sessions"].form
    form.episode.setCurrentIndex(form.episode.findData(seeded.a_episode))
    form.safety.setChecked(True)
    dialogs.queue(False)  # "Decide later" on the referral question
    info = form.submit()
    assert info is not None and "waits on Today" in form.status.text()

    # The episode timeline says the question is open.
    w.workspace.show_page("participants", episode_id=seeded.a_episode)
    parts = w.workspace.pages["participants"]
    details = [parts.tl_model.row_at(r).detail for r in range(parts.tl_model.rowCount())]
    assert any("referral question open" in d for d in details)
    assert not parts.answer_button.isEnabled()  # nothing chosen yet

    # Today lists it, and says so in the summary.
    w.workspace.show_page("today")
    today = _today(qtbot, w)
    assert not today.question_table.isHidden()
    assert [q.session_id for q in today.question_model.rows()] == [info.id]
    assert today.question_model.index(0, 2).data() == "safety flag"
    assert "1 referral question is waiting" in today.summary.text()
    assert today.question_table.view.isColumnHidden(3)  # my own: no supporter column

    # Enter on the row asks the same question again; this time it is answered.
    def not_needed(dlg) -> bool:
        assert "safety concern" in dlg.explain.text() and seeded.a_code in dlg.explain.text()
        dlg.choose("not_needed")
        return True

    dialogs.shown.clear()
    dialogs.queue(not_needed)
    view = today.question_table.view
    view.setCurrentIndex(today.question_model.index(0, 0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert [(d.kind, d.title) for d in dialogs.shown] == [("run", "Safety concern")]
    assert series.referral_prompt(w.store, w.actor, info.id).decision == "not_needed"
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    assert today.question_model.rowCount() == 0
    assert "referral not needed" in today.follow_status.text()


def test_coordinator_sees_open_questions_but_does_not_answer(qtbot, make_window, seeded):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        s = sessions.record_session(
            store,
            anna,
            sessions.SessionInput(seeded.a_episode, 30, "phone", safety_flag=True),
        )
        series.record_referral_decision(store, anna, s.id, series.LATER)
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "coord")
    today = _today(qtbot, w)
    assert [q.supporter_name for q in today.question_model.rows()] == ["Anna Supporter"]
    assert not today.question_table.view.isColumnHidden(3)
    assert today.answer_button.isHidden()  # only the author answers
    # Enter opens the episode instead, to follow it up with the supporter.
    today.question_table.view.setCurrentIndex(today.question_model.index(0, 0))
    today.answer_question()
    assert w.workspace.current_key() == "participants"


def test_follow_ups_open_on_enter_and_are_marked_done_from_today(
    qtbot, make_window, dialogs, seeded
):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        for days in (3, 2):
            sessions.record_session(
                store,
                anna,
                sessions.SessionInput(
                    seeded.shared_episode,
                    20,
                    "phone",
                    # Held before either follow-up date, so neither session closes the
                    # other's follow-up (a contact on or after the date would).
                    started_at=utcnow() - timedelta(days=10 + days),
                    follow_up_on=date.today() - timedelta(days=days),
                ),
            )
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    today = _today(qtbot, w)
    rows = today.follow_model.rows()
    assert [f.overdue_days for f in rows] == [3, 2, 1]
    # Overdue rows carry the alarm tone (not the link blue), and words say "overdue".
    back = today.follow_model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole)
    assert back.color() == QColor(TONES["bad"][0])
    assert today.follow_model.index(0, 1).data() == "3 days overdue"

    # Follow-up done: a message, the list shrinks, and the next row is chosen.
    view = today.follow_table.view
    view.setCurrentIndex(today.follow_model.index(0, 0))
    qtbot.mouseClick(today.follow_done, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    assert [f.overdue_days for f in today.follow_model.rows()] == [2, 1]
    assert "marked done" in today.follow_status.text()
    assert view.currentIndex().row() == 0 and today.follow_done.isEnabled()
    # The last row: done, and the row above it is chosen.
    view.setCurrentIndex(today.follow_model.index(1, 0))
    qtbot.mouseClick(today.follow_done, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    assert [f.overdue_days for f in today.follow_model.rows()] == [2]
    assert view.currentIndex().row() == 0

    # Enter on a follow-up opens its episode.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert w.workspace.current_key() == "participants"
    parts = w.workspace.pages["participants"]
    assert parts.current_episode().id == seeded.shared_episode


def test_follow_up_done_on_sessions_says_so_and_moves_to_the_next(
    qtbot, make_window, dialogs, seeded
):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        for days in (3, 2):
            sessions.record_session(
                store,
                anna,
                sessions.SessionInput(
                    seeded.shared_episode,
                    20,
                    "phone",
                    started_at=utcnow() - timedelta(days=10 + days),
                    follow_up_on=date.today() - timedelta(days=days),
                ),
            )
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("sessions")
    page = w.workspace.pages["sessions"]
    qtbot.waitUntil(lambda: not page.model.loading and page.model.rowCount() > 0, timeout=5000)
    open_rows = [
        r
        for r in range(page.model.rowCount())
        if page.model.row_at(r).follow_up_on and not page.model.row_at(r).follow_up_done_on
    ]
    assert len(open_rows) == 3
    page.view.setCurrentIndex(page.model.index(open_rows[0], 0))
    first = page.current()
    qtbot.mouseClick(page.follow_button, Qt.MouseButton.LeftButton)
    assert "marked done" in page.action_status.text()
    assert first.participant_code in page.action_status.text()
    assert page.current().id != first.id and page.view.currentIndex().row() == open_rows[1]
    done = [page.model.row_at(r) for r in range(page.model.rowCount())]
    assert next(s for s in done if s.id == first.id).follow_up_done_on == date.today()


def test_an_open_question_is_answered_from_the_episode_timeline(
    qtbot, make_window, dialogs, seeded
):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        s = sessions.record_session(
            store, anna, sessions.SessionInput(seeded.a_episode, 30, "phone", safety_flag=True)
        )
        series.record_referral_decision(store, anna, s.id, series.LATER)
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("participants", episode_id=seeded.a_episode)
    parts = w.workspace.pages["participants"]
    rows = {parts.tl_model.row_at(r).id: r for r in range(parts.tl_model.rowCount())}
    first = next(
        r for sid, r in rows.items() if sid != s.id and parts.tl_model.row_at(r).kind == "Session"
    )
    parts.tl_view.setCurrentIndex(parts.tl_model.index(first, 0))
    assert not parts.answer_button.isEnabled()  # an answered (never asked) session
    parts.tl_view.setCurrentIndex(parts.tl_model.index(rows[s.id], 0))
    assert parts.answer_button.isEnabled()

    def declined(dlg) -> bool:
        dlg.choose("declined")
        return True

    dialogs.queue(declined)
    qtbot.mouseClick(parts.answer_button, Qt.MouseButton.LeftButton)
    assert series.referral_prompt(w.store, w.actor, s.id).decision == "declined"
    entry = next(
        parts.tl_model.row_at(r)
        for r in range(parts.tl_model.rowCount())
        if parts.tl_model.row_at(r).id == s.id
    )
    assert "participant declined a referral" in entry.detail and not entry.open_question
    assert not parts.answer_button.isEnabled()


def test_locking_while_the_referral_question_is_open_keeps_it_open(
    qtbot, make_window, dialogs, seeded
):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("sessions")
    form = w.workspace.pages["sessions"].form
    form.episode.setCurrentIndex(form.episode.findData(seeded.a_episode))
    form.safety.setChecked(True)

    def lock_meanwhile(dlg) -> bool:
        w.lock()  # Ctrl+L or the idle lock while the question is on screen
        return False

    dialogs.queue(lock_meanwhile)
    info = form.submit()
    assert info is not None and not w.signed_in
    assert [d.kind for d in dialogs.shown] == ["run"]  # no error, no check-in question
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        items, _total = series.open_questions(store, anna)
        assert [q.session_id for q in items] == [info.id]

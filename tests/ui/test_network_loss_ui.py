"""The clinic server goes away while the app is open (issue 13, part 5), in real widgets.

The store's session() is made to fail the way Store.session() fails when the connection is
lost (ServerUnavailableError), over a real SQLCipher store: "down" refuses every
transaction; "lose-reply" lets the next writing transaction commit and then reports it
lost, as when the server committed and the reply never came back. The same flows against
a real PostgreSQL server are in tests/server/test_network_loss.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from peerdesk.errors import ServerUnavailableError
from peerdesk.models import Participant, SupportSession
from peerdesk.services.store import Store
from peerdesk.ui import outage
from peerdesk.ui.forms import ParticipantDialog
from peerdesk.ui.main_window import MainWindow

from .conftest import PW, sign_in

HOST = "db.clinic.example"
MESSAGE = str(ServerUnavailableError.for_host(HOST))


class FlakyServer:
    """Wraps one open Store's session() like a network that comes and goes."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = store.session
        self.mode = "up"  # up | down | lose-reply
        self.refused = 0
        monkeypatch.setattr(store, "session", self.session)

    @contextmanager
    def session(self) -> Iterator[Session]:
        if self.mode == "down":
            self.refused += 1
            raise ServerUnavailableError.for_host(HOST)
        wrote: list[bool] = []
        with self.real() as s:
            event.listen(s, "after_flush", lambda sess, _ctx: wrote.append(bool(sess.new)))
            yield s
        if self.mode == "lose-reply" and any(wrote):
            self.mode = "down"  # committed; the workstation never hears so
            raise ServerUnavailableError.for_host(HOST)

    def count(self, model: type) -> int:
        with self.real() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture(autouse=True)
def fresh_notice() -> Iterator[None]:
    outage.NOTICE.reset()
    yield
    outage.NOTICE.reset()


def _outage_messages(dialogs) -> list[str]:  # noqa: ANN001
    return [s.text for s in dialogs.shown if s.kind == "error" and s.title == outage.TITLE]


def _sessions_page(qtbot, w: MainWindow):  # noqa: ANN001, ANN202
    w.workspace.show_page("sessions")
    page = w.workspace.pages["sessions"]
    qtbot.waitUntil(lambda: "sessions" in page.count.text() and not page.model.loading)
    return page


def _fill_session_form(form, code: str) -> None:  # noqa: ANN001
    i = next(i for i in range(form.episode.count()) if form.episode.itemText(i).startswith(code))
    form.episode.setCurrentIndex(i)
    form.minutes.setValue(35)
    form.concerns.setText("sleep")
    form.notes.setPlainText("talked about the night shifts")


@pytest.mark.parametrize("mode", ["down", "lose-reply"])
def test_a_save_during_an_outage_keeps_the_form_and_the_second_save_records_once(
    qtbot, make_window, seeded, dialogs, monkeypatch, mode
) -> None:
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    form = page.form
    server = FlakyServer(w.store, monkeypatch)
    before = server.count(SupportSession)
    _fill_session_form(form, seeded.a_code)
    server.mode = mode
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    # One message, through the dialogs, naming the server and nothing else.
    assert _outage_messages(dialogs) == [MESSAGE[0].upper() + MESSAGE[1:] + "."]
    assert "Not confirmed" in form.error.text() and "Saved" not in form.status.text()
    # Everything typed is still there.
    assert form.episode.currentText().startswith(seeded.a_code)
    assert (form.minutes.value(), form.concerns.text()) == (35, "sleep")
    assert form.notes.toPlainText() == "talked about the night shifts"
    first_id = form.record_id
    assert first_id is not None
    # Still down: a second press says so again (a save is never silently dropped).
    server.mode = "down"
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    assert len(_outage_messages(dialogs)) == 2 and form.record_id == first_id
    # The server is back: the same Save works, and the session exists exactly once.
    server.mode = "up"
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    assert form.error.isHidden(), form.error.text()
    assert "Saved a session" in form.status.text()
    assert server.count(SupportSession) == before + 1
    with server.real() as s:
        saved = s.get(SupportSession, first_id)
        assert saved is not None and saved.minutes == 35
    assert form.record_id is None  # the next session gets its own id


def test_new_participant_dialog_keeps_its_input_and_adds_once(
    qtbot, make_window, seeded, dialogs, monkeypatch
) -> None:
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    server = FlakyServer(w.store, monkeypatch)
    before = server.count(Participant)
    dlg = ParticipantDialog(w.store, w.actor, page.form)
    qtbot.addWidget(dlg)
    dlg.role.setText("night porter")
    dlg.reason.setCurrentText("shift work")
    server.mode = "lose-reply"  # the participant arrives; the episode does not
    dlg.accept()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert _outage_messages(dialogs) and "Not confirmed" in dlg.error.text()
    assert (dlg.role.text(), dlg.reason.currentText()) == ("night porter", "shift work")
    server.mode = "up"
    dlg.accept()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert server.count(Participant) == before + 1
    assert dlg.value.id == dlg.new_participant_id and dlg.episode is not None


def test_sign_in_with_the_server_unreachable_stays_on_the_sign_in_screen(
    qtbot, make_window, seeded, dialogs, monkeypatch
) -> None:
    import peerdesk.ui.main_window as main_window

    real_open = main_window.open_store
    calls: list[str] = []

    def unreachable(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append("tried")
        raise ServerUnavailableError.for_host(HOST)

    monkeypatch.setattr(main_window, "open_store", unreachable)
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    assert calls and not w.signed_in
    assert w.stack.currentWidget() is w.login
    assert w.login.error.isVisible() and HOST in w.login.error.text()
    assert PW not in w.login.error.text()
    assert w.login.username.text() == "anna" and w.login.password.text() == ""
    assert w.login.sign_in.isEnabled()
    # The network is back: the same screen signs in, no restart.
    monkeypatch.setattr(main_window, "open_store", real_open)
    w.login.password.setText(PW)
    qtbot.mouseClick(w.login.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.signed_in, timeout=10000)


def test_a_page_shown_during_an_outage_says_it_once_and_recovers_on_refresh(
    qtbot, make_window, seeded, dialogs, monkeypatch
) -> None:
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    rows = page.model.rowCount()
    assert rows > 0
    form = page.form
    _fill_session_form(form, seeded.a_code)
    server = FlakyServer(w.store, monkeypatch)
    server.mode = "down"
    dialogs.shown.clear()
    # Showing the page again reloads the list, the count and the form's episodes, and the
    # participants page's list too: all fail; one message.
    page.refresh()
    page.model.settle()
    w.workspace.show_page("participants")
    w.workspace.pages["participants"].model.settle()
    w.workspace.show_page("sessions")
    page.model.settle()
    assert server.refused >= 4
    assert len(_outage_messages(dialogs)) == 1, dialogs.texts()
    assert [s for s in dialogs.shown if s.title != outage.TITLE] == []
    assert page.model.rowCount() == 0 and page.model.unreachable
    assert "Not loaded" in page.table.empty.text()
    # The form kept the participant chosen and all that was typed.
    assert form.episode.currentText().startswith(seeded.a_code)
    assert form.notes.toPlainText() == "talked about the night shifts"
    # Back: the next refresh loads the rows again.
    server.mode = "up"
    page.refresh()
    page.model.settle()
    assert page.model.rowCount() == rows and not page.model.unreachable
    assert "Not loaded" not in page.table.empty.text()


def test_further_pages_of_a_list_fail_once(qtbot, dialogs) -> None:
    # A list scrolled page by page (keyset pages fetched in the background) when the
    # server goes: one message, no more asking, and a reload starts over.
    from peerdesk.ui.table_models import Column, PagedTableModel

    rows = list(range(10))
    down = [False]
    asked: list[int] = []

    def fetch(offset, limit, sort_key, descending, after):  # noqa: ANN001, ANN202
        asked.append(offset)
        if down[0]:
            raise ServerUnavailableError.for_host(HOST)
        start = 0 if after is None else rows.index(after) + 1
        return rows[start : start + limit]

    model = PagedTableModel([Column("n", lambda r: r)], fetch, page_size=2, keyset=True)
    model.lost.connect(lambda exc: outage.report(dialogs, None, exc, action=False))
    model.failed.connect(lambda msg: dialogs.error(None, "List", msg))
    model.reload()
    model.settle()
    assert model.rowCount() == 2 and model.canFetchMore()
    down[0] = True
    for _ in range(5):
        if model.canFetchMore():
            model.fetchMore()
        model.settle()
    assert len(_outage_messages(dialogs)) == 1 and dialogs.kinds() == ["error"]
    assert model.rowCount() == 2 and not model.canFetchMore() and model.unreachable
    assert len(asked) == 2  # the first page, and one failed try for the next
    # A second list failing in the same moment (another page's) adds no second message.
    other = PagedTableModel([Column("n", lambda r: r)], fetch, page_size=2, keyset=True)
    other.lost.connect(lambda exc: outage.report(dialogs, None, exc, action=False))
    other.reload()
    other.settle()
    assert len(_outage_messages(dialogs)) == 1
    down[0] = False
    model.reload()
    model.settle()
    while model.canFetchMore():
        model.fetchMore()
        model.settle()
    assert model.rowCount() == 10 and not model.unreachable


def test_a_lost_save_kept_over_a_lock_and_an_unreachable_unlock_is_recorded_once(
    qtbot, make_window, seeded, dialogs, monkeypatch
) -> None:
    # The save arrived but its reply was lost; the window locked before the person tried
    # again; the first unlock found the server out of reach. After the second unlock the
    # form is back with the same record id, and Save records the session once.
    import peerdesk.ui.main_window as main_window

    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _sessions_page(qtbot, w)
    server = FlakyServer(w.store, monkeypatch)
    before = server.count(SupportSession)
    _fill_session_form(page.form, seeded.a_code)
    server.mode = "lose-reply"
    qtbot.mouseClick(page.form.save, Qt.MouseButton.LeftButton)
    lost_id = page.form.record_id
    assert lost_id is not None and server.count(SupportSession) == before + 1
    w.lock()
    real_open = main_window.open_store

    def unreachable(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ServerUnavailableError.for_host(HOST)

    monkeypatch.setattr(main_window, "open_store", unreachable)
    w.lock_page.password.setText(PW)
    qtbot.mouseClick(w.lock_page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.lock_page.error.isVisible(), timeout=10000)
    assert HOST in w.lock_page.error.text() and not w.signed_in
    assert w.stack.currentWidget() is w.lock_page
    monkeypatch.setattr(main_window, "open_store", real_open)
    w.lock_page.password.setText(PW)
    qtbot.mouseClick(w.lock_page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.signed_in, timeout=10000)
    form = w.workspace.pages["sessions"].form
    assert form.notes.toPlainText() == "talked about the night shifts"
    assert form.record_id == lost_id
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    assert "Saved a session" in form.status.text(), form.error.text()
    with w.store.session() as s:
        assert s.scalar(select(func.count()).select_from(SupportSession)) == before + 1
        assert s.get(SupportSession, lost_id) is not None

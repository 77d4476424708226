"""The app on a real server store while the server is stopped and started (issue 13, part 5).

The real window, the real PostgreSQL backend, the real server stopped with 'immediate' in
the middle of a person's work: one message, the form keeps everything, the same Save
works once the server is back, and the session exists once. No restart of the app.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from peerdesk.models import SupportSession  # noqa: E402
from peerdesk.services import accounts, episodes, participants  # noqa: E402
from peerdesk.services.server_store import create_server_store  # noqa: E402
from peerdesk.services.store import open_store  # noqa: E402
from peerdesk.ui import outage  # noqa: E402
from peerdesk.ui.dialogs import ScriptedDialogs  # noqa: E402
from peerdesk.ui.main_window import MainWindow  # noqa: E402
from peerdesk.ui.tasks import wait_all  # noqa: E402
from tests.conftest import ADMIN_PW, SUP_A_PW  # noqa: E402
from tests.server.conftest import ServerSetup  # noqa: E402


def test_server_stopped_mid_form_then_started_the_same_save_records_once(
    qtbot, server: ServerSetup
) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW, "The Boss")
    store, admin = open_store(server.data_dir, "boss", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "alice", "supporter", SUP_A_PW, "Alice")
    store, alice = open_store(server.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff")
        episodes.open_episode(store, alice, p.id, "work stress")
    outage.NOTICE.reset()
    dialogs = ScriptedDialogs()
    w = MainWindow(server.data_dir, dialogs=dialogs)
    w.start()
    try:
        w.login.username.setText("alice")
        w.login.password.setText(SUP_A_PW)
        qtbot.mouseClick(w.login.sign_in, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.signed_in, timeout=20000)
        w.workspace.show_page("sessions")
        page = w.workspace.pages["sessions"]
        page.model.settle()
        wait_all()
        form = page.form
        form.episode.setCurrentIndex(0)
        form.minutes.setValue(40)
        form.notes.setPlainText("spoke about the rota")
        server.cluster.stop("immediate")
        try:
            qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
            shown = [s for s in dialogs.shown if s.title == outage.TITLE]
            assert len(shown) == 1 and "cannot be reached" in shown[0].text
            assert form.notes.toPlainText() == "spoke about the rota"
            assert form.minutes.value() == 40 and form.episode.currentIndex() == 0
        finally:
            server.cluster.start()
        dialogs.queue(False)  # "a check-in is due: record it now?" (not now)
        qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
        assert "Saved a session" in form.status.text(), form.error.text()
        with w.store.session() as s:
            assert s.scalar(select(func.count()).select_from(SupportSession)) == 1
        # The list shows it too, through the same engine: no restart.
        page.refresh()
        page.model.settle()
        assert page.model.rowCount() == 1
    finally:
        wait_all()
        w.close()
        w.deleteLater()


def test_sign_in_with_the_server_stopped_stays_and_works_once_it_is_started(
    qtbot, server: ServerSetup
) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW, "The Boss")
    dialogs = ScriptedDialogs()
    w = MainWindow(server.data_dir, dialogs=dialogs)
    w.start()
    try:
        server.cluster.stop("immediate")
        try:
            w.login.username.setText("boss")
            w.login.password.setText(ADMIN_PW)
            qtbot.mouseClick(w.login.sign_in, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: w.login.error.isVisible(), timeout=20000)
            text = w.login.error.text()
            assert "cannot be reached" in text and ADMIN_PW not in text
            assert w.stack.currentWidget() is w.login and not w.signed_in
            assert w.login.username.text() == "boss" and w.login.password.text() == ""
            assert dialogs.shown == []  # said on the sign-in screen, once
        finally:
            server.cluster.start()
        w.login.password.setText(ADMIN_PW)
        qtbot.mouseClick(w.login.sign_in, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.signed_in, timeout=20000)
    finally:
        wait_all()
        w.close()
        w.deleteLater()

"""Every UI test drives real widgets over a fresh temporary store, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from peerdesk.services import (  # noqa: E402
    accounts,
    episodes,
    participants,
    resources,
    sessions,
    supporters,
)
from peerdesk.services.store import create_store, open_store  # noqa: E402
from peerdesk.ui.dialogs import ScriptedDialogs  # noqa: E402
from peerdesk.ui.main_window import MainWindow  # noqa: E402

PW = "correct horse battery"
A_NOTE = "A-OWN-NOTE listened well"
B_NOTE = "B-PRIVATE-NOTE zebra quartz"


@dataclass
class Seeded:
    data_dir: Path
    a_code: str
    a_episode: str
    b_code: str
    shared_episode: str


def _seed(data_dir: Path) -> Seeded:
    create_store(data_dir, "admin", PW, "Ada Admin", "Clinic North")
    store, admin = open_store(data_dir, "admin", PW)
    with store:
        accounts.add_user(store, admin, "coord", "coordinator", PW, "Cora Coordinator")
        accounts.add_user(store, admin, "anna", "supporter", PW, "Anna Supporter")
        accounts.add_user(store, admin, "ben", "supporter", PW, "Ben Supporter")
    store, coord = open_store(data_dir, "coord", PW)
    with store:
        resources.add_resource(
            store, coord, resources.ResourceInput("Crisis Line 24/7", "crisis_line", "555-0100")
        )
        resources.add_resource(
            store, coord, resources.ResourceInput("Staff EAP", "eap", "555-0199")
        )
        supporters.ensure_standard_courses(store, coord)
        ben_id = next(
            s.id for s in supporters.list_supporters(store, coord) if "Ben" in s.display_name
        )
    store, anna = open_store(data_dir, "anna", PW)
    with store:
        pa = participants.create_participant(store, anna, "staff", role="nurse", name="Zoë Real")
        ea = episodes.open_episode(store, anna, pa.id, "burnout")
        sessions.record_session(
            store,
            anna,
            sessions.SessionInput(
                ea.id,
                30,
                "phone",
                concerns=("burnout",),
                notes=A_NOTE,
                follow_up_on=date.today() - timedelta(days=1),
            ),
        )
        shared_p = participants.create_participant(store, anna, "patient")
        shared = episodes.open_episode(store, anna, shared_p.id, "recovery support")
    # Ben records a session in an episode later handed to Anna: she sees the session, not
    # the note.
    store, coord = open_store(data_dir, "coord", PW)
    with store:
        episodes.assign_episode(store, coord, shared.id, ben_id)
    store, ben = open_store(data_dir, "ben", PW)
    with store:
        pb = participants.create_participant(store, ben, "caregiver")
        eb = episodes.open_episode(store, ben, pb.id, "caregiver strain")
        sessions.record_session(
            store, ben, sessions.SessionInput(eb.id, 45, "video", notes=B_NOTE, concerns=("grief",))
        )
        sessions.record_session(
            store, ben, sessions.SessionInput(shared.id, 20, "text", notes=B_NOTE + " shared")
        )
    store, coord = open_store(data_dir, "coord", PW)
    with store:
        anna_id = next(
            s.id for s in supporters.list_supporters(store, coord) if "Anna" in s.display_name
        )
        episodes.assign_episode(store, coord, shared.id, anna_id)
    return Seeded(data_dir, pa.code, ea.id, pb.code, shared.id)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return _seed(tmp_path_factory.mktemp("template") / "data")


@pytest.fixture
def seeded(seeded_template: Seeded, tmp_path: Path) -> Seeded:
    """A fresh copy of the seeded store for each test (copying beats re-seeding)."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(seeded_template.data_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return Seeded(
        target,
        seeded_template.a_code,
        seeded_template.a_episode,
        seeded_template.b_code,
        seeded_template.shared_episode,
    )


@pytest.fixture
def dialogs() -> ScriptedDialogs:
    return ScriptedDialogs()


@pytest.fixture
def make_window(qtbot, dialogs):
    made: list[MainWindow] = []

    def make(data_dir: Path, idle_ms: int | None = None, demo: bool = False) -> MainWindow:
        w = MainWindow(data_dir, dialogs=dialogs, demo=demo, idle_ms=idle_ms)
        # Closed below rather than by qtbot: closing with unsaved input asks a question,
        # which has to be answered first.
        w.start()
        made.append(w)
        return w

    yield make
    from peerdesk.ui.tasks import wait_all

    wait_all()
    for w in made:
        if w.unsaved_titles():  # a test left input typed: closing asks; answer "throw away"
            dialogs.answers.clear()
            dialogs.queue(True)
        w.close()
        w.deleteLater()


def mouse_move(x: int = 2, y: int = 2):
    """A mouse move event at (x, y), as a hand resting on the mouse sends."""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent

    pos = QPointF(x, y)
    return QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        pos,
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )


def sign_in(qtbot, w: MainWindow, username: str, password: str = PW) -> None:
    w.login.username.setText(username)
    w.login.password.setText(password)
    qtbot.mouseClick(w.login.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.signed_in or not w.login._busy, timeout=10000)
    if w.signed_in and not w.isActiveWindow():
        # Shortcuts only reach an active window.
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow, timeout=2000)

"""Someone else saved the record first: the form says who and when, keeps what the person
typed, and reloads only when they agree (services/record_versions.py)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QDialog

from peerdesk.services import resources, sessions
from peerdesk.services.accounts import add_user
from peerdesk.services.auth import Actor
from peerdesk.services.store import open_store
from peerdesk.ui.forms import ResourceDialog

from .conftest import PW, sign_in

STALE = re.compile(
    r"This (session|resource) was changed by (.+) at \d\d:\d\d \(local time\); "
    r"reload it to see their change\."
)


def _correct_my_session(qtbot, w):  # noqa: ANN001, ANN202
    w.workspace.show_page("sessions")
    page = w.workspace.pages["sessions"]
    qtbot.waitUntil(
        lambda: "sessions" in page.count.text() and not page.model.loading, timeout=5000
    )
    mine = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).is_mine)
    page.view.setCurrentIndex(page.model.index(mine, 0))
    page.correct()
    assert page.form.editing is not None
    return page


def _save_elsewhere(w, minutes: int) -> None:  # noqa: ANN001
    """The same author saves a correction from another workstation (its own transaction
    on the same store), after this form loaded the session."""
    editing = w.workspace.pages["sessions"].form.editing
    current = sessions.get_session(w.store, w.actor, editing.id)
    data = sessions.SessionInput(
        current.episode_id, minutes, current.mode, notes=current.notes or ""
    )
    sessions.update_session(w.store, w.actor, editing.id, data, current.version)


def test_session_form_keeps_input_after_a_conflict(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    page = _correct_my_session(qtbot, w)
    form = page.form
    form.minutes.setValue(77)
    form.notes.setPlainText("what I typed: long careful note")
    _save_elsewhere(w, 41)

    dialogs.queue(False)  # "Keep my input"
    assert form.submit() is None
    shown = dialogs.last("confirm")
    m = STALE.match(shown.text)
    assert m and m.groups() == ("session", "Anna Supporter"), shown.text
    assert "Keep my input" not in shown.text  # the button says it, the text explains
    assert STALE.match(form.error.text()) and form.error.isVisible()
    # Nothing typed was lost, and nothing of it was saved.
    assert form.minutes.value() == 77
    assert form.notes.toPlainText() == "what I typed: long careful note"
    assert form.editing is not None
    saved = sessions.get_session(w.store, w.actor, form.editing.id)
    assert saved.minutes == 41 and saved.notes != "what I typed: long careful note"

    # Saving again from the same (old) form is refused again: never an overwrite.
    dialogs.queue(True)  # now: Reload (throw away my input)
    assert form.submit() is None
    assert form.minutes.value() == 41  # their version is in the form now
    assert form.notes.toPlainText() == saved.notes
    assert form.editing.version == saved.version
    assert "Reloaded" in form.status.text()
    # ... and a correction from the reloaded form saves.
    form.minutes.setValue(50)
    assert form.submit() is not None
    assert sessions.get_session(w.store, w.actor, saved.id).minutes == 50


def test_resource_dialog_keeps_input_and_reloads_on_request(qtbot, make_window, dialogs, seeded):
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        bea = add_user(store, admin, "bea", "coordinator", PW, "Bea Lund")
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "coord")
    loaded = next(r for r in resources.list_resources(w.store, w.actor) if r.name == "Staff EAP")
    dlg = ResourceDialog(w.store, w.actor, loaded, w)
    qtbot.addWidget(dlg)
    dlg.show()  # (modeless here: the scripted dialogs answer the questions it asks)
    dlg.hours.setText("typed by Cora: 8-18")
    # Bea, at another workstation, saves the same resource first.
    bea_actor = Actor(bea.id, "bea", "Bea Lund", "coordinator")
    resources.update_resource(
        w.store,
        bea_actor,
        loaded.id,
        resources.ResourceInput("Staff EAP", "eap", "555-0142", hours="24/7"),
        loaded.version,
    )
    dialogs.queue(False)
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Rejected and dlg.isVisible()  # still open
    assert dlg.has_unsaved_input()  # closing it would still ask before throwing it away
    assert STALE.match(dialogs.last("confirm").text).group(2) == "Bea Lund"
    assert dlg.hours.text() == "typed by Cora: 8-18" and STALE.match(dlg.error.text())
    dialogs.queue(True)
    dlg.accept()
    assert (dlg.hours.text(), dlg.phone.text()) == ("24/7", "555-0142")
    assert not dlg.error.isVisible()
    dlg.hours.setText("24/7, also holidays")
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted
    now = next(r for r in resources.list_resources(w.store, w.actor) if r.id == loaded.id)
    assert (now.hours, now.phone, now.version) == ("24/7, also holidays", "555-0142", 3)

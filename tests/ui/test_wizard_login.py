from __future__ import annotations

import os
import subprocess
import sys

from conftest import fast_kdf_env
from PySide6.QtCore import Qt

from peerdesk.services import backup
from peerdesk.services.store import open_store, store_exists

from .conftest import PW, sign_in


def test_wizard_creates_store_that_cli_and_recovery_key_open(qtbot, make_window, dialogs, tmp_path):
    data = tmp_path / "fresh"
    w = make_window(data)
    wiz = w.wizard
    assert wiz is not None and not store_exists(data)
    wiz.next()  # welcome
    page = wiz.account
    page.site.setText("Clinic South")
    page.username.setText("boss")
    page.display.setText("Bo Boss")
    page.password.setText(PW)
    page.repeat.setText("not the same")
    wiz.next()
    assert wiz.currentPage() is page and "not the same" in page.error.text()
    page.repeat.setText(PW)
    wiz.next()
    # The store is made off the GUI thread: the form is busy and the old message is gone.
    assert page.busy and page.error.isHidden() and not page.password.isEnabled()
    assert not wiz.button(wiz.WizardButton.NextButton).isEnabled()
    qtbot.waitUntil(lambda: wiz.currentPage() is wiz.recovery, timeout=15000)
    assert store_exists(data) and not page.busy
    key = wiz.recovery.key.text()
    assert key.count("-") == 5
    # Save as PDF goes through the dialogs wrapper.
    pdf = tmp_path / "key.pdf"
    dialogs.queue(pdf)
    qtbot.mouseClick(wiz.recovery.pdf_button, Qt.MouseButton.LeftButton)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert dialogs.last("info").title == "Saved"
    dialogs.queue(True)
    qtbot.mouseClick(wiz.recovery.print_button, Qt.MouseButton.LeftButton)
    assert dialogs.last().kind == "print" and key in dialogs.last().text
    # Finish stays disabled until the key is confirmed as kept.
    assert not wiz.button(wiz.WizardButton.FinishButton).isEnabled()
    wiz.recovery.kept.setChecked(True)
    qtbot.mouseClick(wiz.button(wiz.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    assert w.wizard is None and w.stack.currentWidget() is w.login
    assert w.login.username.text() == "boss"

    # The command line opens it (with the same services) ...
    env = {**fast_kdf_env(), "PEERDESK_PASSWORD": PW}
    try:
        import peerdesk.cli_commands  # noqa: F401

        has_cli = True
    except ImportError:
        has_cli = False
    if has_cli:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "peerdesk",
                "--data-dir",
                str(data),
                "user",
                "list",
                "--user",
                "boss",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert "boss" in out.stdout
    store, actor = open_store(data, "boss", PW)
    with store:
        assert actor.role == "admin"
    # ... and so does the recovery key the wizard showed.
    store, actor = open_store(data, recovery_key=key)
    with store:
        assert actor.emergency


def test_wrong_password_shows_message_and_login_stays_usable(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna", "wrong password here")
    assert not w.signed_in
    assert "wrong username or password" in w.login.error.text().lower()
    assert w.login.username.text() == "anna" and w.login.password.text() == ""
    assert w.login.sign_in.isEnabled() and w.login.password.isEnabled()
    sign_in(qtbot, w, "anna")
    assert w.signed_in and w.actor.username == "anna"


def test_locked_out_account_says_so(qtbot, make_window, seeded):
    (seeded.data_dir / "policy.toml").write_text("[policy]\nmax_failed_attempts = 3\n")
    w = make_window(seeded.data_dir)
    for _ in range(3):
        sign_in(qtbot, w, "ben", "not my password")
    assert "locked" in w.login.error.text().lower()
    assert "administrator" in w.login.error.text().lower()
    sign_in(qtbot, w, "ben")  # even the right password is refused now
    assert not w.signed_in and "locked" in w.login.error.text().lower()


def test_throttle_disables_sign_in_with_countdown(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    for _ in range(3):
        sign_in(qtbot, w, "ben", "not my password")
    sign_in(qtbot, w, "ben", "still not it")
    assert "try again in" in w.login.error.text().lower()
    assert not w.login.sign_in.isEnabled()


def test_caps_lock_hint(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    w.login.password.setFocus()
    assert w.login.caps.isHidden()
    qtbot.keyClicks(w.login.password, "A")  # upper case without Shift
    assert not w.login.caps.isHidden()
    qtbot.keyClicks(w.login.password, "a")
    assert w.login.caps.isHidden()


def test_damaged_store_offers_restore_and_restore_works(
    qtbot, make_window, dialogs, seeded, tmp_path
):
    store, admin = open_store(seeded.data_dir, "admin", PW)
    with store:
        backup.backup_store(store, admin, tmp_path / "good.pdbackup")
    db = seeded.data_dir / "peerdesk.db"
    db.write_bytes(b"\0" * 4096 + os.urandom(8192))
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")
    assert not w.signed_in
    text = w.login.error.text().lower()
    assert "damaged" in text or "cannot be" in text
    assert "backup" in text and not w.login.restore.isHidden()
    dialogs.queue(tmp_path / "good.pdbackup", "anna", PW, True)
    qtbot.mouseClick(w.login.restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(s.title == "Restored" for s in dialogs.shown), timeout=15000)
    aside = [p for p in seeded.data_dir.iterdir() if p.name.startswith("before-restore")]
    assert aside and (aside[0] / "peerdesk.db").exists()  # damaged file kept, not deleted
    sign_in(qtbot, w, "anna")
    assert w.signed_in


def test_sign_out_is_one_step_and_change_password(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "anna")

    def fill(dlg):
        dlg.old.setText(PW)
        dlg.new.setText("a brand new passphrase")
        dlg.repeat.setText("a brand new passphrase")
        return True

    dialogs.queue(fill)
    w.password_action.trigger()
    assert dialogs.last("info").title == "Password changed"
    w.sign_out_action.trigger()
    assert not w.signed_in and w.stack.currentWidget() is w.login
    assert w.login.username.text() == ""
    sign_in(qtbot, w, "anna")
    assert not w.signed_in
    sign_in(qtbot, w, "anna", "a brand new passphrase")
    assert w.signed_in


def test_recovery_key_login_is_emergency_access(qtbot, make_window, dialogs, tmp_path):
    from peerdesk.services.store import create_store

    data = tmp_path / "d"
    key = create_store(data, "admin", PW)
    w = make_window(data)
    dialogs.queue("WRONG-KEY")
    qtbot.mouseClick(w.login.recovery, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.login._busy, timeout=10000)
    assert not w.signed_in and "recovery key" in w.login.error.text().lower()
    dialogs.queue(key)
    qtbot.mouseClick(w.login.recovery, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.signed_in, timeout=10000)
    assert w.actor.emergency and "emergency" in w.who.text()
    # Emergency access sees every page.
    assert "accounts" in w.workspace.keys() and "sessions" in w.workspace.keys()


def test_second_instance_is_told_and_can_retry(qtbot, make_window, seeded):
    """Another copy of PeerDesk (or a command) holds the store: say so, lose nothing."""
    other, _ = open_store(seeded.data_dir, "anna", PW)
    try:
        w = make_window(seeded.data_dir)
        sign_in(qtbot, w, "anna")
        assert not w.signed_in
        assert "already open" in w.login.error.text()
        assert "PeerDesk account 'anna'" in w.login.error.text()  # told by whom
        assert w.login.sign_in.isEnabled() and w.login.username.text() == "anna"
    finally:
        other.close()
    sign_in(qtbot, w, "anna")
    assert w.signed_in

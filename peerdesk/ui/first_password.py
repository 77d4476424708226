"""The step between signing in and the workspace when the password was set by an
administrator (new account, reset, re-enabled): the person chooses their own."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from peerdesk.errors import PeerDeskError
from peerdesk.services import accounts
from peerdesk.services.auth import Actor
from peerdesk.services.store import Store
from peerdesk.ui.dialogs import Dialogs
from peerdesk.ui.forms import FormDialog
from peerdesk.ui.widgets import PasswordField


class FirstPasswordDialog(FormDialog):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Choose your own password"), parent, self.tr("Save and continue"))
        self.store, self.actor = store, actor
        intro = QLabel(
            self.tr(
                "You signed in with a password an administrator gave you. Choose your own "
                "now, so that only you know it. At least %1 characters; a few unrelated "
                "words make a strong password."
            ).replace("%1", str(store.policy.min_password_length))
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.new = self.row(self.tr("&New password:"), PasswordField())
        self.repeat = self.row(self.tr("&Repeat new password:"), PasswordField())

    def submit(self) -> None:
        if self.new.text() != self.repeat.text():
            raise PeerDeskError("the two new passwords are not the same")
        accounts.choose_first_password(self.store, self.actor, self.new.text())


def settle_first_password(dialogs: Dialogs, parent: QWidget, store: Store, actor: Actor) -> bool:
    """True when the workspace may open: no first password, or the person chose theirs."""
    if not store.must_change_password:
        return True
    return dialogs.run(FirstPasswordDialog(store, actor, parent)) and not (
        store.must_change_password
    )

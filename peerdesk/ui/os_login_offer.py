""" "Unlock with this computer's login" in the window: the button on the sign-in screen,
the offer after a password sign-in, and "Forget this computer's login" in the toolbar.

Kept in its own module; MainWindow only calls install(). The rules live in
services/os_login.py (policy, keyring, stale slots).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from peerdesk.errors import PeerDeskError
from peerdesk.services import os_login
from peerdesk.ui.tasks import error_text, run_task


class OsLoginOffer:
    def __init__(self, window: Any) -> None:
        self.window = window
        login = window.login
        self.button = QPushButton(window.tr("Unlock with this computer's &login"))
        self.button.setToolTip(
            window.tr("No password needed on this computer for this account (allowed by policy)")
        )
        self.button.clicked.connect(self.sign_in)
        box = login.sign_in.parentWidget().layout()
        box.insertWidget(box.indexOf(login.sign_in) + 1, self.button)
        self.button.hide()
        self.forget = QAction(window.tr("Forget this computer's login"), window)
        self.forget.triggered.connect(lambda _c=False: self.remove())
        self.forget.setVisible(False)
        window.toolbar.insertAction(window.password_action, self.forget)
        window.stack.currentChanged.connect(lambda _i: self.refresh())
        window.signedIn.connect(self.after_sign_in)
        self.username: str | None = None
        self.refresh()

    def refresh(self) -> None:
        """On the sign-in screen: offer the button when this OS user has a working slot."""
        w = self.window
        at_login = w.stack.currentWidget() is w.login
        self.username = os_login.offered_username(w.data_dir) if at_login else None
        self.button.setVisible(self.username is not None)
        if self.username:
            self.button.setText(
                w.tr("Unlock as %1 with this computer's &login").replace("%1", self.username)
            )

    def sign_in(self) -> None:
        w = self.window
        if not self.username:
            return
        w.login.set_busy(True)
        w.task = run_task(
            w,
            partial(os_login.sign_in, w.data_dir, self.username),
            on_result=w._opened,
            on_error=self._failed,
            title=w.tr("Signing in"),
            label=w.tr("Unlocking the store…"),
            delay_ms=1000,
        )

    def _failed(self, exc: BaseException) -> None:
        self.window.login.show_failure(exc)
        self.refresh()  # a stale slot is gone now: hide the button

    def after_sign_in(self) -> None:
        w = self.window
        store, actor = w.store, w.actor
        if store is None or actor is None:
            return
        self.forget.setVisible(os_login.is_enabled(store, actor.username))
        if not os_login.should_offer(store, actor):
            return
        if not w.dialogs.confirm(
            w,
            w.tr("Unlock with this computer's login"),
            w.tr(
                "Next time, open PeerDesk on this computer without typing your password, "
                "by your login to this computer? Only say yes if nobody else uses this "
                "computer account. You can turn it off again from the toolbar."
            ),
            yes_text=w.tr("Yes, on this computer"),
            no_text=w.tr("No, keep asking for my password"),
        ):
            os_login.decline(store, actor)
            return
        try:
            os_login.enable(store, actor)
        except PeerDeskError as exc:
            w.dialogs.error(w, w.tr("Unlock with this computer's login"), error_text(exc))
            return
        self.forget.setVisible(True)

    def remove(self) -> None:
        w = self.window
        if w.store is None or w.actor is None:
            return
        try:
            os_login.remove(w.store, w.actor)
        except PeerDeskError as exc:
            w.dialogs.error(w, w.tr("Forget this computer's login"), error_text(exc))
            return
        self.forget.setVisible(False)
        w.dialogs.info(
            w,
            w.tr("Forget this computer's login"),
            w.tr("This computer's login no longer opens PeerDesk; use your password."),
        )


def install(window: Any) -> OsLoginOffer:
    return OsLoginOffer(window)

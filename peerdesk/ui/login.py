"""The sign-in screen and the lock screen. Both only collect credentials; the main
window does the unlocking (off the GUI thread) and hands errors back here."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk.errors import DamagedStoreError, ServerUnavailableError, ThrottledError
from peerdesk.ui.fmt import sentence
from peerdesk.ui.widgets import PasswordField, heading


def _alert_label() -> QLabel:
    lab = QLabel()
    lab.setWordWrap(True)
    lab.setObjectName("loginError")
    lab.setStyleSheet("QLabel#loginError { color: #b00020; font-weight: bold; }")
    lab.setAccessibleName("Sign-in message")
    lab.hide()
    return lab


def _caps_label() -> QLabel:
    lab = QLabel(QLabel.tr("Caps Lock is on."))
    lab.setObjectName("capsHint")
    lab.hide()
    return lab


class _Centered(QWidget):
    def __init__(self, inner: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        col.addWidget(inner)
        col.addStretch(2)
        lay.addLayout(col)
        lay.addStretch(1)
        inner.setMinimumWidth(420)
        inner.setMaximumWidth(520)


class LoginPage(QWidget):
    """Username and password; the messages of the services; restore for a damaged store."""

    signInRequested = Signal(str, str)  # noqa: N815
    recoveryRequested = Signal()  # noqa: N815
    restoreRequested = Signal()  # noqa: N815

    def __init__(self, store_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.addWidget(heading(self.tr("Sign in to PeerDesk")))
        self.where = QLabel(store_label)
        self.where.setWordWrap(True)
        lay.addWidget(self.where)
        self.demo_hint = QLabel()
        self.demo_hint.setWordWrap(True)
        self.demo_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_hint.hide()
        lay.addWidget(self.demo_hint)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName(self.tr("Username"))
        self.username.setAutoFillBackground(True)
        self.password = PasswordField()
        self.password.setAccessibleName(self.tr("Password"))
        user_label = QLabel(self.tr("&Username:"))
        user_label.setBuddy(self.username)
        pw_label = QLabel(self.tr("&Password:"))
        pw_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(pw_label, self.password)
        lay.addLayout(form)
        self.caps = _caps_label()
        lay.addWidget(self.caps)
        self.password.capsLockChanged.connect(self.caps.setVisible)
        self.error = _alert_label()
        lay.addWidget(self.error)
        self.sign_in = QPushButton(self.tr("&Sign in"))
        self.sign_in.setDefault(True)
        self.sign_in.setAutoDefault(True)
        self.sign_in.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.username.returnPressed.connect(self.password.setFocus)
        lay.addWidget(self.sign_in)
        row = QHBoxLayout()
        self.recovery = QPushButton(self.tr("Use the &recovery key…"))
        self.recovery.setToolTip(
            self.tr("Emergency access when no administrator password is known (audited)")
        )
        self.recovery.clicked.connect(self.recoveryRequested)
        self.restore = QPushButton(self.tr("Restore from a &backup…"))
        self.restore.clicked.connect(self.restoreRequested)
        self.restore.hide()
        row.addWidget(self.recovery)
        row.addWidget(self.restore)
        row.addStretch(1)
        lay.addLayout(row)
        self.forgot = QLabel(
            self.tr(
                "Forgot your password? An administrator can reset it under "
                "Accounts and policy. Nothing you recorded is lost."
            )
        )
        self.forgot.setWordWrap(True)
        lay.addWidget(self.forgot)
        outer = QVBoxLayout(self)
        outer.addWidget(_Centered(box))
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.sign_in)
        self.setTabOrder(self.sign_in, self.recovery)
        self.setTabOrder(self.recovery, self.restore)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self._wait = 0
        self._busy = False

    def _submit(self) -> None:
        if self._busy or not self.sign_in.isEnabled():
            return
        if not self.username.text().strip():
            self.show_error(self.tr("Enter your username."))
            self.username.setFocus()
            return
        if not self.password.text():
            self.show_error(self.tr("Enter your password."))
            self.password.setFocus()
            return
        self.set_busy(True)
        self.signInRequested.emit(self.username.text().strip().lower(), self.password.text())

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.sign_in.setText(self.tr("Signing in…") if busy else self.tr("&Sign in"))
        self.sign_in.setEnabled(not busy and self._wait <= 0)
        self.username.setEnabled(not busy)
        self.password.setEnabled(not busy)

    def reset(self, username: str = "") -> None:
        self.set_busy(False)
        self.username.setText(username)
        self.password.clear()
        self.error.hide()
        self.restore.setVisible(False)
        (self.password if username else self.username).setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(sentence(text))
        self.error.show()

    def show_failure(self, exc: BaseException) -> None:
        """The service's own sentence; the form stays usable for another try."""
        self.set_busy(False)
        self.password.clear()
        if isinstance(exc, DamagedStoreError):
            self.show_error(
                str(exc)
                + ". "
                + self.tr(
                    "If you have a backup, restore it with the button below: the damaged "
                    "files are kept in a folder beside it, never deleted."
                )
            )
            self.restore.show()
            self.restore.setFocus()
            return
        if isinstance(exc, ServerUnavailableError) and exc.host:
            # A connection lost mid-sign-in (faults.connection_lost): its sentence is about
            # kept input, which means nothing here. The backend's own refusals (the login,
            # the certificate) carry their reason and are shown as they are, below.
            where = f" ({exc.host})" if exc.host else ""
            self.show_error(
                self.tr(
                    "The clinic server cannot be reached%1. Check the network cable or "
                    "Wi-Fi, then sign in again; ask IT if it stays like this."
                ).replace("%1", where)
            )
            self.password.setFocus()
            return
        # The service's sentence is complete (wrong password, tries left, lock-out and
        # what to do about it); adding to it here repeated the lock-out advice.
        self.show_error(str(exc))
        if isinstance(exc, ThrottledError):
            self._wait = int(exc.retry_after) + 1
            self.sign_in.setEnabled(False)
            self._countdown.start()
        self.password.setFocus()

    def _tick(self) -> None:
        self._wait -= 1
        if self._wait <= 0:
            self._countdown.stop()
            self.sign_in.setEnabled(not self._busy)
            self.sign_in.setText(self.tr("&Sign in"))
        else:
            self.sign_in.setText(self.tr("Wait %1 s").replace("%1", str(self._wait)))


class LockPage(QWidget):
    """Shown after the idle time or Ctrl+L: nothing from the store is on screen or in memory."""

    unlockRequested = Signal(str)  # noqa: N815
    signOutRequested = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.addWidget(heading(self.tr("PeerDesk is locked")))
        self.who = QLabel()
        self.who.setWordWrap(True)
        lay.addWidget(self.who)
        self.password = PasswordField()
        self.password.setAccessibleName(self.tr("Password"))
        pw_label = QLabel(self.tr("&Password:"))
        pw_label.setBuddy(self.password)
        form = QFormLayout()
        form.addRow(pw_label, self.password)
        lay.addLayout(form)
        self.caps = _caps_label()
        self.password.capsLockChanged.connect(self.caps.setVisible)
        lay.addWidget(self.caps)
        self.error = _alert_label()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.unlock = QPushButton(self.tr("&Unlock"))
        self.unlock.setDefault(True)
        self.unlock.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.switch = QPushButton(self.tr("Sign &out (someone else)"))
        self.switch.clicked.connect(self.signOutRequested)
        row.addWidget(self.unlock)
        row.addWidget(self.switch)
        row.addStretch(1)
        lay.addLayout(row)
        outer = QVBoxLayout(self)
        outer.addWidget(_Centered(box))
        self.setTabOrder(self.password, self.unlock)
        self.setTabOrder(self.unlock, self.switch)

    def prepare(self, display_name: str, username: str, recovery: bool = False) -> None:
        if recovery:
            self.who.setText(
                self.tr("Emergency access was in use. Enter the recovery key to continue.")
            )
        else:
            self.who.setText(
                self.tr("Signed in as %1 (%2). Enter your password to continue.")
                .replace("%1", display_name)
                .replace("%2", username)
            )
        self.password.clear()
        self.error.hide()
        self.set_busy(False)
        self.password.setFocus()

    def _submit(self) -> None:
        if not self.unlock.isEnabled() or not self.password.text():
            return
        self.set_busy(True)
        self.unlockRequested.emit(self.password.text())

    def set_busy(self, busy: bool) -> None:
        self.unlock.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self.unlock.setText(self.tr("Unlocking…") if busy else self.tr("&Unlock"))

    def show_failure(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.password.clear()
        self.error.setText(sentence(str(exc)))
        self.error.show()
        self.password.setFocus()

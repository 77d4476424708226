"""First run: create the store, the site and the first administrator; show the recovery key."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from peerdesk.errors import PeerDeskError
from peerdesk.services import recovery_sheet
from peerdesk.services.store import create_store
from peerdesk.ui.dialogs import Dialogs
from peerdesk.ui.fmt import sentence
from peerdesk.ui.tasks import Task, error_text, run_task
from peerdesk.ui.widgets import PasswordField


class WelcomePage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setTitle(self.tr("Welcome to PeerDesk"))
        lay = QVBoxLayout(self)
        text = QLabel(
            self.tr(
                "PeerDesk keeps your peer support program's records in one encrypted file on "
                "this computer. Nothing is sent over a network.\n\n"
                "This assistant creates the store, names your site and sets up the first "
                "administrator account. At the end it shows a recovery key: print it or save "
                "it, and lock it away.\n\nData folder: %1"
            ).replace("%1", str(wizard.data_dir))
        )
        text.setWordWrap(True)
        lay.addWidget(text)
        lay.addStretch(1)
        row = QHBoxLayout()
        self.restore = QPushButton(self.tr("Restore from a &backup instead…"))
        self.restore.setToolTip(self.tr("Moving to a new computer? Restore your last backup."))
        self.restore.clicked.connect(wizard.restoreRequested)
        # Not a default button: Enter on this page goes on (Next), it does not open a
        # file dialog; the button is still reached with Tab or Alt+B.
        self.restore.setAutoDefault(False)
        self.restore.setDefault(False)
        row.addWidget(self.restore)
        row.addStretch(1)
        lay.addLayout(row)


class AccountPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Your site and the administrator"))
        self.setSubTitle(
            self.tr(
                "The administrator manages accounts, the policy and backups. Supporters and "
                "coordinators get their own accounts later."
            )
        )
        form = QFormLayout(self)
        self.site = QLineEdit(self.tr("Main site"))
        self.username = QLineEdit("admin")
        self.display = QLineEdit()
        self.password = PasswordField()
        self.repeat = PasswordField()
        for text, widget in (
            (self.tr("&Site name:"), self.site),
            (self.tr("Administrator &username:"), self.username),
            (self.tr("&Display name:"), self.display),
            (self.tr("&Password:"), self.password),
            (self.tr("&Repeat password:"), self.repeat),
        ):
            lab = QLabel(text)
            lab.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(lab, widget)
        self.caps = QLabel(self.tr("Caps Lock is on."))
        self.caps.hide()
        self.password.capsLockChanged.connect(self.caps.setVisible)
        form.addRow(self.caps)
        rules = QLabel(
            self.tr(
                "At least 8 characters; long is better than complicated. Common passwords "
                "are refused."
            )
        )
        rules.setWordWrap(True)
        form.addRow(rules)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.hide()
        form.addRow(self.error)
        self.working = QLabel(self.tr("Creating the encrypted store… this takes a few seconds."))
        self.working.setAccessibleName(self.tr("Progress"))
        self.working.hide()
        form.addRow(self.working)
        self.busy = False
        self.task: Task | None = None

    def validatePage(self) -> bool:  # noqa: N802
        """Creating the store stretches the password (Argon2id): it runs off the GUI
        thread, the form shows it is busy, and Next is pressed again when it is done."""
        if self.w.recovery_key:
            return True  # already created; going back and forth does not create twice
        if self.busy:
            return False
        self.error.hide()  # an old message must not sit beside the new attempt
        if self.password.text() != self.repeat.text():
            return self._fail(self.tr("The two passwords are not the same."))
        self._set_busy(True)
        site = self.site.text().strip() or "Main site"
        username = self.username.text()
        self.task = run_task(
            self,
            partial(
                create_store,
                self.w.data_dir,
                username,
                self.password.text(),
                admin_display_name=self.display.text().strip(),
                site_name=site,
            ),
            on_result=lambda key: self._created(key, username, site),
            on_error=self._create_failed,
            show_progress=False,
        )
        return False

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.site, self.username, self.display, self.password, self.repeat):
            widget.setEnabled(not busy)
        for which in (
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.CancelButton,
        ):
            self.w.button(which).setEnabled(not busy)
        self.working.setVisible(busy)
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QApplication.restoreOverrideCursor()

    def _created(self, key: str, username: str, site: str) -> None:
        self._set_busy(False)
        self.w.recovery_key = key
        self.w.username = username.strip().lower()
        self.w.site_name = site
        self.password.clear()
        self.repeat.clear()
        for widget in (self.site, self.username, self.display, self.password, self.repeat):
            widget.setEnabled(False)
        self.w.next()

    def _create_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._fail(error_text(exc))
        self.password.setFocus()

    def _fail(self, text: str) -> bool:
        self.error.setText(text)
        self.error.show()
        return False


class RecoveryPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Your recovery key"))
        self.setSubTitle(self.tr("Shown once. Print it or save it now."))
        lay = QVBoxLayout(self)
        self.key = QLabel()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.key.setFont(font)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setAccessibleName(self.tr("Recovery key"))
        lay.addWidget(self.key)
        explain = QLabel(self.tr(recovery_sheet.EXPLANATION))
        explain.setWordWrap(True)
        lay.addWidget(explain)
        row = QHBoxLayout()
        self.print_button = QPushButton(self.tr("&Print…"))
        self.pdf_button = QPushButton(self.tr("Save as P&DF…"))
        self.copy_button = QPushButton(self.tr("&Copy"))
        self.print_button.clicked.connect(self._print)
        self.pdf_button.clicked.connect(self._pdf)
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.w.recovery_key)
        )
        for b in (self.print_button, self.pdf_button, self.copy_button):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.kept = QCheckBox(
            self.tr("I have printed or saved the recovery key and will lock it away")
        )
        lay.addWidget(self.kept)
        self.registerField("kept*", self.kept)
        lay.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        self.key.setText(self.w.recovery_key)

    def _text(self) -> str:
        return recovery_sheet.sheet_text(self.w.recovery_key, self.w.site_name, self.w.data_dir)

    def _print(self) -> None:
        self.w.dialogs.print_text(self, self.tr("Print the recovery key"), self._text())

    def _pdf(self) -> None:
        path = self.w.dialogs.save_file(
            self,
            self.tr("Save the recovery key as PDF"),
            "peerdesk-recovery-key.pdf",
            self.tr("PDF files (*.pdf)"),
        )
        if path is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        try:
            recovery_sheet.save_pdf(path, self.w.recovery_key, self.w.site_name, self.w.data_dir)
        except PeerDeskError as exc:
            self.w.dialogs.error(self, self.tr("Not saved"), sentence(str(exc)))
            return
        self.w.dialogs.info(
            self,
            self.tr("Saved"),
            self.tr("Saved to %1. Print it, lock the printout away, and delete the file.").replace(
                "%1", str(path)
            ),
        )


class SetupWizard(QWizard):
    """Emits created(username) when the store exists and the key has been kept."""

    created = Signal(str)
    restoreRequested = Signal()  # noqa: N815

    def __init__(self, data_dir: Path, dialogs: Dialogs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.dialogs = dialogs
        self.recovery_key = ""
        self.username = ""
        self.site_name = ""
        self.setWindowTitle(self.tr("Set up PeerDesk"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.welcome = WelcomePage(self)
        self.account = AccountPage(self)
        self.recovery = RecoveryPage(self)
        self.addPage(self.welcome)
        self.addPage(self.account)
        self.addPage(self.recovery)
        self.setMinimumSize(640, 480)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self.currentPage() is self.welcome:
            # QWizard focuses a page's first field, here the Restore button; start on
            # Next instead, so Enter goes on.
            self.button(QWizard.WizardButton.NextButton).setFocus()

    def accept(self) -> None:
        super().accept()
        self.recovery_key = ""  # not kept in memory once shown
        self.created.emit(self.username)

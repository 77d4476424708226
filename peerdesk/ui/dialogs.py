"""Every message box, file dialog and form dialog of the app goes through Dialogs.

Tests pass a ScriptedDialogs instead: it answers from a queue and records what was
shown, so no test ever patches Qt or waits on a modal loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

# -- nested event loops ------------------------------------------------------------------
#
# A modal dialog runs its own event loop. If the window locks while one is open (the idle
# lock, Ctrl+L), the lock must not delete the widgets whose code is waiting for that dialog
# to return: Qt runs a deleteLater() made inside a nested loop in that loop, and the code
# below it would then touch a deleted object (a crash, seen in the soak). So every modal
# loop of the app is counted here, and after_modals() holds work back until all have ended.

_depth = 0
_after: list[Callable[[], None]] = []


@contextmanager
def modal_loop() -> Iterator[None]:
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _after:
            from PySide6.QtCore import QTimer

            pending, _after[:] = list(_after), []
            # Run from the outer loop, once the code that opened the dialog has returned.
            QTimer.singleShot(0, lambda: [fn() for fn in pending])


def after_modals(fn: Callable[[], None]) -> None:
    """Run fn now, or once every open modal dialog has returned."""
    if _depth == 0:
        fn()
    else:
        _after.append(fn)


def _modal(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with modal_loop():
            return method(*args, **kwargs)

    return wrapper


class Dialogs:
    """The real, modal dialogs.

    File dialogs start in the folder last used in this session (else the home folder, not
    the folder the app happened to be started from): a backup just written is then right
    there when Restore is opened.
    """

    def __init__(self) -> None:
        self.last_folder: Path | None = None

    def start_path(self, suggested_name: str = "") -> str:
        folder = self.last_folder if self.last_folder is not None else Path.home()
        return str(folder / suggested_name) if suggested_name else str(folder)

    def _remember(self, name: str) -> Path | None:
        if not name:
            return None
        path = Path(name)
        self.last_folder = path.parent
        return path

    @_modal
    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    @_modal
    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    @_modal
    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    @_modal
    def confirm(
        self,
        parent: QWidget | None,
        title: str,
        text: str,
        yes_text: str = "",
        no_text: str = "",
        default_yes: bool = False,
    ) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
        )
        yes = box.addButton(yes_text or QMessageBox.tr("Yes"), QMessageBox.ButtonRole.YesRole)
        no = box.addButton(no_text or QMessageBox.tr("No"), QMessageBox.ButtonRole.NoRole)
        box.setDefaultButton(yes if default_yes else no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def offer_reload(self, parent: QWidget | None, title: str, message: str) -> bool:
        """Someone else changed the record this form edits (StaleEditError): say who and
        when, and ask. True only when the person agrees to reload and lose what they typed;
        the form keeps its input otherwise (the default, also on Escape)."""
        return self.confirm(
            parent,
            title,
            message
            + "\n\n"
            + QMessageBox.tr(
                "Nothing you typed has been saved, and it is still in the form. Reload "
                "shows their change and throws away what you typed here; keep it to copy "
                "what you need first."
            ),
            yes_text=QMessageBox.tr("Reload (throw away my input)"),
            no_text=QMessageBox.tr("Keep my input"),
        )

    @_modal
    def ask_text(
        self,
        parent: QWidget | None,
        title: str,
        label: str,
        text: str = "",
        password: bool = False,
    ) -> str | None:
        mode = QLineEdit.EchoMode.Password if password else QLineEdit.EchoMode.Normal
        value, ok = QInputDialog.getText(parent, title, label, mode, text)
        return value if ok else None

    @_modal
    def choose(
        self, parent: QWidget | None, title: str, label: str, items: list[str], current: int = 0
    ) -> str | None:
        value, ok = QInputDialog.getItem(parent, title, label, items, current, False)
        return value if ok else None

    @_modal
    def save_file(
        self, parent: QWidget | None, title: str, suggested_name: str, file_filter: str
    ) -> Path | None:
        start = suggested_name if Path(suggested_name).is_absolute() else None
        name, _ = QFileDialog.getSaveFileName(
            parent, title, start or self.start_path(suggested_name), file_filter
        )
        return self._remember(name)

    @_modal
    def open_file(self, parent: QWidget | None, title: str, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, title, self.start_path(), file_filter)
        return self._remember(name)

    @_modal
    def run(self, dialog: QDialog) -> bool:
        """Show one of the app's own form dialogs modally; True when accepted."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    @_modal
    def print_text(self, parent: QWidget | None, title: str, text: str) -> bool:
        """Print plain text through the system print dialog; True if it was sent."""
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(title)
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(title)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        doc = QTextDocument()
        doc.setPlainText(text)
        doc.print_(printer)
        return True


@dataclass(frozen=True)
class Shown:
    kind: str  # info warn error confirm ask_text choose save_file open_file print run
    title: str
    text: str
    answer: Any = None


class UnexpectedDialog(AssertionError):
    pass


class ScriptedDialogs(Dialogs):
    """Answers dialogs from a queue, in order, and records every one shown.

    info/warn/error need no answer. For the others queue a value: a bool for confirm,
    a str or None for ask_text/choose, a Path or None for file dialogs, and for run()
    either a bool or a callable taking the dialog (to fill its fields) and returning
    whether to accept it. A dialog with nothing queued raises UnexpectedDialog.
    """

    def __init__(self, *answers: Any) -> None:
        super().__init__()
        self.answers: deque[Any] = deque(answers)
        self.shown: list[Shown] = []

    def queue(self, *answers: Any) -> None:
        self.answers.extend(answers)

    def kinds(self) -> list[str]:
        return [s.kind for s in self.shown]

    def texts(self) -> list[str]:
        return [f"{s.title}: {s.text}" for s in self.shown]

    def last(self, kind: str | None = None) -> Shown:
        for s in reversed(self.shown):
            if kind is None or s.kind == kind:
                return s
        raise AssertionError(f"no {kind or ''} dialog was shown")

    def _answer(self, kind: str, title: str, text: str) -> Any:
        if not self.answers:
            self.shown.append(Shown(kind, title, text))
            raise UnexpectedDialog(f"no answer queued for {kind} dialog '{title}': {text}")
        answer = self.answers.popleft()
        self.shown.append(Shown(kind, title, text, answer))
        return answer

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(Shown("info", title, text))

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(Shown("warn", title, text))

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(Shown("error", title, text))

    def confirm(
        self,
        parent: QWidget | None,
        title: str,
        text: str,
        yes_text: str = "",
        no_text: str = "",
        default_yes: bool = False,
    ) -> bool:
        return bool(self._answer("confirm", title, text))

    def ask_text(
        self,
        parent: QWidget | None,
        title: str,
        label: str,
        text: str = "",
        password: bool = False,
    ) -> str | None:
        return self._answer("ask_text", title, label)

    def choose(
        self, parent: QWidget | None, title: str, label: str, items: list[str], current: int = 0
    ) -> str | None:
        answer = self._answer("choose", title, label)
        if answer is not None and answer not in items:
            raise UnexpectedDialog(f"'{answer}' is not one of the choices {items}")
        return answer

    def save_file(
        self, parent: QWidget | None, title: str, suggested_name: str, file_filter: str
    ) -> Path | None:
        answer = self._answer("save_file", title, suggested_name)
        return Path(answer) if answer is not None else None

    def open_file(self, parent: QWidget | None, title: str, file_filter: str) -> Path | None:
        answer = self._answer("open_file", title, file_filter)
        return Path(answer) if answer is not None else None

    def print_text(self, parent: QWidget | None, title: str, text: str) -> bool:
        return bool(self._answer("print", title, text))

    def run(self, dialog: QDialog) -> bool:
        answer: bool | Callable[[QDialog], bool] = self._answer(
            "run", dialog.windowTitle(), type(dialog).__name__
        )
        accepted = answer(dialog) if callable(answer) else bool(answer)
        if accepted:
            # The dialog's own accept() runs its validation, as a click on OK would.
            dialog.accept()
            settle = getattr(dialog, "settle", None)
            if callable(settle):
                settle()  # a save running off the GUI thread has come back
            accepted = dialog.result() == QDialog.DialogCode.Accepted
        else:
            dialog.reject()
        return accepted

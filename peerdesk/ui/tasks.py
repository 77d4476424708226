"""Run a callable off the GUI thread, with progress, and get its result back on the GUI thread.

    task = run_task(parent, fn, on_result=..., on_error=..., title=..., label=...)

If fn accepts a ``cancel`` argument it receives a TaskControl (``cancel.is_set()``
tells it to stop, like a threading.Event) and the progress dialog gets a Cancel
button. If it accepts ``progress`` it receives a callable ``progress(done, total,
text="")``. A callable that raises PeerDeskError has its message reported as is;
any other exception is reported as an unexpected error (and logged without data).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from peerdesk.errors import PeerDeskError
from peerdesk.faults import connection_lost
from peerdesk.ui.fmt import sentence

log = logging.getLogger(__name__)


class TaskCancelled(PeerDeskError):
    """Raised by a callable that stopped because it was asked to."""


class TaskControl:
    """What the worker sees: a cancel flag (Event-like) and a progress reporter."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self._event = threading.Event()
        self._report = report

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise TaskCancelled("cancelled")

    def progress(self, done: int, total: int, text: str = "") -> None:
        self._report(done, total, text)


class _Bridge(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the calls to here."""

    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._bridge = bridge

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # reported on the GUI thread, never lost
            self._bridge.failed.emit(exc)
        else:
            self._bridge.finished.emit(result)


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def error_text(exc: BaseException) -> str:
    if isinstance(exc, PeerDeskError):
        return sentence(str(exc))
    lost = connection_lost(exc, "")  # a driver error no service turned into words
    if lost is not None:
        return sentence(str(lost))
    log.error("unexpected error in a background task: %s", type(exc).__name__)
    return f"Something went wrong ({type(exc).__name__}). Nothing further was changed."


class Task(QObject):
    """One background run. Keep a reference while it runs (run_task does this for you)."""

    done = Signal()

    _running: set[Task] = set()

    def __init__(
        self,
        fn: Callable[..., Any],
        on_result: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        parent: QObject | None,
        title: str,
        label: str,
        show_progress: bool,
        delay_ms: int,
    ) -> None:
        super().__init__()
        self._on_result = on_result
        self._on_error = on_error
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._bridge = _Bridge()
        self.control = TaskControl(self._bridge.progressed.emit)
        cancellable = _accepts(fn, "cancel")
        kwargs: dict[str, Any] = {}
        if cancellable:
            kwargs["cancel"] = self.control
        if _accepts(fn, "progress"):
            kwargs["progress"] = self.control.progress
        self._dialog: QProgressDialog | None = None
        if show_progress and (parent is None or isinstance(parent, QWidget)):
            dlg = QProgressDialog(label, self.tr("Cancel") if cancellable else "", 0, 0, parent)
            dlg.setWindowTitle(title)
            dlg.setWindowModality(Qt.WindowModality.WindowModal)
            dlg.setMinimumDuration(delay_ms)
            dlg.setAutoClose(False)
            dlg.setAutoReset(False)
            if not cancellable:
                dlg.setCancelButton(None)
            dlg.canceled.connect(self.cancel)
            dlg.setAccessibleName(title)
            self._dialog = dlg
        self._orphaned = False
        if parent is not None:
            # Results for a page that was torn down (sign-out, idle lock) are dropped.
            parent.destroyed.connect(self._orphan)
        self._bridge.finished.connect(self._finished)
        self._bridge.failed.connect(self._failed)
        self._bridge.progressed.connect(self._progressed)
        Task._running.add(self)
        QThreadPool.globalInstance().start(_Runnable(lambda: fn(**kwargs), self._bridge))

    def _orphan(self, *_args: object) -> None:
        self._orphaned = True
        self._dialog = None

    def cancel(self) -> None:
        self.control.set()
        if self._dialog is not None:
            self._dialog.setLabelText(self.tr("Stopping…"))

    @property
    def cancelled(self) -> bool:
        return self.control.cancelled

    def _progressed(self, done: int, total: int, text: str) -> None:
        if self._dialog is not None:
            self._dialog.setMaximum(max(total, 0))
            self._dialog.setValue(min(done, total) if total > 0 else 0)
            if text:
                self._dialog.setLabelText(text)

    def _close(self) -> None:
        self.finished = True
        if self._dialog is not None:
            self._dialog.reset()
            self._dialog.hide()
            self._dialog.deleteLater()
            self._dialog = None
        Task._running.discard(self)
        self.done.emit()

    def _finished(self, result: Any) -> None:
        self.result = result
        self._close()
        if self._on_result is not None and not self._orphaned:
            self._on_result(result)

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        self._close()
        if isinstance(exc, TaskCancelled):
            return
        # For IT: the class only (a message may quote a record or a typed name).
        logging.getLogger("peerdesk.it").warning("in the app: %s", type(exc).__name__)
        if self._on_error is not None and not self._orphaned:
            self._on_error(exc)
        else:
            error_text(exc)  # at least logged


def run_task(
    parent: QObject | None,
    fn: Callable[..., Any],
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    title: str = "",
    label: str = "",
    show_progress: bool = True,
    delay_ms: int = 400,
) -> Task:
    """Start fn on the thread pool; results and errors come back on the GUI thread.

    The progress dialog appears only if the work takes longer than delay_ms, so quick
    work does not flash a window. A cancelled task calls neither callback.
    """
    return Task(fn, on_result, on_error, parent, title, label, show_progress, delay_ms)


def wait_all(timeout_ms: int = 10000) -> bool:
    """For tests and shutdown: let running tasks finish and deliver their results."""
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer

    deadline = QDeadlineTimer(timeout_ms)
    while Task._running and not deadline.hasExpired():
        QThreadPool.globalInstance().waitForDone(10)
        QCoreApplication.processEvents()
    return not Task._running


__all__ = ["Task", "TaskCancelled", "TaskControl", "error_text", "run_task", "wait_all"]

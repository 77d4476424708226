"""Idle lock: an application-wide event filter notes the time of the last input; one
periodic timer compares it with the policy's idle time.

As in KeePassXC, keyboard, mouse and touch input anywhere in the app count as activity.
Unlike a filter that restarts a single-shot timer on every event, nothing Qt-side happens
per event here: input costs one clock read. (PySide6 6.12.0 leaked a reference to None on
every QTimer.start(), so a timer restarted per mouse move aborted the app within minutes;
see tests/ui/test_refcount_soak.py.)

A minute before the lock, warn(seconds_left) fires so the window can show a banner; the
next input fires resumed() and the banner goes away.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.Shortcut,
    }
)

WARN_BEFORE_MS = 60_000


class IdleWatcher(QObject):
    idle = Signal()
    warn = Signal(int)  # seconds left before the lock
    resumed = Signal()  # input after a warning

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timeout_ms = max(1, timeout_ms)
        self._last_input = time.monotonic()
        self._warned = False
        self._running = False
        self._installed = False
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._check)
        self._set_tick_interval()

    @property
    def timeout_ms(self) -> int:
        return self._timeout_ms

    @property
    def warn_before_ms(self) -> int:
        """A minute, or half the idle time when that is shorter (tests, strict policies)."""
        return min(WARN_BEFORE_MS, self._timeout_ms // 2)

    def _set_tick_interval(self) -> None:
        # Fine enough to lock within a second of the deadline; coarse enough to cost nothing.
        self._tick.setInterval(max(5, min(1000, self._timeout_ms // 20)))

    def set_timeout_ms(self, ms: int) -> None:
        self._timeout_ms = max(1, ms)
        self._set_tick_interval()
        if self._running:  # one restart per sign-in, never per event
            self._tick.start()

    def start(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._last_input = time.monotonic()
        self._warned = False
        self._running = True
        self._tick.start()

    def stop(self) -> None:
        self._running = False
        self._tick.stop()
        self._warned = False
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    @property
    def active(self) -> bool:
        return self._running

    def idle_ms(self) -> int:
        return int((time.monotonic() - self._last_input) * 1000)

    def _check(self) -> None:
        if not self._running:
            return
        idle = self.idle_ms()
        if idle >= self._timeout_ms:
            self.stop()
            self.idle.emit()
        elif not self._warned and idle >= self._timeout_ms - self.warn_before_ms:
            self._warned = True
            self.warn.emit(max(1, round((self._timeout_ms - idle) / 1000)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if self._running and event.type() in ACTIVITY:
            self._last_input = time.monotonic()
            if self._warned:
                self._warned = False
                self.resumed.emit()
        return False

"""Entry point of the desktop app: `peerdesk` and `peerdesk --demo` call run()."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from peerdesk import __version__
from peerdesk.services.locations import default_demo_dir


def demo_data_dir(data_dir: Path | None) -> Path:
    """The demo store lives apart from real data unless a folder is given explicitly."""
    if data_dir is not None:
        return Path(data_dir)
    return default_demo_dir()


def make_app(argv: list[str] | None = None):  # noqa: ANN201 - QApplication
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("PeerDesk")
    app.setOrganizationName("PeerDesk")
    app.setApplicationVersion(__version__)
    # No setApplicationDisplayName: Qt appends it to every window title, so the main
    # window read "PeerDesk — Zoë Martin — PeerDesk". The window titles say PeerDesk.
    install_translations(app)
    return app


def install_translations(app: object) -> None:
    """Load resources/translations/peerdesk_<locale>.qm when one ships for this locale."""
    from importlib import resources

    from PySide6.QtCore import QLocale, QTranslator

    try:
        folder = resources.files("peerdesk.resources").joinpath("translations")
    except ModuleNotFoundError:
        return
    translator = QTranslator(app)  # type: ignore[arg-type]
    if translator.load(QLocale(), "peerdesk", "_", str(folder)):
        app.installTranslator(translator)  # type: ignore[attr-defined]


def bring_to_front(window: Any) -> None:
    """A second launch asked for the window: show it (or the setup wizard) on top."""
    wizard = getattr(window, "wizard", None)
    target = wizard if wizard is not None and wizard.isVisible() else window
    if target.isMinimized():
        target.showNormal()
    target.show()
    target.raise_()
    target.activateWindow()
    logging.getLogger("peerdesk.it").info("second launch: the open window was brought forward")


def fit_to_screen(window: Any) -> None:
    """Shrink the first size (1200x760) to the screen's free area on small screens.

    Without this a 1024x700 screen showed the window's right and bottom edges off screen
    (found under Xvfb with no window manager; some managers do not clamp either).
    """
    screen = window.screen()
    if screen is None:
        return
    free = screen.availableGeometry()
    window.resize(min(window.width(), free.width()), min(window.height(), free.height()))


def run(data_dir: Path | None, demo: bool, dialogs: Any = None) -> int:
    """Open the window: setup wizard on first run, else sign-in. Returns the exit code.

    If PeerDesk is already open for this OS user and folder, its window comes forward
    and this process ends at once.
    """
    from peerdesk.errors import PeerDeskError
    from peerdesk.services.locations import resolve_data_dir
    from peerdesk.services.policy import load_policy
    from peerdesk.services.store import store_exists
    from peerdesk.ui.single_instance import InstanceServer, ask_running_instance

    try:
        folder = demo_data_dir(data_dir) if demo else resolve_data_dir(data_dir)
    except PeerDeskError as exc:  # a bad machine policy: say so in a window too
        _startup_error(str(exc), dialogs)
        raise
    if ask_running_instance(folder):
        return 0
    app = make_app()
    try:
        load_policy(folder)
        store_exists(folder)  # an OS account outside the clinic's group is told why
    except PeerDeskError as exc:
        _startup_error(str(exc), dialogs)
        raise
    from peerdesk.ui.main_window import MainWindow
    from peerdesk.ui.tasks import wait_all

    window = MainWindow(folder, dialogs=dialogs, demo=demo)
    server = InstanceServer(folder, lambda: bring_to_front(window))
    server.listen()
    fit_to_screen(window)
    window.start()
    if os.environ.get("PEERDESK_GUI_SMOKE") == "1":  # for packaging checks: open and quit
        from PySide6.QtCore import QTimer

        QTimer.singleShot(1500, app.quit)
    code = app.exec()
    server.close()
    window.close()
    # Background work (a list page, a count) must not still be running Python code while
    # the interpreter shuts down; the window is locked by now, so it ends quickly.
    wait_all(5000)
    return int(code)


def _startup_error(text: str, dialogs: Any = None) -> None:
    from peerdesk.ui.dialogs import Dialogs

    make_app()
    (dialogs or Dialogs()).error(None, "PeerDesk cannot start", text)

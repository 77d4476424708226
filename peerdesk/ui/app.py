"""Entry point of the desktop app: `peerdesk` and `peerdesk --demo` call run()."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from peerdesk import __version__
from peerdesk.services.store import default_demo_dir


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


def run(data_dir: Path | None, demo: bool) -> int:
    """Open the window: setup wizard on first run, else sign-in. Returns the exit code."""
    from peerdesk.services.store import resolve_data_dir
    from peerdesk.ui.main_window import MainWindow

    app = make_app()
    folder = demo_data_dir(data_dir) if demo else resolve_data_dir(data_dir)
    window = MainWindow(folder, demo=demo)
    window.start()
    if os.environ.get("PEERDESK_GUI_SMOKE") == "1":  # for packaging checks: open and quit
        from PySide6.QtCore import QTimer

        QTimer.singleShot(1500, app.quit)
    code = app.exec()
    window.close()
    return int(code)

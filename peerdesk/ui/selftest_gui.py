"""The Qt half of `peerdesk self-test --gui`: the real main window, and a report page drawn.

Run by IT after installing (and by the package checks) to prove that Qt's platform
plugin, the widgets, fonts and pdfium all load from where they were installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from peerdesk.services.selftest import Check


def headless_platform() -> str | None:
    """On Linux with no display and no QT_QPA_PLATFORM, Qt would abort; use offscreen."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return "offscreen"
    return None


def _window(data_dir: Path) -> Check:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from peerdesk.ui.main_window import MainWindow

    window = MainWindow(data_dir)
    try:
        window.start()  # the sign-in screen, as a user sees it on the store just made
        for _ in range(5):
            QApplication.processEvents()
        shot = window.grab()
        ok = window.isVisible() and not shot.isNull() and window.width() > 0
        return Check(
            "Main window",
            ok,
            f"{window.width()}x{window.height()} sign-in window drawn on the "
            f"'{QGuiApplication.platformName()}' platform",
        )
    finally:
        window.close()
        window.deleteLater()
        QApplication.processEvents()


def _report_page(pdf: bytes | None) -> Check:
    from PySide6.QtGui import QImage

    from peerdesk.ui.reports_page import pdf_page_images

    if pdf is None:
        return Check("Report page", False, "no report to draw (see the store check)")
    images = pdf_page_images(pdf, 60)
    if not images or images[0].isNull():
        return Check("Report page", False, "pdfium drew no page")
    gray = images[0].convertToFormat(QImage.Format.Format_Grayscale8)
    dark = sum(
        1
        for y in range(0, gray.height(), 4)
        for x in range(0, gray.width(), 4)
        if gray.pixelColor(x, y).value() < 128
    )
    import pypdfium2

    return Check(
        "Report page",
        dark > 50,  # a blank page would mean fonts or pdfium failed silently
        f"{len(images)} page(s) rendered by pypdfium2 {pypdfium2.PYPDFIUM_INFO}"
        f" (PDFium {pypdfium2.PDFIUM_INFO}), first page {images[0].width()}x"
        f"{images[0].height()} with text",
    )


def run_gui_checks(data_dir: Path, report_pdf: bytes | None) -> list[Check]:
    """Window and report page; data_dir holds the self-test store (the sign-in shows it)."""
    forced = headless_platform()
    try:
        from peerdesk.ui.app import make_app

        make_app()
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        return [Check("Qt application", False, f"{type(exc).__name__}: {exc}")]
    results: list[Check] = []
    if forced:
        results.append(Check("Qt platform", True, "no display found; used 'offscreen'"))
    for name, fn in (
        ("Main window", lambda: _window(data_dir)),
        ("Report page", lambda: _report_page(report_pdf)),
    ):
        try:
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - each check reports its own failure
            results.append(Check(name, False, f"{type(exc).__name__}: {exc}"))
    return results

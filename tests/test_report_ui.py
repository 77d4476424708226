"""The Reports screen: build off the GUI thread, preview pages, save, print."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from pypdf import PdfReader
from report_builders import bulk_sessions, make_world
from sqlalchemy import select

pytest.importorskip("PySide6.QtWidgets")

from peerdesk.models import AuditEvent  # noqa: E402
from peerdesk.ui.dialogs import ScriptedDialogs  # noqa: E402
from peerdesk.ui.reports_page import ReportsPage  # noqa: E402


@pytest.fixture
def world(tmp_path):
    w = make_world(tmp_path)
    bulk_sessions(w.store, date(2026, 3, 1), 300)
    yield w
    w.close()


def build(qtbot, page: ReportsPage) -> None:
    with qtbot.waitSignal(page.built, timeout=30000):
        page.build_button.click()


def report_events(world) -> list[dict]:
    with world.store.session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "report.create"))
        return [json.loads(r.detail) for r in rows]


def test_build_preview_save_and_print(qtbot, world, tmp_path):
    dialogs = ScriptedDialogs()
    page = ReportsPage(world.store, world.coord, dialogs)
    qtbot.addWidget(page)
    page.set_month(2026, 3)
    assert not page.save_button.isEnabled()
    build(qtbot, page)
    assert page.current is not None
    pages = len(PdfReader(io.BytesIO(page.current.pdf)).pages)
    assert page.preview_page_count() == pages >= 2
    assert "March 2026" in page.status.text() and "300" in page.status.text()
    assert page.save_button.isEnabled() and page.print_button.isEnabled()

    target = tmp_path / "saved" / "march"
    dialogs.queue(target)
    page.password.setText("open sesame")
    page.save_as()
    saved = target.with_name("march.pdf")
    reader = PdfReader(saved)
    assert reader.is_encrypted and reader.decrypt("open sesame")

    printed = tmp_path / "printed.pdf"

    def to_file(printer) -> bool:
        from PySide6.QtPrintSupport import QPrinter

        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return True

    page.choose_printer = to_file
    page.print_report()
    assert len(PdfReader(printed).pages) == pages
    assert [e["outputs"] for e in report_events(world)] == [["preview"], ["pdf"], ["print"]]
    assert dialogs.kinds() == ["save_file"]


def test_range_without_suppression_and_empty_period(qtbot, world):
    page = ReportsPage(world.store, world.coord, ScriptedDialogs())
    qtbot.addWidget(page)
    page.set_range(date(2026, 7, 1), date(2026, 7, 10))
    page.suppress.setChecked(False)
    build(qtbot, page)
    report = page.current.report
    assert report.rule.enabled is False
    assert report.figures.current.contacts == 0
    assert "NOTHING HIDDEN" in page.status.text()
    assert page.preview_page_count() >= 1


def test_a_range_with_suppression_on_is_refused_with_the_reason(qtbot, world):
    """De-identified reports are for whole months only (docs/reports.md)."""
    dialogs = ScriptedDialogs()
    page = ReportsPage(world.store, world.coord, dialogs)
    qtbot.addWidget(page)
    page.set_range(date(2026, 7, 1), date(2026, 7, 10))
    assert page.suppress.isChecked()
    page.build()
    qtbot.waitUntil(lambda: dialogs.kinds() == ["error"], timeout=10000)
    assert "whole calendar months" in dialogs.last("error").text
    assert page.build_button.isEnabled()  # the page stays usable


def test_errors_reach_the_dialogs(qtbot, world):
    dialogs = ScriptedDialogs()
    page = ReportsPage(world.store, world.coord, dialogs)
    qtbot.addWidget(page)
    page.set_range(date(2026, 7, 10), date(2026, 7, 1))
    page.build()
    assert dialogs.kinds() == ["error"]
    assert "ends before it starts" in dialogs.last("error").text


def test_supporters_cannot_build(qtbot, world):
    page = ReportsPage(world.store, world.supporters["zoe"], ScriptedDialogs())
    qtbot.addWidget(page)
    assert not page.build_button.isEnabled()

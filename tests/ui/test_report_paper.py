"""The Reports page: the paper comes from the policy and can be changed per report."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from report_builders import PASSWORD, bulk_sessions, make_world

pytest.importorskip("PySide6.QtWidgets")

from peerdesk.services.store import open_store  # noqa: E402
from peerdesk.ui.dialogs import ScriptedDialogs  # noqa: E402
from peerdesk.ui.reports_page import ReportsPage  # noqa: E402


def test_paper_from_policy_and_chosen(qtbot, tmp_path):
    w = make_world(tmp_path)
    bulk_sessions(w.store, date(2026, 3, 1), 60)
    w.close()
    (w.data_dir / "policy.toml").write_text('[policy]\nreport_page_size = "Letter"\n')
    store, coord = open_store(w.data_dir, "coord", PASSWORD)
    try:
        page = ReportsPage(store, coord, ScriptedDialogs())
        qtbot.addWidget(page)
        assert page.paper.currentText() == "Letter"
        page.set_month(2026, 3)
        for paper, width in (("Letter", 612), ("A4", 595)):
            page.paper.setCurrentText(paper)
            if page.current is not None:  # the preview on the other paper is now stale
                assert "build the report again" in page.status.text()
            with qtbot.waitSignal(page.built, timeout=30000):
                page.build_button.click()
            assert page.current is not None and page.current.paper == paper
            box = PdfReader(io.BytesIO(page.current.pdf)).pages[0].mediabox
            assert round(float(box.width)) == width
    finally:
        store.close()

"""The Reports screen: pick a period, build the summary off the GUI thread, preview the PDF
pages, save (optionally AES-protected) or print them.

Pages are rasterised with pypdfium2 (PySide6-Essentials has no QtPdf), in the worker for
the preview and at printer resolution for printing. No SQL here: everything goes
through services.report_run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPageSize, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from peerdesk.errors import PeerDeskError
from peerdesk.services import sites
from peerdesk.services.auth import Actor
from peerdesk.services.policy import PAGE_SIZES
from peerdesk.services.reports.files import save_report
from peerdesk.services.reports.period import Period, month_end
from peerdesk.services.reports.run import (
    RenderedReport,
    ReportFor,
    audit_report,
    render_report,
)
from peerdesk.services.store import Store
from peerdesk.ui.dialogs import modal_loop

PREVIEW_DPI = 90
PRINT_MAX_DPI = 300
# pdfium is not thread-safe; the preview worker and printing never render at once.
_PDFIUM_LOCK = threading.Lock()


def pdf_page_images(pdf: bytes, dpi: int) -> list[QImage]:
    """Each page of a PDF as a QImage (safe to call off the GUI thread)."""
    import pypdfium2 as pdfium

    images = []
    with _PDFIUM_LOCK:
        doc = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(doc)):
                page = doc[index]
                bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True, prefer_bgrx=True)
                image = QImage(
                    bytes(bitmap.buffer),
                    bitmap.width,
                    bitmap.height,
                    bitmap.stride,
                    QImage.Format.Format_RGBX8888,
                )
                images.append(image.copy())  # own the pixels before pdfium frees them
                bitmap.close()
                page.close()
        finally:
            doc.close()
    return images


@dataclass(frozen=True)
class _Built:
    rendered: RenderedReport
    pages: list[QImage]


class ReportsPage(QWidget):
    """Coordinators' summary reports. Emits built() when a preview is ready (for tests)."""

    built = Signal()
    progress_changed = Signal(int, int, str)  # emitted from the worker, delivered queued

    def __init__(
        self, store: Store, actor: Actor, dialogs: Any, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page_reports")
        self.store, self.actor, self.dialogs = store, actor, dialogs
        self.current: RenderedReport | None = None
        self.task: Any = None

        self.kind = QComboBox()
        self.kind.addItems([self.tr("Month"), self.tr("Date range")])
        self.kind.setAccessibleName(self.tr("Period type"))
        last_month = date.today().replace(day=1) - timedelta(days=1)
        self.month = QDateEdit(QDate(last_month.year, last_month.month, 1))
        self.month.setDisplayFormat("MMMM yyyy")
        self.month.setAccessibleName(self.tr("Month"))
        self.date_from = QDateEdit(QDate(last_month.year, last_month.month, 1))
        self.date_to = QDateEdit(QDate(last_month.year, last_month.month, last_month.day))
        for edit, name in ((self.date_from, "From"), (self.date_to, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(self.tr(name))
        self.from_label, self.to_label = QLabel(self.tr("From")), QLabel(self.tr("to"))
        self.suppress = QCheckBox(
            self.tr("Hide small counts (below %1)").replace(
                "%1", str(store.policy.suppression_threshold)
            )
        )
        self.suppress.setChecked(True)
        self.suppress.setToolTip(
            self.tr("Untick only for internal use; the report then says that nothing was hidden.")
        )
        # Internal reports (suppression off) are for site coordinators; an organisation
        # coordinator gets de-identified reports only.
        self.suppress.setVisible(actor.can("reports.internal"))
        # Which report: an organisation coordinator chooses the organisation report (every
        # site's counts added up before small ones are hidden) or one site's; a site
        # coordinator's report is always their own site's.
        self.which = QComboBox()
        self.which.setAccessibleName(self.tr("Report for"))
        self.which.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.which.setMinimumContentsLength(20)
        if actor.can("reports.org"):
            self.which.addItem(self.tr("All sites (merged)"), ReportFor(None, True))
            self.which.setItemData(
                0,
                self.tr(
                    "The organisation report: every site's counts added up, then small "
                    "counts hidden"
                ),
                Qt.ItemDataRole.ToolTipRole,
            )
            for site in sites.list_sites(store, actor):
                self.which.addItem(site.name, ReportFor(site.name))
        self.which_label = QLabel(self.tr("Report &for"))
        self.which_label.setBuddy(self.which)
        for w in (self.which, self.which_label):
            w.setVisible(self.which.count() > 0)
        self.paper = QComboBox()
        self.paper.addItems(list(PAGE_SIZES))
        self.paper.setCurrentText(store.policy.report_page_size)
        self.paper.setAccessibleName(self.tr("Paper size"))
        self.paper.setToolTip(self.tr("A4, or Letter for US printers (default from the policy)."))
        self.build_button = QPushButton(self.tr("&Build report"))
        self.build_button.setDefault(True)

        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("PDF password (optional)"))
        self.password.setAccessibleName(self.tr("PDF password"))
        self.password.setToolTip(self.tr("If set, the saved PDF is encrypted with AES-256."))
        self.password.setMinimumWidth(200)
        self.save_button = QPushButton(self.tr("&Save as…"))
        self.print_button = QPushButton(self.tr("&Print…"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.status = QLabel(self.tr("Choose a period and build the report."))
        self.status.setWordWrap(True)

        self.pages_box = QWidget()
        self.pages_layout = QVBoxLayout(self.pages_box)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pages_layout.setSpacing(12)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.pages_box)
        self.scroll.setAccessibleName(self.tr("Report preview"))

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Period")))
        for w in (
            self.kind,
            self.month,
            self.from_label,
            self.date_from,
            self.to_label,
            self.date_to,
        ):
            top.addWidget(w)
        top.addSpacing(12)
        top.addWidget(self.which_label)
        top.addWidget(self.which)
        top.addWidget(self.suppress)
        top.addSpacing(12)
        paper_label = QLabel(self.tr("Pape&r"))
        paper_label.setBuddy(self.paper)
        top.addWidget(paper_label)
        top.addWidget(self.paper)
        top.addStretch(1)
        top.addWidget(self.build_button)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.progress)
        actions.addWidget(self.password)
        actions.addWidget(self.save_button)
        actions.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.scroll, 1)

        self.progress_changed.connect(self._progressed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.build_button.clicked.connect(self.build)
        self.save_button.clicked.connect(self.save_as)
        self.print_button.clicked.connect(self.print_report)
        for w in (
            self.kind,
            self.month,
            self.date_from,
            self.date_to,
            self.suppress,
            self.paper,
            self.which,
        ):
            signal = (
                w.toggled
                if isinstance(w, QCheckBox)
                else (w.currentIndexChanged if isinstance(w, QComboBox) else w.dateChanged)
            )
            signal.connect(self._stale)
        self._kind_changed()
        self._set_ready(False)
        if not actor.can("reports.run"):
            self.build_button.setEnabled(False)
            self.status.setText(self.tr("Your role cannot run reports; coordinators can."))

    # -- period ---------------------------------------------------------------------

    def _kind_changed(self) -> None:
        ranged = self.kind.currentIndex() == 1
        self.month.setVisible(not ranged)
        for w in (self.from_label, self.date_from, self.to_label, self.date_to):
            w.setVisible(ranged)

    def period(self) -> Period:
        if self.kind.currentIndex() == 0:
            d = self.month.date()
            first = date(d.year(), d.month(), 1)
            return Period(first, month_end(first)).check_reportable()
        a, b = self.date_from.date(), self.date_to.date()
        period = Period(date(a.year(), a.month(), a.day()), date(b.year(), b.month(), b.day()))
        return period.check_reportable()

    def set_month(self, year: int, month: int) -> None:
        self.kind.setCurrentIndex(0)
        self.month.setDate(QDate(year, month, 1))

    def set_range(self, start: date, end: date) -> None:
        self.kind.setCurrentIndex(1)
        self.date_from.setDate(QDate(start.year, start.month, start.day))
        self.date_to.setDate(QDate(end.year, end.month, end.day))

    # -- building -------------------------------------------------------------------

    def _set_ready(self, ready: bool) -> None:
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready)
        self.password.setEnabled(ready)

    def _stale(self) -> None:
        if self.current is not None:
            self.status.setText(self.tr("The period or settings changed: build the report again."))

    def build(self) -> None:
        try:
            period = self.period()
        except PeerDeskError as exc:
            self.dialogs.error(self, self.tr("Report"), _sentence(exc))
            return
        suppress = self.suppress.isChecked()
        paper = self.paper.currentText()
        which = self.which.currentData() if self.which.count() else None
        store, actor = self.store, self.actor

        def work(progress: Callable[[int, int, str], None]) -> _Built:
            def step(fraction: float, text: str) -> None:
                progress(int(fraction * 100), 100, text)
                self.progress_changed.emit(int(fraction * 100), 100, text)

            rendered = render_report(
                store, actor, period, suppress, progress=step, paper=paper, which=which
            )
            step(0.92, "Drawing the preview")
            pages = pdf_page_images(rendered.pdf, PREVIEW_DPI)
            audit_report(store, actor, rendered.report, ["preview"])
            return _Built(rendered, pages)

        from peerdesk.ui.tasks import run_task  # the app's one helper for background work

        self.build_button.setEnabled(False)
        self._set_ready(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(self.tr("Building the report for %1…").replace("%1", period.label))
        self.task = run_task(
            self,
            work,
            on_result=self._built,
            on_error=self._failed,
            title=self.tr("Report"),
            show_progress=False,
        )

    def _progressed(self, done: int, total: int, text: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        if text:
            self.status.setText(text)

    def _built(self, built: _Built) -> None:
        self.current = built.rendered
        self._show_pages(built.pages)
        self.progress.setVisible(False)
        self.build_button.setEnabled(self.actor.can("reports.run"))
        self._set_ready(True)
        report = built.rendered.report
        hidden = (
            self.tr("small counts hidden")
            if report.rule.enabled
            else self.tr("NOTHING HIDDEN - internal use only")
        )
        self.status.setText(
            self.tr("%1 · %5 · %2 contacts · %3 pages · %4")
            .replace("%1", report.figures.period.label)
            .replace("%2", report.headline.cell("contacts", "current").text)
            .replace("%3", str(len(built.pages)))
            .replace("%4", hidden)
            .replace("%5", report.figures.site)
        )
        self.built.emit()

    def _failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.build_button.setEnabled(self.actor.can("reports.run"))
        self.status.setText(self.tr("The report could not be built."))
        self.dialogs.error(self, self.tr("Report"), _sentence(exc))
        self.built.emit()

    def _show_pages(self, pages: list[QImage]) -> None:
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for number, image in enumerate(pages, start=1):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setFrameShape(QFrame.Shape.Box)
            label.setAccessibleName(self.tr("Page %1").replace("%1", str(number)))
            label.setFixedSize(QSize(image.width() + 2, image.height() + 2))
            self.pages_layout.addWidget(label)

    def preview_page_count(self) -> int:
        return self.pages_layout.count()

    # -- saving and printing --------------------------------------------------------

    def save_as(self) -> None:
        if self.current is None:
            return
        report = self.current.report
        target = self.dialogs.save_file(
            self,
            self.tr("Save report"),
            f"peerdesk-summary-{report.figures.period.slug}.pdf",
            self.tr("PDF files (*.pdf)"),
        )
        if target is None:
            return
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        password = self.password.text() or None
        try:
            save_report(self.store, self.actor, report, self.current.pdf, target, None, password)
        except PeerDeskError as exc:
            self.dialogs.error(self, self.tr("Report not saved"), _sentence(exc))
            return
        protected = self.tr(" (password protected)") if password else ""
        self.status.setText(
            self.tr("Saved to %1%2").replace("%1", str(target)).replace("%2", protected)
        )

    def choose_printer(self, printer: QPrinter) -> bool:
        """The system print dialog; tests replace this method."""
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Print report"))
        with modal_loop():
            return dialog.exec() == QDialog.DialogCode.Accepted

    def print_report(self) -> None:
        if self.current is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(f"PeerDesk summary {self.current.report.figures.period.label}")
        letter = self.current.paper == "Letter"  # the paper it was laid out on
        size = QPageSize.PageSizeId.Letter if letter else QPageSize.PageSizeId.A4
        printer.setPageSize(QPageSize(size))
        if not self.choose_printer(printer):
            return
        try:
            dpi = max(72, min(printer.resolution(), PRINT_MAX_DPI))
            pages = pdf_page_images(self.current.pdf, dpi)
            painter = QPainter()
            if not painter.begin(printer):
                raise PeerDeskError("the printer could not be started")
            try:
                for number, image in enumerate(pages):
                    if number:
                        printer.newPage()
                    area = QRectF(painter.viewport())
                    size = image.size().scaled(
                        area.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio
                    )
                    painter.setViewport(area.toRect())
                    painter.setWindow(0, 0, area.width(), area.height())
                    painter.drawImage(QRectF(0, 0, size.width(), size.height()), image)
            finally:
                painter.end()
            audit_report(self.store, self.actor, self.current.report, ["print"])
        except PeerDeskError as exc:
            self.dialogs.error(self, self.tr("Report not printed"), _sentence(exc))
            return
        self.status.setText(self.tr("Sent %1 pages to the printer.").replace("%1", str(len(pages))))


def _sentence(exc: BaseException) -> str:
    from peerdesk.ui.tasks import error_text

    return error_text(exc)

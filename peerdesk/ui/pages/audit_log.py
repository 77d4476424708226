"""The audit log (coordinators and admins): in plain words, filterable by person, kind of
event and dates, newest first; admins can export what the filters show as CSV."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services import audit_log
from peerdesk.services.audit_log import ReadableEvent
from peerdesk.ui.fmt import utc_dt
from peerdesk.ui.forms import date_edit, from_qdate
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import Column, PagedTableModel
from peerdesk.ui.widgets import EmptyStateTable, SearchBox, make_table


class AuditPage(Page):
    key = "audit"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        who_label = QLabel(self.tr("&Person:"))
        self.person = QComboBox()
        self.person.setAccessibleName(self.tr("Person filter"))
        who_label.setBuddy(self.person)
        self.person.addItem(self.tr("Everyone"), "")
        for username, shown in (
            self.call(self.tr("Audit log"), audit_log.people, self.store, self.actor) or []
        ):
            self.person.addItem(shown, username)
        self.person.currentIndexChanged.connect(lambda _i: self.apply_filter())
        row.addWidget(who_label)
        row.addWidget(self.person)
        lab = QLabel(self.tr("&Action:"))
        self.action = QComboBox()
        self.action.setAccessibleName(self.tr("Action filter"))
        lab.setBuddy(self.action)
        self.action.addItem(self.tr("All actions"), "")
        for code, shown in (
            self.call(self.tr("Audit log"), audit_log.action_choices, self.store, self.actor) or []
        ):
            self.action.addItem(self.tr(shown), code)
        self.action.currentIndexChanged.connect(lambda _i: self.apply_filter())
        row.addWidget(lab)
        row.addWidget(self.action)
        self.search = SearchBox(self.tr("Action code or record id"))
        self.search.search.connect(lambda _t: self.apply_filter())
        row.addWidget(self.search, 1)
        self.use_dates = QCheckBox(self.tr("Fro&m"))
        self.since = date_edit(datetime.now().date() - timedelta(days=30))
        self.since.setAccessibleName(self.tr("From date"))
        self.until = date_edit()
        self.until.setAccessibleName(self.tr("To date"))
        to_label = QLabel(self.tr("to"))
        self.use_dates.toggled.connect(lambda _c: self.apply_filter())
        self.since.dateChanged.connect(
            lambda _d: self.use_dates.isChecked() and self.apply_filter()
        )
        self.until.dateChanged.connect(
            lambda _d: self.use_dates.isChecked() and self.apply_filter()
        )
        for w in (self.use_dates, self.since, to_label, self.until):
            row.addWidget(w)
        # Sized by a few characters, not by the longest name or action (the popup still
        # shows them whole): long display names widened the window past a 1024 px screen.
        for box in (self.person, self.action):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(10)
        outer.addLayout(row)
        bottom = QHBoxLayout()
        self.count = QLabel()
        bottom.addWidget(self.count, 1)
        self.export_button = QPushButton(self.tr("E&xport as CSV…"))
        self.export_button.setToolTip(self.tr("The events the filters show (audited)"))
        self.export_button.clicked.connect(self.export)
        self.export_button.setVisible(ctx.actor.can("audit.export"))
        bottom.addWidget(self.export_button)
        outer.addLayout(bottom)
        self.model = PagedTableModel(
            [
                Column(self.tr("#"), lambda e: e.seq, align_right=True),
                Column(self.tr("When"), lambda e: e.at),
                Column(self.tr("Person"), lambda e: e.who),
                Column(self.tr("What"), lambda e: e.what, tooltip=lambda e: e.action),
                Column(self.tr("Record"), lambda e: e.record),
                # Last, so it takes the room left; the whole sentence is also its tooltip.
                Column(self.tr("Details"), lambda e: e.details, tooltip=lambda e: e.details),
            ],
            self._fetcher(),
            highlight=lambda e: e.flagged,
        )
        self.watch_list(self.model, self.tr("Audit log"))
        self.view = make_table(self.model, self.tr("Audit log"), sortable=False)
        for column, width in enumerate((56, 124, 180, 170, 190)):
            self.view.setColumnWidth(column, width)
        self.table = EmptyStateTable(
            self.view,
            self.tr("No events match these filters. Choose All actions or clear the boxes."),
        )
        outer.addWidget(self.table, 1)

    def _query(self) -> audit_log.AuditQuery:
        since = until = None
        if self.use_dates.isChecked():
            since = utc_dt(datetime.combine(from_qdate(self.since.date()), time.min))
            until = utc_dt(datetime.combine(from_qdate(self.until.date()), time.min)) + timedelta(
                days=1
            )
        return audit_log.AuditQuery(
            exact_action=self.action.currentData() or "",
            person=self.person.currentData() or "",
            search=self.search.text(),
            since=since,
            until=until,
        )

    def _fetcher(self) -> Any:
        store, actor, q = self.store, self.actor, self._query()

        def fetch(offset: int, limit: int, _s: str, _d: bool) -> list[ReadableEvent]:
            return audit_log.list_readable(store, actor, q, offset, limit)

        return fetch

    def apply_filter(self) -> None:
        self.model.set_fetch(self._fetcher())
        self._count()

    def _count(self) -> None:
        n = self.call(
            self.tr("Audit log"), audit_log.count_events, self.store, self.actor, self._query()
        )
        self.count.setText(self.tr("%1 events").replace("%1", f"{n or 0:,}"))

    def refresh(self) -> None:
        self.model.reload()
        self._count()

    def export(self) -> None:
        path = self.dialogs.save_file(
            self,
            self.tr("Export the audit log"),
            "peerdesk-audit-log.csv",
            self.tr("CSV files (*.csv)"),
        )
        if path is None:
            return
        result = self.call(
            self.tr("Export the audit log"),
            audit_log.export_csv,
            self.store,
            self.actor,
            path,
            self._query(),
        )
        if result is not None:
            self.dialogs.info(
                self,
                self.tr("Audit log exported"),
                self.tr("%1 events written to %2. The export itself is in the audit log.")
                .replace("%1", f"{result.rows:,}")
                .replace("%2", str(result.path)),
            )
            self.refresh()

    def first_focus(self) -> QWidget | None:
        return self.person

"""The audit log (coordinators and admins): filterable, read-only, newest first."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from peerdesk.services import audit_log
from peerdesk.services.audit import AuditRow
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
        lab = QLabel(self.tr("&Action:"))
        self.action = QComboBox()
        self.action.setAccessibleName(self.tr("Action filter"))
        lab.setBuddy(self.action)
        self.action.addItem(self.tr("All actions"), "")
        for name in (
            self.call(self.tr("Audit log"), audit_log.action_names, self.store, self.actor) or []
        ):
            self.action.addItem(name, name)
        self.action.currentIndexChanged.connect(lambda _i: self.apply_filter())
        row.addWidget(lab)
        row.addWidget(self.action)
        self.who = SearchBox(self.tr("Account name"))
        self.who.search.connect(lambda _t: self.apply_filter())
        row.addWidget(self.who)
        self.search = SearchBox(self.tr("Action or record id"))
        self.search.search.connect(lambda _t: self.apply_filter())
        row.addWidget(self.search, 1)
        self.use_dates = QCheckBox(self.tr("&From"))
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
        outer.addLayout(row)
        self.count = QLabel()
        outer.addWidget(self.count)
        self.model = PagedTableModel(
            [
                Column(self.tr("#"), lambda e: e.seq, align_right=True),
                Column(self.tr("When"), lambda e: e.at),
                Column(self.tr("Account"), lambda e: e.actor),
                Column(self.tr("Action"), lambda e: e.action),
                Column(self.tr("Record type"), lambda e: e.target_type),
                Column(self.tr("Record id"), lambda e: e.target_id),
                Column(self.tr("Details"), lambda e: "" if e.detail == "{}" else e.detail),
            ],
            self._fetcher(),
            highlight=lambda e: "emergency_access" in e.detail or e.action == "login.failed",
        )
        self.view = make_table(self.model, self.tr("Audit log"), sortable=False)
        self.view.setColumnWidth(0, 60)
        self.view.setColumnWidth(1, 140)
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
            action=self.action.currentData() or "",
            actor=self.who.text(),
            search=self.search.text(),
            since=since,
            until=until,
        )

    def _fetcher(self) -> Any:
        store, actor, q = self.store, self.actor, self._query()

        def fetch(offset: int, limit: int, _s: str, _d: bool) -> list[AuditRow]:
            return audit_log.list_events(store, actor, q, offset, limit)

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

    def first_focus(self) -> QWidget | None:
        return self.action

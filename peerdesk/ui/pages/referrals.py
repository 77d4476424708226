"""Referrals by status, overdue ones highlighted; moving one along records its history."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services import referrals
from peerdesk.services.referrals import ReferralInfo
from peerdesk.ui.fmt import label
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, PagedTableModel, RowTableModel
from peerdesk.ui.tasks import run_task
from peerdesk.ui.widgets import EmptyStateTable, SearchBox, heading, make_table


class ReferralsPage(Page):
    key = "referrals"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._count_generation = 0
        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search = SearchBox(self.tr("Search code, service or reason"))
        self.search.setToolTip(self.tr("Participant code, service or reason (Ctrl+F)"))
        self.search.search.connect(lambda _t: self.apply_filter())
        row.addWidget(self.search, 1)
        lab = QLabel(self.tr("&Show:"))
        self.status = QComboBox()
        lab.setBuddy(self.status)
        self.status.setAccessibleName(self.tr("Referral status filter"))
        self.status.addItem(self.tr("Open (waiting for action)"), "open")
        self.status.addItem(self.tr("All"), None)
        for code in referrals.STATUSES:
            self.status.addItem(label(code), code)
        self.status.currentIndexChanged.connect(lambda _i: self.apply_filter())
        row.addWidget(lab)
        row.addWidget(self.status)
        outer.addLayout(row)
        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of referrals"))
        outer.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)
        self.model = PagedTableModel(
            [
                Column(self.tr("Made"), lambda r: r.created_at, "created_at"),
                Column(self.tr("Participant"), lambda r: r.participant_code, "participant"),
                Column(self.tr("Status"), lambda r: label(r.status), "status"),
                Column(self.tr("Overdue"), lambda r: self.tr("overdue") if r.overdue else ""),
                Column(self.tr("Referred to"), lambda r: r.resource_name, "resource"),
                Column(self.tr("Urgency"), lambda r: label(r.urgency), "urgency"),
                Column(self.tr("Check back on"), lambda r: r.follow_up_on, "follow_up_on"),
                Column(self.tr("Warm hand-off"), lambda r: r.warm_handoff),
            ],
            self._fetcher(),
            sort_key="created_at",
            descending=True,
            highlight=lambda r: r.overdue,
        )
        self.watch_list(self.model, self.tr("Referrals"))
        self.view = make_table(self.model, self.tr("Referrals"))
        header = self.view.horizontalHeader()
        header.blockSignals(True)  # the first page loads when the page is shown
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.blockSignals(False)
        self.table = EmptyStateTable(self.view, self._empty_text())
        splitter.addWidget(self.table)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.detail = heading(self.tr("History"), level=2)
        rl.addWidget(self.detail)
        self.history = RowTableModel(
            [
                Column(self.tr("When"), lambda h: h.changed_at),
                Column(self.tr("Status"), lambda h: label(h.status)),
                Column(self.tr("Note"), lambda h: h.note),
            ]
        )
        self.history_view = make_table(self.history, self.tr("Referral history"), sortable=False)
        self.history_table = EmptyStateTable(
            self.history_view, self.tr("Choose a referral to see its history.")
        )
        rl.addWidget(self.history_table, 1)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        rl.addWidget(self.reason)
        buttons = QHBoxLayout()
        self.move_button = QPushButton(self.tr("&Move along…"))
        self.move_button.clicked.connect(self.move_along)
        self.episode_button = QPushButton(self.tr("Open &episode"))
        self.episode_button.clicked.connect(self.open_episode)
        buttons.addWidget(self.move_button)
        buttons.addWidget(self.episode_button)
        buttons.addStretch(1)
        rl.addLayout(buttons)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._changed())
        self.model.modelReset.connect(self._changed)
        self.view.activated.connect(lambda _i: self.move_along())
        self._changed()

    def _empty_text(self) -> str:
        if self.search.text().strip():
            return self.tr("No referrals match. Clear the search box to see them all.")
        return self.tr(
            "No referrals here. Make one from an episode (Participants → New referral) "
            "or when you flag a safety concern in a session."
        )

    def _fetcher(self) -> Any:
        store, actor, status = self.store, self.actor, self.status.currentData()
        term, today = self.search.text().strip(), self.ctx.today

        def fetch(offset: int, limit: int, sort_key: str, desc: bool) -> list[ReferralInfo]:
            return referrals.list_referrals(
                store,
                actor,
                status=status,
                today=today(),
                offset=offset,
                limit=limit,
                search=term,
                order_by=sort_key or "created_at",
                descending=desc,
            )

        return fetch

    def apply_filter(self) -> None:
        self.table.set_empty_text(self._empty_text())
        self.model.set_fetch(self._fetcher())
        self._recount()

    def _recount(self) -> None:
        self._count_generation += 1
        generation = self._count_generation
        work = partial(
            referrals.count_referrals,
            self.store,
            self.actor,
            status=self.status.currentData(),
            search=self.search.text().strip(),
        )
        self.count.setText(self.tr("Counting…"))

        def done(n: int) -> None:
            if generation == self._count_generation:
                self.count.setText(
                    (self.tr("1 referral") if n == 1 else self.tr("%1 referrals")).replace(
                        "%1", f"{n:,}"
                    )
                )

        def failed(_exc: BaseException) -> None:
            if generation == self._count_generation:
                self.count.setText("")

        run_task(self, work, on_result=done, on_error=failed, show_progress=False)

    def refresh(self) -> None:
        self.model.load_all_loaded_again()
        self._recount()

    def first_focus(self) -> QWidget | None:
        return self.search

    def current(self) -> ReferralInfo | None:
        i = self.view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _changed(self) -> None:
        r = self.current()
        if r is None:
            self.history.clear()
            self.reason.clear()
            self.detail.setText(self.tr("History"))
        else:
            full = self.call(
                self.tr("Referral"), referrals.get_referral, self.store, self.actor, r.id
            )
            self.history.set_rows(list(full.history) if full else [])
            self.detail.setText(
                self.tr("History: %1 to %2")
                .replace("%1", r.participant_code)
                .replace("%2", r.resource_name)
            )
            self.reason.setText(self.tr("Reason: %1").replace("%1", r.reason or "—"))
        self.move_button.setEnabled(bool(r and referrals.TRANSITIONS.get(r.status)))
        self.episode_button.setEnabled(r is not None)

    def show_item(self, **what: Any) -> None:
        rid = what.get("referral_id")
        if not rid:
            return
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == rid:
                self.view.setCurrentIndex(self.model.index(row, 0))
                return

    def move_along(self) -> None:
        r = self.current()
        if r is None:
            return
        options = referrals.TRANSITIONS.get(r.status, ())
        if not options:
            return
        names = [label(s) for s in options]
        choice = self.dialogs.choose(
            self,
            self.tr("Move referral"),
            self.tr("%1 is %2. Move it to:")
            .replace("%1", r.participant_code)
            .replace("%2", label(r.status)),
            names,
        )
        if choice is None:
            return
        status = options[names.index(choice)]
        note = self.dialogs.ask_text(
            self, self.tr("Move referral"), self.tr("A short note (optional, no names):")
        )
        if note is None:
            return
        moved = self.call(
            self.tr("Move referral"),
            referrals.move_referral,
            self.store,
            self.actor,
            r.id,
            status,
            note,
            version=r.version,
        )
        if moved is not None:
            self.model.load_all_loaded_again()
            self.show_item(referral_id=r.id)

    def open_episode(self) -> None:
        r = self.current()
        if r is not None:
            self.ctx.navigate("participants", episode_id=r.episode_id)

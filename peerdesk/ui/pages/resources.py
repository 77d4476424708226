"""The resource directory, searchable; coordinators add and edit entries."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services import resources
from peerdesk.services.resources import ResourceInfo
from peerdesk.ui.fmt import label
from peerdesk.ui.forms import ResourceDialog
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, RowTableModel
from peerdesk.ui.widgets import EmptyStateTable, SearchBox, make_table


class ResourcesPage(Page):
    key = "resources"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search = SearchBox(self.tr("Search services by name, kind, hours or notes"))
        self.search.search.connect(lambda _t: self.refresh())
        row.addWidget(self.search, 1)
        self.inactive = QCheckBox(self.tr("Show &inactive"))
        self.inactive.toggled.connect(lambda _c: self.refresh())
        row.addWidget(self.inactive)
        outer.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)
        self.model = RowTableModel(
            [
                Column(self.tr("Name"), lambda r: r.name),
                Column(self.tr("Kind"), lambda r: label(r.kind)),
                Column(self.tr("Phone"), lambda r: r.phone),
                Column(self.tr("Hours"), lambda r: r.hours),
            ]
        )
        self.view = make_table(self.model, self.tr("Resources"), sortable=False)
        self.table = EmptyStateTable(self.view, "")
        splitter.addWidget(self.table)
        right = QWidget()
        rl = QVBoxLayout(right)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rl.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("&Add resource…"))
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.edit_button.clicked.connect(self.edit)
        writer = ctx.actor.can("resources.write")
        self.add_button.setVisible(writer)
        self.edit_button.setVisible(writer)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        rl.addLayout(buttons)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._changed())
        self.model.modelReset.connect(self._changed)

    def _empty_text(self) -> str:
        if self.search.text().strip():
            return self.tr("Nothing matches. Clear the search box to see the whole directory.")
        if self.actor.can("resources.write"):
            return self.tr(
                "The directory is empty. Add the services you refer people to with "
                "Add resource, or import them with 'peerdesk import resources FILE.csv'."
            )
        return self.tr("The directory is empty. Ask your coordinator to add services.")

    def refresh(self) -> None:
        rows = self.call(
            self.tr("Resources"),
            resources.list_resources,
            self.store,
            self.actor,
            self.search.text(),
            self.inactive.isChecked(),
        )
        self.table.set_empty_text(self._empty_text())
        self.model.set_rows(rows or [])
        if rows:
            self.view.setCurrentIndex(self.model.index(0, 0))

    def first_focus(self) -> QWidget | None:
        return self.search

    def current(self) -> ResourceInfo | None:
        i = self.view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _changed(self) -> None:
        r = self.current()
        self.edit_button.setEnabled(r is not None)
        if r is None:
            self.detail.setText("")
            return
        lines = [f"<h3>{escape(r.name)}</h3>", f"<p><b>{escape(label(r.kind))}</b></p>"]
        for title, value in (
            (self.tr("Phone"), r.phone),
            (self.tr("Email"), r.email),
            (self.tr("Address"), r.address),
            (self.tr("Hours"), r.hours),
        ):
            if value:
                lines.append(f"<p><b>{escape(title)}:</b> {escape(value)}</p>")
        if r.notes:
            lines.append(f"<p>{escape(r.notes)}</p>")
        if not r.active:
            lines.append(
                f"<p><i>{escape(self.tr('Inactive: not offered in new referrals.'))}</i></p>"
            )
        self.detail.setText("".join(lines))

    def add(self) -> None:
        if self.dialogs.run(ResourceDialog(self.store, self.actor, parent=self)):
            self.refresh()

    def edit(self) -> None:
        r = self.current()
        if r is not None and self.dialogs.run(ResourceDialog(self.store, self.actor, r, self)):
            self.refresh()

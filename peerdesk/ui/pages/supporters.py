"""Supporters (coordinators): profiles, training and certifications, supervision, caseload."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services import supporters
from peerdesk.services.supporters import SupporterInfo
from peerdesk.services.training import CURRENT, EXPIRING, LAPSED, course_state
from peerdesk.ui.fmt import label
from peerdesk.ui.forms import SupervisionDialog, SupporterDialog, TrainingDialog
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, RowTableModel
from peerdesk.ui.widgets import EmptyStateTable, fit_columns, heading, make_table

EXPIRY_TONES = {LAPSED: "bad", EXPIRING: "warn"}


class SupportersPage(Page):
    key = "supporters"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.model = RowTableModel(
            [
                Column(self.tr("Name"), lambda s: s.display_name),
                Column(
                    self.tr("Caseload"),
                    lambda s: f"{s.open_episodes} / {s.capacity}",
                    align_right=True,
                    tooltip=self.tr("Open episodes against capacity"),
                ),
                Column(self.tr("Status"), lambda s: label(s.status)),
                Column(self.tr("Discipline"), lambda s: s.discipline),
                Column(self.tr("Department"), lambda s: s.department),
                Column(self.tr("Languages"), lambda s: s.languages),
            ],
            highlight=lambda s: s.capacity > 0 and s.open_episodes >= s.capacity,
        )
        self.view = make_table(self.model, self.tr("Supporters"), sortable=False)
        self.table = EmptyStateTable(
            self.view,
            self.tr(
                "No supporters yet. An administrator adds supporter accounts (each gets a "
                "profile), or add a profile here with Add supporter."
            ),
        )
        ll.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("&Add supporter…"))
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.edit_button.clicked.connect(self.edit)
        self.courses_button = QPushButton(self.tr("Set up standard &courses"))
        self.courses_button.clicked.connect(self.setup_courses)
        for b in (self.add_button, self.edit_button, self.courses_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        ll.addLayout(buttons)
        splitter.addWidget(left)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.name = heading(self.tr("Choose a supporter"), level=2)
        rl.addWidget(self.name)
        self.profile = QLabel()
        self.profile.setWordWrap(True)
        rl.addWidget(self.profile)
        self.tabs = QTabWidget()
        self.training = RowTableModel(
            [
                Column(self.tr("Course"), lambda t: t.course_name),
                Column(
                    self.tr("State"),
                    self.expiry_text,
                    tone=lambda t: EXPIRY_TONES.get(self.expiry_state(t)),
                ),
                Column(self.tr("Expires"), lambda t: t.expires_on),
                Column(self.tr("Completed"), lambda t: t.completed_on),
            ],
            highlight=lambda t: self.expiry_state(t) == LAPSED,
        )
        training_view = make_table(self.training, self.tr("Training"), sortable=False)
        fit_columns(training_view)  # the state and dates stay in view; the name gives way
        self.training_table = EmptyStateTable(
            training_view,
            self.tr("No training recorded. Record completed courses with Record training."),
        )
        self.supervision = RowTableModel(
            [
                Column(self.tr("Held on"), lambda e: e.held_on),
                Column(self.tr("Minutes"), lambda e: e.minutes, align_right=True),
                Column(self.tr("Format"), lambda e: label(e.format)),
                Column(self.tr("Supervisor"), lambda e: e.supervisor),
            ]
        )
        self.supervision_table = EmptyStateTable(
            make_table(self.supervision, self.tr("Supervision log"), sortable=False),
            self.tr("No supervision logged. Log sessions with Log supervision."),
        )
        self.tabs.addTab(self.training_table, self.tr("&Training and certifications"))
        self.tabs.addTab(self.supervision_table, self.tr("Supervision &log"))
        rl.addWidget(self.tabs, 1)
        rb = QHBoxLayout()
        self.training_button = QPushButton(self.tr("Record t&raining…"))
        self.training_button.clicked.connect(self.add_training)
        self.supervision_button = QPushButton(self.tr("Log &supervision…"))
        self.supervision_button.clicked.connect(self.add_supervision)
        rb.addWidget(self.training_button)
        rb.addWidget(self.supervision_button)
        rb.addStretch(1)
        rl.addLayout(rb)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 520])
        writer = ctx.actor.can("supporters.write")
        for b in (
            self.add_button,
            self.edit_button,
            self.courses_button,
            self.training_button,
            self.supervision_button,
        ):
            b.setVisible(writer)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._changed())
        self.model.modelReset.connect(self._changed)

    def expiry_state(self, t: supporters.TrainingInfo) -> str:
        """Judged on ctx.today() with the policy's warning window, as on the Training page."""
        return course_state(t.expires_on, self.today(), self.store.policy.expiry_warning_days)

    def expiry_text(self, t: supporters.TrainingInfo) -> str:
        if t.expires_on is None:
            return self.tr("does not expire")
        state = self.expiry_state(t)
        if state == LAPSED:
            return self.tr("EXPIRED")
        if state == EXPIRING:
            return self.tr("expires soon")
        assert state == CURRENT
        return self.tr("valid")

    def refresh(self) -> None:
        keep = self.current()
        rows = self.call(self.tr("Supporters"), supporters.list_supporters, self.store, self.actor)
        self.model.set_rows(rows or [])
        courses = self.call(self.tr("Courses"), supporters.list_courses, self.store, self.actor)
        self.courses_button.setVisible(self.actor.can("courses.write") and not courses)
        for row, s in enumerate(rows or []):
            if keep is None or s.id == keep.id:
                self.view.setCurrentIndex(self.model.index(row, 0))
                break

    def first_focus(self) -> QWidget | None:
        return self.view

    def current(self) -> SupporterInfo | None:
        i = self.view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _changed(self) -> None:
        s = self.current()
        for b in (self.edit_button, self.training_button, self.supervision_button):
            b.setEnabled(s is not None)
        if s is None:
            self.name.setText(self.tr("Choose a supporter"))
            self.profile.clear()
            self.training.clear()
            self.supervision.clear()
            return
        self.name.setText(s.display_name)
        self.profile.setText(
            self.tr(
                "%1 · %2 · specialty: %3 · experience: %4 years · languages: %5 · "
                "lived experience: %6 · caseload %7 of %8"
            )
            .replace("%1", s.discipline or "—")
            .replace("%2", s.department or "—")
            .replace("%3", s.specialty or "—")
            .replace("%4", s.experience_band or "—")
            .replace("%5", s.languages or "—")
            .replace("%6", s.lived_experience or "—")
            .replace("%7", str(s.open_episodes))
            .replace("%8", str(s.capacity))
        )
        self.training.set_rows(
            self.call(self.tr("Training"), supporters.list_training, self.store, self.actor, s.id)
            or []
        )
        self.supervision.set_rows(
            self.call(
                self.tr("Supervision"), supporters.list_supervision, self.store, self.actor, s.id
            )
            or []
        )

    def add(self) -> None:
        if self.dialogs.run(SupporterDialog(self.store, self.actor, parent=self)):
            self.refresh()

    def edit(self) -> None:
        s = self.current()
        if s is not None and self.dialogs.run(SupporterDialog(self.store, self.actor, s, self)):
            self.refresh()

    def setup_courses(self) -> None:
        if self.call(
            self.tr("Courses"), supporters.ensure_standard_courses, self.store, self.actor
        ):
            self.refresh()

    def add_training(self) -> None:
        s = self.current()
        if s is not None and self.dialogs.run(TrainingDialog(self.store, self.actor, s.id, self)):
            self._changed()

    def add_supervision(self) -> None:
        s = self.current()
        if s is not None and self.dialogs.run(
            SupervisionDialog(self.store, self.actor, s.id, self, supporter_name=s.display_name)
        ):
            self._changed()

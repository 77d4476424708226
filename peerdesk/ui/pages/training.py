"""Training and supervision (coordinators): compliance by supporter, the course catalogue,
supervision hours and warnings, caseload against capacity, and well-being counts.

Every date-dependent state (expiring, lapsed, overdue) is judged on ctx.today(), so the
screen and its tests agree on the day.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services import supervision, supporter_load, supporters, training
from peerdesk.services.supervision import SupervisionStatus
from peerdesk.services.training import CURRENT, EXPIRING, LAPSED, MISSING, SupporterTraining
from peerdesk.ui.fmt import label, tr
from peerdesk.ui.forms import CourseDialog, SupervisionDialog, TrainingDialog
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, RowTableModel
from peerdesk.ui.widgets import EmptyStateTable, fit_columns, heading, hint, make_table

STATE_WORDS = {
    CURRENT: "current",
    EXPIRING: "expiring soon",
    LAPSED: "lapsed",
    MISSING: "missing",
}
STATE_TONES = {CURRENT: "good", EXPIRING: "warn", LAPSED: "bad", MISSING: "bad"}
FILTERS = (
    ("Everyone", ()),
    ("Needing attention (lapsed, missing or expiring)", (LAPSED, MISSING, EXPIRING)),
    ("Lapsed", (LAPSED,)),
    ("Expiring soon", (EXPIRING,)),
    ("Missing a required course", (MISSING,)),
)
MONTHS_SHOWN = 6


def state_text(state: str) -> str:
    return tr(STATE_WORDS.get(state, state))


def needs_text(t: SupporterTraining) -> str:
    gaps = [f"{c.course_name} ({state_text(c.state)})" for c in t.courses if c.state != CURRENT]
    return ", ".join(gaps) if gaps else tr("nothing")


def _table(model: RowTableModel, name: str, empty: str) -> EmptyStateTable:
    return EmptyStateTable(make_table(model, name, sortable=False), empty)


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    return row


class TrainingPage(Page):
    key = "training"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Training and supervision"))
        outer.addWidget(self.tabs)
        self.tabs.addTab(self._training_tab(), self.tr("&Training"))
        self.tabs.addTab(self._courses_tab(), self.tr("&Courses"))
        self.tabs.addTab(self._supervision_tab(), self.tr("Super&vision"))
        self.tabs.addTab(self._load_tab(), self.tr("Case&load and well-being"))
        writer = ctx.actor.can("supporters.write")
        self.training_button.setVisible(writer)
        self.supervision_button.setVisible(writer)
        self.course_button.setVisible(ctx.actor.can("courses.write"))
        self.tabs.currentChanged.connect(lambda _i: self.refresh())

    # -- building --------------------------------------------------------------------

    def _training_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        top = QHBoxLayout()
        self.filter = QComboBox()
        for text, states in FILTERS:
            self.filter.addItem(self.tr(text), states)
        self.filter.setAccessibleName(self.tr("Show supporters"))
        show = QLabel(self.tr("S&how:"))
        show.setBuddy(self.filter)
        top.addWidget(show)
        top.addWidget(self.filter)
        top.addStretch(1)
        lay.addLayout(top)
        self.training_summary = QLabel()
        self.training_summary.setWordWrap(True)
        self.training_summary.setAccessibleName(self.tr("Training summary"))
        lay.addWidget(self.training_summary)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.people = RowTableModel(
            [
                Column(self.tr("Supporter"), lambda t: t.supporter_name),
                Column(self.tr("Status"), lambda t: label(t.status)),
                Column(
                    self.tr("Training"),
                    lambda t: state_text(t.overall),
                    tone=lambda t: STATE_TONES.get(t.overall),
                    tooltip=self.tr("The worst state over the courses required for their role"),
                ),
                Column(self.tr("Needs"), needs_text),
            ]
        )
        self.people_table = _table(
            self.people,
            self.tr("Supporters' training"),
            self.tr("No supporters yet. Add supporter profiles under Supporters."),
        )
        self.people_view = self.people_table.view
        splitter.addWidget(self.people_table)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.person = heading(self.tr("Choose a supporter"), level=2)
        rl.addWidget(self.person)
        self.courses_of = RowTableModel(
            [
                Column(self.tr("Course"), lambda c: c.course_name),
                Column(
                    self.tr("State"),
                    lambda c: state_text(c.state),
                    tone=lambda c: STATE_TONES.get(c.state),
                ),
                Column(self.tr("Expires"), lambda c: c.expires_on),
                Column(self.tr("Completed"), lambda c: c.completed_on),
                Column(self.tr("Required"), lambda c: c.required),
            ]
        )
        self.courses_of_table = _table(
            self.courses_of,
            self.tr("Courses of the chosen supporter"),
            self.tr(
                "Choose a supporter on the left. A supporter with nothing here has no "
                "training recorded and no course is required for their discipline."
            ),
        )
        fit_columns(self.courses_of_table.view)
        rl.addWidget(self.courses_of_table, 1)
        self.training_button = QPushButton(self.tr("Record t&raining…"))
        self.training_button.clicked.connect(self.add_training)
        rl.addLayout(_buttons(self.training_button))
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 560])
        lay.addWidget(splitter, 1)
        self.filter.currentIndexChanged.connect(lambda _i: self.load_training())
        self.people_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._person_changed()
        )
        self.people.modelReset.connect(self._person_changed)
        return tab

    def _courses_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        self.catalogue = RowTableModel(
            [
                Column(self.tr("Course"), lambda c: c.name),
                Column(self.tr("Code"), lambda c: c.code),
                Column(self.tr("Required"), lambda c: c.required),
                Column(
                    self.tr("Required for"),
                    lambda c: (c.required_for or self.tr("every supporter")) if c.required else "",
                ),
                Column(
                    self.tr("Valid for"),
                    lambda c: (
                        self.tr("%1 months").replace("%1", str(c.validity_months))
                        if c.validity_months
                        else self.tr("does not expire")
                    ),
                ),
            ]
        )
        self.catalogue_table = _table(
            self.catalogue,
            self.tr("Course catalogue"),
            self.tr(
                "No courses yet. Set up the standard courses (psychological first aid, active "
                "listening, confidentiality and boundaries, ethics, crisis recognition), then "
                "add the program's own with Add course."
            ),
        )
        lay.addWidget(self.catalogue_table, 1)
        self.course_button = QPushButton(self.tr("&Add course…"))
        self.course_button.clicked.connect(self.add_course)
        self.standard_button = QPushButton(self.tr("Set up &standard courses"))
        self.standard_button.clicked.connect(self.setup_courses)
        lay.addLayout(_buttons(self.course_button, self.standard_button))
        return tab

    def _supervision_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        self.supervision_summary = QLabel()
        self.supervision_summary.setWordWrap(True)
        lay.addWidget(self.supervision_summary)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.sup_status = RowTableModel(
            [
                Column(self.tr("Supporter"), lambda s: s.supporter_name),
                Column(
                    self.tr("Hours this month"),
                    lambda s: f"{s.hours_this_month:.1f}",
                    align_right=True,
                ),
                Column(self.tr("Last supervision"), lambda s: s.last_held_on or self.tr("never")),
                Column(
                    self.tr("Warning"),
                    self._overdue_text,
                    tone=lambda s: "bad" if s.overdue else None,
                ),
            ]
        )
        self.sup_table = _table(
            self.sup_status,
            self.tr("Supervision by supporter"),
            self.tr("No active supporters. Supervision is tracked for active supporters."),
        )
        self.sup_view = self.sup_table.view
        splitter.addWidget(self.sup_table)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.sup_person = heading(self.tr("Choose a supporter"), level=2)
        rl.addWidget(self.sup_person)
        self.hours = RowTableModel(
            [
                Column(self.tr("Month"), lambda m: m[0].strftime("%Y-%m")),
                Column(self.tr("Hours"), lambda m: f"{m[1]:.1f}", align_right=True),
            ]
        )
        self.hours_table = _table(
            self.hours, self.tr("Supervision hours per month"), self.tr("Choose a supporter.")
        )
        rl.addWidget(self.hours_table, 1)
        self.log = RowTableModel(
            [
                Column(self.tr("Held on"), lambda e: e.held_on),
                Column(self.tr("Minutes"), lambda e: e.minutes, align_right=True),
                Column(self.tr("Format"), lambda e: label(e.format)),
                Column(self.tr("Supervisor"), lambda e: e.supervisor),
            ]
        )
        self.log_table = _table(
            self.log,
            self.tr("Supervision log"),
            self.tr("No supervision logged for this supporter. Add one with Log supervision."),
        )
        rl.addWidget(self.log_table, 1)
        self.supervision_button = QPushButton(self.tr("Log s&upervision…"))
        self.supervision_button.clicked.connect(self.add_supervision)
        rl.addLayout(_buttons(self.supervision_button))
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        lay.addWidget(splitter, 1)
        self.sup_view.selectionModel().currentRowChanged.connect(lambda *_: self._sup_changed())
        self.sup_status.modelReset.connect(self._sup_changed)
        return tab

    def _load_tab(self) -> QWidget:
        tab = QWidget()
        lay = QVBoxLayout(tab)
        lay.addWidget(heading(self.tr("Caseload against capacity"), level=2))
        self.load = RowTableModel(
            [
                Column(self.tr("Supporter"), lambda x: x.supporter_name),
                Column(self.tr("Status"), lambda x: label(x.status)),
                Column(self.tr("Open episodes"), lambda x: x.open_episodes, align_right=True),
                Column(self.tr("Capacity"), lambda x: x.capacity, align_right=True),
                Column(
                    self.tr("Places left"),
                    lambda x: (
                        x.capacity_left
                        if not x.over_capacity
                        else self.tr("full (%1)").replace("%1", str(x.capacity_left))
                    ),
                    align_right=True,
                    tone=lambda x: "bad" if x.over_capacity else None,
                ),
                Column(
                    self.tr("Sessions per week"),
                    lambda x: f"{x.sessions_per_week:.1f}",
                    align_right=True,
                    tooltip=self.tr("Average over the last four weeks"),
                ),
            ]
        )
        self.load_table = _table(
            self.load,
            self.tr("Caseload against capacity"),
            self.tr("No supporters yet. Add supporter profiles under Supporters."),
        )
        lay.addWidget(self.load_table, 2)
        lay.addWidget(heading(self.tr("Supporters' own well-being check-ins"), level=2))
        self.wellbeing = QLabel()
        self.wellbeing.setWordWrap(True)
        self.wellbeing.setAccessibleName(self.tr("Well-being check-in counts"))
        lay.addWidget(self.wellbeing)
        lay.addWidget(
            hint(
                self.tr(
                    "Supporters can record a private WHO-5 or PSS-4 check-in about themselves "
                    "under My well-being. Only counts reach this screen: never who, never scores."
                )
            )
        )
        lay.addStretch(1)
        return tab

    # -- loading ---------------------------------------------------------------------

    def refresh(self) -> None:
        index = self.tabs.currentIndex()
        if index == 0:
            self.load_training()
        elif index == 1:
            self.load_courses()
        elif index == 2:
            self.load_supervision()
        else:
            self.load_caseload()

    def first_focus(self) -> QWidget | None:
        return self.filter if self.tabs.currentIndex() == 0 else self.tabs

    def states(self) -> tuple[str, ...]:
        return tuple(self.filter.currentData() or ())

    def set_filter(self, states: tuple[str, ...]) -> None:
        for i in range(self.filter.count()):
            if tuple(self.filter.itemData(i)) == tuple(states):
                self.filter.setCurrentIndex(i)
                return
        raise ValueError(f"no filter for {states}")

    def load_training(self) -> None:
        keep = self.current_person()
        day = self.today()
        everyone = self.call(
            self.tr("Training"), training.training_overview, self.store, self.actor, day
        )
        everyone = everyone or []
        states = self.states()
        if states:
            rows = (
                self.call(
                    self.tr("Training"),
                    training.supporters_needing_training,
                    self.store,
                    self.actor,
                    day,
                    states,
                )
                or []
            )
        else:
            rows = everyone
        self.people.set_rows(rows)
        counts = {s: sum(t.overall == s for t in everyone) for s in (LAPSED, EXPIRING, MISSING)}
        self.training_summary.setText(
            self.tr(
                "%1 supporters: %2 with lapsed training, %3 with a certificate expiring within "
                "%4 days, %5 missing a required course."
            )
            .replace("%1", str(len(everyone)))
            .replace("%2", str(counts[LAPSED]))
            .replace("%3", str(counts[EXPIRING]))
            .replace("%4", str(self.store.policy.expiry_warning_days))
            .replace("%5", str(counts[MISSING]))
        )
        self.people_table.set_empty_text(
            self.tr("Nobody matches this filter. Choose Everyone to see all supporters.")
            if states
            else self.tr("No supporters yet. Add supporter profiles under Supporters.")
        )
        self._reselect(self.people_view, self.people, keep.supporter_id if keep else None)

    def _reselect(self, view: object, model: RowTableModel, supporter_id: str | None) -> None:
        rows = model.rows()
        target = next((i for i, r in enumerate(rows) if r.supporter_id == supporter_id), 0)
        if rows:
            view.setCurrentIndex(model.index(target, 0))  # type: ignore[attr-defined]

    def current_person(self) -> SupporterTraining | None:
        i = self.people_view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _person_changed(self) -> None:
        t = self.current_person()
        self.training_button.setEnabled(t is not None)
        if t is None:
            self.person.setText(self.tr("Choose a supporter"))
            self.courses_of.clear()
            return
        self.person.setText(
            self.tr("%1 — training %2")
            .replace("%1", t.supporter_name)
            .replace("%2", state_text(t.overall))
        )
        self.courses_of.set_rows(list(t.courses))

    def load_courses(self) -> None:
        rows = self.call(self.tr("Courses"), supporters.list_courses, self.store, self.actor)
        self.catalogue.set_rows(rows or [])
        self.standard_button.setVisible(self.actor.can("courses.write") and not rows)

    def _overdue_text(self, s: SupervisionStatus) -> str:
        if not s.overdue:
            return ""
        weeks = self.store.policy.supervision_warning_weeks
        return self.tr("none for %1+ weeks").replace("%1", str(weeks))

    def load_supervision(self) -> None:
        keep = self.current_sup()
        rows = self.call(
            self.tr("Supervision"),
            supervision.supervision_status,
            self.store,
            self.actor,
            self.today(),
        )
        rows = rows or []
        self.sup_status.set_rows(rows)
        overdue = sum(s.overdue for s in rows)
        self.supervision_summary.setText(
            self.tr(
                "%1 of %2 active supporters have had no supervision for %3 weeks or more. "
                "Hours are for %4."
            )
            .replace("%1", str(overdue))
            .replace("%2", str(len(rows)))
            .replace("%3", str(self.store.policy.supervision_warning_weeks))
            .replace("%4", self.today().strftime("%B %Y"))
        )
        self._reselect(self.sup_view, self.sup_status, keep.supporter_id if keep else None)

    def current_sup(self) -> SupervisionStatus | None:
        i = self.sup_view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _sup_changed(self) -> None:
        s = self.current_sup()
        self.supervision_button.setEnabled(s is not None)
        if s is None:
            self.sup_person.setText(self.tr("Choose a supporter"))
            self.hours.clear()
            self.log.clear()
            return
        self.sup_person.setText(s.supporter_name)
        hours = self.call(
            self.tr("Supervision"),
            supervision.monthly_hours,
            self.store,
            self.actor,
            s.supporter_id,
            MONTHS_SHOWN,
            self.today(),
        )
        self.hours.set_rows(list(reversed(hours or [])))
        self.log.set_rows(
            self.call(
                self.tr("Supervision"),
                supporters.list_supervision,
                self.store,
                self.actor,
                s.supporter_id,
            )
            or []
        )

    def load_caseload(self) -> None:
        day = self.today()
        self.load.set_rows(
            self.call(
                self.tr("Caseload"), supporter_load.supporter_load, self.store, self.actor, day
            )
            or []
        )
        start, end = supervision.month_bounds(day)
        before, _ = supervision.month_bounds(start - timedelta(days=1))
        lines = []
        for first, until in ((start, end), (before, start)):
            counts = self.call(
                self.tr("Well-being"),
                supporter_load.wellbeing_counts,
                self.store,
                self.actor,
                first,
                until,
            )
            if counts is None:
                return
            lines.append(
                self.tr("%1: %2 check-ins by %3 of %4 active supporters.")
                .replace("%1", first.strftime("%B %Y"))
                .replace("%2", str(counts.check_ins))
                .replace("%3", str(counts.supporters_checked_in))
                .replace("%4", str(counts.active_supporters))
            )
        self.wellbeing.setText("\n".join(lines))

    # -- actions ---------------------------------------------------------------------

    def add_training(self) -> None:
        t = self.current_person()
        if t is not None and self.dialogs.run(
            TrainingDialog(self.store, self.actor, t.supporter_id, self)
        ):
            self.load_training()

    def add_course(self) -> None:
        if self.dialogs.run(CourseDialog(self.store, self.actor, self)):
            self.load_courses()

    def setup_courses(self) -> None:
        if self.call(
            self.tr("Courses"), supporters.ensure_standard_courses, self.store, self.actor
        ):
            self.load_courses()

    def add_supervision(self) -> None:
        s = self.current_sup()
        if s is not None and self.dialogs.run(
            SupervisionDialog(
                self.store, self.actor, s.supporter_id, self, supporter_name=s.supporter_name
            )
        ):
            self.load_supervision()


__all__ = ["FILTERS", "TrainingPage", "needs_text", "state_text"]

"""My training (supporters, read-only): my courses with their state, and my supervision hours.

The coordinator keeps these records (Training and supervision); a supporter sees only their
own line, judged on ctx.today() with the policy's warning window like the coordinator's page.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from peerdesk.services import supervision, training
from peerdesk.services.training import CURRENT, CourseState, SupporterTraining
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.pages.training import MONTHS_SHOWN, STATE_TONES, state_text
from peerdesk.ui.table_models import Column, RowTableModel
from peerdesk.ui.widgets import EmptyStateTable, fit_columns, heading, hint, make_table


class MyTrainingPage(Page):
    key = "mytraining"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        lay = QVBoxLayout(self)
        lay.addWidget(heading(self.tr("My training and supervision")))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("My training summary"))
        lay.addWidget(self.summary)
        splitter = QSplitter()
        courses = QWidget()
        cl = QVBoxLayout(courses)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(heading(self.tr("Courses and certificates"), level=2))
        self.courses = RowTableModel(
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
        self.courses_view = make_table(self.courses, self.tr("My courses"), sortable=False)
        fit_columns(self.courses_view)
        self.courses_table = EmptyStateTable(
            self.courses_view,
            self.tr(
                "No training recorded yet, and no course is required for your discipline. "
                "When you complete a course, tell your coordinator so they can record it."
            ),
        )
        cl.addWidget(self.courses_table, 1)
        splitter.addWidget(courses)
        hours = QWidget()
        hl = QVBoxLayout(hours)
        hl.setContentsMargins(0, 0, 0, 0)
        self.hours_heading = heading(
            self.tr("Supervision hours, last %1 months").replace("%1", str(MONTHS_SHOWN)), level=2
        )
        hl.addWidget(self.hours_heading)
        self.hours = RowTableModel(
            [
                Column(self.tr("Month"), lambda m: m[0].strftime("%Y-%m")),
                Column(self.tr("Hours"), lambda m: f"{m[1]:.1f}", align_right=True),
            ]
        )
        self.hours_view = make_table(self.hours, self.tr("My supervision hours"), sortable=False)
        self.hours_table = EmptyStateTable(
            self.hours_view, self.tr("Supervision is logged by your coordinator.")
        )
        hl.addWidget(self.hours_table, 1)
        splitter.addWidget(hours)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([720, 300])
        lay.addWidget(splitter, 1)
        lay.addWidget(
            hint(
                self.tr(
                    "Read-only: your coordinator records training and supervision under "
                    "Training and supervision. Tell them when you complete a course or if "
                    "something here is wrong."
                )
            )
        )

    def refresh(self) -> None:
        day = self.today()
        mine = self.call(
            self.tr("My training"), training.training_overview, self.store, self.actor, day
        )
        me: SupporterTraining | None = mine[0] if mine else None
        self.courses.set_rows(list(me.courses) if me else [])
        months: list[tuple[date, float]] = []
        if self.actor.supporter_id is not None:
            months = (
                self.call(
                    self.tr("My supervision"),
                    supervision.monthly_hours,
                    self.store,
                    self.actor,
                    self.actor.supporter_id,
                    MONTHS_SHOWN,
                    day,
                )
                or []
            )
        self.hours.set_rows(months)
        self.summary.setText(self._summary(me, months))

    def _summary(self, me: SupporterTraining | None, months: list[tuple[date, float]]) -> str:
        total = sum(h for _m, h in months)
        hours = self.tr("%1 hours of supervision in the last %2 months.").replace(
            "%1", f"{total:.1f}"
        )
        hours = hours.replace("%2", str(MONTHS_SHOWN))
        if me is None:
            return hours
        gaps: list[CourseState] = [c for c in me.courses if c.required and c.state != CURRENT]
        if not gaps:
            text = self.tr("Your required training is current.")
        else:
            text = self.tr("Needs attention: %1.").replace(
                "%1", ", ".join(f"{c.course_name} ({state_text(c.state)})" for c in gaps)
            )
            text += " " + self.tr("Warnings start %1 days before a certificate expires.").replace(
                "%1", str(self.store.policy.expiry_warning_days)
            )
        return text + " " + hours

    def first_focus(self) -> QWidget | None:
        return self.courses_view


__all__ = ["MyTrainingPage"]

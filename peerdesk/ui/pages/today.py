"""Today: my follow-ups, referrals waiting, my recent sessions, supporters needing attention."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from peerdesk.services import sessions, today
from peerdesk.ui.fmt import label
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, RowTableModel
from peerdesk.ui.tasks import error_text, run_task
from peerdesk.ui.widgets import EmptyStateTable, heading, make_table


def _due_text(f: today.FollowUp) -> str:
    if f.overdue_days > 0:
        return Page.tr("%1 days overdue").replace("%1", str(f.overdue_days))
    if f.overdue_days == 0:
        return Page.tr("due today")
    return Page.tr("in %1 days").replace("%1", str(-f.overdue_days))


class TodayPage(Page):
    key = "today"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        lay = QVBoxLayout(body)
        top = QHBoxLayout()
        self.greeting = heading("")
        top.addWidget(self.greeting, 1)
        self.record = QPushButton(self.tr("&Record a session  (Ctrl+N)"))
        self.record.clicked.connect(lambda: ctx.navigate("sessions", new=True))
        self.record.setVisible(ctx.actor.supporter_id is not None)
        top.addWidget(self.record)
        lay.addLayout(top)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.sections: list[tuple[QLabel, EmptyStateTable]] = []
        mine = not ctx.actor.can("casework.program")

        self.follow_model = RowTableModel(
            [
                Column(self.tr("Due"), lambda f: f.due_on),
                Column(self.tr("When"), _due_text),
                Column(self.tr("Participant"), lambda f: f.participant_code),
                Column(self.tr("Supporter"), lambda f: f.supporter_name),
            ],
            highlight=lambda f: f.overdue_days > 0,
        )
        self.follow_table = self._section(
            self.tr("My follow-ups due and overdue") if mine else self.tr("Follow-ups due"),
            self.follow_model,
            self.tr(
                "No follow-ups due this week. When you record a session, set a follow-up "
                "date and it shows here."
            ),
            lay,
            casework=True,
        )
        self.ref_model = RowTableModel(
            [
                Column(self.tr("Participant"), lambda r: r.participant_code),
                Column(self.tr("Referred to"), lambda r: r.resource_name),
                Column(self.tr("Status"), lambda r: label(r.status)),
                Column(self.tr("Urgency"), lambda r: label(r.urgency)),
                Column(self.tr("Check back on"), lambda r: r.follow_up_on),
                Column(self.tr("Overdue"), lambda r: self.tr("overdue") if r.overdue else ""),
            ],
            highlight=lambda r: r.overdue,
        )
        self.ref_table = self._section(
            self.tr("Referrals waiting for action"),
            self.ref_model,
            self.tr("No referrals are waiting. Open referrals you make from a session show here."),
            lay,
            casework=True,
        )
        self.recent_model = RowTableModel(
            [
                Column(self.tr("Started"), lambda s: s.started_at),
                Column(self.tr("Participant"), lambda s: s.participant_code),
                Column(self.tr("Mode"), lambda s: label(s.mode)),
                Column(self.tr("Minutes"), lambda s: s.minutes, align_right=True),
                Column(self.tr("Concerns"), lambda s: s.concerns),
            ]
        )
        self.recent_table = self._section(
            self.tr("My recent sessions"),
            self.recent_model,
            self.tr("You have not recorded a session yet. Press Ctrl+N to record one."),
            lay,
            casework=ctx.actor.supporter_id is not None,
        )
        self.attention_model = RowTableModel(
            [
                Column(self.tr("Supporter"), lambda a: a.supporter_name),
                Column(self.tr("Needs"), lambda a: a.text),
            ],
            highlight=lambda a: a.kind in ("expired", "capacity"),
        )
        self.attention_table = self._section(
            self.tr("Supporters needing attention"),
            self.attention_model,
            self.tr("All supporters are trained, supervised and within capacity."),
            lay,
            casework=ctx.actor.can("supporters.read"),
        )
        self.locked_model = RowTableModel([Column(self.tr("Account"), lambda name: name)])
        self.locked_table = self._section(
            self.tr("Accounts locked out"),
            self.locked_model,
            self.tr(
                "No account is locked out. If someone is, reset their password under "
                "Accounts and policy."
            ),
            lay,
            casework=ctx.actor.can("accounts.write"),
        )
        lay.addStretch(1)
        self.follow_table.view.setColumnHidden(3, mine)
        self.loading = False
        self._generation = 0
        self.follow_table.view.doubleClicked.connect(self._open_follow_up)
        self.ref_table.view.doubleClicked.connect(self._open_referral)
        self.recent_table.view.doubleClicked.connect(self._open_session)

    def _section(
        self, title: str, model: RowTableModel, empty: str, lay: QVBoxLayout, casework: bool
    ) -> EmptyStateTable:
        head = heading(title, level=2)
        view = make_table(model, title, sortable=False)
        view.setMinimumHeight(150)
        table = EmptyStateTable(view, empty)
        table.setMaximumHeight(260)
        lay.addWidget(head)
        lay.addWidget(table)
        head.setVisible(casework)
        table.setVisible(casework)
        self.sections.append((head, table))
        return table

    def refresh(self) -> None:
        """Gathered off the GUI thread: on a large store the summary takes a moment."""
        self.loading = True
        self._generation += 1
        generation = self._generation
        store, actor = self.store, self.actor
        if not self.summary.text():
            self.summary.setText(self.tr("Loading…"))

        def work() -> tuple[today.TodaySummary, list[sessions.SessionInfo]]:
            summary = today.today_summary(store, actor)
            recent: list[sessions.SessionInfo] = []
            if actor.supporter_id is not None:
                query = sessions.SessionQuery(mine_only=True)
                recent = sessions.list_sessions(store, actor, query, 0, 8)
            return summary, recent

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.loading = False
                self.summary.setText(error_text(exc))

        run_task(
            self,
            work,
            on_result=lambda result: self._show(generation, *result),
            on_error=failed,
            show_progress=False,
        )

    def _show(
        self, generation: int, summary: today.TodaySummary, recent: list[sessions.SessionInfo]
    ) -> None:
        if generation != self._generation:
            return
        self.loading = False
        name = self.actor.display_name or self.actor.username
        self.greeting.setText(
            self.tr("Today, %1 — %2")
            .replace("%1", summary.day.strftime("%A %d %B"))
            .replace("%2", name)
        )
        self.follow_model.set_rows(summary.follow_ups)
        self.ref_model.set_rows(summary.referrals)
        self.attention_model.set_rows(summary.attention)
        self.locked_model.set_rows(summary.locked_accounts)
        self.recent_model.set_rows(recent)
        parts = []
        if self.ctx.casework:
            parts.append(
                self.tr("%1 follow-ups due this week (%2 overdue), %3 open referrals.")
                .replace("%1", f"{summary.follow_ups_total:,}")
                .replace("%2", f"{summary.follow_ups_overdue:,}")
                .replace("%3", f"{summary.referrals_total:,}")
            )
            if summary.follow_ups_total > len(summary.follow_ups):
                parts.append(self.tr("The most urgent are listed."))
        if self.actor.can("accounts.write") and not self.ctx.casework:
            parts.append(
                self.tr(
                    "As administrator you manage accounts, the policy and backups; "
                    "participant records are not shown to this role."
                )
            )
        self.summary.setText(" ".join(parts))

    def first_focus(self) -> QWidget | None:
        return self.follow_table.view if self.follow_table.isVisible() else None

    def _open_follow_up(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.ctx.navigate("participants", episode_id=row.episode_id)

    def _open_referral(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.ctx.navigate("referrals", referral_id=row.id)

    def _open_session(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.ctx.navigate("participants", episode_id=row.episode_id)

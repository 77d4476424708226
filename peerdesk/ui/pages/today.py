"""Today: my follow-ups, referrals waiting, my recent sessions, supporters needing attention."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from peerdesk.services import episodes, series, sessions, today
from peerdesk.services.episodes import EpisodeInfo
from peerdesk.ui.after_session import answer_open_question
from peerdesk.ui.fmt import fmt_dt, label
from peerdesk.ui.matching_dialog import MatchingDialog, may_match
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, RowTableModel
from peerdesk.ui.tasks import error_text, run_task
from peerdesk.ui.widgets import EmptyStateTable, heading, make_table

WAITING_SHOWN = 50


def _question_reason(q: series.OpenQuestion) -> str:
    return Page.tr("safety flag") if q.safety_flag else Page.tr("end of the series")


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
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the tables, not the frame
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

        # Coordinators: open episodes nobody has been assigned to yet, oldest need first.
        self.waiting_model = RowTableModel(
            [
                Column(self.tr("Opened"), lambda e: e.opened_on),
                Column(self.tr("Waiting"), self._waiting_text),
                Column(self.tr("Participant"), lambda e: e.participant_code),
                Column(self.tr("Why"), lambda e: e.reason),
                Column(self.tr("Risk"), lambda e: label(e.risk_level)),
            ],
            highlight=lambda e: e.risk_level == "high",
        )
        self.waiting_table = self._section(
            self.tr("Waiting for a supporter"),
            self.waiting_model,
            self.tr(
                "Every open episode has a supporter. Episodes opened without one wait here "
                "until you match them."
            ),
            lay,
            casework=not mine,
        )
        self.waiting_table.setMaximumHeight(190)  # a short list; it scrolls when longer
        waiting_buttons = QHBoxLayout()
        self.match_button = QPushButton(self.tr("&Match…"))
        self.match_button.setToolTip(
            self.tr("Suggested supporters for the chosen episode, with their reasons (Enter)")
        )
        self.match_button.clicked.connect(self.match_waiting)
        self.open_waiting = QPushButton(self.tr("Open &episode"))
        self.open_waiting.clicked.connect(self._open_waiting)
        waiting_buttons.addWidget(self.match_button)
        waiting_buttons.addWidget(self.open_waiting)
        self.match_status = QLabel()
        self.match_status.setWordWrap(True)
        self.match_status.setAccessibleName(self.tr("Matching message"))
        waiting_buttons.addWidget(self.match_status, 1)
        lay.addLayout(waiting_buttons)
        for b in (self.match_button, self.open_waiting):
            b.setVisible(not mine and may_match(ctx.store, ctx.actor))

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
            casework=ctx.casework,
        )
        follow_buttons = QHBoxLayout()
        self.follow_done = QPushButton(self.tr("Follow-up &done"))
        self.follow_done.setToolTip(self.tr("Mark the chosen follow-up as done today"))
        self.follow_done.clicked.connect(self.mark_follow_up_done)
        self.open_follow = QPushButton(self.tr("Open e&pisode"))
        self.open_follow.setToolTip(self.tr("The participant's episode (Enter on the row)"))
        self.open_follow.clicked.connect(
            lambda: self._open_follow_up(self.follow_table.view.currentIndex())
        )
        self.follow_status = QLabel()
        self.follow_status.setWordWrap(True)
        self.follow_status.setAccessibleName(self.tr("Follow-up message"))
        follow_buttons.addWidget(self.follow_done)
        follow_buttons.addWidget(self.open_follow)
        follow_buttons.addWidget(self.follow_status, 1)
        lay.addLayout(follow_buttons)
        for b in (self.follow_done, self.open_follow):
            b.setVisible(ctx.casework)
        self._follow_row = -1  # the row to choose after the list reloads

        # Referral questions put off with "Decide later": still to be answered.
        self.question_model = RowTableModel(
            [
                Column(self.tr("Session"), lambda q: q.started_at),
                Column(self.tr("Participant"), lambda q: q.participant_code),
                Column(self.tr("Why asked"), _question_reason),
                Column(self.tr("Supporter"), lambda q: q.supporter_name),
            ],
            highlight=lambda q: q.safety_flag,
        )
        self.question_table = self._section(
            self.tr("My referral questions left for later")
            if mine
            else self.tr("Referral questions left for later"),
            self.question_model,
            self.tr(
                "No referral question is waiting. When you choose 'Decide later' after a "
                "session, the question waits here until it is answered."
            ),
            lay,
            casework=ctx.casework,
        )
        self.question_table.view.setColumnHidden(3, mine)
        question_buttons = QHBoxLayout()
        self.answer_button = QPushButton(self.tr("&Answer…"))
        self.answer_button.setToolTip(
            self.tr("Ask the referral question again for the chosen session (Enter)")
        )
        self.answer_button.clicked.connect(self.answer_question)
        question_buttons.addWidget(self.answer_button)
        question_buttons.addStretch(1)
        lay.addLayout(question_buttons)
        self.answer_button.setVisible(ctx.actor.supporter_id is not None)

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
            casework=ctx.casework,
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
                "No account is locked out. If someone is, press Enter on their name to "
                "unlock them under Accounts and policy."
            ),
            lay,
            casework=ctx.actor.can("accounts.write"),
        )
        # Administrators are watched: what they did to accounts lately, for every
        # coordinator (and admin) to see.
        self.admin_model = RowTableModel(
            [
                Column(self.tr("When"), lambda c: fmt_dt(c.at)),
                Column(self.tr("Administrator"), lambda c: c.by),
                Column(self.tr("Change"), lambda c: c.text),
            ],
            highlight=lambda c: c.action != "account.create" or c.text.endswith("(admin)"),
        )
        self.admin_table = self._section(
            self.tr("Account changes by administrators (last %1 days)").replace(
                "%1", str(today.ADMIN_WATCH_DAYS)
            ),
            self.admin_model,
            self.tr(
                "No account was added, re-enabled or given another role in the last %1 days."
            ).replace("%1", str(today.ADMIN_WATCH_DAYS)),
            lay,
            casework=ctx.actor.can("audit.read"),
        )
        lay.addStretch(1)
        self.follow_table.view.setColumnHidden(3, mine)
        self.loading = False
        self._generation = 0
        self.follow_table.view.doubleClicked.connect(self._open_follow_up)
        self.follow_table.view.activated.connect(self._open_follow_up)  # Enter, too
        self.follow_table.view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_follow_buttons()
        )
        self.follow_model.modelReset.connect(self._update_follow_buttons)
        self._update_follow_buttons()
        self.question_table.view.activated.connect(lambda _i: self.answer_question())
        self.question_table.view.doubleClicked.connect(lambda _i: self.answer_question())
        self.question_table.view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_question_buttons()
        )
        self.question_model.modelReset.connect(self._update_question_buttons)
        self._update_question_buttons()
        self.ref_table.view.doubleClicked.connect(self._open_referral)
        self.recent_table.view.doubleClicked.connect(self._open_session)
        self.waiting_table.view.activated.connect(lambda _i: self.match_waiting())
        # Enter or a double-click on a locked-out account: Accounts, with it selected.
        self.locked_table.view.activated.connect(self._open_locked)
        self.waiting_table.view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_waiting_buttons()
        )
        self.waiting_model.modelReset.connect(self._update_waiting_buttons)
        self._update_waiting_buttons()

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

    def _open_locked(self, index: QModelIndex) -> None:
        name = index.data(ROW_ROLE) if index.isValid() else None
        if name:
            self.ctx.navigate("accounts", username=name)

    def refresh(self) -> None:
        """Gathered off the GUI thread: on a large store the summary takes a moment."""
        self.loading = True
        self._generation += 1
        generation = self._generation
        store, actor = self.store, self.actor
        if not self.summary.text():
            self.summary.setText(self.tr("Loading…"))

        def work() -> tuple[today.TodaySummary, list[sessions.SessionInfo], list[EpisodeInfo]]:
            summary = today.today_summary(store, actor)
            recent: list[sessions.SessionInfo] = []
            if actor.supporter_id is not None:
                query = sessions.SessionQuery(mine_only=True)
                recent = sessions.list_sessions(store, actor, query, 0, 8)
            waiting: list[EpisodeInfo] = []
            if actor.can("casework.program"):
                waiting = episodes.list_episodes(
                    store, actor, unassigned_only=True, limit=WAITING_SHOWN + 1
                )
            return summary, recent, waiting

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
        self,
        generation: int,
        summary: today.TodaySummary,
        recent: list[sessions.SessionInfo],
        waiting: list[EpisodeInfo],
    ) -> None:
        if generation != self._generation:
            return
        self.loading = False
        keep = self.current_waiting()
        # The service lists newest first; the longest wait matters most here.
        shown = sorted(waiting[:WAITING_SHOWN], key=lambda e: (e.opened_on, e.participant_code))
        self.waiting_model.set_rows(shown)
        # Keep the chosen episode, else choose the longest wait: Match is one key away.
        rows = [i for i, e in enumerate(shown) if keep is not None and e.id == keep.id]
        if shown:
            self.waiting_table.view.setCurrentIndex(
                self.waiting_model.index(rows[0] if rows else 0, 0)
            )
        name = self.actor.display_name or self.actor.username
        self.greeting.setText(
            self.tr("Today, %1 — %2")
            .replace("%1", summary.day.strftime("%A %d %B"))
            .replace("%2", name)
        )
        self.follow_model.set_rows(summary.follow_ups)
        if self._follow_row >= 0 and summary.follow_ups:
            # After "Follow-up done" the next row is chosen: the list is worked down.
            row = min(self._follow_row, len(summary.follow_ups) - 1)
            self.follow_table.view.setCurrentIndex(self.follow_model.index(row, 0))
            self.follow_table.view.setFocus()
        self._follow_row = -1
        self.question_model.set_rows(summary.open_questions)
        self.ref_model.set_rows(summary.referrals)
        self.attention_model.set_rows(summary.attention)
        self.locked_model.set_rows(summary.locked_accounts)
        self.admin_model.set_rows(summary.admin_changes)
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
            if summary.open_questions_total == 1:
                parts.append(self.tr("1 referral question is waiting for an answer."))
            elif summary.open_questions_total:
                parts.append(
                    self.tr("%1 referral questions are waiting for an answer.").replace(
                        "%1", f"{summary.open_questions_total:,}"
                    )
                )
        if self.actor.can("casework.program") and waiting:
            if len(waiting) > WAITING_SHOWN:
                count = self.tr("More than %1 episodes are").replace("%1", str(WAITING_SHOWN))
            elif len(waiting) == 1:
                count = self.tr("1 episode is")
            else:
                count = self.tr("%1 episodes are").replace("%1", str(len(waiting)))
            parts.append(count + " " + self.tr("waiting for a supporter."))
        if self.actor.can("accounts.write") and not self.ctx.casework:
            parts.append(
                self.tr(
                    "As administrator you manage accounts, the policy and backups; "
                    "participant records are not shown to this role."
                )
            )
        if self.actor.can("reports.org"):
            parts.append(
                self.tr(
                    "As organisation coordinator you make the de-identified reports of every "
                    "site, and the organisation report that adds the sites up, under Reports; "
                    "participant records are not shown to this role."
                )
            )
        self.summary.setText(" ".join(parts))

    def first_focus(self) -> QWidget | None:
        if self.waiting_model.rowCount() and not self.waiting_table.isHidden():
            return self.waiting_table.view
        return self.follow_table.view if not self.follow_table.isHidden() else None

    def _waiting_text(self, e: EpisodeInfo) -> str:
        days = (self.today() - e.opened_on).days
        if days <= 0:
            return self.tr("since today")
        if days == 1:
            return self.tr("1 day")
        return self.tr("%1 days").replace("%1", str(days))

    def current_waiting(self) -> EpisodeInfo | None:
        index = self.waiting_table.view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _update_waiting_buttons(self) -> None:
        chosen = self.current_waiting() is not None
        self.match_button.setEnabled(chosen)
        self.open_waiting.setEnabled(chosen)

    def match_waiting(self) -> None:
        """Ranked suggestions for the chosen episode; Assign takes it off this list."""
        e = self.current_waiting()
        if e is None or not may_match(self.store, self.actor):
            return
        dlg = MatchingDialog(self.store, self.actor, e, self.today(), self)
        if self.dialogs.run(dlg):
            self.match_status.setText(dlg.confirmation())
            self.refresh()

    def _open_waiting(self) -> None:
        e = self.current_waiting()
        if e is not None:
            self.ctx.navigate("participants", episode_id=e.id)

    def current_follow_up(self) -> today.FollowUp | None:
        index = self.follow_table.view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _update_follow_buttons(self) -> None:
        chosen = self.current_follow_up() is not None
        self.follow_done.setEnabled(chosen)
        self.open_follow.setEnabled(chosen)

    def mark_follow_up_done(self) -> None:
        f = self.current_follow_up()
        if f is None:
            return
        row = self.follow_table.view.currentIndex().row()
        if not self.attempt(
            self.tr("Follow-up"),
            sessions.mark_follow_up_done,
            self.store,
            self.actor,
            f.session_id,
            self.today(),
        ):
            return
        self.follow_status.setText(
            self.tr("Follow-up with %1 marked done.").replace("%1", f.participant_code)
        )
        self._follow_row = row
        self.refresh()

    def current_question(self) -> series.OpenQuestion | None:
        index = self.question_table.view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _update_question_buttons(self) -> None:
        q = self.current_question()
        self.answer_button.setEnabled(q is not None and q.is_mine)

    def answer_question(self) -> None:
        """The same referral question as after the session; only its author answers."""
        q = self.current_question()
        if q is None:
            return
        if not q.is_mine:
            self.ctx.navigate("participants", episode_id=q.episode_id)
            return
        answer = answer_open_question(self, self.store, self.actor, self.dialogs, q)
        if answer:
            self.follow_status.setText(
                self.tr("Referral question for %1: %2.")
                .replace("%1", q.participant_code)
                .replace("%2", self.tr(series.DECISION_LABELS[answer]))
            )
        self.refresh()

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

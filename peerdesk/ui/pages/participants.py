"""Participants and their support episodes; an episode shows its sessions, referrals and
check-ins in date order. Pseudonymous codes first; names only when asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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

from peerdesk.services import (
    checkins,
    episodes,
    outcomes,
    participants,
    referrals,
    series,
    sessions,
)
from peerdesk.services.episodes import EpisodeInfo
from peerdesk.services.participants import ParticipantInfo
from peerdesk.services.series import SeriesPosition
from peerdesk.ui.after_session import answer_open_question
from peerdesk.ui.checkin_forms import CheckInDialog
from peerdesk.ui.fmt import fmt_dt, label, tr
from peerdesk.ui.forms import EpisodeDialog, ParticipantDialog, ReferralDialog
from peerdesk.ui.matching_dialog import MatchingDialog, may_match
from peerdesk.ui.outcome_form import OutcomeDialog
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, PagedTableModel, RowTableModel
from peerdesk.ui.widgets import EmptyStateTable, SearchBox, heading, make_table


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str
    what: str
    detail: str
    id: str
    position: str = ""  # "session k of N" for sessions that count
    mine: bool = False  # a session the reader recorded (its notes open in the form)
    open_question: bool = False  # its referral question was left for later
    safety_flag: bool = False


def decision_text(decision: str | None) -> str:
    """The answer to the referral question, as the episode view shows it."""
    if not decision:
        return ""
    if decision == "referred":
        return tr("referred (referral question)")
    return tr(series.DECISION_LABELS.get(decision, decision))


def timeline(ctx: Context, episode_id: str) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    length = episodes.get_episode(ctx.store, ctx.actor, episode_id).series_length
    counted = 0
    for s in sessions.list_sessions(
        ctx.store,
        ctx.actor,
        sessions.SessionQuery(episode_id=episode_id, include_withdrawn=True, descending=False),
        0,
        1000,
    ):
        what = f"{label(s.mode)}, {s.minutes} min, {s.supporter_name}"
        position = ""
        if not s.withdrawn:
            counted += 1
            position = SeriesPosition(s.id, episode_id, counted, length).label
        parts = [", ".join(s.concerns), decision_text(s.referral_decision)]
        if s.safety_flag:
            parts.insert(0, "SAFETY FLAG")
        detail = "; ".join(p for p in parts if p)
        if s.withdrawn:
            what += " (withdrawn)"
        open_question = s.referral_decision == series.LATER and not s.withdrawn
        out.append(
            TimelineEntry(
                s.started_at,
                "Session",
                what,
                detail,
                s.id,
                position,
                s.is_mine,
                open_question,
                s.safety_flag,
            )
        )
    for r in referrals.list_referrals(ctx.store, ctx.actor, episode_id=episode_id):
        out.append(
            TimelineEntry(
                r.created_at,
                "Referral",
                f"{r.resource_name}: {label(r.status)}",
                f"{label(r.urgency)}{', overdue' if r.overdue else ''}",
                r.id,
            )
        )
    for c in checkins.list_checkins(ctx.store, ctx.actor, episode_id):
        out.append(
            TimelineEntry(
                datetime.combine(c.taken_on, datetime.min.time()),
                "Check-in",
                f"{c.instrument} {label(c.phase)}",
                "; ".join(
                    x for x in (f"score {c.score}", tr(checkins.tier(c.instrument, c.score))) if x
                ),
                c.id,
            )
        )
    for o in outcomes.list_outcomes(ctx.store, ctx.actor, episode_id):
        rated = outcomes.SATISFACTION.get(o.satisfaction or 0, "")
        out.append(
            TimelineEntry(
                # After the session it belongs to, on the same day.
                datetime.combine(o.answered_on, datetime.max.time()),
                "Needs met",
                tr(outcomes.NEEDS_MET_LABELS[o.needs_met]),
                tr("satisfaction: %1").replace("%1", tr(rated)) if rated else "",
                o.id,
            )
        )
    out.sort(key=lambda e: e.when)
    return out


class ParticipantsPage(Page):
    key = "participants"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter)

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.search = SearchBox(self.tr("Search by code or name"))
        self.search.search.connect(lambda _t: self.apply_filter())
        row.addWidget(self.search, 1)
        self.names = QCheckBox(self.tr("Show &names"))
        self.names.setToolTip(self.tr("Names are shown only where recorded"))
        self.names.toggled.connect(self._names_toggled)
        row.addWidget(self.names)
        lay.addLayout(row)
        self.model = PagedTableModel(
            [
                Column(self.tr("Code"), lambda p: p.code, "code"),
                Column(self.tr("Type"), lambda p: label(p.kind), "kind"),
                Column(self.tr("Role"), lambda p: p.role, "role"),
                Column(self.tr("Language"), lambda p: p.language, "language"),
                Column(self.tr("Consent"), lambda p: p.consent_on if p.consent_given else ""),
                Column(self.tr("Name"), lambda p: p.name or ""),
            ],
            self._fetcher(),
            sort_key="code",
            descending=False,
        )
        self.watch_list(self.model, self.tr("Participants"))
        self.view = make_table(self.model, self.tr("Participants"))
        header = self.view.horizontalHeader()
        header.blockSignals(True)  # the first page loads when the page is shown
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        self.view.setColumnHidden(5, True)
        self.table = EmptyStateTable(
            self.view,
            self.tr(
                "No participants yet. Add someone with New participant (Ctrl+Shift+N); "
                "they get a pseudonymous code."
            ),
        )
        lay.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("New &participant…"))
        self.add_button.setShortcut("Ctrl+Shift+N")
        self.add_button.clicked.connect(self.add_participant)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        splitter.addWidget(left)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.ep_heading = heading(self.tr("Episodes"), level=2)
        rl.addWidget(self.ep_heading)
        self.ep_model = RowTableModel(
            [
                Column(self.tr("Opened"), lambda e: e.opened_on),
                Column(self.tr("Why"), lambda e: e.reason),
                Column(self.tr("Supporter"), lambda e: e.supporter_name),
                Column(self.tr("Risk"), lambda e: label(e.risk_level)),
                Column(self.tr("Sessions"), lambda e: e.session_count, align_right=True),
                Column(self.tr("Closed"), lambda e: e.closed_on),
            ],
            highlight=lambda e: e.risk_level == "high" and e.closed_on is None,
        )
        self.ep_view = make_table(self.ep_model, self.tr("Episodes"), sortable=False)
        self.ep_table = EmptyStateTable(
            self.ep_view, self.tr("Choose a participant on the left to see their episodes.")
        )
        rl.addWidget(self.ep_table, 1)
        eb = QHBoxLayout()
        self.open_ep = QPushButton(self.tr("&Open episode…"))
        self.open_ep.clicked.connect(self.open_episode)
        self.close_ep = QPushButton(self.tr("Clo&se episode"))
        self.close_ep.clicked.connect(self.close_episode)
        self.referral_button = QPushButton(self.tr("New &referral…"))
        self.referral_button.clicked.connect(self.new_referral)
        self.checkin_button = QPushButton(self.tr("Add chec&k-in…"))
        self.checkin_button.clicked.connect(self.new_checkin)
        self.match_button = QPushButton(self.tr("&Match supporter…"))
        self.match_button.setToolTip(
            self.tr("Suggested supporters with their reasons, and who is missing and why")
        )
        self.match_button.clicked.connect(self.match_supporter)
        self.match_button.setVisible(may_match(ctx.store, ctx.actor))
        for b in (
            self.open_ep,
            self.match_button,
            self.close_ep,
            self.referral_button,
            self.checkin_button,
        ):
            eb.addWidget(b)
        eb.addStretch(1)
        rl.addLayout(eb)
        self.tl_heading = heading(self.tr("Episode timeline"), level=2)
        rl.addWidget(self.tl_heading)
        self.tl_model = RowTableModel(
            [
                Column(
                    self.tr("When"),
                    lambda t: fmt_dt(t.when) if t.kind != "Check-in" else t.when.date(),
                ),
                Column(
                    self.tr("What"),
                    # "Session 2 of 3 (series 2)": the position says it is a session.
                    lambda t: (
                        t.position[:1].upper() + t.position[1:] if t.position else self.tr(t.kind)
                    ),
                ),
                Column(self.tr("Summary"), lambda t: t.what),
                # Concerns, flags and answers; private notes never show in this list.
                Column(
                    self.tr("Details"),
                    lambda t: t.detail,
                    tooltip=lambda t: (
                        (t.detail + "\n\n" if t.detail else "")
                        + self.tr(
                            "Private notes are not shown here. Their author opens a session "
                            "(Enter or double-click) to read them in the session form."
                        )
                    ),
                ),
            ],
            highlight=lambda t: t.detail.startswith("SAFETY"),
        )
        self.tl_view = make_table(self.tl_model, self.tr("Episode timeline"), sortable=False)
        self.tl_view.activated.connect(lambda _i: self.open_session())
        self.tl_table = EmptyStateTable(
            self.tl_view,
            self.tr("Choose an episode to see its sessions, referrals and check-ins in order."),
        )
        rl.addWidget(self.tl_table, 2)
        tl_buttons = QHBoxLayout()
        self.answer_button = QPushButton(self.tr("Answer referral &question…"))
        self.answer_button.setToolTip(
            self.tr("The chosen session's referral question was left for later: answer it now")
        )
        self.answer_button.clicked.connect(self.answer_question)
        self.answer_button.setVisible(ctx.actor.supporter_id is not None)
        tl_buttons.addWidget(self.answer_button)
        tl_buttons.addStretch(1)
        rl.addLayout(tl_buttons)
        self.tl_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_answer_button()
        )
        self.tl_model.modelReset.connect(self._update_answer_button)
        self.ep_info = QLabel()
        self.ep_info.setWordWrap(True)
        rl.addWidget(self.ep_info)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)

        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._participant_changed())
        self.ep_view.selectionModel().currentRowChanged.connect(lambda *_: self._episode_changed())
        self.model.modelReset.connect(self._participant_changed)
        self._pending_episode: str | None = None
        self._update_buttons()

    def _fetcher(self) -> Any:
        store, actor, term = self.store, self.actor, self.search.text().strip()

        def fetch(offset: int, limit: int, sort_key: str, desc: bool) -> list[ParticipantInfo]:
            return participants.list_participants(
                store, actor, term, offset, limit, order_by=sort_key or "code", descending=desc
            )

        return fetch

    def _names_toggled(self, on: bool) -> None:
        self.view.setColumnHidden(5, not on)

    def apply_filter(self) -> None:
        self.model.set_fetch(self._fetcher())

    def refresh(self) -> None:
        keep = self.current_episode()
        self.model.load_all_loaded_again()
        if keep is not None:
            self.show_item(episode_id=keep.id)

    def first_focus(self) -> QWidget | None:
        return self.search

    def current_participant(self) -> ParticipantInfo | None:
        i = self.view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def current_episode(self) -> EpisodeInfo | None:
        i = self.ep_view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _participant_changed(self) -> None:
        p = self.current_participant()
        if p is None:
            self.ep_model.clear()
            self.ep_heading.setText(self.tr("Episodes"))
        else:
            self.ep_heading.setText(self.tr("Episodes of %1").replace("%1", p.code))
            eps = self.call(
                self.tr("Episodes"), episodes.list_episodes, self.store, self.actor, p.id
            )
            self.ep_model.set_rows(eps or [])
            if eps:
                target = 0
                for i, e in enumerate(eps):
                    if e.id == self._pending_episode:
                        target = i
                self.ep_view.setCurrentIndex(self.ep_model.index(target, 0))
        self._pending_episode = None
        self._episode_changed()

    def _episode_changed(self) -> None:
        e = self.current_episode()
        if e is None:
            self.tl_model.clear()
            self.ep_info.clear()
        else:
            self.tl_model.set_rows(self.call(self.tr("Episode"), timeline, self.ctx, e.id) or [])
            state = (
                self.tr("closed on %1").replace("%1", str(e.closed_on))
                if e.closed_on
                else self.tr("open")
            )
            where = (
                SeriesPosition("", e.id, e.session_count, e.series_length).label
                if e.session_count
                else self.tr("no sessions yet (series of %1)").replace("%1", str(e.series_length))
            )
            self.ep_info.setText(
                self.tr("%1 — %2, opened %3, %4; supporter: %5. Series: %6.")
                .replace("%1", e.participant_code)
                .replace("%2", e.reason)
                .replace("%3", str(e.opened_on))
                .replace("%4", state)
                .replace("%5", e.supporter_name or self.tr("not assigned"))
                .replace("%6", where)
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        p, e = self.current_participant(), self.current_episode()
        is_open = e is not None and e.closed_on is None
        self.open_ep.setEnabled(p is not None)
        self.close_ep.setEnabled(is_open)
        self.referral_button.setEnabled(is_open)
        self.checkin_button.setEnabled(e is not None)
        self.match_button.setEnabled(is_open)

    def show_item(self, **what: Any) -> None:
        episode_id = what.get("episode_id")
        if not episode_id:
            return
        e = self.call(self.tr("Episode"), episodes.get_episode, self.store, self.actor, episode_id)
        if e is None:
            return
        self._pending_episode = episode_id
        self.search.blockSignals(True)
        self.search.setText(e.participant_code)
        self.search.blockSignals(False)
        self.model.set_fetch(self._fetcher(), background=False)
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == e.participant_id:
                self.view.setCurrentIndex(self.model.index(row, 0))
                break
        self._pending_episode = None

    def add_participant(self) -> None:
        dlg = ParticipantDialog(self.store, self.actor, self)
        if self.dialogs.run(dlg) and dlg.value is not None:
            if dlg.episode is not None:
                self.show_item(episode_id=dlg.episode.id)
                if dlg.episode.supporter_id is None and self.actor.can("casework.program"):
                    self.match_supporter()
            else:
                self.search.setText(dlg.value.code)
                self.search.flush()

    def open_episode(self) -> None:
        p = self.current_participant()
        if p is None:
            return
        dlg = EpisodeDialog(self.store, self.actor, p.id, self)
        if self.dialogs.run(dlg) and dlg.value is not None:
            self._pending_episode = dlg.value.id
            self._participant_changed()
            if dlg.value.supporter_id is None and self.actor.can("casework.program"):
                self.match_supporter()

    def match_supporter(self) -> None:
        """Ranked suggestions with reasons; Assign stores the choice."""
        e = self.current_episode()
        if e is None or not may_match(self.store, self.actor):
            return
        dlg = MatchingDialog(self.store, self.actor, e, self.today(), self)
        if self.dialogs.run(dlg):
            self._pending_episode = e.id
            self._participant_changed()
            self.dialogs.info(self, self.tr("Supporter assigned"), dlg.confirmation())

    def close_episode(self) -> None:
        e = self.current_episode()
        if e is None:
            return
        if not self.dialogs.confirm(
            self,
            self.tr("Close episode"),
            self.tr("Close the episode of %1 today? Its records stay.").replace(
                "%1", e.participant_code
            ),
        ):
            return
        due = self.call(
            self.tr("Close episode"),
            series.checkins_due,
            self.store,
            self.actor,
            e.id,
            closing=True,
        )
        if (
            due
            and "after" in due
            and self.dialogs.confirm(
                self,
                self.tr("Check-in due"),
                self.tr(
                    "The 'after' check-in for %1 has not been recorded. Record it before closing?"
                ).replace("%1", e.participant_code),
                yes_text=self.tr("Record check-in…"),
                no_text=self.tr("Close without it"),
                default_yes=True,
            )
        ):
            self.dialogs.run(CheckInDialog(self.store, self.actor, e.id, self, phase="after"))
        # Needs met, at the close (Skip records nothing; the episode closes either way).
        self.dialogs.run(OutcomeDialog(self.store, self.actor, e.id, e.participant_code, self))
        self.call(
            self.tr("Close episode"),
            episodes.close_episode,
            self.store,
            self.actor,
            e.id,
            date.today(),
            version=e.version,
        )
        self._pending_episode = e.id
        self._participant_changed()

    def new_referral(self) -> None:
        e = self.current_episode()
        if e is None:
            return
        if self.dialogs.run(ReferralDialog(self.store, self.actor, e.id, parent=self)):
            self._episode_changed()

    def open_session(self) -> None:
        """The author's own session opens in the Sessions form, with its notes (or the word
        that they are sealed); nobody else's notes are reachable from here."""
        i = self.tl_view.currentIndex()
        entry: TimelineEntry | None = i.data(ROW_ROLE) if i.isValid() else None
        if entry is None or entry.kind != "Session":
            return
        if not entry.mine or self.actor.supporter_id is None:
            self.dialogs.info(
                self,
                self.tr("Session"),
                self.tr(
                    "Private notes belong to the supporter who recorded the session; "
                    "only they can open them."
                ),
            )
            return
        self.ctx.navigate("sessions", session_id=entry.id)

    def current_entry(self) -> TimelineEntry | None:
        i = self.tl_view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _update_answer_button(self) -> None:
        t = self.current_entry()
        self.answer_button.setEnabled(bool(t and t.open_question and t.mine))

    def answer_question(self) -> None:
        """The referral question left for later, in the same dialog as after the session."""
        t, e = self.current_entry(), self.current_episode()
        if t is None or e is None or not (t.open_question and t.mine):
            return
        question = series.OpenQuestion(
            t.id, e.id, e.participant_code, "", t.when, t.safety_flag, None, True
        )
        answer_open_question(self, self.store, self.actor, self.dialogs, question)
        row = self.tl_view.currentIndex().row()
        self._episode_changed()
        if 0 <= row < self.tl_model.rowCount():
            self.tl_view.setCurrentIndex(self.tl_model.index(row, 0))

    def new_checkin(self) -> None:
        e = self.current_episode()
        if e is None:
            return
        if self.dialogs.run(CheckInDialog(self.store, self.actor, e.id, self)):
            self._episode_changed()

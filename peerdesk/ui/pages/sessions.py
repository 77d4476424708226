"""Sessions: the paged list and a quick entry form a supporter fills in from the keyboard."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import QDateTime, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from peerdesk.errors import PeerDeskError, ServerUnavailableError, StaleEditError, ValidationError
from peerdesk.services import episodes, participants, series, sessions, vocabulary
from peerdesk.services.episodes import EpisodeInfo
from peerdesk.services.record_ids import new_record_id
from peerdesk.services.series import SeriesPosition
from peerdesk.services.sessions import SessionInfo, SessionInput, SessionQuery
from peerdesk.ui import drafts, outage
from peerdesk.ui.after_session import follow_through
from peerdesk.ui.fmt import label, local_dt, sentence, utc_dt
from peerdesk.ui.forms import ParticipantDialog, date_edit, from_qdate, to_qdate
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, PagedTableModel
from peerdesk.ui.tasks import run_task
from peerdesk.ui.widgets import (
    DateTimeField,
    EmptyStateTable,
    NumberField,
    SearchBox,
    make_table,
    number_problems,
)


class TagEdit(QLineEdit):
    """Comma-separated tags with completion of the tag being typed."""

    def __init__(self, suggestions: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = QStringListModel(suggestions, self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self._completer.setWidget(self)
        self._completer.activated.connect(self._insert)
        self.textEdited.connect(self._complete)

    def set_suggestions(self, words: list[str]) -> None:
        self._model.setStringList(words)

    def completer_popup(self) -> QWidget:
        return self._completer.popup()

    def _current(self) -> str:
        return self.text()[: self.cursorPosition()].split(",")[-1].strip()

    def _complete(self, _text: str) -> None:
        prefix = self._current()
        if not prefix:
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(prefix)
        if self._completer.completionCount():
            self._completer.complete()
        else:
            self._completer.popup().hide()

    def _insert(self, word: str) -> None:
        head = self.text()[: self.cursorPosition()].rsplit(",", 1)
        before = (head[0] + ", ") if len(head) == 2 else ""
        self.setText(before + word + ", ")

    def tags(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.text().split(",") if t.strip())


class QuickEntryForm(QGroupBox):
    """Defaults: now, me, my last mode; Ctrl+Enter saves; Escape clears."""

    saved = Signal(object, bool)  # SessionInfo, was_new

    def __init__(self, page: SessionsPage) -> None:
        super().__init__(page.tr("Record a session"))
        self.page = page
        self.ctx = page.ctx
        self.editing: SessionInfo | None = None
        column = QVBoxLayout(self)
        form = QFormLayout()
        column.addLayout(form)
        column.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.episode = QComboBox()
        self.episode.setEditable(True)
        self.episode.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.episode.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.episode.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.episode.lineEdit().setPlaceholderText(self.tr("type a participant code"))
        # Long episode names must not widen the window past a small screen (1024 px).
        self.episode.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.episode.setMinimumContentsLength(14)
        # Show the start (the code), not the tail, of a chosen episode in the narrow box.
        self.episode.currentIndexChanged.connect(
            lambda _i: self.episode.lineEdit().setCursorPosition(0)
        )
        # A suggestion taken from the list is written into the box after the index changes,
        # which leaves the cursor (and the view) at the end: move home once it is written.
        self.episode.completer().activated.connect(
            lambda _t: QTimer.singleShot(0, self.episode, self._show_code_start)
        )
        self.new_participant = QPushButton(self.tr("&New…"))
        self.new_participant.setToolTip(self.tr("Add a new participant and open an episode"))
        self.new_participant.setAccessibleName(self.tr("New participant"))
        self.new_participant.clicked.connect(self._new_participant)
        ep_row = QHBoxLayout()
        ep_row.addWidget(self.episode, 1)
        ep_row.addWidget(self.new_participant)
        self._row(form, self.tr("&Participant:"), self.episode, ep_row)
        self.series = QLabel()
        self.series.setAccessibleName(self.tr("Series position"))
        self.series.setWordWrap(True)  # the end-of-series sentence wraps, not widens
        # ...across the whole field: a wrapped label keeps a narrow size hint, and the form
        # grows only expanding fields, so it wrapped at ~70 px and was cut off at 1024x700.
        self.series.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.series.setToolTip(
            self.tr("Sessions come in structured series; the last one asks about a referral.")
        )
        form.addRow(QLabel(self.tr("Series:")), self.series)
        self._episodes: dict[str, EpisodeInfo] = {}
        self.episode.currentIndexChanged.connect(lambda _i: self._show_series())

        self.when = DateTimeField()
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self._row(form, self.tr("&When:"), self.when)

        self.minutes = NumberField(1, sessions.MAX_MINUTES, self.tr("Duration"), self.tr("minutes"))
        self.minutes.setSingleStep(5)
        self.minutes.setSuffix(self.tr(" min"))
        self._row(form, self.tr("&Duration:"), self.minutes)

        self.mode = QComboBox()
        for code in sessions.MODES:
            self.mode.addItem(label(code), code)
        self._row(form, self.tr("&Mode:"), self.mode)

        self.individual = QRadioButton(self.tr("&Individual"))
        self.group = QRadioButton(self.tr("&Group"))
        self.individual.setChecked(True)
        self._format = QButtonGroup(self)
        self._format.addButton(self.individual)
        self._format.addButton(self.group)
        fmt_row = QHBoxLayout()
        fmt_row.addWidget(self.individual)
        fmt_row.addWidget(self.group)
        fmt_row.addStretch(1)
        fmt_label = QLabel(self.tr("Format:"))
        form.addRow(fmt_label, fmt_row)

        self.attendees = QLineEdit()
        self.attendees.setPlaceholderText(self.tr("other participants' codes, comma separated"))
        self.attendees.setEnabled(False)
        self.group.toggled.connect(self.attendees.setEnabled)
        self._row(form, self.tr("&Attendance:"), self.attendees)

        self.concerns = TagEdit(sorted(vocabulary.COMMON_CONCERNS))
        # Concerns already used are gathered in the background (a scan on big stores).
        run_task(
            self,
            partial(vocabulary.concern_suggestions, page.store, page.actor),
            on_result=self.concerns.set_suggestions,
            on_error=lambda _exc: None,
            show_progress=False,
        )
        self.concerns.setPlaceholderText(self.tr("e.g. burnout, conflict"))
        self._row(form, self.tr("&Concerns:"), self.concerns)

        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText(self.tr("Only you can read these notes."))
        self.notes.setMinimumHeight(90)
        self.notes.setMaximumHeight(200)
        self._row(form, self.tr("Private no&tes:"), self.notes)

        self.follow = QCheckBox(self.tr("&Follow up on"))
        self.follow_on = date_edit(date.today() + timedelta(days=7))
        self.follow_on.setAccessibleName(self.tr("Follow-up date"))
        self.follow_on.setEnabled(False)
        self.follow.toggled.connect(self.follow_on.setEnabled)
        fu_row = QHBoxLayout()
        fu_row.addWidget(self.follow)
        fu_row.addWidget(self.follow_on, 1)
        form.addRow(QLabel(self.tr("Follow-up:")), fu_row)

        self.safety = QCheckBox(self.tr("&Safety concern (risk to self or others)"))
        form.addRow(QLabel(self.tr("Safety:")), self.safety)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setAccessibleName(self.tr("Form message"))
        self.error.hide()
        form.addRow(self.error)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form.addRow(self.status)

        buttons = QHBoxLayout()
        self.save = QPushButton(self.tr("Save  (Ctrl+Enter)"))
        self.save.clicked.connect(self.submit)
        self.clear_button = QPushButton(self.tr("C&lear"))
        self.clear_button.clicked.connect(self.clear)
        buttons.addWidget(self.save)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        form.addRow(buttons)

        for seq in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.submit)
        esc = QShortcut(QKeySequence("Escape"), self)
        esc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        esc.activated.connect(self.escape)

        order = [
            self.episode,
            self.new_participant,
            self.when,
            self.minutes,
            self.mode,
            self.individual,
            self.group,
            self.attendees,
            self.concerns,
            self.notes,
            self.follow,
            self.follow_on,
            self.safety,
            self.save,
            self.clear_button,
        ]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self.last_mode = page.call(
            self.tr("Sessions"), sessions.last_mode_used, page.store, page.actor
        )
        self.load_episodes()
        # Just loaded: the page's first refresh (when it is shown) need not load again.
        self.episodes_fresh = True
        self.reset()

    def _row(self, form: QFormLayout, text: str, widget: QWidget, layout: Any = None) -> None:
        lab = QLabel(text)
        lab.setBuddy(widget)
        widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        form.addRow(lab, layout if layout is not None else widget)

    def load_episodes(self, select_id: str | None = None) -> None:
        eps = self.page.call(
            self.tr("Episodes"),
            episodes.list_episodes,
            self.page.store,
            self.page.actor,
            open_only=True,
            limit=1000,
        )
        if eps is None:
            return  # not loaded (the server out of reach): keep the list and the choice made
        current = select_id or self.episode.currentData()
        self._episodes = {e.id: e for e in eps}
        self.episode.clear()
        for e in sorted(eps, key=lambda e: e.participant_code):
            self.episode.addItem(f"{e.participant_code} — {e.reason} (since {e.opened_on})", e.id)
        if current:
            i = self.episode.findData(current)
            if i >= 0:
                self.episode.setCurrentIndex(i)
                return
        self.episode.setCurrentIndex(-1)
        self.episode.setEditText("")

    def _show_code_start(self) -> None:
        self.episode.lineEdit().setCursorPosition(0)

    def _show_series(self) -> None:
        e = self._episodes.get(self.episode.currentData() or "")
        if self.editing is not None or e is None:
            self.series.setText("" if e is not None else self.tr("choose a participant"))
            return
        nxt = SeriesPosition("", e.id, e.session_count + 1, e.series_length)
        text = self.tr("this will be %1").replace("%1", nxt.label)
        if nxt.ends_series:
            text += self.tr(" — the last of the series: you will be asked about a referral")
        self.series.setText(text)

    def reset(self, keep_status: bool = True) -> None:
        self.editing = None
        # The id of the session this form will record, made at its first Save and kept
        # until one succeeds: a Save pressed again after a lost connection sends the same
        # id, so the session is never recorded twice (services/record_ids.py).
        self.record_id: str | None = None
        self.setTitle(self.tr("Record a session"))
        self.save.setText(self.tr("Save  (Ctrl+Enter)"))
        self.episode.setEnabled(True)
        self.episode.setCurrentIndex(-1)  # each session starts with nobody chosen
        self.episode.setEditText("")
        self.new_participant.setEnabled(True)
        self.when.setDateTime(QDateTime.currentDateTime())
        self.minutes.setValue(30)
        mode = self.last_mode or "in_person"
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))
        self.individual.setChecked(True)
        self.attendees.clear()
        self.concerns.clear()
        self.notes.clear()
        self.notes.setReadOnly(False)
        self.notes.setPlaceholderText(self.tr("Only you can read these notes."))
        self.follow.setChecked(False)
        self.follow_on.setDate(to_qdate(date.today() + timedelta(days=7)))
        self.safety.setChecked(False)
        self.error.hide()
        if not keep_status:
            self.status.clear()
        self._show_series()
        self._baseline = drafts.snapshot(self)

    # -- unsaved input ------------------------------------------------------------

    def has_unsaved_input(self) -> bool:
        return drafts.snapshot(self) != self._baseline

    def draft(self) -> drafts.Draft | None:
        """What was typed and not saved, for the window to keep over a lock."""
        if not self.has_unsaved_input():
            return None
        title = (
            self.tr("the correction of a session with %1").replace(
                "%1", self.editing.participant_code
            )
            if self.editing is not None
            else self.tr("the session form")
        )
        return drafts.Draft(
            drafts.SESSION_FORM,
            title,
            drafts.now_hhmm(),
            drafts.snapshot(self),
            {
                "editing_id": self.editing.id if self.editing is not None else None,
                "record_id": self.record_id,
            },
        )

    def restore_draft(self, draft: drafts.Draft) -> None:
        editing_id = draft.extra.get("editing_id")
        if editing_id:
            info = self.page.call(
                self.tr("Correct a session"),
                sessions.get_session,
                self.page.store,
                self.page.actor,
                editing_id,
            )
            if info is None:
                return
            self.load_for_edit(info)
        else:
            self.reset(keep_status=False)
        drafts.restore(self, draft.state)
        if not editing_id:
            self.record_id = draft.extra.get("record_id")  # a Save that may have arrived
        self.status.setText(
            self.tr("What you typed before the lock at %1 is back in the form.").replace(
                "%1", draft.saved_at
            )
        )

    def _popup_open(self) -> QWidget | None:
        for popup in (
            self.concerns.completer_popup(),
            self.episode.completer().popup(),
            QApplication.activePopupWidget(),
        ):
            if popup is not None and popup.isVisible():
                return popup
        return None

    def escape(self) -> None:
        """Escape closes an open suggestion list first; it clears the form only after a
        question, and only when something was typed."""
        popup = self._popup_open()
        if popup is not None:
            popup.hide()
            return
        if self.episode.view().isVisible():
            self.episode.hidePopup()
            return
        self.clear()

    def clear(self) -> None:
        if self.has_unsaved_input() and not self.page.dialogs.confirm(
            self,
            self.tr("Clear the form"),
            self.tr("Clear the session form? What you typed has not been saved."),
            yes_text=self.tr("Clear"),
            no_text=self.tr("Keep it"),
        ):
            return
        self.reset(keep_status=False)

    def start_new(self) -> None:
        """Ctrl+N: an empty form with no participant chosen, so a session is never
        recorded for the previous person by accident. Unsaved input is kept, not wiped."""
        if not self.has_unsaved_input():
            self.reset()
            self.when.setDateTime(QDateTime.currentDateTime())
            self._baseline = drafts.snapshot(self)
        else:
            self.status.setText(self.tr("This form has input you have not saved yet."))
        self.episode.setFocus()
        self.episode.lineEdit().selectAll()

    def load_for_edit(self, info: SessionInfo) -> None:
        self.reset(keep_status=False)
        self.editing = info
        self.setTitle(self.tr("Correct session of %1").replace("%1", info.participant_code))
        self.save.setText(self.tr("Save correction  (Ctrl+Enter)"))
        i = self.episode.findData(info.episode_id)
        if i < 0:
            self.episode.addItem(info.participant_code, info.episode_id)
            i = self.episode.count() - 1
        self.episode.setCurrentIndex(i)
        self.episode.setEnabled(False)
        self.new_participant.setEnabled(False)
        local = local_dt(info.started_at)
        self.when.setDateTime(QDateTime(local.date(), local.time()))
        self.minutes.setValue(info.minutes)
        self.mode.setCurrentIndex(max(0, self.mode.findData(info.mode)))
        (self.group if info.format == "group" else self.individual).setChecked(True)
        others = [c for c in info.attendees if c != info.participant_code]
        self.attendees.setText(", ".join(others))
        self.concerns.setText(", ".join(info.concerns))
        self.notes.setPlainText(info.notes or "")
        self.notes.setReadOnly(info.notes_locked)
        self.notes.setPlaceholderText(
            self.tr(
                "These notes were sealed before your password was reset. They are kept, "
                "and open only with the recovery key; ask your coordinator."
            )
            if info.notes_locked
            else self.tr("Only you can read these notes.")
        )
        self.follow.setChecked(info.follow_up_on is not None)
        if info.follow_up_on:
            self.follow_on.setDate(to_qdate(info.follow_up_on))
        self.safety.setChecked(info.safety_flag)
        pos = self.page.call(
            self.tr("Series"), series.series_position, self.page.store, self.page.actor, info.id
        )
        self.series.setText(self.tr("this is %1").replace("%1", pos.label) if pos else "")
        self.minutes.setFocus()
        self._baseline = drafts.snapshot(self)

    def _episode_id(self) -> str:
        if self.episode.currentIndex() >= 0:
            text = self.episode.currentText().strip()
            if text == self.episode.itemText(self.episode.currentIndex()):
                return self.episode.currentData()
        text = self.episode.currentText().strip().upper()
        if text:
            hits = [
                i for i in range(self.episode.count()) if self.episode.itemText(i).startswith(text)
            ]
            if len(hits) == 1:
                self.episode.setCurrentIndex(hits[0])
                return self.episode.itemData(hits[0])
        raise ValidationError(
            "choose the participant's open episode, or add a new participant with New…"
        )

    def _attendee_ids(self) -> tuple[str, ...]:
        if not self.group.isChecked():
            return ()
        ids = []
        for code in (c.strip().upper() for c in self.attendees.text().split(",")):
            if not code:
                continue
            hits = [
                p
                for p in participants.list_participants(
                    self.page.store, self.page.actor, search=code, limit=5
                )
                if p.code == code
            ]
            if not hits:
                raise ValidationError(f"no participant with code {code} that you may see")
            ids.append(hits[0].id)
        return tuple(ids)

    def data(self) -> SessionInput:
        qdt = self.when.dateTime()
        local = datetime(
            qdt.date().year(),
            qdt.date().month(),
            qdt.date().day(),
            qdt.time().hour(),
            qdt.time().minute(),
        )
        return SessionInput(
            episode_id=self.editing.episode_id if self.editing else self._episode_id(),
            minutes=self.minutes.value(),
            mode=self.mode.currentData(),
            started_at=utc_dt(local),
            format="group" if self.group.isChecked() else "individual",
            concerns=self.concerns.tags(),
            notes=self.notes.toPlainText(),
            follow_up_on=from_qdate(self.follow_on.date()) if self.follow.isChecked() else None,
            safety_flag=self.safety.isChecked(),
            attendee_ids=self._attendee_ids(),
        )

    def submit(self) -> SessionInfo | None:
        problem = number_problems(self)
        if problem:
            self.error.setText(problem)
            self.error.show()
            return None
        try:
            if (
                self.editing is None
                and self.episode.currentIndex() < 0
                and not (self.episode.currentText().strip())
            ):
                self.episode.setFocus()
                raise ValidationError(
                    "choose the participant first (type their code in Participant, or New… "
                    "for someone new); nothing was saved"
                )
            data = self.data()
            if self.editing is None:
                self.record_id = self.record_id or new_record_id()
                data = replace(data, id=self.record_id)
            if self.editing is not None:
                info = sessions.update_session(
                    self.page.store, self.page.actor, self.editing.id, data, self.editing.version
                )
                was_new = False
            else:
                info = sessions.record_session(self.page.store, self.page.actor, data)
                was_new = True
        except StaleEditError as exc:
            self._stale(exc)
            return None
        except ServerUnavailableError as exc:
            # Everything typed stays; the same Save works once the server answers again.
            self.error.setText(
                self.tr(
                    "Not confirmed: the clinic server cannot be reached. Press Save again "
                    "once it is back; the session is never recorded twice."
                )
            )
            self.error.show()
            outage.report(self.page.dialogs, self, exc, action=True)
            return None
        except PeerDeskError as exc:
            self.error.setText(sentence(str(exc)))
            self.error.show()
            return None
        self.last_mode = info.mode
        self.reset()
        self.status.setText(
            (
                self.tr("Saved a session with %1.")
                if was_new
                else self.tr("Corrected the session with %1.")
            ).replace("%1", info.participant_code)
        )
        self.saved.emit(info, was_new)
        return info

    def _stale(self, exc: StaleEditError) -> None:
        """Someone else saved this session after it was loaded here: the form keeps what
        was typed, and loads their version only when the person agrees."""
        self.error.setText(sentence(str(exc)))
        self.error.show()
        self.page.model.load_all_loaded_again()  # the list shows their change meanwhile
        if self.editing is None or not self.page.dialogs.offer_reload(
            self, self.tr("Correct session"), str(exc)
        ):
            return
        fresh = self.page.call(
            self.tr("Correct session"),
            sessions.get_session,
            self.page.store,
            self.page.actor,
            self.editing.id,
        )
        if fresh is not None:
            self.load_for_edit(fresh)
            self.status.setText(self.tr("Reloaded: the session as it is saved now."))

    def _new_participant(self) -> None:
        dlg = ParticipantDialog(self.page.store, self.page.actor, self)
        if self.page.dialogs.run(dlg) and dlg.episode is not None:
            self.load_episodes(select_id=dlg.episode.id)
            self.when.setFocus()


class SessionsPage(Page):
    key = "sessions"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._count_generation = 0
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.search = SearchBox(self.tr("Search code or concern"))
        self.search.setToolTip(self.tr("Participant code or concern (Ctrl+F)"))
        self.search.search.connect(lambda _t: self.apply_filter())
        filters.addWidget(self.search, 1)
        self.mine = QCheckBox(self.tr("Onl&y mine"))
        self.mine.setToolTip(self.tr("Only sessions I recorded"))
        self.mine.toggled.connect(lambda _c: self.apply_filter())
        self.mine.setVisible(ctx.actor.supporter_id is not None)
        self.withdrawn = QCheckBox(self.tr("Sh&ow withdrawn"))
        self.withdrawn.toggled.connect(lambda _c: self.apply_filter())
        filters.addWidget(self.mine)
        filters.addWidget(self.withdrawn)
        lay.addLayout(filters)
        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of sessions"))
        lay.addWidget(self.count)

        self.model = PagedTableModel(
            [
                Column(self.tr("Started"), lambda s: s.started_at, "started_at"),
                Column(self.tr("Participant"), lambda s: s.participant_code, "participant"),
                Column(self.tr("Supporter"), lambda s: s.supporter_name, "supporter"),
                Column(self.tr("Mode"), lambda s: label(s.mode), "mode"),
                Column(self.tr("Format"), lambda s: label(s.format), "format"),
                Column(self.tr("Minutes"), lambda s: s.minutes, "minutes", align_right=True),
                Column(self.tr("Concerns"), lambda s: s.concerns),
                Column(self.tr("Follow-up"), lambda s: s.follow_up_on),
                Column(self.tr("Safety"), lambda s: self.tr("flagged") if s.safety_flag else ""),
                Column(self.tr("State"), lambda s: self.tr("withdrawn") if s.withdrawn else ""),
            ],
            self._fetcher(),
            sort_key="started_at",
            descending=True,
            highlight=lambda s: s.safety_flag and not s.withdrawn,
            keyset=True,
        )
        self.watch_list(self.model, self.tr("Sessions"))
        self.view = make_table(self.model, self.tr("Sessions"))
        self.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.view.doubleClicked.connect(lambda _i: self.correct())
        self.view.activated.connect(lambda _i: self.correct())
        self.table = EmptyStateTable(self.view, self._empty_text())
        lay.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.correct_button = QPushButton(self.tr("Co&rrect…"))
        self.correct_button.setToolTip(self.tr("Load your session into the form to correct it"))
        self.correct_button.clicked.connect(self.correct)
        self.withdraw_button = QPushButton(self.tr("Wit&hdraw…"))
        self.withdraw_button.clicked.connect(self.withdraw)
        self.follow_button = QPushButton(self.tr("Follow-&up done"))
        self.follow_button.clicked.connect(self.follow_up_done)
        self.episode_button = QPushButton(self.tr("Open &episode"))
        self.episode_button.clicked.connect(self.open_episode)
        for b in (
            self.correct_button,
            self.withdraw_button,
            self.follow_button,
            self.episode_button,
        ):
            actions.addWidget(b)
        actions.addStretch(1)
        lay.addLayout(actions)
        self.action_status = QLabel()
        self.action_status.setWordWrap(True)
        self.action_status.setAccessibleName(self.tr("Message"))
        lay.addWidget(self.action_status)
        splitter.addWidget(left)

        self.form: QuickEntryForm | None = None
        if ctx.actor.supporter_id is not None:
            self.form = QuickEntryForm(self)
            self.form.saved.connect(self._saved)
            splitter.addWidget(self.form)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 2)
            splitter.setSizes([640, 460])
        else:
            self.correct_button.hide()
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def _empty_text(self) -> str:
        if self.search.text().strip() or self.mine.isChecked():
            return self.tr("No sessions match. Clear the search box to see all sessions.")
        if self.actor.supporter_id is not None:
            return self.tr(
                "No sessions yet. Record your first one with the form on the right: "
                "pick the participant (or New… for someone new), then Ctrl+Enter to save."
            )
        return self.tr("No sessions have been recorded yet. Supporters record them.")

    def _query(self, order_by: str = "started_at", descending: bool = True) -> SessionQuery:
        return SessionQuery(
            search=self.search.text().strip(),
            mine_only=self.mine.isChecked(),
            include_withdrawn=self.withdrawn.isChecked(),
            order_by=order_by,
            descending=descending,
        )

    def _fetcher(self) -> Any:
        store, actor = self.store, self.actor

        def fetch(
            offset: int, limit: int, sort_key: str, descending: bool, after: SessionInfo | None
        ) -> list[SessionInfo]:
            # Keyset paging: the page after the last row loaded, never by offset.
            q = self._query(sort_key or "started_at", descending)
            return sessions.list_sessions(store, actor, q, limit=limit, after=after)

        return fetch

    def apply_filter(self) -> None:
        self.table.set_empty_text(self._empty_text())
        self.model.set_fetch(self._fetcher())
        self._recount()

    def _recount(self) -> None:
        self._count_generation += 1
        generation = self._count_generation
        query = self._query()
        store, actor = self.store, self.actor
        self.count.setText(self.tr("Counting…"))

        def done(n: int) -> None:
            if generation == self._count_generation:
                self.count.setText(self.tr("%1 sessions").replace("%1", f"{n:,}"))

        def failed(_exc: BaseException) -> None:
            if generation == self._count_generation:
                self.count.setText("")

        run_task(
            self,
            partial(sessions.count_sessions, store, actor, query),
            on_result=done,
            on_error=failed,
            show_progress=False,
        )

    def refresh(self) -> None:
        # Showing the page again starts from the first page, off the GUI thread.
        self.model.reload()
        self._recount()
        if self.form is not None:
            if self.form.episodes_fresh:
                self.form.episodes_fresh = False
            else:
                self.form.load_episodes()

    def first_focus(self) -> QWidget | None:
        if self.form is None:
            return self.search
        return self.form.minutes if self.form.editing is not None else self.form.episode

    def show_item(self, **what: Any) -> None:
        if what.get("new") and self.form is not None:
            self.form.start_new()
        session_id = what.get("session_id")
        if session_id and self.form is not None:
            info = self.call(
                self.tr("Open a session"), sessions.get_session, self.store, self.actor, session_id
            )
            if info is not None and info.withdrawn:
                self.dialogs.info(
                    self,
                    self.tr("Open a session"),
                    self.tr("This session was withdrawn; it can no longer be corrected."),
                )
            elif info is not None and info.is_mine:
                self.form.load_for_edit(info)

    def current(self) -> SessionInfo | None:
        index = self.view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _update_buttons(self) -> None:
        s = self.current()
        self.correct_button.setEnabled(bool(s and s.is_mine and not s.withdrawn))
        self.withdraw_button.setEnabled(
            bool(s and not s.withdrawn and (s.is_mine or self.actor.can("casework.program")))
        )
        self.follow_button.setEnabled(bool(s and s.follow_up_on and not s.follow_up_done_on))
        self.episode_button.setEnabled(s is not None)

    def correct(self) -> None:
        s = self.current()
        if s is None or self.form is None:
            return
        if not s.is_mine:
            self.dialogs.info(
                self,
                self.tr("Correct a session"),
                self.tr("Only the supporter who recorded a session can correct it."),
            )
            return
        info = self.call(
            self.tr("Correct a session"), sessions.get_session, self.store, self.actor, s.id
        )
        if info is not None:
            self.form.load_for_edit(info)

    def withdraw(self) -> None:
        s = self.current()
        if s is None:
            return
        reason = self.dialogs.ask_text(
            self,
            self.tr("Withdraw session"),
            self.tr("Why is the session with %1 withdrawn? (kept in the audit trail)").replace(
                "%1", s.participant_code
            ),
        )
        if reason is None:
            return
        self.call(
            self.tr("Withdraw session"),
            sessions.withdraw_session,
            self.store,
            self.actor,
            s.id,
            reason,
            version=s.version,
        )
        self.refresh()

    def follow_up_done(self) -> None:
        s = self.current()
        if s is None:
            return
        row = self.view.currentIndex().row()
        if not self.attempt(
            self.tr("Follow-up"),
            sessions.mark_follow_up_done,
            self.store,
            self.actor,
            s.id,
            date.today(),
            version=s.version,
        ):
            return
        self.model.load_all_loaded_again()
        # Choose the next open follow-up below, so the list is worked down from the keyboard.
        rows = [r for r in range(row + 1, self.model.rowCount()) if self._open_follow_up(r)]
        target = rows[0] if rows else min(row, self.model.rowCount() - 1)
        if target >= 0:
            self.view.setCurrentIndex(self.model.index(target, 0))
        self.view.setFocus()
        self.action_status.setText(
            self.tr("Follow-up with %1 marked done.").replace("%1", s.participant_code)
        )

    def _open_follow_up(self, row: int) -> bool:
        s = self.model.index(row, 0).data(ROW_ROLE)
        return bool(s and s.follow_up_on and not s.follow_up_done_on and not s.withdrawn)

    def open_episode(self) -> None:
        s = self.current()
        if s is not None:
            self.ctx.navigate("participants", episode_id=s.episode_id)

    def _saved(self, info: SessionInfo, was_new: bool) -> None:
        self.model.load_all_loaded_again()
        self._recount()
        if was_new:
            self.follow_through(info)

    def follow_through(self, info: SessionInfo) -> None:
        """One flow after a new session: the referral question (a safety flag or the end of
        a series), then any check-in that is due."""
        lines = follow_through(self, self.store, self.actor, self.dialogs, info)
        if self.form is not None and self.store.is_open:  # not after a lock meanwhile
            self.form.load_episodes()
            if lines:
                self.form.status.setText(self.form.status.text() + " " + " ".join(lines))

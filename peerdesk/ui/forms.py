"""Form dialogs. Each validates through its service on OK and stays open on an error.

They are shown through Dialogs.run(), so tests fill them in and accept them directly.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk.errors import PeerDeskError, ServerUnavailableError, StaleEditError
from peerdesk.services import (
    accounts,
    episodes,
    participants,
    referrals,
    resources,
    sites,
    supporters,
)
from peerdesk.services.auth import ROLES, Actor
from peerdesk.services.record_ids import new_record_id
from peerdesk.services.store import Store
from peerdesk.services.vocabulary import COMMON_REASONS
from peerdesk.ui import drafts, outage
from peerdesk.ui.dialogs import Dialogs
from peerdesk.ui.fmt import label, sentence
from peerdesk.ui.tasks import error_text, run_task, wait_all
from peerdesk.ui.widgets import DateField, NumberField, PasswordField, number_problems


def to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def from_qdate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def date_edit(value: date | None = None) -> QDateEdit:
    edit = DateField(to_qdate(value or date.today()))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def code_combo(codes: tuple[str, ...] | list[str], current: str = "") -> QComboBox:
    box = QComboBox()
    for code in codes:
        box.addItem(label(code), code)
    if current in codes:
        box.setCurrentIndex(list(codes).index(current))
    return box


def lived_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(QLineEdit.tr("only if the person asked, e.g. grief, substance use"))
    edit.setToolTip(
        QLineEdit.tr("Areas of lived experience the person would like their supporter to share")
    )
    return edit


def window_attr(widget: QWidget, name: str) -> Any:
    """An attribute of the nearest parent that has it (the main window's dialogs and
    drafts), for dialogs built far from the window."""
    w = widget.parentWidget()
    while w is not None:
        if hasattr(w, name):
            return getattr(w, name)
        w = w.parentWidget()
    return None


class FormDialog(QDialog):
    """A titled form with OK/Cancel and an inline error line."""

    def __init__(self, title: str, parent: QWidget | None = None, ok_text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.value: Any = None
        outer = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        outer.addLayout(self.form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("formError")
        self.error.setStyleSheet("QLabel#formError { color: #b00020; font-weight: bold; }")
        self.error.hide()
        outer.addWidget(self.error)
        self.working = QLabel(self.tr("Working… this takes a few seconds."))
        self.working.hide()
        outer.addWidget(self.working)
        self.busy = False
        self.task: Any = None
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        if ok_text:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._tab_ordered = False
        self._baseline: drafts.State | None = None
        self.restored: QLabel | None = None  # the notice when kept input was put back

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if not self._tab_ordered:
            self._tab_ordered = True
            self.buttons_last()
            self._baseline = drafts.snapshot(self)
            self._offer_draft()
        super().showEvent(event)

    # -- unsaved input (see ui/drafts.py) -------------------------------------------

    @property
    def draft_key(self) -> str:
        """Which form this is, and about which record: input typed into the check-in of
        one episode never reappears in another's."""
        about = [
            str(getattr(self, name))
            for name in ("participant_id", "episode_id", "session_id", "supporter_id")
            if getattr(self, name, None)
        ]
        existing = getattr(self, "existing", None)
        if existing is not None:
            about.append(str(getattr(existing, "id", "")))
        return "|".join([type(self).__name__, self.windowTitle(), *about])

    def has_unsaved_input(self) -> bool:
        return self._baseline is not None and drafts.snapshot(self) != self._baseline

    def draft(self) -> drafts.Draft | None:
        if not self.has_unsaved_input():
            return None
        return drafts.Draft(
            self.draft_key, self.windowTitle(), drafts.now_hhmm(), drafts.snapshot(self)
        )

    def _offer_draft(self) -> None:
        book = window_attr(self, "drafts")
        draft = book.take(self.draft_key) if isinstance(book, drafts.DraftBook) else None
        if draft is None:
            return
        drafts.restore(self, draft.state)
        # Built only now: a hidden button first in the focus chain took the dialog's focus.
        row = QWidget()
        notice = QHBoxLayout(row)
        notice.setContentsMargins(0, 0, 0, 0)
        self.restored = QLabel(
            self.tr("What you typed before the lock at %1 is back in this form.").replace(
                "%1", draft.saved_at
            )
        )
        self.restored.setWordWrap(True)
        start_empty = QPushButton(self.tr("Start empty"))
        start_empty.setAutoDefault(False)
        start_empty.clicked.connect(lambda: self._start_empty(row))
        notice.addWidget(self.restored, 1)
        notice.addWidget(start_empty)
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(0, row)

    def _start_empty(self, notice: QWidget) -> None:
        if self._baseline is not None:
            drafts.restore(self, self._baseline)
        notice.hide()

    def reject(self) -> None:
        """Escape or Cancel: what was typed is thrown away only after a question."""
        if self.busy:
            return  # a save has started off the GUI thread; its answer is waited for
        if self.has_unsaved_input():
            dialogs = window_attr(self, "dialogs")
            if isinstance(dialogs, Dialogs) and not dialogs.confirm(
                self,
                self.windowTitle(),
                self.tr("Close this form and throw away what you typed?"),
                yes_text=self.tr("Throw away"),
                no_text=self.tr("Keep editing"),
            ):
                return
        super().reject()

    def buttons_last(self) -> None:
        """Tab walks the fields top to bottom and then OK and Cancel. The buttons are built
        before the rows, so they led the focus chain and the dialog opened on OK; giving
        them their parent again puts them at the end of the chain."""
        layout = self.layout()
        if layout is None:
            return
        layout.removeWidget(self.buttons)
        self.buttons.setParent(None)
        self.buttons.setParent(self)
        layout.addWidget(self.buttons)
        self.buttons.show()

    def row(self, text: str, widget: QWidget, name: str = "") -> QWidget:
        lab = QLabel(text)
        lab.setBuddy(widget)
        widget.setAccessibleName(name or text.replace("&", "").rstrip(":"))
        self.form.addRow(lab, widget)
        return widget

    def submit(self) -> Any:
        """Each dialog calls its service here; a PeerDeskError keeps the dialog open."""
        raise NotImplementedError(f"{type(self).__name__} must define submit()")

    def show_error(self, text: str) -> None:
        self.error.setText(sentence(text))
        self.error.show()

    def background_work(self) -> Callable[[], Any] | None:
        """Slow dialogs (password stretching) return the service call here, made from the
        field values; it then runs off the GUI thread while the dialog shows it is busy.
        The default None keeps submit() on the GUI thread."""
        return None

    def accept(self) -> None:
        if self.busy:
            return  # one save at a time; a second Enter does not submit twice
        self.error.hide()  # the last attempt's message must not stand beside this one
        problem = number_problems(self)
        if problem:
            self.show_error(problem)
            return
        try:
            work = self.background_work()
            if work is None:
                self.value = self.submit()
        except StaleEditError as exc:
            self.stale(exc)
            return
        except ServerUnavailableError as exc:
            self._unreachable(exc)
            return
        except PeerDeskError as exc:
            self.show_error(str(exc))
            return
        if work is None:
            super().accept()
            return
        self._set_busy(True)
        self.task = run_task(
            self, work, on_result=self._work_done, on_error=self._work_failed, show_progress=False
        )

    def reload_record(self) -> bool:
        """Dialogs that edit a saved record load it again here (its newest version) and
        return True; the default has nothing to reload."""
        return False

    def stale(self, exc: StaleEditError) -> None:
        """Someone else saved the record first: the message stays under the form, which
        keeps what was typed; it is reloaded only when the person agrees."""
        self.show_error(str(exc))
        dialogs = window_attr(self, "dialogs")
        if isinstance(dialogs, Dialogs) and dialogs.offer_reload(
            self, self.windowTitle(), str(exc)
        ):
            if self.reload_record():
                self.error.hide()
                self._baseline = drafts.snapshot(self)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for i in range(self.form.rowCount()):
            item = self.form.itemAt(i, QFormLayout.ItemRole.FieldRole)
            if item is not None and item.widget() is not None:
                item.widget().setEnabled(not busy)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(not busy)
        self.working.setVisible(busy)

    def _work_done(self, value: Any) -> None:
        self._set_busy(False)
        self.value = value
        super().accept()

    def _work_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ServerUnavailableError):
            self._unreachable(exc)
            return
        self.show_error(error_text(exc))

    def _unreachable(self, exc: ServerUnavailableError) -> None:
        """A lost connection: the form stays open with everything typed; the message is
        the app's one outage message (ui/outage.py), and OK tried again works once the
        server answers (the form sends the same record ids)."""
        self.show_error(
            self.tr(
                "Not confirmed: the clinic server cannot be reached. Press %1 again once it "
                "is back; nothing is recorded twice."
            ).replace("%1", self._ok_text())
        )
        dialogs = window_attr(self, "dialogs")
        if isinstance(dialogs, Dialogs):
            outage.report(dialogs, self, exc, action=True)

    def _ok_text(self) -> str:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        return ok.text().replace("&", "") if ok is not None else "OK"

    def settle(self, timeout_ms: int = 30000) -> None:
        """For tests: wait until a background save has come back."""
        if self.busy:
            wait_all(timeout_ms)


class ParticipantDialog(FormDialog):
    """A new participant, and (optionally, by default) their first support episode."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("New participant"), parent, self.tr("Add"))
        self.store, self.actor = store, actor
        self.kind = self.row(self.tr("&Type:"), code_combo(participants.KINDS))
        self.code = self.row(self.tr("&Code:"), QLineEdit())
        self.code.setPlaceholderText(self.tr("leave empty for a new random code"))
        self.role = self.row(self.tr("&Role or discipline:"), QLineEdit())
        self.department = self.row(self.tr("&Department:"), QLineEdit())
        self.language = self.row(self.tr("&Language:"), QLineEdit())
        self.name = self.row(self.tr("&Name (optional):"), QLineEdit())
        self.contact = self.row(self.tr("C&ontact (optional):"), QLineEdit())
        self.consent = self.row(self.tr("Consent &given:"), QCheckBox(self.tr("today")))
        self.open_episode = self.row(
            self.tr("&Episode:"), QCheckBox(self.tr("open a support episode now"))
        )
        self.open_episode.setChecked(actor.supporter_id is not None)
        self.reason = self.row(self.tr("&Why support was sought:"), QComboBox())
        self.reason.setEditable(True)
        self.reason.addItems(list(COMMON_REASONS))
        self.reason.setCurrentText("")
        self.risk = self.row(self.tr("Ris&k level:"), code_combo(episodes.RISK_LEVELS))
        self.lived = self.row(self.tr("Lived e&xperience wanted:"), lived_edit())
        for w in (self.reason, self.risk, self.lived):
            self.open_episode.toggled.connect(w.setEnabled)
            w.setEnabled(self.open_episode.isChecked())
        self.episode: episodes.EpisodeInfo | None = None
        # Made once per dialog: OK pressed again after a lost connection finds what the
        # first press saved instead of adding a second participant (services/record_ids.py).
        self.new_participant_id = new_record_id()
        self.new_episode_id = new_record_id()

    def submit(self) -> participants.ParticipantInfo:
        if self.open_episode.isChecked() and not self.reason.currentText().strip():
            raise PeerDeskError("say why support was sought, or untick 'open a support episode'")
        p = participants.create_participant(
            self.store,
            self.actor,
            self.kind.currentData(),
            role=self.role.text(),
            department=self.department.text(),
            language=self.language.text(),
            name=self.name.text() or None,
            contact=self.contact.text() or None,
            consent_given=self.consent.isChecked(),
            code=self.code.text() or None,
            record_id=self.new_participant_id,
        )
        if self.open_episode.isChecked():
            self.episode = episodes.open_episode(
                self.store,
                self.actor,
                p.id,
                self.reason.currentText(),
                risk_level=self.risk.currentData(),
                lived_experience_wanted=self.lived.text(),
                record_id=self.new_episode_id,
            )
        return p


class EpisodeDialog(FormDialog):
    def __init__(
        self, store: Store, actor: Actor, participant_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("Open a support episode"), parent, self.tr("Open"))
        self.store, self.actor, self.participant_id = store, actor, participant_id
        self.reason = self.row(self.tr("&Why support was sought:"), QComboBox())
        self.reason.setEditable(True)
        self.reason.addItems(list(COMMON_REASONS))
        self.reason.setCurrentText("")
        self.risk = self.row(self.tr("Ris&k level:"), code_combo(episodes.RISK_LEVELS))
        self.lived = self.row(self.tr("Lived e&xperience wanted:"), lived_edit())
        self.new_episode_id = new_record_id()  # the same for every press of OK
        self.supporter = QComboBox()
        if actor.can("casework.program"):
            self.row(self.tr("&Supporter:"), self.supporter)
            self.supporter.addItem(self.tr("(suggest one after opening)"), None)
            for sup in supporters.list_supporters(store, actor, include_inactive=False):
                self.supporter.addItem(
                    f"{sup.display_name} ({sup.open_episodes}/{sup.capacity})", sup.id
                )

    def submit(self) -> episodes.EpisodeInfo:
        return episodes.open_episode(
            self.store,
            self.actor,
            self.participant_id,
            self.reason.currentText(),
            supporter_id=self.supporter.currentData() if self.supporter.count() else None,
            risk_level=self.risk.currentData(),
            lived_experience_wanted=self.lived.text(),
            record_id=self.new_episode_id,
        )


class ReferralDialog(FormDialog):
    def __init__(
        self,
        store: Store,
        actor: Actor,
        episode_id: str,
        session_id: str | None = None,
        urgent: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("New referral"), parent, self.tr("Record referral"))
        self.store, self.actor = store, actor
        self.episode_id, self.session_id = episode_id, session_id
        self.resource = self.row(self.tr("&Refer to:"), QComboBox())
        found = resources.list_resources(store, actor)
        for res in found:
            self.resource.addItem(f"{res.name} — {label(res.kind)}", res.id)
        # A crisis line on a safety flag; otherwise the EAP or another non-crisis service.
        first = resources.suggested_resource(found, urgent)
        if first is not None:
            self.resource.setCurrentIndex(self.resource.findData(first.id))
        self.reason = self.row(self.tr("R&eason:"), QLineEdit())
        self.urgency = self.row(
            self.tr("&Urgency:"), code_combo(referrals.URGENCIES, "urgent" if urgent else "routine")
        )
        self.warm = self.row(self.tr("&Warm hand-off:"), QCheckBox(self.tr("introduced in person")))
        self.status = self.row(self.tr("&Status:"), code_combo(("made", "suggested"), "made"))
        self.follow_up = self.row(
            self.tr("&Check back on:"),
            date_edit(date.today() + timedelta(days=3 if urgent else 14)),
        )
        if self.resource.count() == 0:
            self.show_error(
                "The resource directory is empty: a coordinator adds services under Resources."
            )
        self.new_referral_id = new_record_id()  # the same for every press of OK

    def submit(self) -> referrals.ReferralInfo:
        if self.resource.currentData() is None:
            raise PeerDeskError("choose where to refer to")
        return referrals.create_referral(
            self.store,
            self.actor,
            self.episode_id,
            self.resource.currentData(),
            reason=self.reason.text(),
            urgency=self.urgency.currentData(),
            warm_handoff=self.warm.isChecked(),
            follow_up_on=from_qdate(self.follow_up.date()),
            status=self.status.currentData(),
            session_id=self.session_id,
            record_id=self.new_referral_id,
        )


class ChangePasswordDialog(FormDialog):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Change my password"), parent, self.tr("Change password"))
        self.store, self.actor = store, actor
        self.old = self.row(self.tr("&Current password:"), PasswordField())
        self.new = self.row(self.tr("&New password:"), PasswordField())
        self.repeat = self.row(self.tr("&Repeat new password:"), PasswordField())
        self.form.addRow(
            QLabel(
                self.tr(
                    "At least %1 characters. A few unrelated words make a strong password."
                ).replace("%1", str(store.policy.min_password_length))
            )
        )

    def background_work(self) -> Callable[[], None]:
        # Checking the old password and wrapping the key with the new one both stretch a
        # password (Argon2id): off the GUI thread.
        if self.new.text() != self.repeat.text():
            raise PeerDeskError("the two new passwords are not the same")
        return partial(
            accounts.change_own_password, self.store, self.actor, self.old.text(), self.new.text()
        )

    def submit(self) -> None:
        self.background_work()()


class UserDialog(FormDialog):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Add an account"), parent, self.tr("Add account"))
        self.store, self.actor = store, actor
        self.username = self.row(self.tr("&Username:"), QLineEdit())
        self.display = self.row(self.tr("&Display name:"), QLineEdit())
        self.role = self.row(self.tr("&Role:"), code_combo(ROLES))
        # The site the account belongs to (its casework and reports); the first site
        # of a store with one site, where the choice is not shown.
        names = [x.name for x in sites.list_sites(store, actor)]
        self.site = QComboBox()
        self.site.addItems(names)
        self.site.setAccessibleName(self.tr("Site"))
        if len(names) > 1:
            self.row(self.tr("&Site:"), self.site)
        else:
            self.site.setVisible(False)
        self.password = self.row(
            self.tr("First &password:"), QLineEdit(accounts.generate_password())
        )
        self.form.addRow(
            QLabel(
                self.tr(
                    "Give the first password to the person; they choose their own when they "
                    "first sign in."
                )
            )
        )

    def background_work(self) -> Callable[[], accounts.UserInfo]:
        # A new account wraps the store key with the password (Argon2id): seconds of work.
        return partial(
            accounts.add_user,
            self.store,
            self.actor,
            self.username.text(),
            self.role.currentData(),
            self.password.text(),
            self.display.text(),
            must_change=True,
            site=self.site.currentText() or None,
        )

    def submit(self) -> accounts.UserInfo:
        return self.background_work()()


class SupporterDialog(FormDialog):
    def __init__(
        self,
        store: Store,
        actor: Actor,
        existing: supporters.SupporterInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = self.tr("Edit supporter") if existing else self.tr("Add a supporter")
        super().__init__(title, parent, self.tr("Save"))
        self.store, self.actor, self.existing = store, actor, existing
        e = existing
        self.name = self.row(self.tr("&Name:"), QLineEdit(e.display_name if e else ""))
        self.discipline = self.row(self.tr("D&iscipline:"), QLineEdit(e.discipline if e else ""))
        self.department = self.row(self.tr("&Department:"), QLineEdit(e.department if e else ""))
        self.specialty = self.row(self.tr("S&pecialty:"), QLineEdit(e.specialty if e else ""))
        self.experience = self.row(
            self.tr("&Experience (years):"),
            code_combo(("",) + supporters.EXPERIENCE_BANDS, e.experience_band if e else ""),
        )
        self.languages = self.row(self.tr("&Languages:"), QLineEdit(e.languages if e else ""))
        self.lived = self.row(
            self.tr("Li&ved experience:"), QLineEdit(e.lived_experience if e else "")
        )
        self.capacity = self.row(
            self.tr("&Capacity:"),
            NumberField(0, 200, self.tr("Capacity"), self.tr("open episodes")),
        )
        self.capacity.setValue(e.capacity if e else 10)
        self.capacity.setSuffix(self.tr(" open episodes"))
        self.status = self.row(
            self.tr("&Status:"), code_combo(supporters.STATUSES, e.status if e else "active")
        )

    def submit(self) -> None:
        data = supporters.SupporterInput(
            display_name=self.name.text(),
            discipline=self.discipline.text(),
            department=self.department.text(),
            specialty=self.specialty.text(),
            experience_band=self.experience.currentData() or "",
            languages=self.languages.text(),
            lived_experience=self.lived.text(),
            capacity=self.capacity.value(),
            status=self.status.currentData(),
        )
        if self.existing:
            supporters.update_supporter(
                self.store, self.actor, self.existing.id, data, self.existing.version
            )
        else:
            supporters.add_supporter(self.store, self.actor, data)

    def reload_record(self) -> bool:
        if self.existing is None:
            return False
        e = supporters.get_supporter(self.store, self.actor, self.existing.id)
        self.existing = e
        self.name.setText(e.display_name)
        self.discipline.setText(e.discipline)
        self.department.setText(e.department)
        self.specialty.setText(e.specialty)
        self.experience.setCurrentIndex(max(0, self.experience.findData(e.experience_band)))
        self.languages.setText(e.languages)
        self.lived.setText(e.lived_experience)
        self.capacity.setValue(e.capacity)
        self.status.setCurrentIndex(max(0, self.status.findData(e.status)))
        return True


class TrainingDialog(FormDialog):
    def __init__(
        self, store: Store, actor: Actor, supporter_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("Record training"), parent, self.tr("Save"))
        self.store, self.actor, self.supporter_id = store, actor, supporter_id
        self.course = self.row(self.tr("&Course:"), QComboBox())
        for c in supporters.list_courses(store, actor):
            self.course.addItem(c.name, c.code)
        self.completed = self.row(self.tr("C&ompleted on:"), date_edit())
        self.expires_auto = self.row(
            self.tr("&Expiry:"), QCheckBox(self.tr("from the course's validity"))
        )
        self.expires_auto.setChecked(True)
        self.expires = self.row(self.tr("E&xpires on:"), date_edit(date.today()))
        self.expires.setEnabled(False)
        self.expires_auto.toggled.connect(lambda on: self.expires.setEnabled(not on))

    def submit(self) -> None:
        if self.course.currentData() is None:
            raise PeerDeskError("there are no courses yet; set up the standard courses first")
        supporters.add_training(
            self.store,
            self.actor,
            self.supporter_id,
            self.course.currentData(),
            from_qdate(self.completed.date()),
            None if self.expires_auto.isChecked() else from_qdate(self.expires.date()),
        )


class CourseDialog(FormDialog):
    """A course in the catalogue: which disciplines must hold it, and for how long it counts."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Add a course"), parent, self.tr("Add course"))
        self.store, self.actor = store, actor
        self.name = self.row(self.tr("&Name:"), QLineEdit())
        self.code = self.row(self.tr("&Code:"), QLineEdit())
        self.code.setPlaceholderText(self.tr("short and unique, e.g. trauma-informed"))
        self.required = self.row(
            self.tr("&Required:"), QCheckBox(self.tr("supporters must hold it to be matched"))
        )
        self.required_for = self.row(self.tr("Required &for:"), QLineEdit())
        self.required_for.setPlaceholderText(self.tr("disciplines, comma separated; empty = all"))
        self.required_for.setEnabled(False)
        self.required.toggled.connect(self.required_for.setEnabled)
        self.validity = self.row(
            self.tr("&Valid for:"), NumberField(0, 120, self.tr("Valid for"), self.tr("months"))
        )
        self.validity.setValue(24)
        self.validity.setSuffix(self.tr(" months"))
        self.validity.setSpecialValueText(self.tr("does not expire"))

    def submit(self) -> supporters.CourseInfo:
        return supporters.add_course(
            self.store,
            self.actor,
            self.code.text(),
            self.name.text(),
            self.required.isChecked(),
            self.validity.value() or None,
            required_for=self.required_for.text() if self.required.isChecked() else "",
        )


class SupervisionDialog(FormDialog):
    def __init__(
        self,
        store: Store,
        actor: Actor,
        supporter_id: str,
        parent: QWidget | None = None,
        supporter_name: str = "",
    ) -> None:
        title = self.tr("Log supervision")
        if supporter_name:
            title = self.tr("Log supervision for %1").replace("%1", supporter_name)
        super().__init__(title, parent, self.tr("Save"))
        self.store, self.actor, self.supporter_id = store, actor, supporter_id
        self.who = QLabel(
            self.tr("Supervision of <b>%1</b>").replace("%1", html.escape(supporter_name))
        )
        self.who.setVisible(bool(supporter_name))
        self.form.addRow(self.who)
        self.held = self.row(self.tr("&Held on:"), date_edit())
        self.minutes = self.row(
            self.tr("&Minutes:"), NumberField(1, 600, self.tr("Minutes"), self.tr("minutes"))
        )
        self.minutes.setValue(60)
        self.format = self.row(self.tr("&Format:"), code_combo(("one_to_one", "group")))
        self.supervisor = self.row(self.tr("&Supervisor:"), QLineEdit())

    def submit(self) -> None:
        supporters.add_supervision(
            self.store,
            self.actor,
            self.supporter_id,
            from_qdate(self.held.date()),
            self.minutes.value(),
            self.format.currentData(),
            self.supervisor.text(),
        )


class ResourceDialog(FormDialog):
    def __init__(
        self,
        store: Store,
        actor: Actor,
        existing: resources.ResourceInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            self.tr("Edit resource") if existing else self.tr("Add a resource"),
            parent,
            self.tr("Save"),
        )
        self.store, self.actor, self.existing = store, actor, existing
        e = existing
        self.name = self.row(self.tr("&Name:"), QLineEdit(e.name if e else ""))
        self.kind = self.row(self.tr("&Kind:"), code_combo(resources.KINDS, e.kind if e else ""))
        self.phone = self.row(self.tr("&Phone:"), QLineEdit(e.phone if e else ""))
        self.email = self.row(self.tr("&Email:"), QLineEdit(e.email if e else ""))
        self.address = self.row(self.tr("&Address:"), QLineEdit(e.address if e else ""))
        self.hours = self.row(self.tr("&Hours:"), QLineEdit(e.hours if e else ""))
        self.notes = self.row(self.tr("N&otes:"), QPlainTextEdit(e.notes if e else ""))
        self.notes.setTabChangesFocus(True)
        self.active = self.row(self.tr("Ac&tive:"), QCheckBox(self.tr("listed in the directory")))
        self.active.setChecked(e.active if e else True)

    def submit(self) -> None:
        data = resources.ResourceInput(
            self.name.text(),
            self.kind.currentData(),
            self.phone.text(),
            self.email.text(),
            self.address.text(),
            self.hours.text(),
            self.notes.toPlainText(),
            self.active.isChecked(),
        )
        if self.existing:
            resources.update_resource(
                self.store, self.actor, self.existing.id, data, self.existing.version
            )
        else:
            resources.add_resource(self.store, self.actor, data)

    def reload_record(self) -> bool:
        if self.existing is None:
            return False
        listed = resources.list_resources(self.store, self.actor, include_inactive=True)
        e = next((r for r in listed if r.id == self.existing.id), None)
        if e is None:
            return False
        self.existing = e
        self.name.setText(e.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(e.kind)))
        self.phone.setText(e.phone)
        self.email.setText(e.email)
        self.address.setText(e.address)
        self.hours.setText(e.hours)
        self.notes.setPlainText(e.notes)
        self.active.setChecked(e.active)
        return True


__all__ = [
    "ChangePasswordDialog",
    "CourseDialog",
    "EpisodeDialog",
    "FormDialog",
    "ParticipantDialog",
    "ReferralDialog",
    "ResourceDialog",
    "SupervisionDialog",
    "SupporterDialog",
    "TrainingDialog",
    "UserDialog",
]

"""The one top-level window: sign-in, lock screen, and the signed-in workspace.

Signing in builds a Workspace over an open Store; locking or signing out destroys the
workspace (every page, model and form with it) and closes the Store, which drops its
connections and the data key. Unlocking opens the store again and rebuilds the view.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from peerdesk.errors import PeerDeskError
from peerdesk.services import drafts as drafts_service
from peerdesk.services import rollback
from peerdesk.services.auth import ADMIN, Actor
from peerdesk.services.demo import DEFAULT_DEMO_PASSWORD as DEMO_PASSWORD
from peerdesk.services.drafts import SealedDrafts
from peerdesk.services.store import (
    Store,
    key_document,
    open_store,
    store_exists,
    store_location,
)
from peerdesk.ui.dialogs import Dialogs, after_modals
from peerdesk.ui.drafts import SESSION_FORM, Draft, DraftBook
from peerdesk.ui.first_password import settle_first_password
from peerdesk.ui.fmt import fmt_dt, label
from peerdesk.ui.forms import ChangePasswordDialog, FormDialog
from peerdesk.ui.idle import IdleWatcher
from peerdesk.ui.login import LockPage, LoginPage
from peerdesk.ui.menus import install_menus
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.tasks import Task, error_text, run_task
from peerdesk.ui.widgets import demo_banner


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    allowed: Callable[[Actor], bool]
    module: str  # imported when the page is first shown
    cls: str


def _backup_time(created_at: object) -> str:
    """A backup's stored time (UTC, ISO) as the computer's local time, as lists show it."""
    try:
        made = datetime.fromisoformat(str(created_at))
    except ValueError:
        return str(created_at or "?")
    if made.tzinfo is not None:
        made = made.astimezone(UTC).replace(tzinfo=None)
    return fmt_dt(made)


def _casework(a: Actor) -> bool:
    return a.can("casework.own") or a.can("casework.program")


PAGES = (
    PageSpec("today", "Today", lambda a: True, "peerdesk.ui.pages.today", "TodayPage"),
    PageSpec("sessions", "Sessions", _casework, "peerdesk.ui.pages.sessions", "SessionsPage"),
    PageSpec(
        "participants",
        "Participants and episodes",
        _casework,
        "peerdesk.ui.pages.participants",
        "ParticipantsPage",
    ),
    PageSpec("referrals", "Referrals", _casework, "peerdesk.ui.pages.referrals", "ReferralsPage"),
    PageSpec(
        "resources",
        "Resources",
        lambda a: a.can("resources.read"),
        "peerdesk.ui.pages.resources",
        "ResourcesPage",
    ),
    PageSpec(
        "supporters",
        "Supporters",
        lambda a: a.can("supporters.read"),
        "peerdesk.ui.pages.supporters",
        "SupportersPage",
    ),
    PageSpec(
        "training",
        "Training and supervision",
        lambda a: a.can("supporters.read"),
        "peerdesk.ui.pages.training",
        "TrainingPage",
    ),
    PageSpec(
        "wellbeing",
        "My well-being",
        lambda a: a.supporter_id is not None and a.can("casework.own"),
        "peerdesk.ui.pages.wellbeing",
        "WellbeingPage",
    ),
    PageSpec(
        "mytraining",
        "My training",
        lambda a: (
            a.supporter_id is not None
            and a.can("supporters.read_self")
            and not a.can("supporters.read")
        ),
        "peerdesk.ui.pages.my_training",
        "MyTrainingPage",
    ),
    PageSpec(
        "reports",
        "Reports",
        lambda a: a.can("reports.run"),
        "peerdesk.ui.reports_page",
        "ReportsPage",
    ),
    PageSpec(
        "accounts",
        "Accounts and policy",
        lambda a: a.can("accounts.write") or a.can("backup.run") or a.can("policy.write"),
        "peerdesk.ui.pages.accounts",
        "AccountsPage",
    ),
    PageSpec(
        "audit",
        "Audit log",
        lambda a: a.can("audit.read"),
        "peerdesk.ui.pages.audit_log",
        "AuditPage",
    ),
)


def available_pages(actor: Actor) -> list[PageSpec]:
    out = []
    for spec in PAGES:
        if not spec.allowed(actor):
            continue
        if spec.key == "reports" and importlib.util.find_spec(spec.module) is None:
            continue  # the reports page ships separately; shown once it exists
        out.append(spec)
    return out


class Workspace(QWidget):
    """Navigation on the left (only what the role may use), one page at a time."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ctx.navigate = self.show_page
        self.specs = available_pages(ctx.actor)
        self.pages: dict[str, QWidget] = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setAccessibleName(self.tr("Navigation"))
        for n, spec in enumerate(self.specs, start=1):
            item = QListWidgetItem(self.tr(spec.title))
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if n <= 9:
                item.setToolTip(f"Ctrl+{n}")
                sc = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
                sc.activated.connect(partial(self.show_page, spec.key))
            self.nav.addItem(item)
        self.nav.setStyleSheet("QListWidget::item { padding: 6px 10px; }")
        width = max(self.nav.sizeHintForColumn(0) + 36, 190)
        self.nav.setFixedWidth(width)
        self.stack = QStackedWidget()
        lay.addWidget(self.nav)
        lay.addWidget(self.stack, 1)
        self.nav.currentRowChanged.connect(self._nav_changed)
        new = QShortcut(QKeySequence(QKeySequence.StandardKey.New), self)
        new.activated.connect(lambda: self.show_page("sessions", new=True))
        new.setEnabled(ctx.actor.supporter_id is not None)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_search)

    def focus_search(self) -> None:
        """Ctrl+F: the search box of the page shown, where it has one."""
        box = getattr(self.stack.currentWidget(), "search", None)
        if isinstance(box, QLineEdit) and box.isVisible():
            box.setFocus(Qt.FocusReason.ShortcutFocusReason)
            box.selectAll()

    def keys(self) -> list[str]:
        return [s.key for s in self.specs]

    def current_key(self) -> str:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ""

    def _nav_changed(self, row: int) -> None:
        if 0 <= row < len(self.specs):
            self._show(self.specs[row].key, {})

    def page(self, key: str) -> QWidget | None:
        """The page, built the first time it is needed (opening stays quick)."""
        if key in self.pages:
            return self.pages[key]
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is None:
            return None
        cls = getattr(importlib.import_module(spec.module), spec.cls)
        if issubclass(cls, Page):
            page = cls(self.ctx)
        else:  # ReportsPage(store, actor, dialogs, parent=None)
            page = cls(self.ctx.store, self.ctx.actor, self.ctx.dialogs)
        page.setObjectName(f"page_{key}")
        self.pages[key] = page
        self.stack.addWidget(page)
        return page

    def show_page(self, key: str, **what: Any) -> None:
        if key not in self.keys():
            return
        row = self.keys().index(key)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        self._show(key, what)

    def _show(self, key: str, what: dict[str, Any]) -> None:
        page = self.page(key)
        if page is None:
            return
        self.stack.setCurrentWidget(page)
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()
        if isinstance(page, Page):
            if what:
                page.show_item(**what)
            focus = page.first_focus()
            if focus is not None and not what.get("keep_focus"):
                focus.setFocus()


class MainWindow(QMainWindow):
    signedIn = Signal()  # noqa: N815
    locked = Signal()

    def __init__(
        self,
        data_dir: Path,
        dialogs: Dialogs | None = None,
        demo: bool = False,
        idle_ms: int | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.dialogs = dialogs or Dialogs()
        self.demo = demo
        self.idle_ms = idle_ms  # tests set milliseconds; the product reads the policy
        self.store: Store | None = None
        self.actor: Actor | None = None
        self.workspace: Workspace | None = None
        self.wizard: QDialog | None = None
        self.task: Task | None = None
        self._locked_as: Actor | None = None
        self._locked_page = ""
        self.setWindowTitle(self.tr("PeerDesk"))
        self.resize(1200, 760)

        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        self.banner = demo_banner()
        self.banner.setVisible(demo)
        col.addWidget(self.banner)
        self.idle_banner = QLabel()
        self.idle_banner.setObjectName("idleBanner")
        self.idle_banner.setWordWrap(True)
        self.idle_banner.setStyleSheet(
            "QLabel#idleBanner { background: #fff4ce; color: #4a3800; padding: 8px 12px;"
            " border-bottom: 1px solid #d9c37a; font-weight: bold; }"
        )
        self.idle_banner.setAccessibleName(self.tr("Idle lock warning"))
        self.idle_banner.hide()
        col.addWidget(self.idle_banner)
        self.stack = QStackedWidget()
        col.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        server = store_location(self.data_dir)
        self.login = LoginPage(
            self.tr("Clinic server: %1").replace("%1", server)
            if server
            else self.tr("Data folder: %1").replace("%1", str(self.data_dir))
        )
        self.login.signInRequested.connect(self.sign_in)
        self.login.recoveryRequested.connect(self.sign_in_with_recovery_key)
        self.login.restoreRequested.connect(self.restore_backup)
        self.lock_page = LockPage()
        self.lock_page.unlockRequested.connect(self.unlock)
        self.lock_page.signOutRequested.connect(self.sign_out)
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.lock_page)

        self.toolbar = QToolBar(self.tr("Account"))
        self.toolbar.setObjectName("accountToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.who = QLabel()
        self.who.setContentsMargins(8, 0, 8, 0)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(self.who)
        self.toolbar.addWidget(spacer)
        self.password_action = self._action(
            self.tr("Change my password…"), "", self.change_password
        )
        self.lock_action = self._action(self.tr("Lock now"), "Ctrl+L", self.lock)
        self.sign_out_action = self._action(self.tr("Sign out"), "Ctrl+Shift+L", self.sign_out)
        self.help_action = self._action(self.tr("Shortcuts"), "F1", self.show_shortcuts)
        for act in (self.password_action, self.lock_action, self.sign_out_action, self.help_action):
            self.toolbar.addAction(act)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.toolbar.hide()

        self.idle = IdleWatcher(idle_ms or 10 * 60_000, self)
        self.idle.idle.connect(self.lock)
        self.idle.warn.connect(self._idle_warning)
        self.idle.resumed.connect(self.idle_banner.hide)
        # Unsaved input over a lock: sealed while locked, offered back to the same person.
        self.drafts = DraftBook()
        self._sealed: SealedDrafts | None = None
        self.menus = install_menus(self)  # File, Go, Help over the actions above
        from peerdesk.ui.os_login_offer import install  # "unlock with this computer's login"

        self.os_login = install(self)

    def _action(self, text: str, shortcut: str, slot: Callable[[], Any]) -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            act.setToolTip(f"{text.rstrip('…')} ({shortcut})")
        act.triggered.connect(lambda _checked=False: slot())
        act.setEnabled(False)
        self.addAction(act)
        return act

    # -- start -------------------------------------------------------------------

    def start(self) -> None:
        """Login if a store exists; otherwise the setup wizard (or, for demo, create one)."""
        if store_exists(self.data_dir):
            self.show_login()
            self.show()
        elif self.demo:
            self.show_login()
            self.show()
            self.create_demo()
        else:
            self.show_wizard()

    def show_wizard(self) -> None:
        from peerdesk.ui.setup_wizard import SetupWizard

        wizard = SetupWizard(self.data_dir, self.dialogs)
        wizard.created.connect(self._wizard_done)
        wizard.restoreRequested.connect(self.restore_backup)
        self.wizard = wizard
        wizard.show()

    def _wizard_done(self, username: str) -> None:
        self._drop_wizard()
        self.show_login(username)
        self.show()

    def _drop_wizard(self) -> None:
        if self.wizard is not None:
            self.wizard.hide()
            self.wizard.deleteLater()
            self.wizard = None

    def create_demo(self, sessions: int = 3000) -> None:
        from peerdesk.services.store_build import build_demo_store

        self.login.set_busy(True)
        self.task = run_task(
            self,
            partial(build_demo_store, self.data_dir, sessions=sessions, password=DEMO_PASSWORD),
            on_result=lambda _r: self.show_login(),
            on_error=self._demo_failed,
            title=self.tr("Demo"),
            label=self.tr("Creating the demo store with made-up people and sessions…"),
            delay_ms=0,
        )

    def _demo_failed(self, exc: BaseException) -> None:
        self.login.set_busy(False)
        self.dialogs.error(self, self.tr("Demo"), error_text(exc))

    def show_login(self, username: str = "") -> None:
        self.stack.setCurrentWidget(self.login)
        self.toolbar.hide()
        self.login.reset(username)
        # On a clinic server, restoring is IT's job ('peerdesk restore', docs/server-mode.md).
        self.login.restore.setVisible(
            store_location(self.data_dir) is None and not store_exists(self.data_dir)
        )
        if self.demo and store_exists(self.data_dir):
            self._demo_hint()
        self.setWindowTitle(self.tr("PeerDesk"))

    def _demo_hint(self) -> None:
        try:
            slots = key_document(self.data_dir)
        except PeerDeskError:
            return
        names = slots.usernames()
        supporters = [n for n in names if n not in ("admin", "coordinator")]
        if slots.data.get("demo_default_password"):
            password = self.tr("Password for each: %1").replace("%1", DEMO_PASSWORD)
        else:
            password = self.tr("Password: the one printed when this demo store was created.")
        self.login.demo_hint.setText(
            self.tr("Demo accounts: %1 (supporter), coordinator, admin.").replace(
                "%1", supporters[0] if supporters else "—"
            )
            + " "
            + password
        )
        self.login.demo_hint.show()
        if not self.login.username.text() and supporters:
            self.login.username.setText(supporters[0])
            self.login.password.setFocus()

    # -- sign in, lock, sign out ------------------------------------------------

    def sign_in(self, username: str, password: str) -> None:
        self.task = run_task(
            self,
            partial(open_store, self.data_dir, username, password),
            on_result=self._opened,
            on_error=self.login.show_failure,
            title=self.tr("Signing in"),
            label=self.tr("Unlocking the store…"),
            delay_ms=1000,
        )

    def sign_in_with_recovery_key(self) -> None:
        key = self.dialogs.ask_text(
            self,
            self.tr("Emergency access"),
            self.tr(
                "Enter the recovery key. Its use is recorded in the audit log; afterwards, "
                "reset the forgotten password under Accounts and policy."
            ),
            password=True,
        )
        if not key:
            return
        self.login.set_busy(True)
        self.task = run_task(
            self,
            partial(open_store, self.data_dir, recovery_key=key),
            on_result=self._opened,
            on_error=self.login.show_failure,
            title=self.tr("Signing in"),
            label=self.tr("Unlocking the store…"),
            delay_ms=1000,
        )

    def _opened(self, result: tuple[Store, Actor]) -> None:
        store, actor = result
        if self.store is not None:  # a second result after a double submit
            store.close()
            return
        if not settle_first_password(self.dialogs, self, store, actor):
            store.close()  # the workspace never opens on an administrator's password
            self.show_login(actor.username)
            self.login.show_error(
                self.tr("Choose your own password to continue; sign in again when ready.")
            )
            return
        self.store, self.actor = store, actor
        ctx = Context(store, actor, self.dialogs, navigate=lambda *_a, **_k: None)
        ctx.demo = self.demo or store.is_demo()
        ctx.restore_backup = self.restore_backup
        self.banner.setVisible(ctx.demo)
        self.workspace = Workspace(ctx)
        self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        role = self.tr("emergency access") if actor.emergency else label(actor.role)
        self.who.setText(
            self.tr("%1 — %2")
            .replace("%1", actor.display_name or actor.username)
            .replace("%2", role)
        )
        self.setWindowTitle(
            self.tr("PeerDesk — %1").replace("%1", actor.display_name or actor.username)
        )
        self.toolbar.show()
        for act in (self.password_action, self.lock_action, self.sign_out_action, self.help_action):
            act.setEnabled(True)
        for warning in store.warnings:  # e.g. an older copy of the store was put back
            # Services write sentences in lower case for the command line's "warning: ...".
            self.dialogs.warn(self, self.tr("Check this store"), warning[:1].upper() + warning[1:])
        if store.rollback is not None and (actor.role == ADMIN or actor.emergency):
            self._offer_rollback_acknowledgement(store, actor)
        self.password_action.setEnabled(not actor.emergency)
        restore = (
            self._locked_page
            if self._locked_as and self._locked_as.username == actor.username
            else ""
        )
        self._locked_as = None
        keys = self.workspace.keys()
        self.workspace.show_page(restore if restore in keys else keys[0])
        self._reopen_drafts(store, actor)
        self.idle.set_timeout_ms(self.idle_ms or store.policy.idle_lock_minutes * 60_000)
        self.idle.start()
        self.signedIn.emit()

    def _close_modals(self) -> None:
        for _ in range(20):
            popup = QApplication.activePopupWidget()
            if popup is not None:
                popup.close()
                continue
            modal = QApplication.activeModalWidget()
            if modal is None or modal is self:
                break
            if isinstance(modal, QDialog):
                modal.done(QDialog.DialogCode.Rejected)
            else:
                modal.close()

    # -- unsaved input over a lock (ui/drafts.py, services/drafts.py) -----------------

    def _open_forms(self) -> list[Any]:
        """The session form and any form dialog open now, each able to give a draft."""
        forms: list[Any] = []
        if self.workspace is not None:
            page = self.workspace.pages.get("sessions")
            form = getattr(page, "form", None)
            if form is not None:
                forms.append(form)
        forms += [
            w for w in QApplication.topLevelWidgets() if isinstance(w, FormDialog) and w.isVisible()
        ]
        return forms

    def unsaved_titles(self) -> list[str]:
        """What would be lost now: open forms with input, and input kept over a lock."""
        titles = [d.title for f in self._open_forms() if (d := f.draft()) is not None]
        titles += self.drafts.titles()
        if self._sealed is not None and not titles:
            titles.append(self.tr("a form left open when the window locked"))
        return titles

    def _keep_drafts(self) -> None:
        """Before a lock: seal what the open forms hold, for this person only."""
        if self.store is None or self.actor is None:
            return
        found = [d for f in self._open_forms() if (d := f.draft()) is not None]
        found += self.drafts.all()  # offered back earlier and not opened since
        self.drafts.clear()
        self._sealed = (
            drafts_service.seal(self.store, self.actor, [d.to_json() for d in found])
            if found
            else None
        )

    def _offer_rollback_acknowledgement(self, store: Store, actor: Actor) -> None:
        """Only an admin can end the rollback warning, after checking; it is audited."""
        if not self.dialogs.confirm(
            self,
            self.tr("Older copy of the store"),
            self.tr(
                "Have you checked what is missing (compare with the newest backup) and "
                "told the people affected? Acknowledging stops this warning for everyone "
                "and is recorded in the audit log."
            ),
            self.tr("Acknowledge"),
            self.tr("Not yet"),
        ):
            return
        try:
            rollback.acknowledge(store, actor)
        except PeerDeskError as exc:
            self.dialogs.error(self, self.tr("Not acknowledged"), str(exc))

    def _reopen_drafts(self, store: Store, actor: Actor) -> None:
        sealed, self._sealed = self._sealed, None
        if sealed is None:
            return
        opened = drafts_service.open_sealed(store, actor, sealed)
        if not opened:
            return  # another person signed in: the input is gone with the sealed copy
        for item in opened:
            self.drafts.put(Draft.from_json(item))
        form_draft = self.drafts.take(SESSION_FORM)
        if form_draft is not None and self.workspace is not None:
            self.workspace.show_page("sessions")
            form = getattr(self.workspace.pages.get("sessions"), "form", None)
            if form is not None:
                form.restore_draft(form_draft)
        if self.drafts:
            self.statusBar().showMessage(
                self.tr("Kept over the lock; open it again to continue: %1").replace(
                    "%1", "; ".join(self.drafts.titles())
                )
            )

    def discard_unsaved(self, why: str) -> bool:
        """Ask before anything typed is thrown away; True when there is nothing to lose or
        the person agreed."""
        titles = self.unsaved_titles()
        if not titles:
            return True
        who = self._locked_as or self.actor
        name = (who.display_name or who.username) if who is not None else ""
        ok = self.dialogs.confirm(
            self,
            self.tr("Unsaved input"),
            self.tr("%1 has input that was not saved: %2. %3 throws it away.")
            .replace("%1", name or self.tr("This account"))
            .replace("%2", "; ".join(titles))
            .replace("%3", why),
            yes_text=self.tr("Throw it away"),
            no_text=self.tr("Go back"),
        )
        if ok:
            self.drafts.clear()
            self._sealed = None
        return ok

    def _idle_warning(self, seconds: int) -> None:
        self.idle_banner.setText(
            self.tr(
                "For privacy, PeerDesk locks in %1 seconds. Move the mouse or press a key to "
                "keep working. Anything you have typed is kept over the lock."
            ).replace("%1", str(seconds))
        )
        self.idle_banner.show()

    def _teardown(self) -> None:
        """Destroy every widget that showed data, then close the store."""
        self.idle.stop()
        self.idle_banner.hide()
        self.statusBar().clearMessage()
        self._close_modals()
        for act in (self.password_action, self.lock_action, self.sign_out_action):
            act.setEnabled(False)
        self.toolbar.hide()
        if self.workspace is not None:
            ws, self.workspace = self.workspace, None
            self.stack.removeWidget(ws)
            ws.hide()
            # Deleted once no dialog's event loop is waiting inside it (ui/dialogs.py).
            after_modals(ws.deleteLater)
        if self.store is not None:
            store, self.store = self.store, None
            store.close()
        self.actor = None
        self.setWindowTitle(self.tr("PeerDesk"))

    @property
    def signed_in(self) -> bool:
        return self.store is not None

    def lock(self) -> None:
        if self.store is None or self.actor is None:
            return
        self._locked_as = self.actor
        self._locked_page = self.workspace.current_key() if self.workspace else ""
        who = self.actor
        self._keep_drafts()
        self._teardown()
        self.lock_page.prepare(who.display_name, who.username, recovery=who.emergency)
        self.stack.setCurrentWidget(self.lock_page)
        self.locked.emit()

    def unlock(self, secret: str) -> None:
        who = self._locked_as
        if who is None:
            self.show_login()
            return
        if who.emergency:
            fn = partial(open_store, self.data_dir, recovery_key=secret)
        else:
            fn = partial(open_store, self.data_dir, who.username, secret)
        self.task = run_task(
            self,
            fn,
            on_result=self._opened,
            on_error=self.lock_page.show_failure,
            title=self.tr("Unlocking"),
            label=self.tr("Unlocking the store…"),
            delay_ms=1000,
        )

    def sign_out(self) -> None:
        if not self.discard_unsaved(self.tr("Signing out")):
            return
        self._teardown()
        self._locked_as = None
        self._sealed = None
        self.drafts.clear()
        self.show_login()

    def change_password(self) -> None:
        if self.store is None or self.actor is None:
            return
        if self.dialogs.run(ChangePasswordDialog(self.store, self.actor, self)):
            self.dialogs.info(
                self, self.tr("Password changed"), self.tr("Use your new password from now on.")
            )

    def shortcut_lines(self) -> list[tuple[str, str]]:
        """Every keyboard shortcut there is, for the signed-in role (F1 shows them)."""
        tr = self.tr
        lines: list[tuple[str, str]] = []
        ws = self.workspace
        if ws is not None:
            for n, spec in enumerate(ws.specs[:9], start=1):
                lines.append((f"Ctrl+{n}", tr(spec.title)))
        supporter = self.actor is not None and self.actor.supporter_id is not None
        keys = ws.keys() if ws is not None else []
        if supporter:
            lines.append(("Ctrl+N", tr("Record a session (opens the session form)")))
        lines.append(
            (
                "Ctrl+F",
                tr(
                    "Search box of the page shown (Sessions, Participants, Referrals, "
                    "Resources, Audit log)"
                ),
            )
        )
        if supporter and "sessions" in keys:
            lines += [
                ("Ctrl+Enter, Ctrl+S", tr("Save the session form")),
                ("Esc", tr("Close a suggestion list; then, after a question, clear the form")),
                ("Enter", tr("On a session in the list: load your session to correct it")),
            ]
        if "participants" in keys:
            lines += [
                ("Ctrl+Shift+N", tr("New participant (Participants page)")),
                ("Enter", tr("On a session in an episode timeline: open your session")),
            ]
        if "referrals" in keys:
            lines.append(("Enter", tr("On a referral: move it along")))
        if "sessions" in keys:
            lines.append(("Enter", tr("On a follow-up (Today): open its episode")))
        if supporter:
            lines.append(("Enter", tr("On a referral question left for later (Today): answer it")))
        if self.actor is not None and self.actor.can("casework.program"):
            lines.append(("Enter", tr("On an episode waiting for a supporter (Today): Match")))
        lines += [
            ("Ctrl+L", tr("Lock now")),
            ("Ctrl+Shift+L", tr("Sign out")),
            ("Ctrl+Q", tr("Quit (the same as closing the window)")),
            ("F1", tr("This list")),
            ("Tab, Shift+Tab", tr("Next or previous field")),
            ("Alt + underlined letter", tr("That field or button")),
        ]
        return lines

    def show_shortcuts(self) -> None:
        self.dialogs.info(
            self,
            self.tr("Keyboard shortcuts"),
            "\n".join(f"{keys}  —  {what}" for keys, what in self.shortcut_lines()),
        )

    # -- restore -----------------------------------------------------------------

    def restore_backup(self) -> None:
        """Restore a backup into this data folder; the current store is moved aside."""
        from peerdesk.services.store_files import restore_in_place

        path = self.dialogs.open_file(
            self,
            self.tr("Restore from a backup"),
            self.tr("PeerDesk backups (*.pdbackup);;All files (*)"),
        )
        if path is None:
            return
        username = self.dialogs.ask_text(
            self,
            self.tr("Restore from a backup"),
            self.tr("Your username in the backup (leave empty to use the recovery key):"),
        )
        if username is None:
            return
        secret = self.dialogs.ask_text(
            self,
            self.tr("Restore from a backup"),
            self.tr("Password:") if username.strip() else self.tr("Recovery key:"),
            password=True,
        )
        if not secret:
            return
        if store_exists(self.data_dir) and not self.dialogs.confirm(
            self,
            self.tr("Restore from a backup"),
            self.tr(
                "The store in %1 will be replaced by the backup. The current files are moved "
                "to a folder beside it, not deleted. Everyone is signed out. Continue?"
            ).replace("%1", str(self.data_dir)),
        ):
            return
        self._teardown()
        if self.wizard is not None:
            # From the first-run wizard: the main window takes over and shows the work;
            # the wizard comes back only if nothing was restored.
            self.show()
            self.wizard.hide()
        creds: dict[str, Any] = (
            {"username": username.strip().lower(), "password": secret}
            if username.strip()
            else {"recovery_key": secret}
        )
        self.show_login(username.strip().lower())
        self.login.set_busy(True)

        def done(result: tuple[dict[str, Any], Path | None]) -> None:
            manifest, aside = result
            self._drop_wizard()  # a store exists now: sign in, not set up
            self.show_login(username.strip().lower())
            text = self.tr("The backup from %1 was restored. Sign in to continue.").replace(
                "%1", _backup_time(manifest.get("created_at"))
            )
            if aside is not None:
                text += " " + self.tr("The previous store files are in %1.").replace(
                    "%1", str(aside)
                )
            self.dialogs.info(self, self.tr("Restored"), text)

        def failed(exc: BaseException) -> None:
            self.show_login(username.strip().lower())
            self.dialogs.error(self, self.tr("Not restored"), error_text(exc))
            if self.wizard is not None and not store_exists(self.data_dir):
                self.wizard.show()  # back to setting up, or another backup
                self.hide()

        self.task = run_task(
            self,
            partial(restore_in_place, path, self.data_dir, why="before-restore", **creds),
            on_result=done,
            on_error=failed,
            title=self.tr("Restore"),
            label=self.tr("Checking and restoring the backup…"),
        )

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if not self.discard_unsaved(self.tr("Closing PeerDesk")):
            event.ignore()
            return
        self._teardown()
        super().closeEvent(event)


__all__ = ["DEMO_PASSWORD", "MainWindow", "Workspace", "available_pages"]

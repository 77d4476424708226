"""Accounts and policy (admins): add, disable, enable, unlock, reset; policy settings;
backup and restore."""

from __future__ import annotations

from dataclasses import fields
from functools import partial

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from peerdesk.errors import PeerDeskError
from peerdesk.services import accounts, backup, policy_admin, sites
from peerdesk.services.accounts import UserInfo
from peerdesk.services.policy import PAGE_SIZES, Policy
from peerdesk.ui.fmt import label
from peerdesk.ui.forms import UserDialog
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import ROW_ROLE, Column, RowTableModel
from peerdesk.ui.tasks import error_text, run_task
from peerdesk.ui.widgets import EmptyStateTable, heading, make_table

POLICY_LABELS = {
    "min_password_length": ("Minimum password length", " characters", 8, 256),
    "max_failed_attempts": ("Lock an account after", " failed attempts", 3, 100),
    "idle_lock_minutes": ("Lock the window after", " idle minutes", 1, 240),
    "suppression_threshold": ("Hide report counts below", "", 1, 100),
    "series_length": ("Structured series length", " sessions", 1, 50),
    "backups_to_keep": ("Automatic backups to keep", "", 1, 1000),
    "supervision_warning_weeks": ("Warn when no supervision for", " weeks", 1, 52),
    "expiry_warning_days": ("Warn before certificates expire", " days", 1, 365),
    "matching_department": ("Matching by department", "", 0, 0),
    "supporters_may_assign": ("Supporters may assign episodes", "", 0, 1),
    "report_page_size": ("Report paper size", "", 0, 0),
}
# Not offered here: the folders are IT's, in the machine policy (data_dir) or the file.
RESERVED = {"allow_keyring_unlock", "data_dir", "backup_dir"}
STR_CHOICES = {
    "matching_department": ("prefer_different", "require_different", "any"),
    "report_page_size": PAGE_SIZES,
}


class AccountsPage(Page):
    key = "accounts"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(heading(self.tr("Accounts"), level=2))
        self.model = RowTableModel(
            [
                Column(self.tr("Username"), lambda u: u.username),
                Column(self.tr("Name"), lambda u: u.display_name),
                Column(self.tr("Role"), lambda u: label(u.role)),
                Column(self.tr("Site"), lambda u: u.site),
                Column(
                    self.tr("State"),
                    lambda u: (
                        label(u.state) + (self.tr(" (first password)") if u.first_password else "")
                    ),
                    tooltip=lambda u: (
                        self.tr(
                            "Still on the password an administrator set; they choose their own "
                            "at their next sign-in"
                        )
                        if u.first_password
                        else ""
                    ),
                ),
                Column(self.tr("Locked out"), lambda u: self.tr("locked") if u.locked_out else ""),
                Column(self.tr("Last sign-in"), lambda u: u.last_login_at),
            ],
            highlight=lambda u: u.locked_out,
        )
        self.view = make_table(self.model, self.tr("Accounts"), sortable=False)
        self.table = EmptyStateTable(self.view, self.tr("No accounts. Add one with Add account."))
        left.addWidget(self.table, 1)
        # Two rows, so the page fits a 1024-pixel screen beside the policy column.
        buttons = QGridLayout()
        self.add_button = QPushButton(self.tr("&Add account…"))
        self.add_button.clicked.connect(self.add)
        self.disable_button = QPushButton(self.tr("&Disable…"))
        self.disable_button.clicked.connect(self.disable)
        self.reset_button = QPushButton(self.tr("&Reset password…"))
        self.reset_button.clicked.connect(self.reset_password)
        self.enable_button = QPushButton(self.tr("&Enable…"))
        self.enable_button.setToolTip(self.tr("Let a disabled account sign in again"))
        self.enable_button.clicked.connect(self.enable)
        self.unlock_button = QPushButton(self.tr("&Unlock"))
        self.unlock_button.setToolTip(
            self.tr("Lift a lock-out after too many failed sign-ins; the password stays")
        )
        self.unlock_button.clicked.connect(self.unlock)
        self.add_site_button = QPushButton(self.tr("Add &site…"))
        self.add_site_button.setToolTip(
            self.tr("Another site of the organisation, with its own accounts and participants")
        )
        self.add_site_button.clicked.connect(self.add_site)
        self.move_button = QPushButton(self.tr("&Move to site…"))
        self.move_button.setToolTip(
            self.tr("The account then works with that site's participants and reports")
        )
        self.move_button.clicked.connect(self.move_to_site)
        self.writer_buttons = (
            self.add_button,
            self.disable_button,
            self.enable_button,
            self.unlock_button,
            self.reset_button,
            self.move_button,
            self.add_site_button,
        )
        for n, b in enumerate(self.writer_buttons):
            buttons.addWidget(b, n // 3, n % 3)
        buttons.setColumnStretch(3, 1)
        left.addLayout(buttons)
        self.sites_label = QLabel()
        self.sites_label.setWordWrap(True)
        left.addWidget(self.sites_label)
        outer.addLayout(left, 3)

        right = QVBoxLayout()
        self.policy_box = QGroupBox(self.tr("Policy (policy.toml in the data folder)"))
        form = QFormLayout(self.policy_box)
        self.policy_fields: dict[str, QWidget] = {}
        for f in fields(Policy):
            if f.name in RESERVED:
                continue
            default = (f.name.replace("_", " ").capitalize(), "", 0, 100000)
            title, suffix, lo, hi = POLICY_LABELS.get(f.name, default)
            widget: QWidget
            if f.type == "bool":
                widget = QCheckBox()
            elif f.type == "str":
                widget = QComboBox()
                widget.setEditable(f.name not in STR_CHOICES)
                for choice in STR_CHOICES.get(f.name, ()):
                    widget.addItem(label(choice), choice)
            else:
                widget = QSpinBox()
                widget.setRange(lo, hi)
                widget.setSuffix(self.tr(suffix))
            widget.setAccessibleName(self.tr(title))
            lab = QLabel(self.tr(title) + ":")
            lab.setBuddy(widget)
            form.addRow(lab, widget)
            self.policy_fields[f.name] = widget
        self.save_policy = QPushButton(self.tr("Save &policy"))
        self.save_policy.clicked.connect(self.store_policy)
        self.policy_in_force = QPushButton(self.tr("Policy in &force…"))
        self.policy_in_force.setToolTip(
            self.tr("Every setting, its value and where it comes from (machine or folder)")
        )
        self.policy_in_force.clicked.connect(self.show_policy_in_force)
        policy_buttons = QHBoxLayout()
        policy_buttons.addWidget(self.save_policy)
        policy_buttons.addWidget(self.policy_in_force)
        form.addRow(policy_buttons)
        right.addWidget(self.policy_box)

        self.backup_box = QGroupBox(self.tr("Backup and restore"))
        bl = QVBoxLayout(self.backup_box)
        info = QLabel(
            self.tr(
                "A backup is an encrypted, verified copy of the whole store. Keep copies "
                "away from this computer. Restoring replaces the current store (which is "
                "kept in a folder beside it) and signs everyone out."
            )
        )
        info.setWordWrap(True)
        bl.addWidget(info)
        bb = QHBoxLayout()
        self.backup_button = QPushButton(self.tr("&Back up now…"))
        self.backup_button.clicked.connect(self.make_backup)
        self.restore_button = QPushButton(self.tr("Res&tore from a backup…"))
        self.restore_button.clicked.connect(lambda: ctx.restore_backup and ctx.restore_backup())
        bb.addWidget(self.backup_button)
        bb.addWidget(self.restore_button)
        bb.addStretch(1)
        bl.addLayout(bb)
        self.backup_status = QLabel()
        self.backup_status.setWordWrap(True)
        bl.addWidget(self.backup_status)
        right.addWidget(self.backup_box)
        right.addStretch(1)
        outer.addLayout(right, 2)
        self.policy_box.setVisible(ctx.actor.can("policy.write"))
        self.backup_box.setVisible(ctx.actor.can("backup.run"))
        writer = ctx.actor.can("accounts.write")
        for b in self.writer_buttons:
            b.setVisible(writer)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._changed())
        self.model.modelReset.connect(self._changed)
        self.backup_task = None
        self.site_list: list[sites.SiteInfo] = []

    def refresh(self) -> None:
        self.model.set_rows(
            self.call(self.tr("Accounts"), accounts.list_users, self.store, self.actor) or []
        )
        self.site_list = self.call(self.tr("Sites"), sites.list_sites, self.store, self.actor) or []
        self.sites_label.setText(
            self.tr("Sites: %1").replace(
                "%1",
                "; ".join(
                    self.tr("%1 (%2 accounts, %3 participants)")
                    .replace("%1", x.name)
                    .replace("%2", str(x.accounts))
                    .replace("%3", str(x.participants))
                    for x in self.site_list
                ),
            )
        )
        self.move_button.setVisible(self.actor.can("accounts.write") and len(self.site_list) > 1)
        for name, widget in self.policy_fields.items():
            value = getattr(self.store.policy, name)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QComboBox):
                i = widget.findData(value)
                if i >= 0:
                    widget.setCurrentIndex(i)
                else:
                    widget.setEditText(str(value))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))

    def first_focus(self) -> QWidget | None:
        return self.view

    def show_item(self, **what: object) -> None:
        """From Today's "Accounts locked out": that account, ready to unlock."""
        name = what.get("username")
        if isinstance(name, str):
            self.select(name)
            if self.unlock_button.isEnabled():
                self.unlock_button.setFocus()

    def current(self) -> UserInfo | None:
        i = self.view.currentIndex()
        return i.data(ROW_ROLE) if i.isValid() else None

    def _changed(self) -> None:
        u = self.current()
        self.disable_button.setEnabled(
            bool(u and u.state == "active" and u.id != self.actor.user_id)
        )
        self.reset_button.setEnabled(bool(u and u.state == "active"))
        self.enable_button.setEnabled(bool(u and u.state == "disabled"))
        self.unlock_button.setEnabled(bool(u and u.locked_out and u.state == "active"))
        self.move_button.setEnabled(bool(u and u.state == "active"))

    def add_site(self) -> None:
        name: str | None = ""
        added = None
        while added is None:  # a refused name is offered again as typed
            name = self.dialogs.ask_text(
                self, self.tr("Add a site"), self.tr("Name of the new site:"), name or ""
            )
            if name is None:
                return
            added = self.call(self.tr("Add a site"), sites.add_site, self.store, self.actor, name)
        if added is not None:
            self.refresh()
            self.dialogs.info(
                self,
                self.tr("Site added"),
                self.tr("%1 added. Give it accounts with Add account…").replace("%1", added.name),
            )

    def move_to_site(self) -> None:
        u = self.current()
        if u is None:
            return
        names = [x.name for x in self.site_list if x.name != u.site]
        site = self.dialogs.choose(
            self,
            self.tr("Move to site"),
            self.tr("Move %1 to:").replace("%1", u.username),
            names,
        )
        if site is None:
            return
        if self.attempt(
            self.tr("Move to site"),
            accounts.set_user_site,
            self.store,
            self.actor,
            u.username,
            site,
        ):
            self.refresh()
            self.select(u.username)

    def select(self, username: str) -> None:
        """Keep the person selected after a change (the list is rebuilt)."""
        for row in range(self.model.rowCount()):
            index = self.model.index(row, 0)
            if index.data(ROW_ROLE).username == username:
                self.view.setCurrentIndex(index)
                return

    def add(self) -> None:
        dlg = UserDialog(self.store, self.actor, self)
        if self.dialogs.run(dlg):
            self.dialogs.info(
                self,
                self.tr("Account added"),
                self.tr("Account %1 added. First password: %2")
                .replace("%1", dlg.value.username)
                .replace("%2", dlg.password.text()),
            )
            self.refresh()
            self.select(dlg.value.username)

    def disable(self) -> None:
        u = self.current()
        if u is None or not self.dialogs.confirm(
            self,
            self.tr("Disable account"),
            self.tr("Disable %1? They can no longer sign in; what they recorded stays.").replace(
                "%1", u.username
            ),
        ):
            return
        self.call(
            self.tr("Disable account"),
            accounts.disable_user,
            self.store,
            self.actor,
            u.username,
            version=u.version,
        )
        self.refresh()
        # Stay on the person (Enable is the next thing one may want), and keep the focus
        # in the list rather than letting it fall to the first policy field.
        self.select(u.username)
        self.view.setFocus()

    def reset_password(self) -> None:
        u = self.current()
        if u is None:
            return
        new = accounts.generate_password()
        if not self.dialogs.confirm(
            self,
            self.tr("Reset password"),
            self.tr("Give %1 a new password? This also clears a lock-out.").replace(
                "%1", u.username
            ),
        ):
            return
        if self.attempt(
            self.tr("Reset password"),
            accounts.reset_password,
            self.store,
            self.actor,
            u.username,
            new,
            must_change=True,
        ):
            self.dialogs.info(
                self,
                self.tr("Password reset"),
                self.tr(
                    "New password for %1: %2\nGive it to them in person; they choose their "
                    "own when they next sign in."
                )
                .replace("%1", u.username)
                .replace("%2", new),
            )
        self.refresh()
        self.select(u.username)

    def enable(self) -> None:
        u = self.current()
        if u is None or u.state != "disabled":
            return
        if not self.dialogs.confirm(
            self,
            self.tr("Enable account"),
            self.tr(
                "Let %1 sign in again? Disabling removed their password, so they get a new "
                "one now and choose their own when they sign in."
            ).replace("%1", u.username),
        ):
            return
        new = accounts.generate_password()
        if self.attempt(
            self.tr("Enable account"),
            accounts.enable_user,
            self.store,
            self.actor,
            u.username,
            new,
            must_change=True,
        ):
            self.dialogs.info(
                self,
                self.tr("Account enabled"),
                self.tr("%1 can sign in again with this password: %2\nGive it to them in person.")
                .replace("%1", u.username)
                .replace("%2", new),
            )
        self.refresh()
        self.select(u.username)

    def unlock(self) -> None:
        u = self.current()
        if u is None or not u.locked_out:
            return
        if self.attempt(
            self.tr("Unlock account"), accounts.unlock_user, self.store, self.actor, u.username
        ):
            self.dialogs.info(
                self,
                self.tr("Account unlocked"),
                self.tr("%1 can sign in again with their own password.").replace("%1", u.username),
            )
        self.refresh()
        self.select(u.username)

    def store_policy(self) -> None:
        changes: dict[str, object] = {}
        for name, w in self.policy_fields.items():
            if isinstance(w, QCheckBox):
                changes[name] = w.isChecked()
            elif isinstance(w, QComboBox):
                changes[name] = w.currentData() or w.currentText()
            elif isinstance(w, QSpinBox):
                changes[name] = w.value()
        if self.call(self.tr("Policy"), policy_admin.save_policy, self.store, self.actor, changes):
            self.dialogs.info(
                self,
                self.tr("Policy saved"),
                self.tr("The policy was saved. The idle lock uses it from the next sign-in."),
            )

    def show_policy_in_force(self) -> None:
        from peerdesk.ui.policy_view import PolicyInForceDialog

        try:
            dialog = PolicyInForceDialog(self.store, self.actor, self)
        except PeerDeskError as exc:  # e.g. the machine policy was broken since sign-in
            self.dialogs.error(self, self.tr("Policy"), str(exc))
            return
        self.dialogs.run(dialog)

    def make_backup(self) -> None:
        path = self.dialogs.save_file(
            self,
            self.tr("Back up the store"),
            "peerdesk-backup.pdbackup",
            self.tr("PeerDesk backups (*.pdbackup)"),
        )
        if path is None:
            return
        self.backup_button.setEnabled(False)
        self.backup_status.setText(self.tr("Backing up…"))

        def done(info: backup.BackupInfo) -> None:
            self.backup_button.setEnabled(True)
            self.backup_status.setText(
                self.tr("Backed up and verified: %1 (%2 MB).")
                .replace("%1", str(info.path))
                .replace("%2", f"{info.size / 1e6:.1f}")
            )

        def failed(exc: BaseException) -> None:
            self.backup_button.setEnabled(True)
            self.backup_status.setText("")
            self.dialogs.error(self, self.tr("Backup failed"), error_text(exc))

        self.backup_task = run_task(
            self,
            partial(backup.backup_store, self.store, self.actor, path),
            on_result=done,
            on_error=failed,
            title=self.tr("Backup"),
            label=self.tr("Writing and verifying the backup…"),
        )

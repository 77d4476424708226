"""The menu bar: File, Go and Help, built from the window's own actions.

The menus reuse the actions the toolbar and shortcuts already have (Lock now Ctrl+L,
Sign out Ctrl+Shift+L, Shortcuts F1), so no key is bound twice. The Go entries show
the Ctrl+1…9 keys the workspace binds, without binding them again (a second binding
would make each key ambiguous and do nothing). Entries appear only for what the
signed-in role may do.

The menu titles have no Alt+letter mnemonics on purpose: Alt+F, Alt+G and Alt+H already
belong to fields of the keyboard-first forms (Follow up on, Group, Withdraw), and a
menu title on the same letter turns those into "ambiguous" keys that only move the focus.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from peerdesk.ui.about import AboutDialog

if TYPE_CHECKING:
    from peerdesk.ui.main_window import MainWindow


class AppMenus(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        bar = window.menuBar()
        bar.setObjectName("menuBar")
        self.file: QMenu = bar.addMenu(self.tr("File"))
        self.go: QMenu = bar.addMenu(self.tr("Go"))
        self.help: QMenu = bar.addMenu(self.tr("Help"))

        self.backup_action = QAction(self.tr("Back up…"), self)
        self.backup_action.triggered.connect(lambda _c=False: self.back_up())
        self.quit_action = QAction(self.tr("Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        # Through close(), so quitting asks about unsaved input exactly like closing does.
        self.quit_action.triggered.connect(lambda _c=False: window.close())
        window.addAction(self.quit_action)

        self.file.addAction(window.password_action)
        self.file.addSeparator()
        self.file.addAction(window.lock_action)
        self.file.addAction(window.sign_out_action)
        self.backup_separator = self.file.addSeparator()
        self.file.addAction(self.backup_action)
        self.file.addSeparator()
        self.file.addAction(self.quit_action)

        self.shortcuts_action = window.help_action
        self.shortcuts_action.setText(self.tr("Keyboard shortcuts"))
        self.about_action = QAction(self.tr("About PeerDesk"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(lambda _c=False: self.about())
        self.help.addAction(self.shortcuts_action)
        self.help.addAction(self.about_action)

        window.stack.currentChanged.connect(lambda _i: self.refresh())
        window.signedIn.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Match the menus to who is signed in (nothing but Quit and Help when no one)."""
        w = self.window
        ws = w.workspace if w.signed_in else None
        self.go.clear()
        if ws is not None:
            for n, spec in enumerate(ws.specs, start=1):
                text = self.tr(spec.title) + (f"\tCtrl+{n}" if n <= 9 else "")
                act = self.go.addAction(text)
                act.setObjectName(f"go_{spec.key}")
                act.triggered.connect(partial(self._go, spec.key))
            if w.actor is not None and w.actor.supporter_id is not None and "sessions" in ws.keys():
                self.go.addSeparator()
                act = self.go.addAction(self.tr("Record a session") + "\tCtrl+N")
                act.setObjectName("go_new_session")
                act.triggered.connect(partial(self._go, "sessions", True))
        self.go.menuAction().setVisible(ws is not None)
        may_back_up = bool(ws is not None and w.actor is not None and w.actor.can("backup.run"))
        self.backup_action.setVisible(may_back_up)
        self.backup_action.setEnabled(may_back_up and "accounts" in (ws.keys() if ws else []))
        self.backup_separator.setVisible(may_back_up)
        # Only what makes sense right now: nothing to lock or sign out of before sign-in.
        # (The same actions sit in the toolbar, which is hidden until sign-in anyway.)
        for act in (w.password_action, w.lock_action, w.sign_out_action):
            act.setVisible(ws is not None)
        self.shortcuts_action.setEnabled(True)

    def _go(self, key: str, new: bool = False, _checked: bool = False) -> None:
        ws = self.window.workspace
        if ws is None:
            return
        if new:
            ws.show_page(key, new=True)
        else:
            ws.show_page(key)

    def back_up(self) -> None:
        """The Accounts and policy page's own backup (same file dialog, task and message)."""
        ws = self.window.workspace
        if ws is None or "accounts" not in ws.keys():
            return
        ws.show_page("accounts")
        page = ws.page("accounts")
        make_backup = getattr(page, "make_backup", None)
        if callable(make_backup):
            make_backup()

    def about(self) -> None:
        self.window.dialogs.run(AboutDialog(self.window))


def install_menus(window: MainWindow) -> AppMenus:
    return AppMenus(window)

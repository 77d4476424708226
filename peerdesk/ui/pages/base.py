"""What every page gets (store, acting user, dialogs, navigation) and shared helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtWidgets import QWidget

from peerdesk.errors import PeerDeskError, ServerUnavailableError, StaleEditError
from peerdesk.services.auth import Actor
from peerdesk.services.store import Store
from peerdesk.ui import outage
from peerdesk.ui.dialogs import Dialogs
from peerdesk.ui.fmt import sentence
from peerdesk.ui.table_models import PagedTableModel


@dataclass
class Context:
    store: Store
    actor: Actor
    dialogs: Dialogs
    navigate: Callable[..., None]  # navigate(page_key, **what_to_show)
    demo: bool = False
    restore_backup: Callable[[], None] | None = None  # closes the store; the window does it
    today: Callable[[], date] = date.today  # tests fix the date that warnings are judged on

    @property
    def casework(self) -> bool:
        return self.actor.can("casework.own") or self.actor.can("casework.program")


class Page(QWidget):
    key = ""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"page_{self.key}")

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def actor(self) -> Actor:
        return self.ctx.actor

    @property
    def dialogs(self) -> Dialogs:
        return self.ctx.dialogs

    def today(self) -> date:
        return self.ctx.today()

    def refresh(self) -> None:
        """Reload from the store; called when the page is shown."""

    def show_item(self, **what: Any) -> None:
        """Select something another page pointed at (an episode, a referral...)."""

    def first_focus(self) -> QWidget | None:
        return None

    def call(self, title: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a quick service call; a PeerDeskError becomes a message, and None is returned.

        A StaleEditError (someone else changed the record since this page listed it) is
        shown the same way and the page reloads, so the person sees their change; the
        actions called here carry no form input to lose. A lost connection to the clinic
        server is said once for all the calls a page makes while it is down (ui/outage.py).
        """
        try:
            return fn(*args, **kwargs)
        except StaleEditError as exc:
            self._stale(title, exc)
            return None
        except ServerUnavailableError as exc:
            outage.report(self.dialogs, self, exc, action=False)
            return None
        except PeerDeskError as exc:
            self.dialogs.error(self, title, sentence(str(exc)))
            return None

    def attempt(self, title: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Like call(), for services that return nothing: True when it worked. These are
        actions the person asked for, so a lost connection is always said."""
        try:
            fn(*args, **kwargs)
        except StaleEditError as exc:
            self._stale(title, exc)
            return False
        except ServerUnavailableError as exc:
            outage.report(self.dialogs, self, exc, action=True)
            return False
        except PeerDeskError as exc:
            self.dialogs.error(self, title, sentence(str(exc)))
            return False
        return True

    def _stale(self, title: str, exc: StaleEditError) -> None:
        self.dialogs.warn(self, title, str(exc) + " " + self.tr("The list has been reloaded."))
        self.refresh()

    def watch_list(self, model: PagedTableModel, title: str) -> None:
        """A paged list's failures as messages: a lost connection once, others as they are."""
        model.failed.connect(lambda msg: self.dialogs.error(self, title, sentence(msg)))
        model.lost.connect(lambda exc: outage.report(self.dialogs, self, exc, action=False))

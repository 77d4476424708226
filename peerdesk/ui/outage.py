"""One message for a lost connection to the clinic server (server mode), not one per call.

When the server goes away, everything that touches it fails at once: the page's list, its
count, the side panels, the next page of rows. The person needs to hear it once. Loads
(lists, panels, a page shown) report through `report(..., action=False)`: the message is
shown unless one is open now or was closed less than QUIET_S ago. A save the person asked
for (`action=True`) always says it did not go through, unless the same message is open at
that moment: they must never take a failed save for a saved one.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QWidget

from peerdesk.errors import ServerUnavailableError
from peerdesk.ui.dialogs import Dialogs
from peerdesk.ui.fmt import sentence

QUIET_S = 5.0
TITLE = "Clinic server"


class OutageNotice:
    def __init__(self) -> None:
        self._open = False
        self._closed_at = float("-inf")
        self.shown = 0  # how many messages were shown (for tests and the IT log)

    def report(
        self, dialogs: Dialogs, parent: QWidget | None, exc: BaseException, action: bool
    ) -> bool:
        """Show exc's sentence once for this outage; True when it was shown now."""
        if self._open:
            return False
        if not action and time.monotonic() - self._closed_at < QUIET_S:
            return False
        self._open = True
        self.shown += 1
        try:
            dialogs.error(parent, parent.tr(TITLE) if parent else TITLE, sentence(str(exc)))
        finally:
            self._open = False
            self._closed_at = time.monotonic()
        return True

    def reset(self) -> None:
        self._open = False
        self._closed_at = float("-inf")


NOTICE = OutageNotice()  # one per app: there is one server and one person at the screen


def report(
    dialogs: Dialogs, parent: QWidget | None, exc: BaseException, action: bool = False
) -> bool:
    return NOTICE.report(dialogs, parent, exc, action)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, ServerUnavailableError)

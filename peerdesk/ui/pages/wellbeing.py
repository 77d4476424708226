"""My well-being (supporters): a private WHO-5 / PSS-4 check-in about oneself, and its history.

Only the supporter sees these; a coordinator gets counts alone (services/supporter_load).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from peerdesk.services import checkins, supporter_load
from peerdesk.services.supporter_load import OwnCheckIn
from peerdesk.ui.checkin_forms import PRIVATE_STYLE, WellbeingDialog, score_meaning
from peerdesk.ui.fmt import tr
from peerdesk.ui.pages.base import Context, Page
from peerdesk.ui.table_models import Column, RowTableModel
from peerdesk.ui.widgets import EmptyStateTable, heading, hint, make_table

# WHO-5 below 52 of 100 (raw 13) is the usual sign of low well-being.
WHO5_LOW = 52


def low(c: OwnCheckIn) -> bool:
    return c.instrument == "WHO-5" and c.score < WHO5_LOW


def meaning(c: OwnCheckIn) -> str:
    text = score_meaning(c.instrument) if c.instrument in checkins.INSTRUMENTS else ""
    if low(c):
        text += tr(" — lower than usual: worth talking with someone you trust")
    return text


class WellbeingPage(Page):
    key = "wellbeing"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        lay = QVBoxLayout(self)
        lay.addWidget(heading(self.tr("My well-being — private")))
        self.private = QLabel(
            self.tr(
                "Private to you. Only you can see these check-ins: not coordinators, not "
                "administrators. A coordinator sees only how many supporters checked in each "
                "month, never who or how. This is for you, not for your casework."
            )
        )
        self.private.setWordWrap(True)
        self.private.setObjectName("privateNote")
        self.private.setStyleSheet(PRIVATE_STYLE)
        self.private.setAccessibleName(self.private.text())
        lay.addWidget(self.private)
        row = QHBoxLayout()
        self.record = QPushButton(self.tr("&Record a check-in…"))
        self.record.setToolTip(self.tr("WHO-5 (well-being) or PSS-4 (stress); about two minutes"))
        self.record.clicked.connect(self.add)
        row.addWidget(self.record)
        row.addStretch(1)
        lay.addLayout(row)
        self.model = RowTableModel(
            [
                Column(self.tr("Date"), lambda c: c.taken_on),
                Column(self.tr("Instrument"), lambda c: c.instrument),
                Column(self.tr("Score"), lambda c: c.score, align_right=True),
                Column(
                    self.tr("Meaning"),
                    meaning,
                    tone=lambda c: "warn" if low(c) else None,
                ),
            ]
        )
        self.table = EmptyStateTable(
            make_table(self.model, self.tr("My well-being check-ins"), sortable=False),
            self.tr(
                "No check-ins yet. Press Record a check-in (Alt+R): WHO-5 asks about your "
                "well-being over the last two weeks, PSS-4 about stress in the last month."
            ),
        )
        lay.addWidget(self.table, 1)
        lay.addWidget(
            hint(
                self.tr(
                    "If the work is weighing on you, talk with your supervisor or contact the "
                    "employee assistance program (see Resources)."
                )
            )
        )

    def refresh(self) -> None:
        rows = self.call(
            self.tr("My well-being"), supporter_load.list_own_wellbeing, self.store, self.actor
        )
        self.model.set_rows(rows or [])

    def first_focus(self) -> QWidget | None:
        return self.record

    def add(self) -> None:
        if self.dialogs.run(WellbeingDialog(self.store, self.actor, self)):
            self.refresh()


__all__ = ["WellbeingPage"]

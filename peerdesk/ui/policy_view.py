"""The policy in force, read-only: each setting, its value and where the value came from
(the machine policy, the data folder's policy.toml, or the default)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services import policy_admin
from peerdesk.services.auth import Actor
from peerdesk.services.policy import PolicyRow, machine_policy_path
from peerdesk.services.store import Store
from peerdesk.ui.table_models import Column, RowTableModel
from peerdesk.ui.widgets import fit_columns, make_table


def _value(row: PolicyRow) -> str:
    if isinstance(row.value, bool):
        return "yes" if row.value else "no"
    return str(row.value) if row.value != "" else "—"


class PolicyInForceDialog(QDialog):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Policy in force"))
        self.resize(860, 470)
        lay = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The machine policy (%1) is read first; the data folder's policy.toml may "
                "only make its settings stricter. IT changes the machine policy; admins "
                "change the folder's under Accounts and policy."
            ).replace("%1", str(machine_policy_path()))
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.model = RowTableModel(
            [
                Column(self.tr("Setting"), lambda r: r.key),
                Column(self.tr("Value"), _value),
                Column(self.tr("From"), lambda r: self.tr(r.source)),
                Column(self.tr("File"), lambda r: r.path),
                Column(self.tr("Note"), lambda r: r.note, tooltip=lambda r: r.note),
            ]
        )
        self.rows = policy_admin.policy_rows(store, actor)
        self.model.set_rows(self.rows)
        self.view = make_table(self.model, self.tr("Policy in force"), sortable=False)
        self.view.setWordWrap(True)
        header = self.view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # The note takes the rest of the width and wraps, rows growing to fit.
        fit_columns(self.view, stretch=4)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(self.view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        lay.addWidget(buttons)

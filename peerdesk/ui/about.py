"""Help ▸ About PeerDesk: versions (for support calls and audits) and licences."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services import about
from peerdesk.ui.widgets import heading

QT_DISTRIBUTIONS = ("PySide6-Essentials", "shiboken6")


def all_versions() -> list[tuple[str, str]]:
    out = about.versions()
    out[2:2] = [("Qt", qVersion()), ("PySide6", PySide6.__version__)]
    return out


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About PeerDesk"))
        lay = QVBoxLayout(self)
        lay.addWidget(heading(self.tr("PeerDesk")))
        intro = QLabel(
            self.tr(
                "Peer support records for small clinics, kept in an encrypted store on "
                "this computer. Nothing is sent over a network."
            )
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.versions = all_versions()
        for name, version in self.versions:
            value = QLabel(version)
            value.setObjectName(f"version_{name}")
            form.addRow(QLabel(name + ":"), value)
        lay.addLayout(form)
        lay.addWidget(QLabel(self.tr("Components and their licences:")))
        self.components = QPlainTextEdit()
        self.components.setReadOnly(True)
        self.components.setAccessibleName(self.tr("Components and their licences"))
        self.components.setPlainText(
            "\n".join(
                f"{c.name} {c.version}: {c.licence}" for c in about.components(QT_DISTRIBUTIONS)
            )
        )
        self.components.setFixedHeight(self.fontMetrics().height() * 7)
        lay.addWidget(self.components)
        row = QLabel(self.tr("&Licence text:"))
        self.which = QComboBox()
        self.which.setAccessibleName(self.tr("Licence text"))
        row.setBuddy(self.which)
        self.texts = about.licence_texts()
        for title, _text in self.texts:
            self.which.addItem(title)
        lay.addWidget(row)
        lay.addWidget(self.which)
        self.licence = QPlainTextEdit()
        self.licence.setReadOnly(True)
        self.licence.setAccessibleName(self.tr("Licence"))
        lay.addWidget(self.licence, 1)
        self.which.currentIndexChanged.connect(self._show_licence)
        self._show_licence(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        lay.addWidget(buttons)
        self.resize(620, 560)

    def _show_licence(self, index: int) -> None:
        if 0 <= index < len(self.texts):
            self.licence.setPlainText(self.texts[index][1])

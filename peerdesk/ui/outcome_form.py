"""'Were the person's needs met?': asked at the end of a series and when an episode closes."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QComboBox, QLabel, QRadioButton, QWidget

from peerdesk.errors import ValidationError
from peerdesk.services import outcomes
from peerdesk.services.auth import Actor
from peerdesk.services.store import Store
from peerdesk.ui.forms import FormDialog


class OutcomeDialog(FormDialog):
    """Needs met (yes / partly / no / not asked) and an optional satisfaction rating."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        episode_id: str,
        participant_code: str,
        parent: QWidget | None = None,
        session_id: str | None = None,
    ) -> None:
        super().__init__(
            self.tr("Needs met? — %1").replace("%1", participant_code),
            parent,
            self.tr("Save"),
        )
        self.store, self.actor = store, actor
        self.episode_id, self.session_id = episode_id, session_id
        when = (
            self.tr("This session ends the structured series.")
            if session_id
            else self.tr("The episode is closing.")
        )
        intro = QLabel(
            when
            + " "
            + self.tr(
                "Ask %1, in your own words, whether the support met their needs, and how "
                "satisfied they are. Programs report the answers in aggregate only."
            ).replace("%1", participant_code)
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.choices = QButtonGroup(self)
        self.options: dict[str, QRadioButton] = {}
        for code, text in (
            ("yes", self.tr("&Yes, their needs were met")),
            ("partly", self.tr("&Partly")),
            ("no", self.tr("N&o")),
            ("not_asked", self.tr("Not &asked (not the right moment)")),
        ):
            button = QRadioButton(text)
            self.choices.addButton(button)
            self.options[code] = button
            self.form.addRow(button)
        self.satisfaction = QComboBox()
        self.satisfaction.addItem(self.tr("— not rated —"), None)
        for value, meaning in outcomes.SATISFACTION.items():
            self.satisfaction.addItem(f"{value} — {self.tr(meaning)}", value)
        self.row(self.tr("&Satisfaction (optional):"), self.satisfaction)
        cancel = self.buttons.button(self.buttons.StandardButton.Cancel)
        if cancel is not None:
            cancel.setText(self.tr("S&kip"))
        self.setMinimumWidth(480)

    def choose(self, code: str, satisfaction: int | None = None) -> None:
        self.options[code].setChecked(True)
        self.satisfaction.setCurrentIndex(max(0, self.satisfaction.findData(satisfaction)))

    def submit(self) -> outcomes.OutcomeInfo:
        chosen = next((c for c, b in self.options.items() if b.isChecked()), None)
        if chosen is None:
            raise ValidationError("choose whether the needs were met, or Skip")
        return outcomes.record_outcome(
            self.store,
            self.actor,
            self.episode_id,
            chosen,
            self.satisfaction.currentData(),
            session_id=self.session_id,
        )

"""Matching: ranked supporter suggestions for an episode, with reasons, and Assign.

Who is left out (on leave, at capacity, training lapsed, same department by policy) is
one key press away, so nobody wonders why a colleague is missing.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk.errors import PeerDeskError, ValidationError
from peerdesk.services import matching
from peerdesk.services.auth import Actor
from peerdesk.services.episodes import EpisodeInfo
from peerdesk.services.matching import MatchRequest, Suggestion
from peerdesk.services.store import Store
from peerdesk.ui.fmt import sentence
from peerdesk.ui.forms import FormDialog, lived_edit
from peerdesk.ui.table_models import ROW_ROLE, Column, RowTableModel
from peerdesk.ui.widgets import EmptyStateTable, make_table


def may_match(store: Store, actor: Actor) -> bool:
    """Coordinators always; supporters only where the policy lets them assign."""
    if actor.can("casework.program"):
        return True
    return bool(store.policy.supporters_may_assign and actor.can("casework.own"))


class MatchingDialog(FormDialog):
    def __init__(
        self,
        store: Store,
        actor: Actor,
        episode: EpisodeInfo,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            self.tr("Match a supporter for %1").replace("%1", episode.participant_code),
            parent,
            self.tr("&Assign"),
        )
        self.store, self.actor, self.episode = store, actor, episode
        self.day = today or date.today()
        self.match = matching.MatchResult()
        self.concern = self.row(self.tr("&Concern:"), QLineEdit(episode.reason))
        self.language = self.row(self.tr("&Language:"), QLineEdit())
        self.language.setPlaceholderText(self.tr("the participant's language"))
        self.lived = self.row(self.tr("Lived e&xperience wanted:"), lived_edit())
        self.lived.setText(episode.lived_experience_wanted)
        self.again = QPushButton(self.tr("S&uggest again"))
        self.again.setToolTip(
            self.tr("Rank again with the concern, language and lived experience above")
        )
        self.again.clicked.connect(self.suggest)
        self.form.addRow("", self.again)

        body = QVBoxLayout()
        current = episode.supporter_name or self.tr("nobody yet")
        self.current = QLabel(self.tr("Assigned now: %1").replace("%1", current))
        body.addWidget(self.current)
        self.model = RowTableModel(
            [
                Column(self.tr("Supporter"), lambda s: s.supporter_name),
                Column(self.tr("Fit"), lambda s: s.score, align_right=True),
                Column(self.tr("Places free"), lambda s: s.capacity_left, align_right=True),
                Column(self.tr("Why"), lambda s: "; ".join(s.reasons)),
            ],
            highlight=lambda s: s.supporter_id == episode.supporter_id,
            highlight_tone=None,  # the supporter assigned now: marked, not an alarm
        )
        self.view = make_table(self.model, self.tr("Suggested supporters"), sortable=False)
        self.view.activated.connect(lambda _i: self.accept())
        self.table = EmptyStateTable(
            self.view,
            self.tr(
                "Nobody can be suggested right now. Press 'Why is someone missing?' to see who "
                "is left out and why (leave, capacity, training), then fix that under Supporters."
            ),
        )
        body.addWidget(self.table, 2)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName(self.tr("Why this supporter"))
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        body.addWidget(self.reasons)

        row = QHBoxLayout()
        self.why_missing = QPushButton(self.tr("&Why is someone missing?"))
        self.why_missing.setCheckable(True)
        self.why_missing.toggled.connect(self._show_missing)
        row.addWidget(self.why_missing)
        row.addStretch(1)
        body.addLayout(row)
        self.excluded_model = RowTableModel(
            [
                Column(self.tr("Not suggested"), lambda e: e.supporter_name),
                Column(self.tr("Because"), lambda e: sentence(e.reason)),
            ]
        )
        self.excluded_view = make_table(
            self.excluded_model, self.tr("Supporters not suggested"), sortable=False
        )
        self.excluded = EmptyStateTable(
            self.excluded_view, self.tr("Every active supporter is suggested above.")
        )
        self.excluded.hide()
        body.addWidget(self.excluded, 1)
        if not actor.can("casework.program"):
            hint = QLabel(
                self.tr(
                    "You can take this episode yourself. To hand it to a colleague, "
                    "ask a coordinator."
                )
            )
            hint.setWordWrap(True)
            body.addWidget(hint)
        holder = QWidget()
        holder.setLayout(body)
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(1, holder, 1)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        chain = [
            self.concern,
            self.language,
            self.lived,
            self.again,
            self.view,
            self.why_missing,
            self.excluded_view,
            *self.buttons.buttons(),
        ]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self.resize(820, 560)
        self.suggest()
        self.view.setFocus()

    def request(self) -> MatchRequest:
        lived = tuple(w.strip() for w in self.lived.text().split(",") if w.strip())
        return MatchRequest(
            self.episode.participant_id,
            concern=self.concern.text().strip(),
            language=self.language.text().strip() or None,
            lived_experience=lived,
        )

    def suggest(self) -> None:
        self.error.hide()
        try:
            self.match = matching.suggest_supporters(
                self.store, self.actor, self.request(), self.day
            )
        except PeerDeskError as exc:
            self.match = matching.MatchResult()
            self.show_error(str(exc))
        self.model.set_rows(self.match.suggestions)
        self.excluded_model.set_rows(self.match.excluded)
        self.why_missing.setText(
            self.tr("&Why is someone missing? (%1)").replace("%1", str(len(self.match.excluded)))
        )
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0, 0))
        self._selected()

    def _show_missing(self, on: bool) -> None:
        self.excluded.setVisible(on)

    def selected(self) -> Suggestion | None:
        index = self.view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def select_supporter(self, supporter_id: str) -> bool:
        for row, s in enumerate(self.model.rows()):
            if s.supporter_id == supporter_id:
                self.view.setCurrentIndex(self.model.index(row, 0))
                return True
        return False

    def _selected(self) -> None:
        s = self.selected()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if s is None:
            self.reasons.setText("")
        else:
            self.reasons.setText(
                self.tr("Why %1: %2.")
                .replace("%1", s.supporter_name)
                .replace("%2", "; ".join(s.reasons))
            )
        if ok is not None:
            ok.setEnabled(s is not None)

    def submit(self) -> Suggestion:
        s = self.selected()
        if s is None:
            raise ValidationError("choose a supporter from the suggestions")
        matching.assign_supporter(
            self.store, self.actor, self.episode.id, s.supporter_id, self.episode.version
        )
        return s

    def confirmation(self) -> str:
        """What the caller shows after Assign, so the choice is seen to have been stored."""
        s = self.value
        if s is None:
            return ""
        return (
            self.tr("%1 is now assigned to %2.")
            .replace("%1", self.episode.participant_code)
            .replace("%2", s.supporter_name)
        )


__all__ = ["MatchingDialog", "may_match"]

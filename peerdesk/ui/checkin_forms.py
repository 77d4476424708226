"""Check-in forms: the WHO-5 and PSS-4 items in words, and the score as answers come in.

Scoring and the "answer every item" rule live in services/checkins.score, so the form, the
command line and the tests agree; an unanswered item is sent as None and the service's
message is shown.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from peerdesk.errors import PeerDeskError
from peerdesk.services import checkins, supporter_load
from peerdesk.services.auth import Actor
from peerdesk.services.record_ids import new_record_id
from peerdesk.services.store import Store
from peerdesk.ui.fmt import tr
from peerdesk.ui.forms import FormDialog, code_combo, date_edit, from_qdate

# (lead-in, items, answers from the lowest value up) as the published instruments word them.
WORDING: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "WHO-5": (
        "Over the last two weeks…",
        (
            "I have felt cheerful and in good spirits",
            "I have felt calm and relaxed",
            "I have felt active and vigorous",
            "I woke up feeling fresh and rested",
            "My daily life has been filled with things that interest me",
        ),
        (
            "At no time",
            "Some of the time",
            "Less than half of the time",
            "More than half of the time",
            "Most of the time",
            "All of the time",
        ),
    ),
    "PSS-4": (
        "In the last month, how often have you felt…",
        (
            "that you were unable to control the important things in your life?",
            "confident about your ability to handle your personal problems?",
            "that things were going your way?",
            "difficulties were piling up so high that you could not overcome them?",
        ),
        ("Never", "Almost never", "Sometimes", "Fairly often", "Very often"),
    ),
}


# The "private" look used wherever a supporter's own well-being shows.
PRIVATE_STYLE = (
    "background: #e8eef9; color: #10254a; border: 1px solid #6b83b5;"
    " border-radius: 4px; padding: 8px; font-weight: bold;"
)


def score_meaning(instrument: str) -> str:
    inst = checkins.INSTRUMENTS[instrument]
    better = tr("higher is better") if inst.higher_is_better else tr("higher means more stress")
    return tr("out of %1, %2").replace("%1", str(inst.max_score)).replace("%2", better)


class InstrumentForm(FormDialog):
    """Instrument, date and one answer box per item; subclasses say where it is saved."""

    def __init__(
        self,
        title: str,
        parent: QWidget | None = None,
        ok_text: str = "",
        taken_on: date | None = None,
    ) -> None:
        super().__init__(title, parent, ok_text or self.tr("Save"))
        self.instrument = QComboBox()
        for code in checkins.INSTRUMENTS:
            self.instrument.addItem(code, code)
        self.taken_on = date_edit(taken_on)
        self.answers_box = QGroupBox(self.tr("Answers"))
        self.answers_form = QFormLayout(self.answers_box)
        self.answers_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        # Each question on its own line, its answer below: no clipped wrapping, any language.
        self.answers_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.items: list[QComboBox] = []
        self.score = QLabel()
        self.score.setAccessibleName(self.tr("Score"))
        self.score.setObjectName("checkinScore")
        self.setMinimumWidth(560)

    def _finish(self) -> None:
        """Call once the subclass has added its own rows above the answers."""
        self.row(self.tr("&Instrument:"), self.instrument)
        self.row(self.tr("&Date:"), self.taken_on)
        self.form.addRow(self.answers_box)
        self.form.addRow(self.tr("Score:"), self.score)
        self.instrument.currentIndexChanged.connect(lambda _i: self._build_items())
        self._build_items()

    def _build_items(self) -> None:
        while self.answers_form.rowCount():
            self.answers_form.removeRow(0)
        self.items = []
        code = self.instrument.currentData()
        lead, questions, scale = WORDING[code]
        inst = checkins.INSTRUMENTS[code]
        intro = QLabel(self.tr(lead))
        intro.setWordWrap(True)
        self.answers_form.addRow(intro)
        for n, question in enumerate(questions, start=1):
            box = QComboBox()
            box.addItem(self.tr("— not answered —"), None)
            for value in range(inst.lowest, inst.highest + 1):
                box.addItem(f"{value} — {self.tr(scale[value - inst.lowest])}", value)
            box.setAccessibleName(
                self.tr("Item %1: %2").replace("%1", str(n)).replace("%2", question)
            )
            box.currentIndexChanged.connect(lambda _i: self._update_score())
            text = QLabel(f"&{n}. {self.tr(question)}")
            text.setBuddy(box)
            self.answers_form.addRow(text, box)
            self.items.append(box)
        chain = [self.instrument, self.taken_on, *self.items, *self.buttons.buttons()]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self._update_score()
        self.adjustSize()

    def answers(self) -> list[int | None]:
        return [box.currentData() for box in self.items]

    def set_answers(self, values: list[int | None]) -> None:
        for box, value in zip(self.items, values, strict=False):
            box.setCurrentIndex(max(0, box.findData(value)) if value is not None else 0)

    def _update_score(self) -> None:
        code = self.instrument.currentData()
        answers = self.answers()
        try:
            total = checkins.score(code, answers)
        except PeerDeskError:
            done = sum(a is not None for a in answers)
            self.score.setText(
                self.tr("answer every item to see the score (%1 of %2 answered)")
                .replace("%1", str(done))
                .replace("%2", str(len(answers)))
            )
            return
        meaning = checkins.tier(code, total)
        text = f"<b>{total}</b> {score_meaning(code)}"
        if meaning:  # the published cut-off, said in words next to the number
            text += f"<br><b style='color:#b00020'>{self.tr(meaning)}</b>"
        self.score.setText(text)

    def instrument_code(self) -> str:
        return str(self.instrument.currentData())


class CheckInDialog(InstrumentForm):
    """A participant's check-in on an episode, before (first session) or after (last)."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        episode_id: str,
        parent: QWidget | None = None,
        phase: str = "",
        taken_on: date | None = None,
    ) -> None:
        super().__init__(self.tr("Record a check-in"), parent, taken_on=taken_on)
        self.store, self.actor, self.episode_id = store, actor, episode_id
        self.phase = self.row(self.tr("&Taken:"), code_combo(checkins.PHASES, phase))
        self.new_checkin_id = new_record_id()  # the same for every press of OK
        self._finish()

    def submit(self) -> checkins.CheckInInfo:
        return checkins.record_checkin(
            self.store,
            self.actor,
            self.episode_id,
            self.instrument_code(),
            self.phase.currentData(),
            self.answers(),
            from_qdate(self.taken_on.date()),
            record_id=self.new_checkin_id,
        )


class WellbeingDialog(InstrumentForm):
    """A supporter's private check-in about themself: only they ever see it."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("My private well-being check-in"), parent)
        self.store, self.actor = store, actor
        note = QLabel(
            self.tr(
                "Private: only you can see your answers and scores. Coordinators see "
                "only how many supporters checked in, never who or how."
            )
        )
        note.setWordWrap(True)
        note.setObjectName("privateNote")
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setStyleSheet(PRIVATE_STYLE)
        self.form.addRow(note)
        self._finish()

    def submit(self) -> supporter_load.OwnCheckIn:
        return supporter_load.record_own_wellbeing(
            self.store,
            self.actor,
            self.instrument_code(),
            self.answers(),
            from_qdate(self.taken_on.date()),
        )


__all__ = [
    "PRIVATE_STYLE",
    "WORDING",
    "CheckInDialog",
    "InstrumentForm",
    "WellbeingDialog",
    "score_meaning",
]

"""What follows a saved session: the referral question and the check-ins that are due.

A safety flag and the last session of a structured series both ask the supporter to
consider a referral; the answer (referred, not needed, declined by the participant) is
stored on the session through services/series. Then a 'before' check-in is offered at an
episode's first session and an 'after' one at the end of a series.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QWidget

from peerdesk.errors import PeerDeskError
from peerdesk.services import episodes, outcomes, series
from peerdesk.services.auth import Actor
from peerdesk.services.series import OpenQuestion, ReferralPrompt
from peerdesk.services.store import Store
from peerdesk.ui.checkin_forms import CheckInDialog
from peerdesk.ui.dialogs import Dialogs
from peerdesk.ui.fmt import label, sentence, tr
from peerdesk.ui.forms import FormDialog, ReferralDialog
from peerdesk.ui.outcome_form import OutcomeDialog


class SessionRef(Protocol):
    """What the referral question needs of a session: a saved sessions.SessionInfo, or an open
    question from Today (series.OpenQuestion)."""

    @property
    def id(self) -> str: ...
    @property
    def episode_id(self) -> str: ...
    @property
    def participant_code(self) -> str: ...
    @property
    def safety_flag(self) -> bool: ...


class ReferralPromptDialog(FormDialog):
    """Referred / not needed / declined, with why the question is asked."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        info: SessionRef,
        prompt: ReferralPrompt,
        parent: QWidget | None = None,
        again: bool = False,
    ) -> None:
        safety = any("safety" in r for r in prompt.reasons)
        super().__init__(
            self.tr("Safety concern") if safety else self.tr("End of the series"),
            parent,
            self.tr("Continue"),
        )
        self.store, self.actor, self.info, self.prompt = store, actor, info, prompt
        self.safety = safety
        parts = []
        if safety:
            parts.append(
                self.tr(
                    "You flagged a safety concern for %1. Peer support is not crisis care: "
                    "a referral to a crisis line or mental health service is usually the next step."
                ).replace("%1", info.participant_code)
            )
        for reason in prompt.reasons:
            if reason.startswith("last session"):
                where = reason.removeprefix("last session of the series (").removesuffix(")")
                parts.append(
                    self.tr(
                        "%1 with %2 ends the structured series. Consider whether a referral, "
                        "for example to the employee assistance program or professional help, "
                        "would help now."
                    )
                    .replace("%1", sentence(where).rstrip("."))
                    .replace("%2", info.participant_code)
                )
        if again:
            parts.append(self.tr("No referral was recorded. Choose again, or decide later."))
        self.explain = QLabel("\n\n".join(parts))
        self.explain.setWordWrap(True)
        self.explain.setAccessibleName(self.tr("Why you are asked"))
        self.form.addRow(self.explain)
        self.choices = QButtonGroup(self)
        self.options: dict[str, QRadioButton] = {}
        for code, text in (
            ("referred", self.tr("&Make a referral now…")),
            ("not_needed", self.tr("Referral &not needed")),
            ("declined", self.tr("The participant &declined a referral")),
        ):
            button = QRadioButton(text)
            self.choices.addButton(button)
            self.options[code] = button
            self.form.addRow(button)
        self.options["referred"].setChecked(True)
        cancel = self.buttons.button(self.buttons.StandardButton.Cancel)
        if cancel is not None:
            cancel.setText(self.tr("Decide &later"))
        self.setMinimumWidth(520)

    def choose(self, code: str) -> None:
        self.options[code].setChecked(True)

    def choice(self) -> str:
        return next(code for code, b in self.options.items() if b.isChecked())

    def submit(self) -> str:
        code = self.choice()
        if code != "referred":
            series.record_referral_decision(self.store, self.actor, self.info.id, code)
        return code


def follow_through(
    parent: QWidget, store: Store, actor: Actor, dialogs: Dialogs, info: SessionRef
) -> list[str]:
    """Ask what the saved session calls for; returns short lines for the status text."""
    done: list[str] = []
    try:
        prompt = series.referral_prompt(store, actor, info.id)
        due = series.checkins_due(store, actor, info.episode_id)
        first = episodes.get_episode(store, actor, info.episode_id).session_count == 1
    except PeerDeskError as exc:
        dialogs.error(parent, tr("After the session"), sentence(str(exc)))
        return done
    if prompt is not None and prompt.is_open:
        decision = _ask_referral(parent, store, actor, dialogs, info, prompt)
        if not store.is_open:
            return done  # locked while asking: the question waits on Today
        if decision:
            done.append(
                tr("Referral question: %1.").replace("%1", tr(series.DECISION_LABELS[decision]))
            )
        else:
            done.append(tr("Referral question left for later: it waits on Today."))
    if prompt is not None and any(r.startswith("last session") for r in prompt.reasons):
        outcome = OutcomeDialog(
            store, actor, info.episode_id, info.participant_code, parent, session_id=info.id
        )
        if dialogs.run(outcome):
            done.append(
                tr("Needs met: %1.").replace(
                    "%1", tr(outcomes.NEEDS_MET_LABELS[outcome.value.needs_met])
                )
            )
    # 'before' belongs to the first session; once missed, only 'after' is still asked for.
    wanted = [p for p in due if p == "after" or first]
    for phase in wanted:
        ask = dialogs.confirm(
            parent,
            tr("Check-in due"),
            tr("An '%1' check-in (WHO-5 or PSS-4, about two minutes) is due for %2. Record it now?")
            .replace("%1", label(phase).lower())
            .replace("%2", info.participant_code),
            yes_text=tr("Record check-in…"),
            no_text=tr("Not now"),
            default_yes=True,
        )
        if ask and dialogs.run(CheckInDialog(store, actor, info.episode_id, parent, phase=phase)):
            done.append(tr("'%1' check-in recorded.").replace("%1", label(phase)))
    return done


def _ask_referral(
    parent: QWidget,
    store: Store,
    actor: Actor,
    dialogs: Dialogs,
    info: SessionRef,
    prompt: ReferralPrompt,
) -> str | None:
    # Open until answered: marked "later" before asking, so a lock, a crash or a closed
    # window in the middle still leaves the question on Today; an answer replaces it.
    _put_off(parent, store, actor, dialogs, info)
    again = False
    while True:
        dlg = ReferralPromptDialog(store, actor, info, prompt, parent, again=again)
        if not dialogs.run(dlg):
            return None
        if dlg.value != "referred":
            return str(dlg.value)
        ref = ReferralDialog(
            store, actor, info.episode_id, info.id, urgent=info.safety_flag, parent=parent
        )
        if dialogs.run(ref) and ref.value is not None:
            try:
                series.record_referral_decision(store, actor, info.id, "referred", ref.value.id)
            except PeerDeskError as exc:
                if store.is_open:  # not after a lock: the question simply stays open
                    dialogs.error(parent, tr("Referral"), sentence(str(exc)))
                return None
            return "referred"
        again = True


def _put_off(
    parent: QWidget, store: Store, actor: Actor, dialogs: Dialogs, info: SessionRef
) -> None:
    """ "Decide later" leaves a trace: the open question shows on Today and in the timeline."""
    try:
        series.record_referral_decision(store, actor, info.id, series.LATER)
    except PeerDeskError as exc:
        dialogs.error(parent, tr("Referral question"), sentence(str(exc)))


def answer_open_question(
    parent: QWidget, store: Store, actor: Actor, dialogs: Dialogs, question: OpenQuestion
) -> str | None:
    """Ask a referral question that was put off, in the same dialog as after the session.

    Returns the answer, or None when it is put off again (it stays open)."""
    try:
        prompt = series.referral_prompt(store, actor, question.session_id)
    except PeerDeskError as exc:
        dialogs.error(parent, tr("Referral question"), sentence(str(exc)))
        return None
    if prompt is None or not prompt.is_open:
        dialogs.info(
            parent, tr("Referral question"), tr("This referral question is already answered.")
        )
        return None
    return _ask_referral(parent, store, actor, dialogs, question, prompt)


__all__ = ["ReferralPromptDialog", "answer_open_question", "follow_through"]

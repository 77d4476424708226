"""Issue 5 in the desktop app: matching, the series prompt, check-ins, training, well-being.

Warnings are judged on a fixed day (the workspace's ctx.today), never on today's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import accept_policy
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QPushButton

from peerdesk.services import episodes, participants, series, supporter_load, supporters
from peerdesk.services.policy import Policy, dump_policy
from peerdesk.services.store import open_store
from peerdesk.services.supporters import SupporterInput
from peerdesk.ui.checkin_forms import CheckInDialog, WellbeingDialog
from peerdesk.ui.matching_dialog import MatchingDialog
from peerdesk.ui.table_models import TONES, RowTableModel

from .conftest import PW, sign_in

DAY = date(2026, 5, 15)
REQUIRED = ("pfa", "listening", "confidentiality", "crisis")


@dataclass
class Program:
    made: dict[str, str]  # key -> supporter id
    episode_id: str
    code: str


def _program(data_dir: Path) -> Program:
    """Hand-made supporters: Nora fits best; Lee's crisis course lapsed; Olly is on leave;
    Mia's first aid certificate expires 47 days after DAY."""
    store, coord = open_store(data_dir, "coord", PW)
    with store:
        specs = {
            "nora": SupporterInput(
                "Nora ICU Nurse",
                "nursing",
                "Intensive care",
                experience_band="6-10",
                languages="en,es",
                capacity=5,
            ),
            "mia": SupporterInput("Mia Medic", "medicine", "Surgery", languages="en", capacity=5),
            "lee": SupporterInput("Lee Lapsed", "nursing", "Emergency", languages="es", capacity=5),
            "olly": SupporterInput(
                "Olly Onleave", "nursing", "Radiology", languages="es", status="on_leave"
            ),
        }
        made = {k: supporters.add_supporter(store, coord, v).id for k, v in specs.items()}
        for key, sid in made.items():
            for course in REQUIRED:
                expires = date(2027, 1, 1)
                if key == "lee" and course == "crisis":
                    expires = date(2026, 4, 30)
                if key == "mia" and course == "pfa":
                    expires = date(2026, 7, 1)
                supporters.add_training(store, coord, sid, course, date(2025, 1, 10), expires)
        p = participants.create_participant(
            store, coord, "staff", role="nurse", department="Surgery", language="es"
        )
        ep = episodes.open_episode(store, coord, p.id, "adverse event")
    return Program(made, ep.id, p.code)


def _as(qtbot, make_window, data_dir: Path, user: str):
    w = make_window(data_dir)
    sign_in(qtbot, w, user)
    w.workspace.ctx.today = lambda: DAY
    return w


# -- matching --------------------------------------------------------------------------


def test_matching_dialog_ranks_explains_and_assigns(qtbot, make_window, dialogs, seeded):
    prog = _program(seeded.data_dir)
    w = _as(qtbot, make_window, seeded.data_dir, "coord")
    w.workspace.show_page("participants", episode_id=prog.episode_id)
    page = w.workspace.pages["participants"]
    assert page.current_episode().id == prog.episode_id
    assert page.match_button.isVisible() and page.match_button.isEnabled()
    seen = {}

    def check(dlg: MatchingDialog) -> bool:
        first = dlg.model.row_at(0)
        seen["first"] = first.supporter_name
        assert {"same discipline (nursing)", "speaks es", "from a different department"} <= set(
            first.reasons
        )
        assert "Nora ICU Nurse" in dlg.reasons.text() and "speaks es" in dlg.reasons.text()
        assert dlg.selected() == first
        assert dlg.excluded.isHidden()
        dlg.why_missing.click()
        assert not dlg.excluded.isHidden()
        why = {e.supporter_name: e.reason for e in dlg.excluded_model.rows()}
        assert "required training not current: Crisis recognition" in why["Lee Lapsed"]
        assert why["Olly Onleave"] == "on leave"
        suggested = {s.supporter_name for s in dlg.model.rows()}
        assert not {"Lee Lapsed", "Olly Onleave"} & suggested
        assert "(4)" in dlg.why_missing.text()  # anna and ben lack required training too
        return True  # Assign the first suggestion

    dialogs.queue(check)
    qtbot.mouseClick(page.match_button, Qt.MouseButton.LeftButton)
    assert seen["first"] == "Nora ICU Nurse"
    assert dialogs.kinds()[-2:] == ["run", "info"] and "error" not in dialogs.kinds()
    # Assign says what was stored, with the supporter's name.
    assert dialogs.last("info").text == f"{prog.code} is now assigned to Nora ICU Nurse."
    assert page.current_episode().supporter_name == "Nora ICU Nurse"
    assert "Nora ICU Nurse" in page.ep_info.text()
    store, coord = w.store, w.actor
    assert episodes.get_episode(store, coord, prog.episode_id).supporter_id == prog.made["nora"]


def test_opening_an_episode_offers_matching_and_lived_experience(
    qtbot, make_window, dialogs, seeded
):
    prog = _program(seeded.data_dir)
    w = _as(qtbot, make_window, seeded.data_dir, "coord")
    w.workspace.show_page("participants", episode_id=prog.episode_id)
    page = w.workspace.pages["participants"]

    def open_one(dlg) -> bool:
        dlg.reason.setCurrentText("grief")
        dlg.lived.setText("grief")
        return True

    def pick_mia(dlg: MatchingDialog) -> bool:
        assert dlg.lived.text() == "grief"
        assert dlg.select_supporter(prog.made["mia"])
        return True

    dialogs.queue(open_one, pick_mia)
    page.open_episode()
    assert [s.text for s in dialogs.shown][:2] == ["EpisodeDialog", "MatchingDialog"]
    assert dialogs.shown[2].kind == "info" and "assigned to Mia Medic" in dialogs.shown[2].text
    assert page.current_episode().supporter_name == "Mia Medic"
    assert page.current_episode().lived_experience_wanted == "grief"


def test_supporters_match_only_where_policy_allows(qtbot, make_window, seeded):
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    w.workspace.show_page("participants", episode_id=seeded.a_episode)
    assert w.workspace.pages["participants"].match_button.isHidden()
    w.sign_out()
    (seeded.data_dir / "policy.toml").write_text(
        dump_policy(Policy(supporters_may_assign=True)), encoding="utf-8"
    )
    accept_policy(seeded.data_dir, password=PW)
    sign_in(qtbot, w, "anna")
    w.workspace.show_page("participants", episode_id=seeded.a_episode)
    assert not w.workspace.pages["participants"].match_button.isHidden()


# -- structured series, referral question, check-ins ------------------------------------


def _form_session(form, episode_id: str, day: int, safety: bool = False):
    form.episode.setCurrentIndex(form.episode.findData(episode_id))
    form.when.setDateTime(QDateTime(datetime(2026, 5, day, 10, 0)))
    form.safety.setChecked(safety)
    return form.submit()


def test_series_prompt_at_session_n_and_on_safety_flag(qtbot, make_window, dialogs, seeded):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        p = participants.create_participant(store, anna, "staff", role="nurse")
        ep = episodes.open_episode(store, anna, p.id, "adverse event", opened_on=date(2026, 5, 1))
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    w.workspace.show_page("sessions")
    page = w.workspace.pages["sessions"]
    form = page.form
    form.episode.setCurrentIndex(form.episode.findData(ep.id))
    assert form.series.text() == "this will be session 1 of 3"

    # Session 1: no referral question, but the 'before' check-in is offered.
    def before(dlg: CheckInDialog) -> bool:
        assert dlg.phase.currentData() == "before"
        dlg.set_answers([3, 2, 4, 1, 3])
        assert dlg.score.text().startswith("<b>52</b>")
        return True

    dialogs.queue(True, before)
    s1 = _form_session(form, ep.id, 2)
    assert [d.title for d in dialogs.shown] == ["Check-in due", "Record a check-in"]
    assert "'Before' check-in recorded" in form.status.text()

    # Session 2 with a safety flag: the referral question; the participant declines.
    dialogs.shown.clear()

    def declined(dlg) -> bool:
        assert "safety concern" in dlg.explain.text()
        dlg.choose("declined")
        return True

    dialogs.queue(declined)
    s2 = _form_session(form, ep.id, 5, safety=True)
    assert [(d.kind, d.title) for d in dialogs.shown] == [("run", "Safety concern")]
    assert "participant declined a referral" in form.status.text()
    # The form starts empty after a save; choosing the person again shows what comes next.
    assert form.episode.currentIndex() == -1
    form.episode.setCurrentIndex(form.episode.findData(ep.id))
    assert "the last of the series" in form.series.text()  # session 3 of 3 comes next

    # Session 3 ends the series: asked again; not needed. Then the 'after' check-in.
    dialogs.shown.clear()

    def not_needed(dlg) -> bool:
        assert "Session 3 of 3" in dlg.explain.text() and "safety" not in dlg.explain.text()
        dlg.choose("not_needed")
        return True

    def needs_partly_met(dlg) -> bool:
        assert dlg.session_id is not None  # tied to the session that ends the series
        dlg.choose("partly", 4)
        return True

    dialogs.queue(not_needed, needs_partly_met, False)
    s3 = _form_session(form, ep.id, 9)
    assert [d.title for d in dialogs.shown] == [
        "End of the series",
        f"Needs met? — {p.code}",
        "Check-in due",
    ]
    assert "'after'" in dialogs.shown[2].text
    assert "Needs met: needs partly met." in form.status.text()

    # Session 4 starts a new series: no question.
    dialogs.shown.clear()
    s4 = _form_session(form, ep.id, 12)
    assert dialogs.shown == []
    assert s1 and s2 and s3 and s4
    store, actor = w.store, w.actor
    assert series.referral_prompt(store, actor, s1.id) is None
    assert series.referral_prompt(store, actor, s2.id).decision == "declined"
    assert series.referral_prompt(store, actor, s3.id).decision == "not_needed"
    assert series.referral_prompt(store, actor, s4.id) is None
    # The episode view shows the position and each session's place in the series.
    w.workspace.show_page("participants", episode_id=ep.id)
    parts = w.workspace.pages["participants"]
    assert "Series: session 1 of 3 (series 2)" in parts.ep_info.text()
    sessions_shown = [
        r for r in range(parts.tl_model.rowCount()) if parts.tl_model.row_at(r).kind == "Session"
    ]
    assert parts.tl_model.index(sessions_shown[2], 1).data() == "Session 3 of 3"
    needs = [
        parts.tl_model.row_at(r)
        for r in range(parts.tl_model.rowCount())
        if parts.tl_model.row_at(r).kind == "Needs met"
    ]
    assert [(n.what, n.detail) for n in needs] == [("needs partly met", "satisfaction: satisfied")]


def test_deciding_later_keeps_the_question_open_and_referred_needs_a_referral(
    qtbot, make_window, dialogs, seeded
):
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    w.workspace.show_page("sessions")
    form = w.workspace.pages["sessions"].form

    def referred(dlg) -> bool:
        dlg.choose("referred")
        return True

    # Referred, but the referral form is cancelled: asked again, then decided later.
    dialogs.queue(referred, False, False)
    info = _form_session(form, seeded.a_episode, 20, safety=True)
    kinds = [(d.kind, d.text) for d in dialogs.shown]
    assert kinds == [
        ("run", "ReferralPromptDialog"),
        ("run", "ReferralDialog"),
        ("run", "ReferralPromptDialog"),
    ]
    assert "left for later" in form.status.text()
    prompt = series.referral_prompt(w.store, w.actor, info.id)
    assert prompt.decision == series.LATER and prompt.is_open


def test_checkin_dialog_rejects_incomplete_answers(qtbot, make_window, seeded):
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    dlg = CheckInDialog(w.store, w.actor, seeded.a_episode, w)
    qtbot.addWidget(dlg)
    dlg.instrument.setCurrentIndex(dlg.instrument.findData("PSS-4"))
    assert len(dlg.items) == 4
    dlg.set_answers([4, 0, None, 4])
    assert "3 of 4 answered" in dlg.score.text()
    dlg.accept()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert dlg.error.text() == "PSS-4 needs an answer to each of its 4 items."
    dlg.set_answers([4, 0, 0, 4])  # items 2 and 3 reverse-scored
    assert dlg.score.text().startswith("<b>16</b>")
    dlg.accept()
    assert dlg.result() == dlg.DialogCode.Accepted and dlg.value.score == 16


# -- training screen ---------------------------------------------------------------------


def _names(model) -> set[str]:
    return {r.supporter_name for r in model.rows()}


def test_training_screen_filters_and_records(qtbot, make_window, dialogs, seeded):
    prog = _program(seeded.data_dir)
    store, coord = open_store(seeded.data_dir, "coord", PW)
    with store:
        supporters.add_supervision(store, coord, prog.made["nora"], date(2026, 5, 4), 90)
        supporters.add_supervision(store, coord, prog.made["mia"], date(2026, 3, 1), 60)
    w = _as(qtbot, make_window, seeded.data_dir, "coord")
    w.workspace.show_page("training")
    page = w.workspace.pages["training"]
    assert "Anna Supporter" in _names(page.people)
    page.set_filter(("lapsed",))
    assert _names(page.people) == {"Lee Lapsed"}
    lee = page.people.index(0, 2)
    assert lee.data() == "lapsed"
    assert lee.data(Qt.ItemDataRole.BackgroundRole) == QBrush(TONES["bad"][0])
    assert "Crisis recognition (lapsed)" in page.people.index(0, 3).data()
    page.set_filter(("expiring",))
    assert _names(page.people) == {"Mia Medic"}
    assert page.people.index(0, 2).data(Qt.ItemDataRole.BackgroundRole) == QBrush(TONES["warn"][0])
    assert "1 with lapsed training, 1 with a certificate expiring" in page.training_summary.text()
    page.set_filter(("missing",))
    assert {"Anna Supporter", "Ben Supporter"} <= _names(page.people)

    # Lee renews the crisis course: nobody is lapsed any more.
    page.set_filter(("lapsed",))

    def renew(dlg) -> bool:
        dlg.course.setCurrentIndex(dlg.course.findData("crisis"))
        dlg.completed.setDate(DAY)
        return True

    dialogs.queue(renew)
    qtbot.mouseClick(page.training_button, Qt.MouseButton.LeftButton)
    assert page.people.rowCount() == 0 and page.people_table.showing_empty
    assert "Choose Everyone" in page.people_table.empty.text()

    # The catalogue: a course required for peer specialists only.
    page.tabs.setCurrentIndex(1)
    assert page.catalogue.rowCount() == 5

    def course(dlg) -> bool:
        dlg.name.setText("Recovery coaching ethics")
        dlg.code.setText("recovery-ethics")
        dlg.required.setChecked(True)
        dlg.required_for.setText("peer specialist")
        dlg.validity.setValue(12)
        return True

    dialogs.queue(course)
    qtbot.mouseClick(page.course_button, Qt.MouseButton.LeftButton)
    row = next(c for c in page.catalogue.rows() if c.code == "recovery-ethics")
    assert row.required and row.required_for == "peer specialist" and row.validity_months == 12

    # Supervision: hours this month and the overdue warning, on DAY.
    page.tabs.setCurrentIndex(2)
    status = {s.supporter_name: s for s in page.sup_status.rows()}
    assert status["Nora ICU Nurse"].hours_this_month == 1.5 and not status["Nora ICU Nurse"].overdue
    assert status["Mia Medic"].overdue
    mia = [s.supporter_name for s in page.sup_status.rows()].index("Mia Medic")
    assert page.sup_status.index(mia, 3).data() == "none for 6+ weeks"
    nora = [s.supporter_name for s in page.sup_status.rows()].index("Nora ICU Nurse")
    page.sup_view.setCurrentIndex(page.sup_status.index(nora, 0))
    assert page.hours.row_at(0) == (date(2026, 5, 1), 1.5)
    assert page.log.rowCount() == 1

    # Caseload against capacity, sessions per week and well-being counts (counts only).
    page.tabs.setCurrentIndex(3)
    load = {x.supporter_name: x for x in page.load.rows()}
    assert load["Nora ICU Nurse"].capacity == 5
    assert "May 2026: 0 check-ins" in page.wellbeing.text()


# -- my well-being -----------------------------------------------------------------------


def test_my_wellbeing_is_private(qtbot, make_window, dialogs, seeded):
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    w.workspace.show_page("wellbeing")
    page = w.workspace.pages["wellbeing"]
    assert page.table.showing_empty and "Private to you" in page.private.text()

    def fill(dlg: WellbeingDialog) -> bool:
        dlg.taken_on.setDate(DAY)
        dlg.set_answers([2, 2, 2, 2, 2])
        return True

    dialogs.queue(fill)
    qtbot.mouseClick(page.record, Qt.MouseButton.LeftButton)
    assert [(c.instrument, c.score) for c in page.model.rows()] == [("WHO-5", 40)]
    assert "lower than usual" in page.model.index(0, 3).data()
    w.sign_out()
    sign_in(qtbot, w, "coord")
    w.workspace.ctx.today = lambda: DAY
    assert supporter_load.list_own_wellbeing(w.store, w.actor) == []
    w.workspace.show_page("training")
    page = w.workspace.pages["training"]
    page.tabs.setCurrentIndex(3)
    assert "May 2026: 1 check-ins by 1 of" in page.wellbeing.text()
    assert "40" not in page.wellbeing.text()


# -- models ------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["coord", "anna"])
def test_new_item_models_pass_modeltester(qtbot, qtmodeltester, make_window, seeded, user):
    prog = _program(seeded.data_dir)
    w = _as(qtbot, make_window, seeded.data_dir, user)
    models: list[RowTableModel] = []
    if user == "coord":
        w.workspace.show_page("training")
        page = w.workspace.pages["training"]
        for i in range(page.tabs.count()):
            page.tabs.setCurrentIndex(i)
        page.people_view.setCurrentIndex(page.people.index(0, 0))
        page.sup_view.setCurrentIndex(page.sup_status.index(0, 0))
        models += page.findChildren(RowTableModel)
        ep = episodes.get_episode(w.store, w.actor, prog.episode_id)
        dlg = MatchingDialog(w.store, w.actor, ep, DAY, w)
        qtbot.addWidget(dlg)
        models += dlg.findChildren(RowTableModel)
    else:
        w.workspace.show_page("wellbeing")
        page = w.workspace.pages["wellbeing"]
        supporter_load.record_own_wellbeing(w.store, w.actor, "PSS-4", [1, 2, 3, 4], DAY)
        page.refresh()
        models += page.findChildren(RowTableModel)
    assert len(models) == (9 if user == "coord" else 1)
    for m in models:
        qtmodeltester.check(m, force_py=True)
    keep = RowTableModel([])
    qtmodeltester.check(keep, force_py=True)


def test_my_training_shows_only_my_own_line_read_only(qtbot, make_window, seeded):
    store, coord = open_store(seeded.data_dir, "coord", PW)
    with store:
        people = {s.display_name: s.id for s in supporters.list_supporters(store, coord)}
        anna, ben = people["Anna Supporter"], people["Ben Supporter"]
        supporters.add_training(store, coord, anna, "pfa", date(2025, 1, 10), date(2026, 6, 1))
        supporters.add_training(store, coord, ben, "ethics", date(2025, 2, 1), date(2027, 1, 1))
        supporters.add_supervision(store, coord, anna, date(2026, 5, 4), 90)
        supporters.add_supervision(store, coord, anna, date(2026, 3, 9), 30)
        supporters.add_supervision(store, coord, ben, date(2026, 5, 4), 600)
    w = _as(qtbot, make_window, seeded.data_dir, "anna")
    w.workspace.show_page("mytraining")
    page = w.workspace.pages["mytraining"]
    states = {c.course_name: c.state for c in page.courses.rows()}
    assert states["Psychological first aid"] == "expiring"  # 17 days after DAY
    assert "Ethics" not in states  # Ben's course, not Anna's
    assert states["Crisis recognition"] == "missing"
    first_aid = next(
        r
        for r in range(page.courses.rowCount())
        if page.courses.row_at(r).course_name == "Psychological first aid"
    )
    tone = page.courses.data(page.courses.index(first_aid, 1), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(tone, QBrush) and tone.color().name() == TONES["warn"][0]
    assert [m.strftime("%Y-%m") for m, _h in page.hours.rows()][-1] == "2026-05"
    assert dict((m.month, h) for m, h in page.hours.rows()) == {
        12: 0.0,
        1: 0.0,
        2: 0.0,
        3: 0.5,
        4: 0.0,
        5: 1.5,
    }
    assert "Needs attention" in page.summary.text()
    assert "2.0 hours of supervision" in page.summary.text()
    assert not page.findChildren(QPushButton)  # read-only

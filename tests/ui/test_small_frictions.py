"""Issue 8, item 12: the referral default, the end-of-series text, Assign and supervision."""

from __future__ import annotations

from datetime import date

from peerdesk.services import episodes, participants, series, supporters
from peerdesk.services.resources import ResourceInfo, suggested_resource
from peerdesk.services.store import open_store
from peerdesk.ui.after_session import ReferralPromptDialog
from peerdesk.ui.forms import ReferralDialog, SupervisionDialog
from peerdesk.ui.matching_dialog import MatchingDialog

from .conftest import PW, sign_in


def _res(name: str, kind: str, active: bool = True) -> ResourceInfo:
    return ResourceInfo(name, name, kind, "", "", "", "", "", active)


def test_suggested_resource_is_never_the_crisis_line_for_routine_referrals():
    crisis, eap = _res("A crisis", "crisis_line"), _res("Z eap", "eap")
    mh, old_eap = _res("M health", "mental_health"), _res("B eap", "eap", active=False)
    assert suggested_resource([crisis, old_eap, eap, mh], urgent=False) == eap
    assert suggested_resource([crisis, mh], urgent=False) == mh
    assert suggested_resource([crisis, mh, eap], urgent=True) == crisis
    assert suggested_resource([mh, eap], urgent=True) == mh
    assert suggested_resource([crisis], urgent=False) == crisis  # the only one there is
    assert suggested_resource([], urgent=False) is None


def test_referral_dialog_defaults(qtbot, seeded):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        routine = ReferralDialog(store, anna, seeded.a_episode)
        qtbot.addWidget(routine)
        assert routine.resource.currentText().startswith("Staff EAP")
        assert routine.urgency.currentData() == "routine"
        urgent = ReferralDialog(store, anna, seeded.a_episode, urgent=True)
        qtbot.addWidget(urgent)
        assert urgent.resource.currentText().startswith("Crisis Line 24/7")


def test_end_of_series_text_closes_its_parentheses(qtbot, seeded):
    store, anna = open_store(seeded.data_dir, "anna", PW)
    with store:
        p = participants.create_participant(store, anna, "staff")
        ep = episodes.open_episode(store, anna, p.id, "burnout", opened_on=date(2026, 5, 1))
        from peerdesk.services import sessions

        made = [
            sessions.record_session(store, anna, sessions.SessionInput(ep.id, 30, "phone"))
            for _ in range(6)
        ]
        prompt = series.referral_prompt(store, anna, made[-1].id)
        assert prompt is not None
        dlg = ReferralPromptDialog(store, anna, made[-1], prompt)
        qtbot.addWidget(dlg)
        text = dlg.explain.text()
        assert "Session 3 of 3 (series 2) with" in text
        assert text.count("(") == text.count(")")


def test_supervision_dialog_names_the_supporter(qtbot, make_window, dialogs, seeded):
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "coord")
    w.workspace.show_page("supporters")
    page = w.workspace.pages["supporters"]
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5000)
    row = next(
        r for r in range(page.model.rowCount()) if "Ben" in page.model.row_at(r).display_name
    )
    page.view.setCurrentIndex(page.model.index(row, 0))
    seen = {}

    def look(dlg: SupervisionDialog) -> bool:
        seen["title"] = dlg.windowTitle()
        seen["who"] = dlg.who.text()
        return False

    dialogs.queue(look)
    page.add_supervision()
    assert seen["title"] == "Log supervision for Ben Supporter"
    assert "Ben Supporter" in seen["who"]


def test_assign_from_today_confirms_with_the_supporters_name(qtbot, make_window, dialogs, seeded):
    store, coord = open_store(seeded.data_dir, "coord", PW)
    with store:
        supporters.ensure_standard_courses(store, coord)
        ben = next(
            s.id for s in supporters.list_supporters(store, coord) if "Ben" in s.display_name
        )
        for course in ("pfa", "listening", "confidentiality", "crisis"):
            supporters.add_training(store, coord, ben, course, date.today(), date(2099, 1, 1))
        p = participants.create_participant(store, coord, "staff")
        episodes.open_episode(store, coord, p.id, "conflict")
    w = make_window(seeded.data_dir)
    sign_in(qtbot, w, "coord")
    today = w.workspace.pages["today"]
    qtbot.waitUntil(lambda: not today.loading, timeout=5000)
    assert today.current_waiting() is not None
    chosen = {}

    def assign(dlg: MatchingDialog) -> bool:
        chosen["name"] = dlg.selected().supporter_name
        return True

    dialogs.queue(assign)
    today.match_waiting()
    assert chosen["name"] == "Ben Supporter"
    assert today.match_status.text() == f"{p.code} is now assigned to Ben Supporter."


def test_highlight_is_an_alarm_tone_unless_it_only_marks(qtbot):
    from dataclasses import dataclass

    from PySide6.QtCore import Qt

    from peerdesk.ui.table_models import TONES, Column, RowTableModel

    @dataclass(frozen=True)
    class Row:
        late: bool

    cols = [Column("State", lambda r: "overdue" if r.late else "")]
    alarm = RowTableModel(cols, highlight=lambda r: r.late)
    alarm.set_rows([Row(True), Row(False)])
    late, fine = alarm.index(0, 0), alarm.index(1, 0)
    assert late.data(Qt.ItemDataRole.BackgroundRole).color().name() == TONES["bad"][0]
    assert late.data(Qt.ItemDataRole.ForegroundRole).color().name() == TONES["bad"][1]
    assert late.data(Qt.ItemDataRole.FontRole).bold() and late.data() == "overdue"
    assert fine.data(Qt.ItemDataRole.BackgroundRole) is None
    mark = RowTableModel(cols, highlight=lambda r: r.late, highlight_tone=None)
    mark.set_rows([Row(True)])
    assert mark.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert mark.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()

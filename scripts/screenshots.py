"""Render every main screen on demo data into docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py        # or under xvfb-run
    python scripts/screenshots.py --data-dir DIR --out docs/screenshots

A demo store is created in a temporary folder unless --data-dir points at one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from peerdesk.services import keyslots  # noqa: E402

keyslots.kdf_params = lambda: dict(keyslots.FAST_KDF)  # test-only weak settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QScrollArea, QWidget

    from peerdesk.services.demo import build_demo
    from peerdesk.services.keyslots import KeyslotFile
    from peerdesk.services.store import store_exists
    from peerdesk.ui.app import make_app
    from peerdesk.ui.dialogs import ScriptedDialogs
    from peerdesk.ui.main_window import DEMO_PASSWORD, MainWindow
    from peerdesk.ui.setup_wizard import SetupWizard
    from peerdesk.ui.tasks import wait_all

    app = make_app([sys.argv[0]])
    width, height = (int(v) for v in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="peerdesk-shots-"))
    data_dir = args.data_dir or tmp / "demo"
    if not store_exists(data_dir):
        print(f"creating a demo store with {args.sessions} sessions…", flush=True)
        build_demo(data_dir, sessions=args.sessions, password=DEMO_PASSWORD)

    def settle(ms: int = 150) -> None:
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.01)
        wait_all()
        QCoreApplication.processEvents()

    def loaded(page: QWidget) -> None:
        model = getattr(page, "model", None)
        deadline = time.monotonic() + 30
        while (getattr(model, "loading", False) or getattr(page, "loading", False)) and (
            time.monotonic() < deadline
        ):
            settle(20)

    def shot(widget: QWidget, name: str) -> None:
        settle()
        path = args.out / f"{name}.png"
        widget.grab().save(str(path))
        print("wrote", path, flush=True)

    # First run.
    wizard = SetupWizard(tmp / "fresh", ScriptedDialogs())
    wizard.resize(720, 540)
    wizard.show()
    shot(wizard, "01-setup-welcome")
    wizard.next()
    wizard.account.password.setText("a long passphrase here")
    wizard.account.repeat.setText("a long passphrase here")
    shot(wizard, "02-setup-admin")
    wizard.next()  # the store is created off the GUI thread
    deadline = time.monotonic() + 60
    while wizard.currentPage() is not wizard.recovery and time.monotonic() < deadline:
        settle(50)
    shot(wizard, "03-setup-recovery-key")
    wizard.close()

    window = MainWindow(data_dir, dialogs=ScriptedDialogs(), demo=True)
    window.resize(width, height)
    window.start()
    shot(window, "04-login")
    names = KeyslotFile(data_dir).usernames()
    supporter = next(n for n in names if n not in ("admin", "coordinator"))
    locked_out = [n for n in names if n not in ("admin", "coordinator", supporter)][-1]
    lock_out(data_dir, locked_out)
    # The eye at the end of the password box, switched on.
    window.login.username.setText(supporter)
    window.login.password.setText("what I typed")
    window.login.password.toggle_action.setChecked(True)
    shot(window, "26-login-password-shown")
    window.login.password.toggle_action.setChecked(False)

    def sign_in(user: str) -> None:
        window.login.username.setText(user)
        window.login.password.setText(DEMO_PASSWORD)
        window.login.sign_in.click()
        deadline = time.monotonic() + 30
        while not window.signed_in and time.monotonic() < deadline:
            settle(50)
        if not window.signed_in:
            raise SystemExit(f"could not sign in as {user}: {window.login.error.text()}")

    sign_in(supporter)
    ws = window.workspace
    assert ws is not None
    put_off_a_referral_question(window.store, window.actor)
    ws.pages["today"].refresh()
    loaded(ws.pages["today"])
    shot(window, "05-today-supporter")
    today_page = ws.pages["today"]
    today_page.question_table.view.setCurrentIndex(today_page.question_model.index(0, 0))
    today_page.question_table.ensurePolished()
    scroll = today_page.findChild(QScrollArea)
    if scroll is not None:
        scroll.ensureWidgetVisible(today_page.answer_button)
    shot(window, "32-today-open-referral-question")
    ws.show_page("sessions")
    page = ws.pages["sessions"]
    form = page.form
    if form is not None and form.episode.count():
        form.episode.setCurrentIndex(0)
        form.concerns.setText("sleep, workload")
        form.minutes.setValue(25)
    loaded(page)
    shot(window, "06-sessions-quick-entry")
    if form is not None:
        # A small screen (1024×700) with the end-of-series sentence: it wraps, not widens.
        last = [e for e in form._episodes.values() if (e.session_count + 1) % e.series_length == 0]
        if last:
            form.episode.setCurrentIndex(form.episode.findData(last[0].id))
        window.resize(1024, 700)
        shot(window, "33-sessions-1024x700")
        window.resize(width, height)
    ws.show_page("participants")
    parts = ws.pages["participants"]
    loaded(parts)
    if parts.model.rowCount():
        parts.view.setCurrentIndex(parts.model.index(0, 0))
    shot(window, "07-participants-episode")
    ws.show_page("referrals")
    refs = ws.pages["referrals"]
    loaded(refs)
    if refs.model.rowCount():
        refs.view.setCurrentIndex(refs.model.index(0, 0))
    shot(window, "08-referrals")
    ws.show_page("resources")
    shot(window, "09-resources")

    # The questions a saved session can raise, and the supporter's private page.
    from peerdesk.services.series import ReferralPrompt
    from peerdesk.ui.after_session import ReferralPromptDialog
    from peerdesk.ui.checkin_forms import CheckInDialog

    store, actor = window.store, window.actor
    assert store is not None and actor is not None
    page = ws.pages["sessions"]
    mine = next((r for r in page.model.rows() if r.is_mine and not r.withdrawn), None)
    if mine is not None:
        reasons = ("safety flag raised", "last session of the series (session 3 of 3)")
        ask = ReferralPromptDialog(
            store, actor, mine, ReferralPrompt(mine.id, mine.episode_id, reasons, None), window
        )
        ask.show()
        shot(ask, "16-series-referral-question")
        ask.close()
        entry = CheckInDialog(store, actor, mine.episode_id, window, phase="before")
        entry.set_answers([3, 2, 4, 1, None])
        entry.show()
        shot(entry, "17-checkin-entry")
        entry.close()
    ws.show_page("wellbeing")
    shot(window, "18-my-wellbeing")
    ws.show_page("mytraining")
    shot(window, "25-my-training")
    # The menu bar's File and Go menus for a supporter.
    for menu, name in ((window.menus.file, "28-menu-file"), (window.menus.go, "29-menu-go")):
        menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
        shot(menu, name)
        menu.hide()
    from peerdesk.ui.about import AboutDialog

    about = AboutDialog(window)
    about.show()
    shot(about, "30-about")
    about.close()
    # Unsaved input over a lock: the half-filled form comes back after unlocking; a minute
    # before the idle lock, the warning banner.
    ws.show_page("sessions")
    form = ws.pages["sessions"].form
    if form is not None and form.episode.count():
        form.episode.setCurrentIndex(0)
        form.notes.setPlainText("Made-up demo note: talked about the night shift.")
    window.lock()
    shot(window, "10-locked")
    window.lock_page.password.setText(DEMO_PASSWORD)
    window.lock_page.unlock.click()
    deadline = time.monotonic() + 30
    while not window.signed_in and time.monotonic() < deadline:
        settle(50)
    window._idle_warning(60)
    shot(window, "34-unlocked-input-kept-idle-warning")
    window.idle_banner.hide()
    window.dialogs.queue(True)  # "throw away" the demo note when signing out
    window.sign_out()

    sign_in("coordinator")
    ws = window.workspace
    waiting_for_a_supporter(window.store, window.actor)
    ws.pages["today"].refresh()
    loaded(ws.pages["today"])
    shot(window, "11-today-coordinator")
    ws.show_page("supporters")
    shot(window, "12-supporters")
    ws.show_page("training")
    training = ws.pages["training"]
    training.set_filter(("lapsed", "missing", "expiring"))
    shot(window, "19-training")
    for n, name in ((1, "20-course-catalogue"), (2, "21-supervision"), (3, "22-caseload")):
        training.tabs.setCurrentIndex(n)
        if n == 2 and training.sup_status.rowCount():
            overdue = [i for i, r in enumerate(training.sup_status.rows()) if r.overdue]
            training.sup_view.setCurrentIndex(
                training.sup_status.index(overdue[0] if overdue else 0, 0)
            )
        shot(window, name)

    from peerdesk.services import episodes
    from peerdesk.ui.matching_dialog import MatchingDialog

    assert window.store is not None and window.actor is not None
    open_eps = episodes.list_episodes(window.store, window.actor, open_only=True, limit=200)
    wanted = [e for e in open_eps if e.lived_experience_wanted] or open_eps
    if wanted:
        ws.show_page("participants", episode_id=wanted[0].id)
        shot(window, "23-episode-series-coordinator")
        match = MatchingDialog(window.store, window.actor, wanted[0], parent=window)
        match.why_missing.setChecked(True)
        match.show()
        shot(match, "24-matching")
        match.close()
    ws.show_page("audit")
    shot(window, "13-audit-log")
    if "reports" in ws.keys():
        ws.show_page("reports")
        reports = ws.page("reports")
        if reports is not None:  # show a real preview: the busiest recent month
            today = date.today()
            first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            reports.set_month(first.year, first.month)
            reports.build()
            deadline = time.monotonic() + 60
            while reports.preview_page_count() == 0 and time.monotonic() < deadline:
                settle(50)
        shot(window, "14-reports")
    window.sign_out()

    sign_in("admin")
    window.workspace.show_page("accounts")
    accounts_page = window.workspace.pages["accounts"]
    accounts_page.select(locked_out)
    shot(window, "15-accounts-policy-backup")
    window.workspace.show_page("audit")
    audit_page = window.workspace.pages["audit"]
    audit_page.person.setCurrentIndex(max(0, audit_page.person.findData(locked_out)))
    loaded(audit_page)
    shot(window, "31-audit-log-admin-person")
    from peerdesk.ui.first_password import FirstPasswordDialog

    first = FirstPasswordDialog(window.store, window.actor, window)
    first.show()
    shot(first, "27-first-password")
    first.close()
    window.sign_out()
    window.close()
    wait_all()
    app.processEvents()
    return 0


def lock_out(data_dir: Path, username: str) -> None:
    """Lock one demo account the way ten wrong passwords would (the clock moved on past
    each delay), queueing the same audit events the sign-in screen does."""
    from peerdesk.services.keyslots import KeyslotFile
    from peerdesk.services.store import note_failed_login

    slots = KeyslotFile(data_dir)
    now = time.time()
    for n in range(10):
        try:
            slots.open_slot("password", username, f"wrong guess {n}", 10, now=now + n * 400)
        except Exception as exc:  # noqa: BLE001 - each is an expected refusal
            note_failed_login(
                slots, username, type(exc).__name__, bool(getattr(exc, "just_locked", False))
            )


def put_off_a_referral_question(store: object, actor: object) -> None:
    """A safety-flagged session whose referral question was left for later."""
    from peerdesk.services import episodes, series, sessions

    if series.open_questions(store, actor)[0]:
        return
    mine = [
        e
        for e in episodes.list_episodes(store, actor, open_only=True, limit=50)
        if e.supporter_id == actor.supporter_id
    ]
    if not mine:
        return
    made = sessions.record_session(
        store,
        actor,
        sessions.SessionInput(mine[0].id, 30, "phone", concerns=("sleep",), safety_flag=True),
    )
    series.record_referral_decision(store, actor, made.id, series.LATER)


def waiting_for_a_supporter(store: object, actor: object) -> None:
    """Two episodes the coordinator opened without a supporter (the demo assigns all)."""
    from datetime import date, timedelta

    from peerdesk.services import episodes, participants

    if episodes.list_episodes(store, actor, unassigned_only=True, limit=1):
        return
    for days, kind, role, reason, risk in (
        (3, "staff", "nurse", "adverse event", "medium"),
        (1, "caregiver", "", "caregiver strain", "low"),
    ):
        code = "D-" + participants.new_code().split("-", 1)[1]  # demo codes start D-
        p = participants.create_participant(store, actor, kind, code=code, role=role)
        episodes.open_episode(
            store,
            actor,
            p.id,
            reason,
            opened_on=date.today() - timedelta(days=days),
            risk_level=risk,
        )


if __name__ == "__main__":
    raise SystemExit(main())

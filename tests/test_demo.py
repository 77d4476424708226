"""Demo stores: realistic, marked as demo, deterministic for a seed."""

from __future__ import annotations

import hashlib
from datetime import date

from conftest import assert_one_line_error, run_cli
from sqlalchemy import func, select

from peerdesk.models import (
    CheckIn,
    Participant,
    Referral,
    SessionAttendance,
    SupporterProfile,
    SupportSession,
    TrainingRecord,
)
from peerdesk.services.demo import build_demo
from peerdesk.services.exporter import export_all
from peerdesk.services.store import open_store

PW = "demo passphrase 1"
ANCHOR = date(2026, 11, 25)


def _fingerprint(data_dir, tmp):
    store, coord = open_store(data_dir, "coordinator", PW)
    with store:
        export_all(store, coord, tmp, include_names=True)
    digest = hashlib.sha256()
    for p in sorted(tmp.glob("*.csv")):
        # The site and admin rows carry the real creation and login times.
        if p.name not in ("users.csv", "sites.csv"):
            digest.update(p.read_bytes())
    return digest.hexdigest()


def test_same_seed_same_data(tmp_path):
    a = build_demo(tmp_path / "a", sessions=400, seed=3, password=PW, anchor=ANCHOR)
    b = build_demo(tmp_path / "b", sessions=400, seed=3, password=PW, anchor=ANCHOR)
    c = build_demo(tmp_path / "c", sessions=400, seed=4, password=PW, anchor=ANCHOR)
    fa = _fingerprint(a.data_dir, tmp_path / "ea")
    assert fa == _fingerprint(b.data_dir, tmp_path / "eb")
    assert fa != _fingerprint(c.data_dir, tmp_path / "ec")
    assert a.usernames == b.usernames


def test_demo_looks_like_a_real_year(tmp_path):
    result = build_demo(tmp_path / "d", sessions=3000, seed=1, password=PW, anchor=ANCHOR)
    assert {"admin", "coordinator"} <= set(result.usernames)
    assert len(result.usernames) == 14
    store, coord = open_store(result.data_dir, "coordinator", PW)
    with store, store.session() as s:
        assert store.is_demo()
        assert s.scalar(select(func.count()).select_from(SupportSession)) == 3000
        assert s.scalar(select(func.count()).select_from(SupporterProfile)) == 12
        assert (
            s.scalar(
                select(func.count(SupporterProfile.id)).where(SupporterProfile.status == "on_leave")
            )
            == 1
        )
        kinds = set(s.scalars(select(Participant.kind).distinct()))
        assert kinds == {"staff", "patient", "caregiver"}
        assert 140 <= s.scalar(select(func.count()).select_from(Participant)) <= 160
        assert set(s.scalars(select(SupportSession.mode).distinct())) == {
            "in_person",
            "phone",
            "video",
            "text",
        }
        assert s.scalar(select(func.count()).select_from(SessionAttendance)) > 0
        assert set(s.scalars(select(Referral.status).distinct())) == {
            "suggested",
            "made",
            "accepted",
            "declined",
            "attended",
            "no_show",
            "closed",
        }
        assert set(s.scalars(select(CheckIn.phase).distinct())) == {"before", "after"}
        soon = s.scalar(
            select(func.count())
            .select_from(TrainingRecord)
            .where(TrainingRecord.expires_on.between(ANCHOR, date(2027, 1, 24)))
        )
        assert soon >= 1
        # Seasonal variation: the busiest month clearly exceeds the quietest.
        months = {}
        for (started,) in s.execute(select(SupportSession.started_at)):
            months[(started.year, started.month)] = months.get((started.year, started.month), 0) + 1
        full = [v for k, v in months.items() if k != (ANCHOR.year, ANCHOR.month)]
        assert max(full) > 1.3 * min(full)


def test_demo_cli_prints_accounts_and_generated_password(tmp_path):
    target = str(tmp_path / "cli")
    r = run_cli("--data-dir", target, "demo", "--sessions", "50", "--seed", "2")
    assert r.returncode == 0, r.stderr
    assert "coordinator" in r.stdout and "marked as DEMO" in r.stdout
    password = [
        line.split(": ", 1)[1]
        for line in r.stdout.splitlines()
        if line.startswith("Password for every demo account")
    ][0]
    store, _ = open_store(tmp_path / "cli", "zoe.m", password)
    store.close()
    again = run_cli("--data-dir", target, "demo")
    assert "already exists" in assert_one_line_error(again)
    forced = run_cli("--data-dir", target, "demo", "--sessions", "10", "--force")
    assert forced.returncode == 0, forced.stderr


def test_demo_force_never_replaces_a_real_store(store_dir):
    r = run_cli("--data-dir", str(store_dir.data_dir), "demo", "--force")
    assert "real store" in assert_one_line_error(r)
    assert (store_dir.data_dir / "peerdesk.db").exists()


def test_demo_years_spreads_sessions_through_the_real_cli(tmp_path):
    """--years 3: sessions over three years ending today, each year about as busy."""
    target = tmp_path / "years"
    r = run_cli(
        "--data-dir", str(target), "demo", "--sessions", "600", "--years", "3",
        env={"PEERDESK_PASSWORD": PW},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    store, coord = open_store(target, "coordinator", PW)
    with store, store.session() as s:
        starts = [d for (d,) in s.execute(select(SupportSession.started_at))]
        staff = s.scalar(select(func.count()).select_from(SupporterProfile))
    assert len(starts) == 600
    today = date.today()
    ages = [(today - d.date()).days for d in starts]
    assert max(ages) <= 3 * 365 and min(ages) >= 0
    per_year = [sum(1 for a in ages if y * 365 <= a < (y + 1) * 365) for y in range(3)]
    assert all(120 < n < 300 for n in per_year), per_year
    assert staff == 12  # staffed for 200 sessions a year, not 600


def test_demo_years_out_of_bounds_one_line_errors(tmp_path):
    for bad in ("0", "-1", "51", "1000000"):
        r = run_cli("--data-dir", str(tmp_path / f"y{bad}"), "demo", "--years", bad)
        message = assert_one_line_error(r)
        assert "--years" in message and "from 1 to 50" in message, message
        assert not (tmp_path / f"y{bad}").exists() or not any((tmp_path / f"y{bad}").iterdir())
    r = run_cli("--data-dir", str(tmp_path / "yx"), "demo", "--years", "ten")
    assert_one_line_error(r)


def test_same_seed_same_data_across_processes(tmp_path):
    """Two runs of the real command give the same store (nothing hangs on hash(None))."""
    for name in ("p1", "p2"):
        r = run_cli(
            "--data-dir", str(tmp_path / name), "demo", "--sessions", "300", "--seed", "4",
            env={"PEERDESK_PASSWORD": PW},
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
    assert _fingerprint(tmp_path / "p1", tmp_path / "e1") == _fingerprint(
        tmp_path / "p2", tmp_path / "e2"
    )

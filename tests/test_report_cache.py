"""The report's fast path (kept month figures, one-pass queries) equals a full recount.

A random store (seeded) gets a year of sessions, group attendance and episodes; reports
are made (which keeps the closed months' trend figures), then random corrections are
written the ways the app and other code write them (ORM objects, services, Core
UPDATE/DELETE statements): sessions moved to another month, withdrawn, restored,
deleted, given to another episode; episodes given to another participant or another
opening day; attendance added and removed. After each round every trend figure, and the
month's tables the one-pass queries build (modes, lengths, visit numbers, people by type
and role, supporters, days to first contact), must equal a recount done here in Python
from the rows, the report must be the same with or without the kept figures, and
`verify` must find nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from statistics import median

import pytest
from report_builders import make_world
from sqlalchemy import delete, select, text, update

from peerdesk.models import (
    Episode,
    Participant,
    ReportMonth,
    SessionAttendance,
    Site,
    SupporterProfile,
    SupportSession,
)
from peerdesk.services.reports import cache as report_cache
from peerdesk.services.reports.data import collect_figures, count_month
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.run import build_report
from peerdesk.services.sessions import withdraw_session
from peerdesk.services.verify import verify_store

FIRST = date(2025, 5, 1)
MONTHS = [Period.month(f"{y}-{m:02d}") for y, m in [(2025, m) for m in range(5, 13)]] + [
    Period.month(f"2026-{m:02d}") for m in range(1, 7)
]
REPORTED = [Period.month("2026-03"), Period.month("2026-06")]
GENERATED = datetime(2026, 7, 2, 9)


def _random_time(rng: random.Random) -> datetime:
    # Whole store period, with times near midnight so month edges are exercised.
    day = FIRST + timedelta(days=rng.randrange(420))
    minute = rng.choice((0, 1, 30, 23 * 60 + 59, rng.randrange(24 * 60)))
    return datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)


def _populate(world, rng: random.Random) -> None:  # noqa: ANN001
    with world.store.session() as s:
        sups = list(s.scalars(select(SupporterProfile.id)))
        site = s.scalar(select(Site.id))  # every participant belongs to a site
        people = [
            Participant(
                site_id=site,
                code=f"R-{i:04d}",
                kind=("staff", "patient", "caregiver")[i % 3],
                role=("Nurse", " nurse ", "physician", "")[i % 4],
            )
            for i in range(40)
        ]
        s.add_all(people)
        s.flush()
        episodes = [
            Episode(
                participant_id=rng.choice(people).id,
                supporter_id=rng.choice(sups),
                reason="burnout",
                opened_on=_random_time(rng).date(),
            )
            for _ in range(150)
        ]
        s.add_all(episodes)
        s.flush()
        sessions = []
        for _ in range(400):
            ep = rng.choice(episodes)
            group = rng.random() < 0.2
            sessions.append(
                SupportSession(
                    episode_id=ep.id,
                    supporter_id=ep.supporter_id,
                    started_at=_random_time(rng),
                    minutes=rng.choice((10, 20, 35, 50, 75)),
                    mode=rng.choice(("in_person", "phone", "video", "text")),
                    format="group" if group else "individual",
                    withdrawn_at=GENERATED if rng.random() < 0.05 else None,
                )
            )
        s.add_all(sessions)
        s.flush()
        for ss in sessions:
            if ss.format == "group":
                for p in rng.sample(people, 3):
                    s.add(
                        SessionAttendance(
                            session_id=ss.id, participant_id=p.id, attended=rng.random() < 0.8
                        )
                    )


def _recount(world, month: Period) -> tuple[int, int, int]:  # noqa: ANN001
    """Contacts, people, new episodes of one month, counted in Python from every row."""
    start, end = month.bounds()
    with world.store.session() as s:
        sessions = [
            x
            for x in s.scalars(select(SupportSession))
            if x.withdrawn_at is None and start <= x.started_at < end
        ]
        owner = dict(s.execute(select(Episode.id, Episode.participant_id)).all())
        present = [
            (a.session_id, a.participant_id)
            for a in s.scalars(select(SessionAttendance))
            if a.attended
        ]
        opened = [e.opened_on for e in s.scalars(select(Episode))]
    ids = {x.id for x in sessions}
    people = {owner[x.episode_id] for x in sessions} | {p for sid, p in present if sid in ids}
    new = sum(1 for d in opened if month.start <= d <= month.end)
    return len(sessions), len(people), new


def _band(minutes: int) -> str:
    for limit, band in ((15, "under_15"), (30, "15_29"), (45, "30_44"), (60, "45_59")):
        if minutes < limit:
            return band
    return "60_plus"


def _recount_tables(world, month: Period) -> dict:  # noqa: ANN001
    """The month's tables that the one-pass queries build, counted in Python from the rows:
    modes, lengths, visit numbers, people by type and role, each supporter's contacts and
    people, and days to the first contact."""
    start, end = month.bounds()
    with world.store.session() as s:
        live = [x for x in s.scalars(select(SupportSession)) if x.withdrawn_at is None]
        owner = dict(s.execute(select(Episode.id, Episode.participant_id)).all())
        opened = dict(s.execute(select(Episode.id, Episode.opened_on)).all())
        who = {p.id: (p.kind, p.role.strip(" ").lower()) for p in s.scalars(select(Participant))}
        present = [
            (a.session_id, a.participant_id)
            for a in s.scalars(select(SessionAttendance))
            if a.attended
        ]
    in_month = [x for x in live if start <= x.started_at < end]
    by_episode: dict[str, list] = {}
    first_at: dict[str, datetime] = {}
    for x in sorted(live, key=lambda x: (x.started_at, x.id)):
        by_episode.setdefault(x.episode_id, []).append(x.id)
        first_at.setdefault(x.episode_id, x.started_at)
    visits = Counter()
    for x in in_month:
        n = by_episode[x.episode_id].index(x.id) + 1
        visits[str(n) if n <= 3 else "4_plus"] += 1
    supporter_of = {x.id: x.supporter_id for x in in_month}
    pairs = {(x.supporter_id, owner[x.episode_id]) for x in in_month}
    pairs |= {(supporter_of[sid], p) for sid, p in present if sid in supporter_of}
    people = {p for _, p in pairs}
    per_supporter = Counter(x.supporter_id for x in in_month)
    waits = []
    for eid, first in first_at.items():
        if start <= first < end:
            day = first.replace(tzinfo=UTC).astimezone().date()
            waits.append(max(0, (day - opened[eid]).days))
    return {
        "mode_format": dict(Counter((x.mode, x.format) for x in in_month)),
        "duration": dict(Counter(_band(x.minutes) for x in in_month)),
        "visits": dict(visits),
        "kinds": dict(Counter(who[p][0] for p in people)),
        "kind_roles": dict(Counter(who[p] for p in people)),
        "supporters": {
            sid: (n, sum(1 for s2, _ in pairs if s2 == sid)) for sid, n in per_supporter.items()
        },
        "waits": sorted(waits),
    }


def _check_tables(f, month: Period, world) -> None:  # noqa: ANN001
    want = _recount_tables(world, month)
    assert f.mode_format == want["mode_format"]
    assert f.duration == want["duration"]
    assert f.visits == want["visits"]
    assert f.people_by_kind == want["kinds"]
    assert f.people_by_kind_role == want["kind_roles"]
    got = {x.supporter_id: (x.contacts, x.people) for x in f.supporters if x.contacts}
    assert got == want["supporters"]
    assert sum(f.metrics.first_contact.values()) == len(want["waits"])
    expected_median = float(median(want["waits"])) if want["waits"] else None
    assert f.metrics.first_contact_median_days == expected_median


def _correct(world, rng: random.Random) -> None:  # noqa: ANN001
    """One round of random corrections, through the ORM, a service and Core statements."""
    with world.store.session() as s:
        ids = list(s.scalars(select(SupportSession.id)))
        eps = list(s.scalars(select(Episode.id)))
        people = list(s.scalars(select(Participant.id)))
        for _ in range(4):
            ss = s.get(SupportSession, rng.choice(ids))
            change = rng.randrange(5)
            if change == 0:
                ss.started_at = _random_time(rng)  # a date typed wrong, corrected
            elif change == 1:
                ss.withdrawn_at = None if ss.withdrawn_at else GENERATED
            elif change == 2:
                ss.episode_id = rng.choice(eps)
            elif change == 3:
                ep = s.get(Episode, rng.choice(eps))
                ep.participant_id = rng.choice(people)
            else:
                ep = s.get(Episode, rng.choice(eps))
                ep.opened_on = _random_time(rng).date()
        # attendance added (ORM) and removed (Core, as services/sessions.py does)
        target = rng.choice(ids)
        who = rng.choice(people)
        if s.get(SessionAttendance, (target, who)) is None:
            s.add(SessionAttendance(session_id=target, participant_id=who, attended=True))
        s.flush()
        s.execute(delete(SessionAttendance).where(SessionAttendance.session_id == rng.choice(ids)))
        # Core UPDATE: no ORM events at all
        s.execute(
            update(SupportSession)
            .where(SupportSession.id == rng.choice(ids))
            .values(started_at=_random_time(rng))
        )
        # a new late entry for a closed month, and a deleted one
        ep = s.get(Episode, rng.choice(eps))
        s.add(
            SupportSession(
                episode_id=ep.id,
                supporter_id=ep.supporter_id,
                started_at=_random_time(rng),
                minutes=30,
                mode="phone",
                format="individual",
            )
        )
        victim = rng.choice(ids)
        s.execute(delete(SessionAttendance).where(SessionAttendance.session_id == victim))
        s.execute(text("DELETE FROM session_concerns WHERE session_id = :v"), {"v": victim})
        s.execute(delete(SupportSession).where(SupportSession.id == victim))
    # and a withdrawal through the service
    with world.store.session() as s:
        live = list(
            s.scalars(select(SupportSession.id).where(SupportSession.withdrawn_at.is_(None)))
        )
    withdraw_session(world.store, world.coord, rng.choice(live), "entered twice")


def _kept(world) -> dict[str, tuple[int, int, int]]:  # noqa: ANN001
    with world.store.session() as s:
        return {
            r.month: (r.contacts, r.people, r.new_episodes) for r in s.scalars(select(ReportMonth))
        }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_month_figures_equal_a_full_recount_after_random_corrections(tmp_path, seed):
    rng = random.Random(seed)
    world = make_world(tmp_path)
    try:
        _populate(world, rng)
        for _round in range(4):
            for period in REPORTED:
                report = build_report(world.store, world.coord, period)
                for point in report.figures.trend:
                    assert (point.contacts, point.people, point.new_episodes) == _recount(
                        world, point.month
                    ), point.month.label
                recount = _recount(world, period)
                current = report.figures.current
                assert (current.contacts, current.people, current.new_episodes) == recount
                prior = report.figures.prior
                assert (prior.contacts, prior.people) == _recount(world, period.previous())[:2]
                _check_tables(report.figures, period, world)
            # and the tables of two more months, anywhere in the store
            for month in rng.sample(MONTHS, 2):
                with world.store.session() as s:
                    _check_tables(collect_figures(s, month, GENERATED), month, world)
            kept = _kept(world)
            assert kept, "closed months are kept"
            for month, figures in kept.items():
                assert figures == _recount(world, Period.month(month)), month
            # The whole report is the same from kept figures as from a fresh count.
            with world.store.session() as s:
                fast = collect_figures(s, REPORTED[0], GENERATED)
                s.execute(delete(ReportMonth))
                slow = collect_figures(s, REPORTED[0], GENERATED)
                s.rollback()
            assert fast == slow
            assert verify_store(world.store, world.admin).problems == []
            _correct(world, rng)
    finally:
        world.close()


def test_every_write_that_changes_a_month_drops_its_row(tmp_path):
    world = make_world(tmp_path)
    try:
        _populate(world, random.Random(9))
        build_report(world.store, world.coord, Period.month("2026-03"))
        before = _kept(world)
        assert "2026-02" in before and "2026-03" in before
        with world.store.session() as s:
            march = Period.month("2026-03")
            lo, hi = march.bounds()
            one = s.scalars(
                select(SupportSession).where(
                    SupportSession.started_at >= lo, SupportSession.started_at < hi
                )
            ).first()
            one.notes = "a note changes no figure"
        assert _kept(world) == before  # not every write counts
        with world.store.session() as s:
            s.get(SupportSession, one.id).withdrawn_at = GENERATED
        after = _kept(world)
        assert "2026-03" not in after
        assert {k: v for k, v in before.items() if k != "2026-03"} == after
    finally:
        world.close()


def test_verify_names_and_drops_a_row_written_around_the_triggers(tmp_path):
    world = make_world(tmp_path)
    try:
        _populate(world, random.Random(4))
        build_report(world.store, world.coord, Period.month("2026-03"))
        with world.store.session() as s:
            s.execute(update(ReportMonth).where(ReportMonth.month == "2026-01").values(people=999))
        problems = verify_store(world.store, world.admin).problems
        assert len(problems) == 1 and "2026-01" in problems[0]
        assert "2026-01" not in _kept(world)
        assert verify_store(world.store, world.admin).problems == []
        # and the next report counts that month again, right
        report = build_report(world.store, world.coord, Period.month("2026-03"))
        jan = next(p for p in report.figures.trend if p.month == Period.month("2026-01"))
        assert (jan.contacts, jan.people, jan.new_episodes) == _recount(world, jan.month)
    finally:
        world.close()


def test_a_month_still_running_is_never_kept(tmp_path):
    world = make_world(tmp_path)
    try:
        with world.store.session() as s:
            today = datetime.now()
            this_month = Period.of_month(today.year, today.month)
            counts = report_cache.month_counts(
                s, [this_month], count_month, datetime(today.year, today.month, 2)
            )
        assert counts == [(0, 0, 0)]
        assert _kept(world) == {}
    finally:
        world.close()


def test_without_its_triggers_no_kept_row_is_trusted_and_verify_says_so(tmp_path):
    # A later migration that rebuilds a watched table (Alembic batch mode) drops its
    # triggers with it; the rows must not be read then, however right they look.
    world = make_world(tmp_path)
    try:
        _populate(world, random.Random(5))
        build_report(world.store, world.coord, Period.month("2026-03"))
        with world.store.session() as s:
            s.execute(text("DROP TRIGGER report_months_session_update"))
            s.execute(update(ReportMonth).where(ReportMonth.month == "2026-01").values(people=999))
        report = build_report(world.store, world.coord, Period.month("2026-03"))
        jan = next(p for p in report.figures.trend if p.month == Period.month("2026-01"))
        assert (jan.contacts, jan.people, jan.new_episodes) == _recount(world, jan.month)
        problems = verify_store(world.store, world.admin).problems
        assert any("report_months_session_update" in p for p in problems)
    finally:
        world.close()


def test_backup_and_restore_keep_the_triggers(tmp_path):
    from report_builders import PASSWORD

    from peerdesk.services.backup import backup_store, restore_backup
    from peerdesk.services.store import open_store

    world = make_world(tmp_path)
    backup_store(world.store, world.admin, tmp_path / "b.pdbackup")
    world.close()
    restore_backup(tmp_path / "b.pdbackup", tmp_path / "restored", "admin", PASSWORD)
    store, _ = open_store(tmp_path / "restored", "admin", PASSWORD)
    with store, store.session() as s:
        assert report_cache._missing_triggers(s) == []

"""Report figures from a store with known data: JSON equals counts made here, and the same
numbers appear in the CSV and the PDF text."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from report_builders import NAMES, make_world

from peerdesk.errors import PermissionDeniedError, UsageError
from peerdesk.services.checkins import record_checkin
from peerdesk.services.episodes import close_episode, open_episode
from peerdesk.services.participants import create_participant
from peerdesk.services.referrals import create_referral, move_referral
from peerdesk.services.reports.output import to_csv, to_dict, to_json
from peerdesk.services.reports.pdf import render_pdf
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.run import build_report
from peerdesk.services.resources import ResourceInput, add_resource
from peerdesk.services.sessions import SessionInput, record_session, withdraw_session
from peerdesk.services.spreadsheet import plain
from peerdesk.services.supporters import add_supervision, add_training, ensure_standard_courses

MARCH = Period.month("2026-03")

# episode, when, minutes, mode, format, extra attendees, concerns, follow-up, done, withdrawn
SESSIONS = [
    ("e1", datetime(2026, 2, 21, 9), 20, "phone", "individual", (), ("burnout",), None, None, 0),
    ("e1", datetime(2026, 3, 3, 9), 35, "in_person", "individual", (), ("burnout",), None, None, 0),
    ("e1", datetime(2026, 3, 10, 9), 50, "in_person", "individual", (), ("grief",), None, None, 0),
    (
        "e1",
        datetime(2026, 3, 17, 9),
        65,
        "video",
        "individual",
        (),
        ("burnout", "grief"),
        None,
        None,
        0,
    ),
    ("e1", datetime(2026, 3, 20, 9), 10, "phone", "individual", (), ("burnout",), None, None, 1),
    (
        "e2",
        datetime(2026, 3, 2, 14),
        60,
        "in_person",
        "group",
        ("p5",),
        ("housing",),
        None,
        None,
        0,
    ),
    ("e2", datetime(2026, 3, 9, 14), 12, "text", "individual", (), (), None, None, 0),
    (
        "e3",
        datetime(2026, 3, 6, 10),
        25,
        "phone",
        "individual",
        (),
        ("grief",),
        date(2026, 3, 13),
        date(2026, 3, 12),
        0,
    ),
    (
        "e3",
        datetime(2026, 3, 14, 10),
        45,
        "phone",
        "individual",
        (),
        ("grief",),
        date(2026, 3, 21),
        None,
        0,
    ),
    (
        "e4",
        datetime(2026, 3, 11, 16),
        30,
        "video",
        "individual",
        (),
        ("conflict",),
        date(2026, 3, 18),
        date(2026, 3, 20),
        0,
    ),
    ("e4", datetime(2026, 4, 2, 16), 30, "video", "individual", (), ("conflict",), None, None, 0),
]
EPISODES = {  # participant, supporter, opened, closed
    "e1": ("p1", "zoe", date(2026, 2, 20), None),
    "e2": ("p2", "zoe", date(2026, 3, 2), None),
    "e3": ("p3", "sam", date(2026, 3, 5), date(2026, 3, 25)),
    "e4": ("p4", "sam", date(2026, 3, 10), None),
}
PARTICIPANTS = {  # kind, role
    "p1": ("staff", "Nurse"),
    "p2": ("patient", ""),
    "p3": ("caregiver", ""),
    "p4": ("staff", "Physician"),
    "p5": ("patient", ""),
}


def band(minutes: int) -> str:
    for limit, name in ((15, "under_15"), (30, "15_29"), (45, "30_44"), (60, "45_59")):
        if minutes < limit:
            return name
    return "60_plus"


def in_march(when: datetime | date) -> bool:
    day = when.date() if isinstance(when, datetime) else when
    return MARCH.start <= day <= MARCH.end


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("report"))
    coord = w.coord
    pids = {
        key: create_participant(w.store, coord, kind, role=role).id
        for key, (kind, role) in PARTICIPANTS.items()
    }
    eids = {}
    for key, (p, sup, opened, _closed) in EPISODES.items():
        eids[key] = open_episode(
            w.store, coord, pids[p], "burnout", w.supporters[sup].supporter_id, opened
        ).id
    sids = []
    for ep, when, minutes, mode, fmt, extra, concerns, fu, done, withdrawn in SESSIONS:
        sup = w.supporters[EPISODES[ep][1]]
        info = record_session(
            w.store,
            sup,
            SessionInput(
                eids[ep],
                minutes,
                mode,
                when,
                fmt,
                concerns,
                # No notes: these actors share the admin's store, and notes can only be
                # sealed with the author's own key, which only their own sign-in unlocks.
                "",
                fu,
                attendee_ids=tuple(pids[x] for x in extra),
            ),
        )
        sids.append(info.id)
        if done:
            from peerdesk.services.sessions import mark_follow_up_done

            mark_follow_up_done(w.store, sup, info.id, done)
        if withdrawn:
            withdraw_session(w.store, sup, info.id, "entered twice")
    for key, (_p, _s, _o, closed) in EPISODES.items():
        if closed:
            close_episode(w.store, coord, eids[key], closed)

    eap = add_resource(w.store, coord, ResourceInput("Employee Assistance Program", "eap")).id
    crisis = add_resource(w.store, coord, ResourceInput("Crisis Line Zoë", "crisis_line")).id
    r1 = create_referral(w.store, coord, eids["e1"], eap, at=datetime(2026, 3, 4, 9))
    move_referral(w.store, coord, r1.id, "accepted", at=datetime(2026, 3, 8, 9))
    move_referral(w.store, coord, r1.id, "attended", at=datetime(2026, 3, 15, 9))
    r2 = create_referral(w.store, coord, eids["e2"], crisis, at=datetime(2026, 3, 9, 9))
    move_referral(w.store, coord, r2.id, "declined", at=datetime(2026, 3, 12, 9))
    create_referral(w.store, coord, eids["e3"], eap, at=datetime(2026, 3, 6, 9))
    create_referral(w.store, coord, eids["e4"], eap, at=datetime(2026, 2, 26, 9))
    r5 = create_referral(w.store, coord, eids["e1"], crisis, at=datetime(2026, 3, 20, 9))
    move_referral(w.store, coord, r5.id, "accepted", at=datetime(2026, 4, 3, 9))  # after March

    record_checkin(
        w.store, coord, eids["e1"], "WHO-5", "before", [2, 2, 2, 2, 2], date(2026, 2, 21)
    )  # 40
    record_checkin(
        w.store, coord, eids["e1"], "WHO-5", "after", [3, 3, 3, 4, 4], date(2026, 3, 17)
    )  # 68
    record_checkin(w.store, coord, eids["e3"], "PSS-4", "before", [3, 1, 1, 3], date(2026, 3, 6))
    record_checkin(w.store, coord, eids["e3"], "PSS-4", "after", [1, 3, 3, 1], date(2026, 3, 14))

    zoe, sam = w.supporters["zoe"].supporter_id, w.supporters["sam"].supporter_id
    add_supervision(w.store, coord, zoe, date(2026, 3, 5), 90)
    add_supervision(w.store, coord, sam, date(2026, 3, 12), 60)
    add_supervision(w.store, coord, sam, date(2026, 2, 12), 30)
    ensure_standard_courses(w.store, coord)
    for course in ("pfa", "listening", "confidentiality", "crisis"):
        add_training(w.store, coord, zoe, course, date(2025, 6, 1))
    add_training(w.store, coord, sam, "pfa", date(2025, 6, 1))
    add_training(w.store, coord, sam, "crisis", date(2024, 4, 15), date(2026, 4, 15))
    yield w
    w.close()


@pytest.fixture(scope="module")
def raw(world):
    return build_report(
        world.store, world.coord, MARCH, suppress=False, now=datetime(2026, 4, 5, 8)
    )


def values(doc: dict, table: str) -> dict[str, dict]:
    tables = {t["key"]: t for t in [doc["headline"], *doc["tables"]]}
    return {r["key"]: r["values"] for r in tables[table]["rows"]}


def test_figures_equal_counts_made_here(raw):
    doc = json.loads(to_json(raw))
    live = [s for s in SESSIONS if in_march(s[1]) and not s[9]]
    people = {EPISODES[s[0]][0] for s in live} | {x for s in live for x in s[5]}

    head = values(doc, "headline")
    assert head["contacts"]["current"] == len(live) == 8
    assert head["people"]["current"] == len(people) == 5
    assert head["contacts"]["previous"] == 1
    assert head["new_episodes"]["current"] == sum(in_march(e[2]) for e in EPISODES.values())
    assert head["closed_episodes"]["current"] == 1
    assert head["referrals"]["current"] == 4
    assert head["closed_loop"]["current"] == 50.0  # attended + declined of 4
    assert head["follow_ups"]["current"] == pytest.approx(100 / 3, abs=0.05)
    assert head["contact_hours"]["current"] == round(sum(s[2] for s in live) / 60, 1)
    assert head["supervision_hours"]["current"] == 2.5

    modes = values(doc, "contacts_by_mode")
    expect = Counter((s[3], s[4]) for s in live)
    for (mode, fmt), n in expect.items():
        assert modes[mode][fmt] == n
    assert modes["total"]["total"] == len(live)

    bands = values(doc, "duration")
    for b, n in Counter(band(s[2]) for s in live).items():
        assert bands[b]["n"] == n

    # visit number counts every earlier live contact of the episode, March or not
    order: dict[str, int] = {}
    visits = Counter()
    for s in sorted((s for s in SESSIONS if not s[9]), key=lambda s: s[1]):
        order[s[0]] = order.get(s[0], 0) + 1
        if in_march(s[1]):
            visits[str(order[s[0]]) if order[s[0]] < 4 else "4_plus"] += 1
    got = values(doc, "visit_number")
    assert {k: got[k]["n"] for k in visits} == dict(visits)

    concerns = values(doc, "concerns")
    assert {k: v["n"] for k, v in concerns.items()} == dict(Counter(c for s in live for c in s[6]))

    kinds = values(doc, "participant_types")
    assert {k: kinds[k]["n"] for k in ("staff", "patient", "caregiver")} == dict(
        Counter(PARTICIPANTS[p][0] for p in people)
    )
    roles = values(doc, "participant_roles")
    # roles within their type: p2 and p5 (patients) and p3 (caregiver) have none recorded
    assert roles["staff:nurse"]["n"] == 1 and roles["staff:physician"]["n"] == 1
    assert roles["patient:"]["n"] == 2 and roles["caregiver:"]["n"] == 1

    refs = values(doc, "referrals")
    assert refs["Employee Assistance Program"] == {
        "open": 1,
        "attended": 1,
        "declined": 0,
        "closed": 0,
        "total": 2,
        "loop": 50.0,
    }
    assert refs["Crisis Line Zoë"]["declined"] == 1 and refs["Crisis Line Zoë"]["open"] == 1

    fu = values(doc, "follow_ups")
    assert (fu["on_time"]["n"], fu["late"]["n"], fu["not_done"]["n"]) == (1, 1, 1)

    out = values(doc, "outcomes")
    assert out["WHO-5"]["pairs"] == 1 and out["WHO-5"]["before"] == 40.0
    assert out["WHO-5"]["after"] == 68.0 and out["WHO-5"]["improved"] == 1
    assert out["PSS-4"]["pairs"] == 1 and out["PSS-4"]["improved"] == 1

    sups = {
        r["label"]: r["values"]
        for r in next(t for t in doc["tables"] if t["key"] == "supporters")["rows"]
    }
    zoe_live = [s for s in live if EPISODES[s[0]][1] == "zoe"]
    assert sups[NAMES["zoe"]]["contacts"] == len(zoe_live) == 5
    assert sups[NAMES["zoe"]]["people"] == 3  # p1, p2 and p5 at the group session
    assert sups[NAMES["zoe"]]["supervision"] == 1.5
    assert sups[NAMES["zoe"]]["trained"] == "yes"
    assert sups[NAMES["sam"]]["trained"] == "no"

    training = values(doc, "training")
    assert training["all_required"]["current"] == 1
    assert training["all_required"]["active"] == 2
    expiring = next(t for t in doc["tables"] if t["key"] == "expiring")["rows"]
    assert [(r["label"], r["values"]["expires"]) for r in expiring] == [
        (NAMES["sam"], "2026-04-15")
    ]

    trend = values(doc, "trend")
    # months before the store's first record (February) are left out, and the note says so
    assert list(trend) == ["2026-02", "2026-03"]
    trend_note = next(t for t in doc["tables"] if t["key"] == "trend")["note"]
    assert "10 earlier months" in trend_note and "February 2026" in trend_note
    assert trend["2026-03"]["contacts"] == 8 and trend["2026-02"]["contacts"] == 1


def test_csv_and_pdf_carry_the_same_numbers(raw):
    doc = to_dict(raw)
    rows = [[plain(c) for c in row] for row in csv.reader(io.StringIO(to_csv(raw)))]
    assert rows[0] == ["table", "row", "column", "value"]
    lookup = {(t, r, c): v for t, r, c, v in rows[1:]}
    for table in [doc["headline"], *doc["tables"]]:
        labels = {c["key"]: c["label"] for c in table["columns"]}
        for r in table["rows"]:
            for key, value in r["values"].items():
                got = lookup[(table["title"], r["label"], labels[key])]
                assert got == ("" if value is None else str(value))

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(raw))).pages)
    assert "Contacts (support sessions)" in text
    head = values(doc, "headline")
    assert f"\n{head['contacts']['current']}\n" in f"\n{text}\n".replace(" ", "\n")
    for needle in (
        "50.0%",
        "33.3%",
        "Employee Assistance Program",
        "Crisis Line Zoë",
        NAMES["zoe"],
        NAMES["sam"],
        "15 Apr 2026",  # one date style on the page (ISO in the CSV and JSON)
        "1 Mar 2026 to 31 Mar 2026",
        "March 2026",
        "February 2026",
    ):
        assert needle in text, needle
    assert "2026-04-15" not in text and "01 Mar" not in text


def test_withdrawn_sessions_never_count(raw):
    head = values(to_dict(raw), "headline")
    assert head["contacts"]["current"] == 8  # the withdrawn 20 March contact is left out


def test_suppressed_report_hides_small_counts(world):
    shown = build_report(world.store, world.coord, MARCH)
    head = values(to_dict(shown), "headline")
    assert head["contacts"]["current"] == "<11"
    assert head["contacts"]["change"] == "*"
    assert head["closed_loop"]["current"] == "*"  # a rate from 2 of 4 would give them away
    assert head["supervision_hours"]["current"] == 2.5  # staff time is not a count of people
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(shown))).pages)
    assert "<11" in text and "Counts from 1 to 10" in text


def test_date_range_and_previous_period(world):
    period = Period.parse_range("2026-03-01", "2026-03-10")
    report = build_report(world.store, world.coord, period, suppress=False)
    assert report.figures.previous == Period(date(2026, 2, 19), date(2026, 2, 28))
    live = [
        s for s in SESSIONS if date(2026, 3, 1) <= s[1].date() <= date(2026, 3, 10) and not s[9]
    ]
    assert report.figures.current.contacts == len(live)
    assert report.figures.prior.contacts == 1


def test_supporters_may_not_run_reports(world):
    with pytest.raises(PermissionDeniedError):
        build_report(world.store, world.supporters["zoe"], MARCH)


def test_period_parsing():
    assert Period.month("2026-02").end == date(2026, 2, 28)
    assert Period.month("2026-01").previous() == Period.month("2025-12")
    assert Period.month("2026-03").label == "March 2026"
    assert len(Period.month("2026-03").trend_months()) == 12
    for bad in ("2026-13", "March", ""):
        with pytest.raises(UsageError):
            Period.month(bad)
    with pytest.raises(UsageError):
        Period.parse_range("2026-03-10", "2026-03-01")

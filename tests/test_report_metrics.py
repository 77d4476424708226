"""The program metrics of the monthly report, counted from known data: needs met and
satisfaction, what followed a safety flag, referrals completed, and the wait for a first
contact. Each figure is checked in the JSON, and small counts are hidden when suppressed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from report_builders import make_world

from peerdesk.services import outcomes, series
from peerdesk.services.checkins import record_checkin
from peerdesk.services.episodes import open_episode
from peerdesk.services.participants import create_participant
from peerdesk.services.referrals import create_referral, move_referral
from peerdesk.services.reports.output import to_dict
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.run import build_report
from peerdesk.services.resources import ResourceInput, add_resource
from peerdesk.services.sessions import SessionInput, record_session

MARCH = Period.of_month(2026, 3)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("metrics"))
    coord, zoe = w.coord, w.supporters["zoe"]

    def episode(opened: date) -> str:
        p = create_participant(w.store, coord, "staff", role="nurse")
        return open_episode(w.store, coord, p.id, "burnout", zoe.supporter_id, opened).id

    def session(ep: str, when: datetime, safety: bool = False) -> str:
        return record_session(
            w.store, zoe, SessionInput(ep, 30, "phone", when, safety_flag=safety)
        ).id

    a = episode(date(2026, 3, 1))  # first contact the same day
    b = episode(date(2026, 2, 22))  # waits 10 days, into March
    c = episode(date(2026, 3, 2))  # waits 3 days
    d = episode(date(2026, 2, 1))  # first contact in February: not March's figure
    session(d, datetime(2026, 2, 3, 10))
    session(a, datetime(2026, 3, 1, 10))
    flagged_a = session(a, datetime(2026, 3, 5, 10), safety=True)
    end_a = session(a, datetime(2026, 3, 10, 10))
    session(b, datetime(2026, 3, 4, 10))
    flagged_b = session(b, datetime(2026, 3, 6, 10), safety=True)
    session(c, datetime(2026, 3, 5, 10))
    flagged_c = session(c, datetime(2026, 3, 7, 10), safety=True)

    eap = add_resource(w.store, coord, ResourceInput("Crisis team", "crisis_line")).id
    urgent = create_referral(
        w.store, coord, a, eap, urgency="urgent", session_id=flagged_a, at=datetime(2026, 3, 5, 11)
    )
    move_referral(w.store, coord, urgent.id, "accepted", at=datetime(2026, 3, 6, 9))
    move_referral(w.store, coord, urgent.id, "attended", at=datetime(2026, 3, 12, 9))
    series.record_referral_decision(w.store, zoe, flagged_a, "referred", urgent.id)
    series.record_referral_decision(w.store, zoe, flagged_b, series.LATER)
    series.record_referral_decision(w.store, zoe, flagged_c, "declined")
    routine = create_referral(w.store, coord, b, eap, at=datetime(2026, 3, 8, 9))
    move_referral(w.store, coord, routine.id, "declined", at=datetime(2026, 3, 9, 9))

    # WHO-5 (score = 4 x the sum of five answers): a real change is 10 points either way.
    who5 = [
        (a, [1, 1, 1, 1, 2], [3, 3, 3, 3, 3]),  # 24 -> 60: improved, and 28 or below before
        (b, [3, 3, 2, 3, 2], [2, 2, 2, 3, 2]),  # 52 -> 44: -8 is no real change
        (c, [3, 3, 3, 3, 3], [2, 2, 2, 2, 2]),  # 60 -> 40: worsened
    ]
    for ep, before, after in who5:
        record_checkin(w.store, zoe, ep, "WHO-5", "before", before, date(2026, 3, 1))
        record_checkin(w.store, zoe, ep, "WHO-5", "after", after, date(2026, 3, 25))
    outcomes.record_outcome(w.store, zoe, a, "yes", 5, end_a, date(2026, 3, 10))
    outcomes.record_outcome(w.store, zoe, b, "partly", None, None, date(2026, 3, 20))
    outcomes.record_outcome(w.store, zoe, c, "not_asked", None, None, date(2026, 3, 21))
    outcomes.record_outcome(w.store, zoe, d, "no", 1, None, date(2026, 2, 20))  # February
    yield w
    w.close()


def _values(world, suppress: bool) -> dict:
    doc = to_dict(
        build_report(world.store, world.coord, MARCH, suppress, now=datetime(2026, 4, 2, 8))
    )
    tables = {t["key"]: t for t in [doc["headline"], *doc["tables"]]}
    return {k: {r["key"]: r["values"] for r in t["rows"]} for k, t in tables.items()}


def test_program_metrics_are_counted_from_what_happened(world):
    v = _values(world, suppress=False)
    n = {
        key: {row: vals["n"] for row, vals in rows.items()}
        for key, rows in v.items()
        if all("n" in vals for vals in rows.values())
    }
    assert n["needs_met"] == {"yes": 1, "partly": 1, "no": 0, "not_asked": 1, "total": 3}
    assert n["satisfaction"]["5"] == 1 and n["satisfaction"]["total"] == 1
    assert n["safety_escalations"] == {
        "referred": 1,
        "declined": 1,
        "not_needed": 0,
        "open": 1,  # put off with "decide later": still open
        "total": 3,
    }
    assert n["safety_urgent"] == {"urgent": 1}
    assert n["first_contact"] == {
        "same_day": 1,
        "1_2": 0,
        "3_7": 1,
        "8_14": 1,
        "15_plus": 0,
        "total": 3,
    }
    who5 = v["outcomes"]["WHO-5"]
    assert (who5["pairs"], who5["improved"], who5["unchanged"], who5["worsened"]) == (3, 1, 1, 1)
    assert v["low_scores"]["WHO-5"] == {"before": 1, "after": 0}
    # Completed means attended: the declined referral closes the loop but is not completed.
    assert v["headline"]["referrals_completed"]["current"] == 1
    assert v["headline"]["referrals"]["current"] == 2


def test_small_program_counts_are_hidden_when_suppressed(world):
    v = _values(world, suppress=True)
    assert v["needs_met"]["yes"]["n"] == "<11"
    assert v["safety_urgent"]["urgent"]["n"] == "<11"
    assert v["first_contact"]["same_day"]["n"] == "<11"
    assert v["headline"]["referrals_completed"]["current"] == "<11"

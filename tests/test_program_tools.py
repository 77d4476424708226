"""Issue 5 services: matching, structured series, training, supervision, load, check-ins.

Dates are fixed (never today's) so the warnings are tested at known distances.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from conftest import ADMIN_PW, COORD_PW, SUP_A_PW, SUP_B_PW

from peerdesk.errors import PermissionDeniedError, ValidationError
from peerdesk.services import (
    checkins,
    episodes,
    matching,
    participants,
    referrals,
    series,
    sessions,
    supervision,
    supporter_load,
    supporters,
    training,
)
from peerdesk.services.policy import Policy, dump_policy
from peerdesk.services.resources import ResourceInput, add_resource
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store
from peerdesk.services.supporters import SupporterInput

# Each test runs on a plain local store and again with free text sealed (conftest.sealing).
pytestmark = pytest.mark.usefixtures("sealing")

DAY = date(2026, 5, 15)


# -- check-in scoring ----------------------------------------------------------------


def test_who5_scoring():
    assert checkins.score("WHO-5", [5, 5, 5, 5, 5]) == 100
    assert checkins.score("WHO-5", [0, 0, 0, 0, 0]) == 0
    assert checkins.score("WHO-5", [3, 2, 4, 1, 3]) == 52  # raw 13 x 4


def test_pss4_reverse_scored_items():
    # Items 2 and 3 are reverse-scored: answering 4 ("very often" confident) scores 0.
    assert checkins.score("PSS-4", [0, 4, 4, 0]) == 0
    assert checkins.score("PSS-4", [4, 0, 0, 4]) == 16
    assert checkins.score("PSS-4", [2, 1, 3, 2]) == 2 + 3 + 1 + 2


@pytest.mark.parametrize(
    "instrument, answers, message",
    [
        ("WHO-5", [1, 2, 3, 4], "each of its 5 items"),
        ("WHO-5", [1, 2, None, 4, 5], "each of its 5 items"),
        ("WHO-5", [1, 2, 3, 4, 6], "item 5 must be a whole number from 0 to 5"),
        ("PSS-4", [1, 2, 3, -1], "item 4 must be a whole number from 0 to 4"),
        ("PSS-4", [1, 2, 3], "each of its 4 items"),
        ("PHQ-9", [1], "unknown instrument"),
    ],
)
def test_incomplete_or_invalid_answers_are_rejected(instrument, answers, message):
    with pytest.raises(ValidationError, match=message):
        checkins.score(instrument, answers)


# -- fixtures: a small program with hand-made supporters -------------------------------


@pytest.fixture
def program(store_dir):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        supporters.ensure_standard_courses(store, coord)
        supporters.add_course(
            store,
            coord,
            "recovery-ethics",
            "Recovery coaching ethics",
            True,
            24,
            required_for="peer specialist",
        )
        made = {}
        specs = {
            "nurse_icu": SupporterInput(
                "Nora ICU Nurse",
                "nursing",
                "Intensive care",
                experience_band="6-10",
                languages="en,es",
                capacity=5,
            ),
            "nurse_ed": SupporterInput(
                "Ned ED Nurse", "nursing", "Emergency", languages="en", capacity=5
            ),
            "medic": SupporterInput("Mia Medic", "medicine", "Surgery", languages="en", capacity=5),
            "peer": SupporterInput(
                "Pat Peer",
                "peer specialist",
                "Community",
                languages="en",
                lived_experience="grief,substance use",
                capacity=5,
            ),
            "on_leave": SupporterInput(
                "Olly Onleave",
                "nursing",
                "Surgery",
                languages="en,es",
                capacity=5,
                status="on_leave",
            ),
            "full": SupporterInput("Fay Full", "nursing", "Surgery", languages="en,es", capacity=0),
            "lapsed": SupporterInput(
                "Lee Lapsed", "nursing", "Surgery", languages="en,es", capacity=5
            ),
        }
        for key, spec in specs.items():
            made[key] = supporters.add_supporter(store, coord, spec).id
        for key, sid in made.items():
            for course in ("pfa", "listening", "confidentiality", "crisis"):
                expires = date(2027, 1, 1)
                if key == "lapsed" and course == "crisis":
                    expires = date(2026, 4, 30)  # lapsed before DAY
                if key == "medic" and course == "pfa":
                    expires = date(2026, 7, 1)  # expires 47 days after DAY
                supporters.add_training(store, coord, sid, course, date(2025, 1, 10), expires)
        supporters.add_training(
            store, coord, made["peer"], "recovery-ethics", date(2025, 2, 1), date(2027, 2, 1)
        )
        p = participants.create_participant(
            store, coord, "staff", role="nurse", department="Surgery", language="es"
        )
    return store_dir, made, p


def test_expected_supporter_ranks_first_for_the_stated_reasons(program):
    store_dir, made, p = program
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        result = matching.suggest_supporters(store, coord, matching.MatchRequest(p.id), DAY)
    first = result.suggestions[0]
    assert first.supporter_id == made["nurse_icu"]
    assert "same discipline (nursing)" in first.reasons
    assert "speaks es" in first.reasons
    assert "from a different department" in first.reasons
    suggested = {s.supporter_id for s in result.suggestions}
    why = {e.supporter_id: e.reason for e in result.excluded}
    for key, reason in (
        ("on_leave", "on leave"),
        ("full", "at capacity"),
        ("lapsed", "required training not current: Crisis recognition"),
    ):
        assert made[key] not in suggested
        assert reason in why[made[key]]
    # Medicine is not nursing: ranked, but below the nurses from other departments.
    order = [s.supporter_id for s in result.suggestions]
    assert order.index(made["nurse_ed"]) < order.index(made["medic"])
    medic = next(s for s in result.suggestions if s.supporter_id == made["medic"])
    assert "note: a required certificate expires soon" in medic.reasons


def test_lived_experience_asked_for_lifts_a_peer_specialist(program):
    store_dir, made, _ = program
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        patient = participants.create_participant(store, coord, "patient", language="en")
        result = matching.suggest_supporters(
            store,
            coord,
            matching.MatchRequest(patient.id, lived_experience=("substance use",)),
            DAY,
        )
    assert result.suggestions[0].supporter_id == made["peer"]
    assert "lived experience: substance use" in result.suggestions[0].reasons


def test_policy_can_require_a_different_department(program):
    store_dir, made, p = program
    (store_dir.data_dir / "policy.toml").write_text(
        dump_policy(Policy(matching_department="require_different")), encoding="utf-8"
    )
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        result = matching.suggest_supporters(store, coord, matching.MatchRequest(p.id), DAY)
    assert made["medic"] not in {s.supporter_id for s in result.suggestions}  # Surgery
    assert any(
        e.supporter_id == made["medic"] and "same department" in e.reason for e in result.excluded
    )


def test_supporters_may_not_match_unless_policy_allows(program):
    store_dir, _, p = program
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store, pytest.raises(PermissionDeniedError):
        matching.suggest_supporters(store, alice, matching.MatchRequest(p.id), DAY)


# -- training, supervision, load ------------------------------------------------------


def test_expiry_warnings_on_fixed_dates(program):
    store_dir, made, _ = program
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        by_id = {t.supporter_id: t for t in training.training_overview(store, coord, DAY)}
        assert by_id[made["medic"]].overall == "expiring"  # 47 days ahead
        assert by_id[made["lapsed"]].overall == "lapsed"
        assert by_id[made["nurse_icu"]].overall == "current"
        # The peer specialist's role requires the recovery ethics course; nurses' does not.
        assert any(
            c.course_code == "recovery-ethics" and c.required for c in by_id[made["peer"]].courses
        )
        assert not any(c.course_code == "recovery-ethics" for c in by_id[made["nurse_icu"]].courses)
        # 61 days before expiry there is no warning yet; at 60 there is.
        early = {
            t.supporter_id: t for t in training.training_overview(store, coord, date(2026, 5, 1))
        }
        assert early[made["medic"]].overall == "current"
        on_time = {
            t.supporter_id: t for t in training.training_overview(store, coord, date(2026, 5, 2))
        }
        assert on_time[made["medic"]].overall == "expiring"
        needing = {
            t.supporter_id
            for t in training.supporters_needing_training(store, coord, DAY, states=("lapsed",))
        }
        assert needing == {made["lapsed"]}


def test_supervision_warning_after_policy_weeks(program):
    store_dir, made, _ = program
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        supporters.add_supervision(store, coord, made["nurse_icu"], date(2026, 5, 4), 60)
        supporters.add_supervision(store, coord, made["nurse_icu"], date(2026, 5, 11), 30, "group")
        supporters.add_supervision(store, coord, made["medic"], date(2026, 3, 1), 60)
        status = {s.supporter_id: s for s in supervision.supervision_status(store, coord, DAY)}
        assert status[made["nurse_icu"]].hours_this_month == 1.5
        assert not status[made["nurse_icu"]].overdue
        assert status[made["medic"]].overdue  # 10 weeks > 6 weeks
        assert status[made["peer"]].overdue  # never
        assert made["on_leave"] not in status
        hours = supervision.monthly_hours(store, coord, made["nurse_icu"], 3, DAY)
        assert hours == [(date(2026, 3, 1), 0.0), (date(2026, 4, 1), 0.0), (date(2026, 5, 1), 1.5)]


def test_own_wellbeing_is_private(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        supporter_load.record_own_wellbeing(store, alice, "WHO-5", [4, 4, 3, 4, 5], DAY)
        assert [c.score for c in supporter_load.list_own_wellbeing(store, alice)] == [80]
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    with store:
        assert supporter_load.list_own_wellbeing(store, bob) == []
        with pytest.raises(PermissionDeniedError):
            supporter_load.wellbeing_counts(store, bob, date(2026, 5, 1), date(2026, 6, 1))
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        counts = supporter_load.wellbeing_counts(store, coord, date(2026, 5, 1), date(2026, 6, 1))
        assert (counts.check_ins, counts.supporters_checked_in) == (1, 1)
        assert supporter_load.list_own_wellbeing(store, coord) == []
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store, store.session() as s:
        from sqlalchemy import text

        details = (
            s.execute(text("SELECT detail FROM audit_events WHERE action = 'wellbeing.create'"))
            .scalars()
            .all()
        )
        assert details == ["{}"]  # no score in the audit log


# -- structured series and referrals --------------------------------------------------


def _record(store, actor, episode_id, day, safety=False):
    return sessions.record_session(
        store,
        actor,
        SessionInput(
            episode_id=episode_id,
            minutes=30,
            mode="in_person",
            safety_flag=safety,
            started_at=datetime(2026, 5, day, 10, 0),
        ),
    )


def test_series_prompt_at_session_n_and_on_safety_flag(store_dir):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        res = add_resource(store, coord, ResourceInput(name="EAP", kind="eap"))
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff", role="nurse")
        ep = episodes.open_episode(store, alice, p.id, "adverse event", opened_on=date(2026, 5, 1))
        assert ep.series_length == 3
        assert series.checkins_due(store, alice, ep.id) == ["before"]
        s1 = _record(store, alice, ep.id, 2)
        assert series.referral_prompt(store, alice, s1.id) is None
        s2 = _record(store, alice, ep.id, 5, safety=True)
        prompt = series.referral_prompt(store, alice, s2.id)
        assert prompt.reasons == ("safety flag raised",)
        ref = referrals.create_referral(
            store,
            alice,
            ep.id,
            res.id,
            urgency="urgent",
            session_id=s2.id,
            at=datetime(2026, 5, 5, 11, 0),
        )
        assert ref.follow_up_on == date(2026, 5, 7)  # urgent: two days
        series.record_referral_decision(store, alice, s2.id, "referred", ref.id)
        s3 = _record(store, alice, ep.id, 9)
        pos = series.series_position(store, alice, s3.id)
        assert (pos.index_in_series, pos.length, pos.label) == (3, 3, "session 3 of 3")
        prompt = series.referral_prompt(store, alice, s3.id)
        assert prompt.reasons == ("last session of the series (session 3 of 3)",)
        assert prompt.decision is None
        series.record_referral_decision(store, alice, s3.id, "declined")
        assert series.referral_prompt(store, alice, s3.id).decision == "declined"
        assert series.checkins_due(store, alice, ep.id) == ["before", "after"]
        s4 = _record(store, alice, ep.id, 12)
        assert series.series_position(store, alice, s4.id).label == "session 1 of 3 (series 2)"
        with pytest.raises(ValidationError, match="record the referral itself"):
            series.record_referral_decision(store, alice, s4.id, "referred")
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    with store, pytest.raises(PermissionDeniedError):
        series.record_referral_decision(store, bob, s3.id, "not_needed")


def test_overdue_referral_surfaces(store_dir):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        res = add_resource(store, coord, ResourceInput(name="Crisis line", kind="crisis_line"))
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "patient")
        ep = episodes.open_episode(store, alice, p.id, "anxiety")
        ref = referrals.create_referral(
            store, alice, ep.id, res.id, warm_handoff=True, at=datetime(2026, 5, 1, 9, 0)
        )
        assert ref.follow_up_on == date(2026, 5, 15)  # routine: fourteen days
        assert not referrals.list_referrals(store, alice, "open", today=DAY)[0].overdue
        assert referrals.list_referrals(store, alice, "open", today=date(2026, 5, 16))[0].overdue
        referrals.move_referral(store, alice, ref.id, "accepted")
        referrals.move_referral(store, alice, ref.id, "attended")
        referrals.move_referral(store, alice, ref.id, "closed")
        assert referrals.list_referrals(store, alice, "open", today=date(2026, 6, 1)) == []


def test_report_counts_training_only_where_required(program):
    """The monthly report's compliance table follows courses.required_for."""
    from peerdesk.services.reports.data import collect_figures
    from peerdesk.services.reports.period import Period

    store_dir, made, _ = program
    store, _coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store, store.session() as s:
        figures = collect_figures(s, Period(date(2026, 5, 1), date(2026, 5, 31)), datetime.now())
    by_code = {c.code: c for c in figures.training}
    # Only the one peer specialist needs recovery ethics, and holds it.
    ethics = by_code["recovery-ethics"]
    assert (ethics.current, ethics.active_supporters) == (1, 1)
    # Eight active supporters (alice and bob have no training yet); "lapsed" let crisis
    # recognition run out on 30 April.
    assert (by_code["crisis"].current, by_code["crisis"].active_supporters) == (5, 8)
    assert figures.fully_trained == 5
    trained = {f.supporter_id: f for f in figures.supporters}
    assert trained[made["peer"]].training_complete
    assert not trained[made["lapsed"]].training_complete


def test_today_attention_agrees_with_training_rules(program):
    """Today's coordinator alerts follow required_for, the policy window and capacity."""
    from peerdesk.services.today import supporter_attention

    store_dir, made, _ = program
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        alerts = supporter_attention(store, coord, DAY)
    by_person: dict[str, set[str]] = {}
    for a in alerts:
        by_person.setdefault(a.supporter_id, set()).add(a.kind)
        assert "Recovery coaching ethics" not in a.text or a.supporter_id == made["peer"]
    assert "expired" in by_person[made["lapsed"]]
    assert "expiring" in by_person[made["medic"]]
    # Capacity 0 means "no new cases", not an overload.
    assert "capacity" not in by_person[made["full"]]
    assert made["on_leave"] not in by_person


def test_checkin_rules_follow_the_published_instruments():
    from peerdesk.errors import ValidationError
    from peerdesk.services import checkins

    # WHO-5: a real change is 10 points or more either way; a 4-point rise is not.
    assert checkins.change("WHO-5", 40, 50) == "improved"
    assert checkins.change("WHO-5", 40, 48) == "unchanged"
    assert checkins.change("WHO-5", 60, 48) == "worsened"
    # PSS-4: lower is better; no published threshold, so one point counts.
    assert checkins.change("PSS-4", 9, 8) == "improved"
    assert checkins.change("PSS-4", 9, 11) == "worsened"
    # The WHO-5 tiers: 28 or below is the screen for likely depression.
    assert "likely depression" in checkins.tier("WHO-5", 28)
    assert "poor well-being" in checkins.tier("WHO-5", 32)
    assert checkins.tier("WHO-5", 52) == "" and checkins.tier("PSS-4", 16) == ""
    # Answers are whole numbers, never True/False (a bool is an int in Python).
    with pytest.raises(ValidationError, match="whole number"):
        checkins.score("WHO-5", [True, 2, 3, 4, 5])
    with pytest.raises(ValidationError, match="whole number"):
        checkins.score("WHO-5", [2.0, 2, 3, 4, 5])


def test_decide_later_is_recorded_listed_and_answered_later(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff", role="nurse")
        ep = episodes.open_episode(store, alice, p.id, "adverse event", opened_on=date(2026, 5, 1))
        s1 = _record(store, alice, ep.id, 2, safety=True)
        s2 = _record(store, alice, ep.id, 3, safety=True)
        assert series.open_questions(store, alice) == ([], 0)  # never asked: not listed
        series.record_referral_decision(store, alice, s1.id, series.LATER)
        series.record_referral_decision(store, alice, s2.id, series.LATER)
        items, total = series.open_questions(store, alice)
        assert total == 2 and [q.session_id for q in items] == [s1.id, s2.id]
        assert items[0].participant_code == p.code and items[0].safety_flag and items[0].is_mine
        assert series.referral_prompt(store, alice, s1.id).is_open
        series.record_referral_decision(store, alice, s1.id, "not_needed")
        # Putting off a question already answered changes nothing.
        series.record_referral_decision(store, alice, s1.id, series.LATER)
        assert series.referral_prompt(store, alice, s1.id).decision == "not_needed"
        assert [q.session_id for q in series.open_questions(store, alice)[0]] == [s2.id]
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    with store:
        assert series.open_questions(store, bob) == ([], 0)  # not his
        with pytest.raises(PermissionDeniedError):
            series.record_referral_decision(store, bob, s2.id, "not_needed")
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        items, total = series.open_questions(store, coord)
        assert total == 1 and not items[0].is_mine  # seen program-wide, answered by Alice
        assert items[0].supporter_name == "Alice Supporter"
        from peerdesk.services import today as today_service

        summary = today_service.today_summary(store, coord, date(2026, 5, 15))
        assert summary.open_questions_total == 1
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        sessions.withdraw_session(store, alice, s2.id, "entered twice")
        assert series.open_questions(store, alice) == ([], 0)


def test_needs_met_answers_per_series_end_and_episode_close(store_dir):
    from datetime import timedelta

    from peerdesk.errors import NotFoundError
    from peerdesk.services import outcomes

    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff")
        ep = episodes.open_episode(store, alice, p.id, "burnout", opened_on=date(2026, 5, 1))
        s3 = _record(store, alice, ep.id, 4)
        outcomes.record_outcome(store, alice, ep.id, "partly", 3, session_id=s3.id)
        # Asked again for the same series end: the answer is replaced, not doubled.
        outcomes.record_outcome(store, alice, ep.id, "yes", 5, session_id=s3.id)
        outcomes.record_outcome(store, alice, ep.id, "not_asked")  # at the close
        got = outcomes.list_outcomes(store, alice, ep.id)
        assert sorted((o.session_id is None, o.needs_met, o.satisfaction) for o in got) == [
            (False, "yes", 5),
            (True, "not_asked", None),
        ]
        for bad in (
            dict(needs_met="maybe"),
            dict(needs_met="yes", satisfaction=6),
            dict(needs_met="yes", satisfaction=True),
            dict(needs_met="not_asked", satisfaction=4),
            dict(needs_met="yes", answered_on=date.today() + timedelta(days=1)),
        ):
            with pytest.raises(ValidationError):
                outcomes.record_outcome(store, alice, ep.id, **bad)
        other = participants.create_participant(store, alice, "staff")
        ep2 = episodes.open_episode(store, alice, other.id, "grief")
        with pytest.raises(NotFoundError):  # a session of another episode
            outcomes.record_outcome(store, alice, ep2.id, "yes", session_id=s3.id)
    store, bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)
    with store:
        with pytest.raises(NotFoundError):
            outcomes.record_outcome(store, bob, ep.id, "no")
        assert outcomes.list_outcomes(store, bob, ep.id) == []

"""Attacks on the published report: what a determined reader can work out from the CSV and
JSON of one report, of two reports, from the order of rows and from linked totals.

The attacker (tests/report_attack.py) searches every whole-number solution that agrees
with what is published; a hidden count is recovered when all solutions agree on it.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from conftest import assert_one_line_error, run_cli
from pypdf import PdfReader
from report_attack import Model, assume_sorted, check_csv_matches, link_reports, model_of

from peerdesk.errors import UsageError
from peerdesk.services.demo import build_demo
from peerdesk.services.reports.data import (
    Counts,
    OutcomeFigures,
    ReportFigures,
    SupporterFigures,
    collect_figures,
)
from peerdesk.services.reports.output import to_dict
from peerdesk.services.reports.period import Period, add_months
from peerdesk.services.reports.run import build_report
from peerdesk.services.reports.suppression import Suppression, apply
from peerdesk.services.reports.tables import build_tables, to_merge
from peerdesk.services.store import open_store

PW = "demo passphrase 1"
ANCHOR = date(2026, 5, 20)
RULE = Suppression(True, 11)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("disclosure") / "demo"
    build_demo(data_dir, sessions=700, seed=11, password=PW, anchor=ANCHOR)
    return data_dir


def report(data_dir, *args: str) -> tuple[dict, str]:
    """The report's JSON and CSV as the real command line writes them."""
    csv_path = data_dir.parent / f"r{abs(hash(args))}.csv"
    r = run_cli(
        "report",
        *args,
        "--json",
        "--csv",
        str(csv_path),
        "--user",
        "coordinator",
        data_dir=data_dir,
        env={"PEERDESK_PASSWORD": PW},
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), csv_path.read_text(encoding="utf-8")


def hidden_count(doc: dict) -> int:
    return sum(
        1
        for t in [doc["headline"], *doc["tables"]]
        for r in t["rows"]
        for v in r["values"].values()
        if v == "*" or (isinstance(v, str) and v.startswith("<"))
    )


# -- the attacker works -----------------------------------------------------------------


def old_referral_doc() -> dict:
    """The referral table of the demo April as the old rule published it (issue 10)."""
    rows = [  # destination, open, attended, declined, closed, made
        ("24/7 Crisis Line", "<11", "<11", "<11", "<11", 13),
        ("Psychology Outpatients", "<11", 0, "<11", "<11", "<11"),
        ("Housing Advice Centre", "<11", "<11", 0, 0, "<11"),
        ("Employee Assistance Program", "<11", 0, 0, "<11", "<11"),
        ("Community Mental Health Team", "<11", 0, 0, 0, "<11"),
        ("Hospital Chaplaincy", 0, "<11", 0, 0, "<11"),
        ("Recovery Café", 0, "<11", 0, 0, "<11"),
    ]
    cols = ("open", "attended", "declined", "closed", "total")

    def row(key, values, total=False):
        return {
            "key": key,
            "label": key,
            "total": total,
            "values": dict(zip(cols, values, strict=True)),
        }

    table = {
        "key": "referrals",
        "columns": [{"key": c, "label": c} for c in cols],
        "rows": [row(r[0], r[1:]) for r in rows]
        + [row("total", (11, "<11", "<11", "<11", 25), True)],
    }
    head = {"key": "headline", "columns": [], "rows": []}
    return {
        "suppression": {"threshold": 11},
        "headline": head,
        "tables": [table],
        "period": {"start": "2026-04-01"},
        "previous_period": {"start": "2026-03-01"},
    }


def test_the_attacker_recovers_what_the_old_rule_gave_away():
    """Sort order + the shown total + the shown zeros: the issue's attack, re-run."""
    doc = old_referral_doc()
    m = model_of(doc)
    assume_sorted(m, "r", doc, "referrals", "total")
    got = {(row, col): v for (_, _, row, col), v in m.recovered().items()}
    made = {row: v for (row, col), v in got.items() if col == "total"}
    assert made == {
        "Psychology Outpatients": 4,
        "Housing Advice Centre": 3,
        "Employee Assistance Program": 2,
        "Community Mental Health Team": 1,
        "Hospital Chaplaincy": 1,
        "Recovery Café": 1,
    }
    inner = {k: v for k, v in got.items() if k[1] != "total"}
    assert len(inner) == 5 and set(inner.values()) == {1}


def test_the_attacker_pins_a_lone_hidden_cell_and_sums_of_sums():
    m = Model(11)
    for name, value in (("a", "<11"), ("b", 40), ("t", 45)):
        m.value(("r", "x", name, "n"), value)
    m.equal_sum(("r", "x", "t", "n"), [("r", "x", "a", "n"), ("r", "x", "b", "n")])
    assert m.recovered() == {("r", "x", "a", "n"): 5}
    # "*" is 0 or 11+: two hidden cells summing to 12, one "<11" and one "*", are 1 and 11
    m = Model(11)
    for name, value in (("a", "<11"), ("b", "*"), ("t", 12)):
        m.value(("r", "x", name, "n"), value)
    m.equal_sum(("r", "x", "t", "n"), [("r", "x", "a", "n"), ("r", "x", "b", "n")])
    assert m.recovered()[("r", "x", "a", "n")] == 1


# -- one report, two reports ---------------------------------------------------------------


def test_one_month_csv_and_json_give_no_hidden_count_away(demo):
    for month in ("2026-04", "2026-03"):
        doc, csv_text = report(demo, "--month", month)
        check_csv_matches(doc, csv_text)  # the CSV carries exactly the JSON's values
        m = model_of(doc)
        assert len(m.hidden) >= 10  # small counts there are, and they are hidden
        assert m.recovered() == {}, month


def test_two_reports_a_coordinator_can_make_give_nothing_away(demo):
    """Adjacent months share the previous-period column and the trend; the same month
    twice is the same report; a range that is not a month is refused unless nothing is
    hidden, so subtraction has nothing to work on."""
    april, _ = report(demo, "--month", "2026-04")
    march, _ = report(demo, "--month", "2026-03")
    again, _ = report(demo, "--month", "2026-04")
    m = Model(11)
    model_of(april, "A", m)
    model_of(march, "B", m)
    link_reports(m, ("A", april), ("B", march))
    assert m.recovered() == {}
    assert {k: v for k, v in again.items() if k != "generated_at"} == {
        k: v for k, v in april.items() if k != "generated_at"
    }

    r = run_cli(
        "report",
        *("--from", "2026-04-01", "--to", "2026-04-29", "--json", "--user", "coordinator"),
        data_dir=demo,
        env={"PEERDESK_PASSWORD": PW},
    )
    assert r.returncode == 2
    assert "whole calendar months" in assert_one_line_error(r)


def test_a_custom_range_is_internal_everywhere_and_audited(demo, tmp_path):
    pdf, csv_path = tmp_path / "range.pdf", tmp_path / "range.csv"
    r = run_cli(
        "report",
        *("--from", "2026-04-01", "--to", "2026-04-29", "--no-suppression"),
        *("--out", str(pdf), "--csv", str(csv_path), "--user", "coordinator"),
        data_dir=demo,
        env={"PEERDESK_PASSWORD": PW},
    )
    assert r.returncode == 0, r.stderr
    pages = PdfReader(pdf).pages
    assert all("INTERNAL" in p.extract_text() for p in pages)
    assert "internal use only" in csv_path.read_text(encoding="utf-8")
    store, coord = open_store(demo, "coordinator", PW)
    with store:
        shown = build_report(store, coord, Period.parse_range("2026-04-01", "2026-04-29"), False)
        assert to_dict(shown)["suppression"]["internal"] is True
        assert (
            to_dict(build_report(store, coord, Period.month("2026-04")))["suppression"]["internal"]
            is False
        )
        with pytest.raises(UsageError):
            build_report(store, coord, Period.parse_range("2026-04-01", "2026-04-29"))
        with pytest.raises(UsageError):  # a quarter minus two months would be the third
            build_report(store, coord, Period.parse_range("2026-04-01", "2026-06-30"))
    rc = run_cli("verify", "--user", "coordinator", data_dir=demo, env={"PEERDESK_PASSWORD": PW})
    assert rc.returncode == 0, rc.stderr


# -- order of rows, linked totals -------------------------------------------------------------


def figures(**changes) -> ReportFigures:
    """A month like the demo April (seed 11), built by hand so one figure can be changed."""
    april, march = Period.month("2026-04"), Period.month("2026-03")
    base = ReportFigures(
        site="Test site",
        period=april,
        previous=march,
        generated_at=datetime(2026, 5, 2, 9),
        current=Counts(337, 121, 14670, 25, 79, 75, 25, 14, 125, 73, 810),
        prior=Counts(305, 112, 14112, 20, 76, 66, 30, 16, 107, 60, 672),
        mode_format={
            ("in_person", "individual"): 158,
            ("in_person", "group"): 8,
            ("phone", "individual"): 66,
            ("phone", "group"): 8,
            ("video", "individual"): 53,
            ("video", "group"): 3,
            ("text", "individual"): 35,
            ("text", "group"): 6,
        },
        duration={"under_15": 32, "15_29": 62, "30_44": 86, "45_59": 64, "60_plus": 93},
        visits={"1": 79, "2": 66, "3": 42, "4_plus": 150},
        concerns={"anxiety": 76, "grief": 76, "burnout": 14, "conflict": 10, "death": 6},
        people_by_kind={"staff": 58, "patient": 40, "caregiver": 23},
        people_by_kind_role={
            ("staff", "physician"): 18,
            ("staff", "resident"): 13,
            ("staff", "support staff"): 10,
            ("staff", "nurse"): 9,
            ("staff", "allied health"): 8,
            ("patient", "community"): 14,
            ("patient", "inpatient"): 13,
            ("patient", "outpatient"): 13,
            ("caregiver", "friend"): 8,
            ("caregiver", "parent"): 8,
            ("caregiver", "spouse"): 7,
        },
        open_episodes_at_end=121,
        referrals={
            ("24/7 Crisis Line", "open"): 5,
            ("24/7 Crisis Line", "attended"): 5,
            ("24/7 Crisis Line", "declined"): 1,
            ("24/7 Crisis Line", "closed"): 2,
            ("Psychology Outpatients", "open"): 2,
            ("Psychology Outpatients", "declined"): 1,
            ("Psychology Outpatients", "closed"): 1,
            ("Housing Advice Centre", "open"): 2,
            ("Housing Advice Centre", "attended"): 1,
            ("Employee Assistance Program", "open"): 1,
            ("Employee Assistance Program", "closed"): 1,
            ("Community Mental Health Team", "open"): 1,
            ("Hospital Chaplaincy", "attended"): 1,
            ("Recovery Café", "attended"): 1,
        },
        follow_ups={"on_time": 73, "late": 52},
        checkins={("WHO-5", "before"): 30, ("WHO-5", "after"): 29},
        outcomes=[OutcomeFigures("WHO-5", 29, 44.1, 59.3, 21, True)],
        supporters=[
            SupporterFigures("s1", "Zoë Martin", "active", 300, 100, 12000, 60, True),
            SupporterFigures("s2", "Ben Okafor", "active", 25, 15, 1500, 60, True),
            SupporterFigures("s3", "Ivan Petrov", "on_leave", 12, 6, 700, 30, True),
        ],
        active_supporters=2,
        fully_trained=2,
        first_record=date(2025, 12, 3),
    )
    return replace(base, **changes)


def published(f: ReportFigures) -> dict:
    return to_dict(apply(build_tables(f, RULE.threshold), RULE))


def table(doc: dict, key: str) -> dict:
    return next(t for t in doc["tables"] if t["key"] == key)


def test_hidden_rows_are_never_ordered_by_their_hidden_value():
    """Two months whose small counts differ only in which row holds which value print
    exactly the same rows in the same order."""
    small = {"a-team": 2, "b-team": 7, "c-team": 4, "d-team": 9}
    other = {"a-team": 9, "b-team": 2, "c-team": 7, "d-team": 4}
    for values in (small, other):
        assert to_merge(values, 11, adds_up=False) == set(values)
    one = published(figures(concerns={"anxiety": 76, "grief": 60, **small}))
    two = published(figures(concerns={"anxiety": 76, "grief": 60, **other}))
    assert table(one, "concerns") == table(two, "concerns")
    sups = [
        SupporterFigures(sid, name, "active", n, 3, 60 * n, 0, True)
        for sid, name, n in (
            ("s1", "Ana", 300),
            ("s2", "Bea", 3),
            ("s3", "Cy", 9),
            ("s4", "Di", 25),
        )
    ]
    swapped = [
        replace(s, contacts={"s2": 9, "s3": 3}.get(s.supporter_id, s.contacts)) for s in sups
    ]
    one, two = published(figures(supporters=sups)), published(figures(supporters=swapped))
    labels = [r["label"] for r in table(one, "supporters")["rows"]]
    assert labels == [r["label"] for r in table(two, "supporters")["rows"]]
    assert labels == ["Ana", "Di", "Bea", "Cy", "All supporters"]  # shown by size, hidden by name


def test_referral_made_counts_cannot_be_read_from_order_totals_and_zeros():
    doc = published(figures())
    refs = table(doc, "referrals")
    assert [r["label"] for r in refs["rows"]] == [
        "24/7 Crisis Line",
        "Other destinations",
        "Total",
    ]
    m = model_of(doc)
    assume_sorted(m, "r", doc, "referrals", "total")  # even a reader who assumes an order
    assert m.recovered() == {}


def test_roles_cannot_be_worked_out_from_the_staff_total():
    """Staff 58 = physician 18 + resident 13 + three small roles (27): printed per type,
    the three small roles are one 'Other staff roles' row of 27, and nothing is hidden."""
    doc = published(figures())
    roles = {
        r["key"]: (r["label"], r["values"]["n"]) for r in table(doc, "participant_roles")["rows"]
    }
    assert roles["staff:other"] == ("Other staff roles", 27)
    assert roles["staff:physician"] == ("Physician (staff)", 18)
    assert "staff:nurse" not in roles
    m = model_of(doc)
    assert m.recovered() == {}
    # one small staff role beside large ones: merged with the next smallest, not left alone
    doc = published(
        figures(
            people_by_kind_role={
                ("staff", "physician"): 20,
                ("staff", "resident"): 13,
                ("staff", "nurse"): 12,
                ("staff", "chaplain"): 13,
                ("patient", "community"): 40,
                ("caregiver", "friend"): 23,
            },
        )
    )
    roles = {r["key"]: r["values"]["n"] for r in table(doc, "participant_roles")["rows"]}
    assert roles == {
        "staff:physician": 20,
        "staff:resident": 13,
        "staff:nurse": 12,
        "staff:chaplain": 13,
        "patient:community": 40,
        "caregiver:friend": 23,
        "total": 121,
    }


def test_a_rate_does_not_give_away_a_hidden_total():
    """The closed-loop rate times the referrals made is the number closed: it is checked
    together with the referral table, not on its own."""
    doc = published(figures())
    m = model_of(doc)
    assert m.recovered() == {}
    head = {r["key"]: r["values"] for r in doc["headline"]["rows"]}
    refs = {r["key"]: r["values"] for r in table(doc, "referrals")["rows"]}
    if refs["total"]["open"] == "*":
        assert head["closed_loop"]["current"] == "*"


def test_fewer_cells_hidden_than_one_table_at_a_time():
    """Merging small categories and choosing cheap complementary cells hides less than
    the old rule did for the same month (59 cells in the demo April before)."""
    doc = published(figures())
    hidden = hidden_count(doc)
    outcomes = {r["key"]: r["values"] for r in table(doc, "outcomes")["rows"]}
    assert outcomes["WHO-5"]["pairs"] == 29 and outcomes["WHO-5"]["before"] == 44.1
    # few group contacts: one "group" row instead of a hidden column of individual ones
    mode = {r["key"]: r["values"]["n"] for r in table(doc, "contacts_by_mode")["rows"]}
    assert mode == {
        "in_person": 158,
        "phone": 66,
        "video": 53,
        "text": 35,
        "group": 25,
        "total": 337,
    }
    many = published(figures(mode_format={("phone", "individual"): 300, ("phone", "group"): 37}))
    split = {r["key"]: r["values"] for r in table(many, "contacts_by_mode")["rows"]}
    assert split["phone"] == {"individual": 300, "group": 37, "total": 337, "pct": 100.0}
    assert hidden < 59 / 2, hidden
    assert model_of(doc).recovered() == {}


# -- the page ---------------------------------------------------------------------------------


def test_the_page_one_chart_no_empty_months_who_is_not_counted_one_date_style(demo, tmp_path):
    from peerdesk.services.reports.pdf import render_pdf

    store, coord = open_store(demo, "coordinator", PW)
    with store:
        shown = build_report(store, coord, Period.month("2026-04"))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(shown))).pages]
    text = "\n".join(pages)
    assert text.count("People (unique)") == 1  # the trend chart's legend: one chart
    assert "People (unique)" in pages[0]
    first = shown.figures.first_record
    store, coord = open_store(demo, "coordinator", PW)
    with store:  # three months after the first record: nine of the twelve are left out
        third = add_months(first, 2)
        early = build_report(store, coord, Period.of_month(third.year, third.month))
    trend = early.table("trend")
    assert [r.key for r in trend.rows][0] == f"{first.year:04d}-{first.month:02d}"
    assert len(trend.rows) == 3 and "The 9 earlier months" in trend.note
    assert f"first record in this store is from {first:%B %Y}" in trend.note
    store, coord = open_store(demo, "coordinator", PW)
    with store:  # a month before the first record: its own empty row, and a PDF
        before = build_report(store, coord, Period.month("2020-01"))
    assert [r.key for r in before.table("trend").rows] == ["2020-01"]
    assert PdfReader(io.BytesIO(render_pdf(before))).pages
    left_out = [s for s in shown.figures.supporters if s.status != "active"]
    if left_out:
        assert "listed above but not counted" in text.replace("\n", " ")
    assert "1 Apr 2026 to 30 Apr 2026" in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b|\b0\d [A-Z][a-z]{2} \d{4}", text)


def test_tables_protected_one_at_a_time_would_leak_linked_ones_do_not(demo):
    """The same month suppressed table by table (no links between them) gives a hidden
    count away to the attacker; suppressed as one linked set it does not. This is why the
    plan covers the whole report, and shows the attacker can tell the difference."""
    # Every month of the demo year: which ones leak table by table depends on the data,
    # so the test asks for at least one, and for none once the tables are linked.
    leaked_alone = []
    store, coord = open_store(demo, "coordinator", PW)
    with store:
        for n in range(11):
            month = add_months(date(2025, 6, 1), n)
            with store.session() as s:
                f = collect_figures(
                    s, Period.of_month(month.year, month.month), datetime(2026, 5, 20, 9)
                )
            tables = build_tables(f, RULE.threshold)
            alone = to_dict(apply(replace(tables, links=()), RULE))
            linked = to_dict(apply(tables, RULE))
            if model_of(alone).recovered():
                leaked_alone.append(month)
            assert model_of(linked).recovered() == {}, month
    assert leaked_alone

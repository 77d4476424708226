"""Issue 13 item 7: several sites. Accounts, participants and supporters belong to a site;
coordinators and supporters see their own; the organisation coordinator sees every site's
de-identified reports and one organisation report whose cells are added up before small
counts are hidden. Real stores, the real CLI in a subprocess, PDFs read back."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from conftest import ADMIN_PW, COORD_PW, SUP_A_PW, SUP_B_PW, accept_policy, run_cli
from pdf_ua import check_tagged
from pypdf import PdfReader
from test_insider_attacks import sql, stolen_key

from peerdesk.errors import NotFoundError, PermissionDeniedError, UsageError, ValidationError
from peerdesk.services import (
    accounts,
    episodes,
    integrity,
    participants,
    sessions,
    sites,
    supporters,
    today,
)
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.run import ReportFor, build_report
from peerdesk.services.store import create_store, open_store

ORG_PW = "organisation passphrase"
NORTH, SOUTH = "North Clinic", "South Clinic"
THRESHOLD = 5
# Two past months, far enough apart that neither is the other's "previous month".
_FIRST = date.today().replace(day=1)
BIG = Period.month(f"{(_FIRST - timedelta(days=100)):%Y-%m}")  # 3 + 3 contacts
SMALL = Period.month(f"{(_FIRST - timedelta(days=20)):%Y-%m}")  # 1 + 2 contacts
CONTACTS = "Contacts (support sessions)"


@dataclass
class TwoSites:
    data_dir: Path
    north_session: str
    south_session: str
    south_participant: str


def _contacts(data_dir: Path, user: str, pw: str, month: Period, n: int) -> list[str]:
    """n contacts in the month, one new participant each; returns the session ids."""
    store, me = open_store(data_dir, user, pw)
    made = []
    with store:
        for i in range(n):
            p = participants.create_participant(store, me, "staff", role="nurse")
            ep = episodes.open_episode(store, me, p.id, "burnout", opened_on=month.start)
            at = datetime.combine(month.start + timedelta(days=3 + i), time(10, 0))
            data = sessions.SessionInput(ep.id, 40, "in_person", started_at=at)
            made.append(sessions.record_session(store, me, data).id)
    return made


@pytest.fixture
def two_sites(tmp_path: Path) -> TwoSites:
    d = tmp_path / "store"
    create_store(d, "admin", ADMIN_PW, "Admin", NORTH)
    (d / "policy.toml").write_text(f"suppression_threshold = {THRESHOLD}\n", encoding="utf-8")
    accept_policy(d)
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        sites.add_site(store, admin, SOUTH)
        add = accounts.add_user
        add(store, admin, "coordn", "coordinator", COORD_PW, "Coord North", site=NORTH)
        add(store, admin, "coords", "coordinator", COORD_PW, "Coord South", site="south clinic")
        add(store, admin, "supn", "supporter", SUP_A_PW, "Sup North", site=NORTH)
        add(store, admin, "sups", "supporter", SUP_B_PW, "Sup South", site=SOUTH)
        add(store, admin, "org", "org_coordinator", ORG_PW, "Organisation")
    north = _contacts(d, "supn", SUP_A_PW, BIG, 3) + _contacts(d, "supn", SUP_A_PW, SMALL, 1)
    south = _contacts(d, "sups", SUP_B_PW, BIG, 3) + _contacts(d, "sups", SUP_B_PW, SMALL, 2)
    store, sups = open_store(d, "sups", SUP_B_PW)
    with store:
        south_participant = participants.list_participants(store, sups)[0].id
    return TwoSites(d, north[0], south[0], south_participant)


def _env(pw: str) -> dict[str, str]:
    return {"PEERDESK_PASSWORD": pw}


def _csv_cell(text: str, table: str, row: str, month: Period) -> str:
    for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        if r["table"] == table and r["row"] == row and month.label in r["column"]:
            return r["value"]
    raise AssertionError(f"no cell {table} / {row} / {month.label}")


# -- seeing one's own site ---------------------------------------------------------


def test_a_site_coordinator_sees_only_their_own_site(two_sites):
    store, coord = open_store(two_sites.data_dir, "coordn", COORD_PW)
    with store:
        seen = participants.list_participants(store, coord)
        assert len(seen) == 4  # North's four, none of South's five
        with pytest.raises(NotFoundError):
            participants.get_participant(store, coord, two_sites.south_participant)
        listed = {x.id for x in sessions.list_sessions(store, coord)}
        assert two_sites.north_session in listed and two_sites.south_session not in listed
        assert sessions.count_sessions(store, coord) == 4
        with pytest.raises(NotFoundError):
            sessions.get_session(store, coord, two_sites.south_session)
        with pytest.raises(NotFoundError):
            sessions.withdraw_session(store, coord, two_sites.south_session, "not mine")
        assert [x.display_name for x in supporters.list_supporters(store, coord)] == ["Sup North"]
        assert len(episodes.list_episodes(store, coord)) == 4
        report = build_report(store, coord, BIG)
        assert report.figures.site == NORTH and report.figures.current.contacts == 3
        with pytest.raises(PermissionDeniedError):
            build_report(store, coord, BIG, which=ReportFor(site=SOUTH))
        with pytest.raises(PermissionDeniedError):
            build_report(store, coord, BIG, which=ReportFor(organisation=True))


def test_a_site_coordinators_export_holds_their_own_site_only(two_sites, tmp_path):
    from peerdesk.services.exporter import export_all

    store, coord = open_store(two_sites.data_dir, "coords", COORD_PW)
    with store:
        result = export_all(store, coord, tmp_path / "out")
    assert result.files["participants.csv"] == 5 and result.files["sessions.csv"] == 5
    assert result.files["supporters.csv"] == 1 and result.files["sites.csv"] == 2
    text = (tmp_path / "out" / "sessions.csv").read_text(encoding="utf-8")
    assert two_sites.south_session in text and two_sites.north_session not in text


def test_new_records_take_their_makers_site(two_sites):
    store, coord = open_store(two_sites.data_dir, "coords", COORD_PW)
    with store:
        p = participants.create_participant(store, coord, "patient")
        made = supporters.add_supporter(store, coord, supporters.SupporterInput("New South"))
        with store.session() as s:
            south = sites.find_site(s, SOUTH).id
            from peerdesk.models import Participant, SupporterProfile

            assert s.get(Participant, p.id).site_id == south
            assert s.get(SupporterProfile, made.id).site_id == south
        # A South coordinator cannot hand a South episode to a North supporter.
        north_sup = None
        with store.session() as s:
            north_sup = (
                s.query(SupporterProfile).filter(SupporterProfile.display_name == "Sup North").one()
            ).id
        ep = episodes.open_episode(store, coord, p.id, "grief")
        with pytest.raises(NotFoundError):
            episodes.assign_episode(store, coord, ep.id, north_sup)


def test_a_site_coordinator_is_refused_the_other_site_on_the_command_line(two_sites, tmp_path):
    d = two_sites.data_dir
    month = ["--month", BIG.slug]
    r = run_cli("report", *month, "--site", SOUTH, "--csv", str(tmp_path / "s.csv"),
                "--user", "coordn", data_dir=d, env=_env(COORD_PW))  # fmt: skip
    assert r.returncode == 7 and r.stderr.startswith("peerdesk: error: ") and "own site" in r.stderr
    assert not (tmp_path / "s.csv").exists()
    r = run_cli("report", *month, "--org", "--csv", str(tmp_path / "o.csv"),
                "--user", "coords", data_dir=d, env=_env(COORD_PW))  # fmt: skip
    assert r.returncode == 7 and "organisation report" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("report", *month, "--json", "--user", "coords", data_dir=d, env=_env(COORD_PW))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["site"] == SOUTH


# -- the organisation report -------------------------------------------------------


def _figures(store, actor, month: Period, which: ReportFor):  # noqa: ANN001, ANN202
    return build_report(store, actor, month, which=which).figures


def test_organisation_counts_are_the_sums_of_the_sites_counts(two_sites):
    store, org = open_store(two_sites.data_dir, "org", ORG_PW)
    with store:
        for month in (BIG, SMALL):
            merged = _figures(store, org, month, ReportFor(organisation=True))
            north = _figures(store, org, month, ReportFor(site=NORTH))
            south = _figures(store, org, month, ReportFor(site=SOUTH))
            assert merged.sites_merged == (NORTH, SOUTH)
            for name in ("contacts", "people", "contact_minutes", "new_episodes"):
                values = [getattr(f.current, name) for f in (merged, north, south)]
                assert values[0] == values[1] + values[2] > 0, (name, values)
            for name in ("mode_format", "duration", "visits", "people_by_kind"):
                m, a, b = (getattr(f, name) for f in (merged, north, south))
                assert m == {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}, name
            trend_sum = [
                x.contacts + y.contacts for x, y in zip(north.trend, south.trend, strict=True)
            ]
            assert [t.contacts for t in merged.trend] == trend_sum
        # The organisation coordinator has reports only: no participant-level data.
        with pytest.raises(PermissionDeniedError):
            participants.list_participants(store, org)
        with pytest.raises(PermissionDeniedError):
            sessions.list_sessions(store, org)
        with pytest.raises(PermissionDeniedError):
            build_report(store, org, BIG, suppress=False)  # internal reports are not for it
        with pytest.raises(UsageError):
            build_report(store, org, BIG)  # which report: say --org or --site


def test_small_cells_merge_above_the_threshold_and_show(two_sites, tmp_path):
    """3 contacts at North and 3 at South: each site's report hides its 3; the
    organisation report adds them first and shows 6 (threshold 5)."""
    d = two_sites.data_dir
    org_csv, org_pdf = tmp_path / "org.csv", tmp_path / "org.pdf"
    r = run_cli("report", "--month", BIG.slug, "--org", "--out", str(org_pdf), "--csv",
                str(org_csv), "--user", "org", data_dir=d, env=_env(ORG_PW))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "organisation report" in r.stdout
    merged = org_csv.read_text(encoding="utf-8")
    assert _csv_cell(merged, "Headline figures", CONTACTS, BIG) == "6"
    sites_row = [r for r in csv.DictReader(io.StringIO(merged.lstrip("\ufeff")))
                 if r["row"] == "Sites merged"]  # fmt: skip
    assert sites_row and NORTH in sites_row[0]["value"] and SOUTH in sites_row[0]["value"]
    for site in (NORTH, SOUTH):
        out = tmp_path / f"{site}.csv"
        r = run_cli("report", "--month", BIG.slug, "--site", site, "--csv", str(out),
                    "--user", "org", data_dir=d, env=_env(ORG_PW))  # fmt: skip
        assert r.returncode == 0, r.stderr
        text = out.read_text(encoding="utf-8")
        assert _csv_cell(text, "Headline figures", CONTACTS, BIG) == f"<{THRESHOLD}"
        assert "Sites merged" not in text
    assert check_tagged(org_pdf.read_bytes()).problems == []  # still tagged for readers
    pages = "\n".join(p.extract_text() for p in PdfReader(org_pdf).pages)
    assert "Sites merged:" in pages and NORTH in pages and SOUTH in pages
    assert "Organisation · 2 sites" in pages


def test_a_merged_cell_below_the_threshold_stays_hidden(two_sites):
    """1 contact at North and 2 at South: 3 merged is still below 5, so it stays hidden."""
    store, org = open_store(two_sites.data_dir, "org", ORG_PW)
    with store:
        report = build_report(store, org, SMALL, which=ReportFor(organisation=True))
    assert report.figures.current.contacts == 3
    cell = report.headline.cell("contacts", "current")
    assert cell.value == f"<{THRESHOLD}" and cell.hidden == "primary"


def test_supporters_and_site_coordinators_are_refused_the_organisation_report(two_sites):
    for user, pw in (("supn", SUP_A_PW), ("coordn", COORD_PW)):
        store, actor = open_store(two_sites.data_dir, user, pw)
        with store, pytest.raises(PermissionDeniedError):
            build_report(store, actor, BIG, which=ReportFor(organisation=True))
    r = run_cli("report", "--month", BIG.slug, "--org", "--json", "--user", "supn",
                data_dir=two_sites.data_dir, env=_env(SUP_A_PW))  # fmt: skip
    assert r.returncode == 7 and r.stdout == ""


# -- managing sites --------------------------------------------------------------------


def test_sites_and_site_changes_on_the_command_line(two_sites):
    d = two_sites.data_dir
    r = run_cli("site", "add", "East Clinic", "--user", "admin", data_dir=d, env=_env(ADMIN_PW))
    assert r.returncode == 0, r.stderr
    r = run_cli("site", "add", " east clinic ", "--user", "admin", data_dir=d, env=_env(ADMIN_PW))
    assert r.returncode == 9 and "already exists" in r.stderr
    r = run_cli("site", "add", "West", "--user", "coordn", data_dir=d, env=_env(COORD_PW))
    assert r.returncode == 7
    r = run_cli("site", "list", "--user", "coordn", data_dir=d, env=_env(COORD_PW))
    assert r.returncode == 0 and "East Clinic" in r.stdout and SOUTH in r.stdout
    # With several sites, a supporter's site must be named; a name that is no site is refused.
    new = {**_env(ADMIN_PW), "PEERDESK_NEW_PASSWORD": "a first password"}
    r = run_cli("user", "add", "sam", "--role", "supporter", "--user", "admin", data_dir=d, env=new)
    assert r.returncode == 9 and "--site" in r.stderr
    r = run_cli("user", "add", "sam", "--role", "supporter", "--site", "Nowhere",
                "--user", "admin", data_dir=d, env=new)  # fmt: skip
    assert r.returncode == 8 and "no site named" in r.stderr
    r = run_cli("user", "add", "sam", "--role", "supporter", "--site", "East Clinic",
                "--user", "admin", data_dir=d, env=new)  # fmt: skip
    assert r.returncode == 0 and "East Clinic" in r.stdout
    r = run_cli("user", "set-site", "sups", "--site", NORTH, "--user", "admin",
                data_dir=d, env=_env(ADMIN_PW))  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = run_cli("verify", "--user", "coordn", data_dir=d, env=_env(COORD_PW))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "moved account sups to North Clinic" in r.stdout
    store, sups = open_store(d, "sups", SUP_B_PW)
    with store:
        assert sups.site_id is not None
        with store.session() as s:
            assert sups.site_id == sites.find_site(s, NORTH).id
    store, coord = open_store(d, "coordn", COORD_PW)
    with store:
        names = {x.display_name for x in supporters.list_supporters(store, coord)}
        assert names == {"Sup North", "Sup South"}  # the profile moved with the account
        changes = [c.text for c in today.admin_changes(store, coord, date.today())]
        assert "moved account sups to North Clinic" in changes


def test_a_store_with_one_site_needs_no_site_anywhere(store_dir):
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        info = accounts.add_user(store, admin, "dana", "supporter", "dana passphrase x")
        assert info.site == "Test Clinic"
        with pytest.raises(ValidationError):
            accounts.set_user_site(store, admin, "dana", "Test Clinic")
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        assert build_report(store, coord, BIG).figures.site == "Test Clinic"


# -- signed sites and roles ------------------------------------------------------------


def test_raising_oneself_to_organisation_coordinator_in_the_database_is_caught(two_sites):
    d = two_sites.data_dir
    sql(d, stolen_key(d, "coordn", COORD_PW),
        "UPDATE users SET role = 'org_coordinator' WHERE username = 'coordn'")  # fmt: skip
    store, coord = open_store(d, "coordn", COORD_PW)
    with store:
        assert coord.role == "coordinator"
        assert any("changed outside PeerDesk" in w for w in store.warnings)
        with pytest.raises(PermissionDeniedError):
            build_report(store, coord, BIG, which=ReportFor(organisation=True))
    r = run_cli("verify", "--user", "coords", data_dir=d, env=_env(COORD_PW))
    assert r.returncode == 10 and "account coordn was changed outside PeerDesk" in r.stdout
    r = run_cli("verify", "--user", "admin", data_dir=d, env=_env(ADMIN_PW))
    assert r.returncode == 10 and "put back as signed (coordinator, active)" in r.stdout
    assert run_cli("verify", "--user", "coords", data_dir=d, env=_env(COORD_PW)).returncode == 0


def test_moving_oneself_to_another_site_in_the_database_is_caught(two_sites):
    d = two_sites.data_dir
    sql(d, stolen_key(d, "coordn", COORD_PW),
        "UPDATE users SET site_id = (SELECT id FROM sites WHERE name = 'South Clinic') "
        "WHERE username = 'coordn'")  # fmt: skip
    store, coord = open_store(d, "coordn", COORD_PW)
    with store:
        assert any("changed outside PeerDesk" in w for w in store.warnings)
        # The signed site applies: still North's four participants, none of South's.
        assert len(participants.list_participants(store, coord)) == 4
    r = run_cli("verify", "--user", "coords", data_dir=d, env=_env(COORD_PW))
    assert r.returncode == 10 and "account coordn was changed outside PeerDesk" in r.stdout
    assert "site" in r.stdout


def test_an_account_list_signed_before_sites_still_verifies(store_dir):
    """Lists signed by an older release carry [id, username, role, state]: still valid,
    and an administrator's next sign-in signs them again with sites."""
    d = store_dir.data_dir
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store, store.session() as s:
        old = [row[:4] for row in integrity.account_rows(s)]
        doc = {
            "kind": "accounts",
            "store_id": store.keyslots.store_id,
            "accounts": old,
            "audit_head": integrity.audit_head(s),
            "at": "2026-01-01T00:00:00",
        }
        integrity._sign(s, store.integrity.signer, integrity.ACCOUNTS_SETTING, doc)
    r = run_cli("verify", "--user", "coord", data_dir=d, env=_env(COORD_PW))
    assert r.returncode == 0, r.stdout + r.stderr
    store, coord = open_store(d, "coord", COORD_PW)
    with store:
        assert coord.role == "coordinator" and coord.site_id is not None
        assert not store.warnings
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store, store.session() as s:
        signed, _ = integrity.read_signed(
            s, integrity.ACCOUNTS_SETTING, store.integrity.public, store.keyslots.store_id
        )
        assert signed is not None and {len(row) for row in signed["accounts"]} == {5}


# -- demo over two sites ----------------------------------------------------------------


def test_demo_over_two_sites_makes_an_organisation_report(tmp_path):
    d = tmp_path / "demo"
    env = {"PEERDESK_PASSWORD": "demo sites passphrase"}
    r = run_cli("--data-dir", str(d), "demo", "--sites", "2", "--sessions", "800", "--seed", "3",
                env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "coordinator2" in r.stdout and "orgcoord" in r.stdout
    r = run_cli("site", "list", "--user", "admin", data_dir=d, env=env)
    assert r.returncode == 0 and r.stdout.count("(DEMO)") == 2
    month = Period.month(f"{(_FIRST - timedelta(days=20)):%Y-%m}").slug
    out = {}
    for name, extra in (("org", ["--org"]), ("a", []), ("b", [])):
        user = {"org": "orgcoord", "a": "coordinator", "b": "coordinator2"}[name]
        r = run_cli("report", "--month", month, *extra, "--json", "--user", user,
                    data_dir=d, env=env)  # fmt: skip
        assert r.returncode == 0, r.stderr
        out[name] = json.loads(r.stdout)
    assert len(out["org"]["sites_merged"]) == 2 and out["a"]["site"] != out["b"]["site"]
    r = run_cli("verify", "--user", "admin", data_dir=d, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run_cli("--data-dir", str(tmp_path / "x"), "demo", "--sites", "9", env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr

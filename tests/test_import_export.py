"""CSV import (all or nothing, with the row named) and CSV export through the real CLI."""

from __future__ import annotations

import csv

import pytest
from conftest import COORD_PW, assert_one_line_error, run_cli

from peerdesk.errors import ImportFileError
from peerdesk.services import importer, resources, supporters
from peerdesk.services.store import open_store

GOOD_SUPPORTERS = """display_name,discipline,department,experience_band,languages,capacity,status
Zoë Martin,nursing,Emergency,6-10,"en,fr",12,active
Łukasz Nowak,medicine,ICU,10+,"en,pl",8,on_leave
"""
BAD_SUPPORTERS = """display_name,discipline,capacity
Ğül Yılmaz,social work,10
Dev Patel,medicine,ten
Ana Souza,peer specialist,14
"""


def _coord(env_dir):
    return {"PEERDESK_PASSWORD": COORD_PW}


def test_import_supporters_cli(store_dir, tmp_path):
    f = tmp_path / "supporters.csv"
    f.write_text(GOOD_SUPPORTERS, encoding="utf-8")
    r = run_cli(
        "import",
        "supporters",
        str(f),
        "--user",
        "coord",
        data_dir=store_dir.data_dir,
        env=_coord(store_dir),
    )
    assert r.returncode == 0, r.stderr
    assert "Imported 2 supporters" in r.stdout
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        names = {s.display_name: s for s in supporters.list_supporters(store, coord)}
    assert names["Łukasz Nowak"].status == "on_leave"
    assert names["Zoë Martin"].languages == "en,fr"


def test_bad_row_imports_nothing_and_names_the_row(store_dir, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(BAD_SUPPORTERS, encoding="utf-8")
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        before = len(supporters.list_supporters(store, coord))
        with pytest.raises(ImportFileError, match=r"row 3, column 'capacity'.*'ten'"):
            importer.import_supporters(store, coord, f)
        assert len(supporters.list_supporters(store, coord)) == before
    r = run_cli(
        "import",
        "supporters",
        str(f),
        "--user",
        "coord",
        data_dir=store_dir.data_dir,
        env=_coord(store_dir),
    )
    line = assert_one_line_error(r)
    assert "row 3" in line and "nothing was imported" in line


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,kind\nEAP,eap\nCrisis,hotline\n", "row 3, column 'kind'"),
        ("name,kind,colour\nEAP,eap,red\n", "row 1: unknown column 'colour'"),
        ("kind\neap\n", "required column 'name'"),
        ("name,kind\nEAP,eap\nEAP,eap\n", "row 3, column 'name'"),
        ("name,kind\n", "no rows"),
        ("name,kind,email\nEAP,eap,nobody\n", "row 2, column 'email'"),
    ],
)
def test_resource_import_errors(store_dir, tmp_path, content, message):
    f = tmp_path / "res.csv"
    f.write_text(content, encoding="utf-8")
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        with pytest.raises(ImportFileError, match=message):
            importer.import_resources(store, coord, f)
        assert resources.list_resources(store, coord) == []


def test_import_rejects_non_utf8(store_dir, tmp_path):
    f = tmp_path / "latin1.csv"
    f.write_bytes("name,kind\nCaf\xe9,community\n".encode("latin-1"))
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store, pytest.raises(ImportFileError, match="not UTF-8"):
        importer.import_resources(store, coord, f)


def test_export_writes_one_csv_per_kind(store_dir, tmp_path):
    f = tmp_path / "res.csv"
    f.write_text("name,kind,hours\nEAP,eap,24/7\nChaplaincy,chaplaincy,\n", encoding="utf-8")
    r = run_cli(
        "import",
        "resources",
        str(f),
        "--user",
        "coord",
        data_dir=store_dir.data_dir,
        env=_coord(store_dir),
    )
    assert r.returncode == 0, r.stderr
    out = tmp_path / "export"
    r = run_cli(
        "export",
        "--out",
        str(out),
        "--user",
        "coord",
        data_dir=store_dir.data_dir,
        env=_coord(store_dir),
    )
    assert r.returncode == 0, r.stderr
    expected = {
        "sites",
        "users",
        "supporters",
        "courses",
        "training_records",
        "supervision_entries",
        "resources",
        "participants",
        "episodes",
        "sessions",
        "session_concerns",
        "session_attendance",
        "referrals",
        "referral_status_changes",
        "checkins",
        "outcome_answers",
    }
    assert {p.stem for p in out.glob("*.csv")} == expected
    # Every file starts with the UTF-8 byte-order mark, so Excel reads "Zoë" right.
    assert all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in out.glob("*.csv"))
    with open(out / "resources.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["name"] for r in rows) == ["Chaplaincy", "EAP"]
    with open(out / "participants.csv", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    assert "name" not in header and "code" in header
    # An admin may not export participant data.
    r = run_cli(
        "export",
        "--out",
        str(tmp_path / "x"),
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": "admin passphrase one"},
    )
    assert "may not export" in assert_one_line_error(r)

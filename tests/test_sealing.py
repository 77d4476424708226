"""Free text sealed with the data key (server mode), on real SQLCipher stores.

Sealing is switched on for a local store the way server mode switches it on (a session
factory with a sealer); the database is then read as a database administrator would read
a server's: plain SQL, no ORM.
"""

from __future__ import annotations

import csv
import os
from datetime import date, datetime

import pytest
from conftest import COORD_PW, SUP_A_PW, seal_free_text
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import defer

from peerdesk.errors import DamagedStoreError, ValidationError
from peerdesk.models import Participant, SupervisionEntry, SupporterProfile, SupportSession
from peerdesk.models.engine import make_session_factory
from peerdesk.models.sealing import (
    NO_SEALING,
    PREFIX,
    SEALED,
    make_sealer,
    open_value,
    reseal,
    seal_rows,
    seal_value,
    unopenable,
)
from peerdesk.services import episodes, importer, participants, referrals, resources, sessions
from peerdesk.services.demo import build_demo
from peerdesk.services.exporter import export_all
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.run import build_report
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store

KEY = bytes(range(32))

# What people typed: none of it may be in the database in clear once sealing is on.
NAME = "Quentin Zabriskie-Odhiambo"
CONTACT = "quentin.z@example.invalid, ext 4471"
REASON = "lost a patient on the night shift"
WITHDRAW = "entered against the wrong person"
REF_REASON = "wants grief counselling near home"
REF_NOTE = "called the service, appointment booked"
SUPERVISOR = "Dr Hypatia Longstocking"
SUP_NOTES = "talked through compassion fatigue"
PHONE = "+44 20 7946 0958"
EMAIL = "intake@zz-counselling.example.invalid"
ADDRESS = "12 Quayside Mews, Unit 4"
HOURS = "Mon-Thu 08:15-19:45"
RES_NOTES = "ask for the duty worker, mention PeerDesk"
NOTE = "private: slept badly since the incident"
PLAIN = [
    NAME, CONTACT, REASON, WITHDRAW, REF_REASON, REF_NOTE, SUPERVISOR, SUP_NOTES,
    PHONE, EMAIL, ADDRESS, HOURS, RES_NOTES, NOTE,
]  # fmt: skip


# -- the sealer itself --------------------------------------------------------------------


def test_sealed_text_is_versioned_fresh_each_time_and_opens_only_where_it_was_sealed():
    sealer = make_sealer(KEY)
    one = sealer.seal("participants", "name", "id-1", NAME)
    two = sealer.seal("participants", "name", "id-1", NAME)
    assert one.startswith(PREFIX) and two.startswith(PREFIX) and one != two  # fresh nonce
    assert NAME not in one
    assert sealer.open("participants", "name", "id-1", one) == NAME
    assert make_sealer(lambda: KEY).open("participants", "name", "id-1", two) == NAME
    for table, column, record in (
        ("participants", "name", "id-2"),  # another record
        ("participants", "contact", "id-1"),  # another column
        ("referrals", "name", "id-1"),  # another table
    ):
        with pytest.raises(DamagedStoreError) as exc:
            sealer.open(table, column, record, one)
        assert f"{table}.{column}" in str(exc.value)
        assert NAME not in str(exc.value)
    with pytest.raises(DamagedStoreError, match="participants.name"):
        make_sealer(os.urandom(32)).open("participants", "name", "id-1", one)  # another store
    with pytest.raises(DamagedStoreError, match="is not sealed"):
        sealer.open("participants", "name", "id-1", NAME)  # plain text where sealed belongs
    for broken in (one[:-4], PREFIX + "!!!", one[:-6] + "AAAA==", PREFIX):
        with pytest.raises(DamagedStoreError):
            sealer.open("participants", "name", "id-1", broken)
    assert "key" not in repr(sealer).lower() or KEY.hex() not in repr(sealer)


def test_blank_stays_blank_author_sealed_notes_pass_and_no_sealing_is_identity():
    sealer = make_sealer(KEY)
    for blank in (None, ""):
        assert seal_value(sealer, "participants", "name", "x", blank) == blank
        assert open_value(sealer, "participants", "name", "x", blank) == blank
    author = "pdn1:abcd:bm9uY2U=:c2VhbGVk"
    assert seal_value(sealer, "support_sessions", "notes", "x", author) == author
    assert open_value(sealer, "support_sessions", "notes", "x", author) == author
    legacy = seal_value(sealer, "support_sessions", "notes", "x", NOTE)  # a pre-sealing note
    assert legacy.startswith(PREFIX)
    assert open_value(sealer, "support_sessions", "notes", "x", legacy) == NOTE
    assert seal_value(NO_SEALING, "participants", "name", "x", NAME) == NAME
    rows = [{"id": "a", "name": NAME, "code": "P-1"}]
    sealed = seal_rows(sealer, "participants", rows)
    assert rows[0]["name"] == NAME and sealed[0]["code"] == "P-1"
    assert open_value(sealer, "participants", "name", "a", sealed[0]["name"]) == NAME


def test_a_locked_store_seals_nothing(store_dir):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        seal_free_text(store)
    with pytest.raises(Exception, match="locked"):
        with store._sessions() as s:
            s.add(Participant(code="P-LOCKED", kind="staff", name=NAME))
            s.flush()


# -- a store with sealing on --------------------------------------------------------------


def _everything_typed(data_dir):
    """Every sealed column filled through the services (or the ORM where no service
    writes it); returns the ids."""
    made = {}
    store, coord = open_store(data_dir, "coord", COORD_PW)
    with store:
        seal_free_text(store)
        res = resources.add_resource(
            store,
            coord,
            resources.ResourceInput(
                name="ZZ Counselling",
                kind="mental_health",
                phone=PHONE,
                email=EMAIL,
                address=ADDRESS,
                hours=HOURS,
                notes=RES_NOTES,
            ),
        )
        made["resource"] = res.id
        with store.session() as s:
            sup = s.scalar(select(SupporterProfile.id).limit(1))
            entry = SupervisionEntry(
                supporter_id=sup,
                held_on=date(2026, 3, 1),
                minutes=45,
                supervisor=SUPERVISOR,
                notes=SUP_NOTES,
            )
            s.add(entry)
            s.flush()
            made["supervision"] = entry.id
    store, alice = open_store(data_dir, "alice", SUP_A_PW)
    with store:
        seal_free_text(store)
        p = participants.create_participant(store, alice, "staff", name=NAME, contact=CONTACT)
        other = participants.create_participant(store, alice, "patient", name="Somebody Else")
        ep = episodes.open_episode(store, alice, p.id, REASON)
        ss = sessions.record_session(
            store,
            alice,
            SessionInput(
                episode_id=ep.id,
                minutes=30,
                mode="phone",
                notes=NOTE,
                started_at=datetime(2026, 3, 4, 10, 0),
            ),
        )
        ss2 = sessions.record_session(
            store,
            alice,
            SessionInput(
                episode_id=ep.id, minutes=20, mode="video", started_at=datetime(2026, 3, 5, 9)
            ),
        )
        sessions.withdraw_session(store, alice, ss2.id, WITHDRAW)
        ref = referrals.create_referral(store, alice, ep.id, res.id, reason=REF_REASON)
        referrals.move_referral(store, alice, ref.id, "accepted", note=REF_NOTE)
        made.update(participant=p.id, other=other.id, episode=ep.id, session=ss.id, referral=ref.id)
    return made


def _all_cells(engine) -> list[str]:
    """Every text cell of every table, read with plain SQL as an administrator would."""
    cells = []
    with engine.connect() as c:
        for table in inspect(c).get_table_names():
            for row in c.execute(text(f'SELECT * FROM "{table}"')):
                cells += [str(v) for v in row if isinstance(v, str)]
    return cells


def test_the_database_holds_no_typed_text_and_the_services_give_it_back(store_dir, tmp_path):
    made = _everything_typed(store_dir.data_dir)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        cells = _all_cells(store.engine)
        for plain in PLAIN:
            assert not any(plain in cell for cell in cells), plain
        # Every sealed column holds sealed text (private notes: sealed by their author).
        with store.engine.connect() as c:
            for table, columns in SEALED.items():
                for column in columns:
                    values = [v for (v,) in c.execute(text(f"SELECT {column} FROM {table}")) if v]
                    assert values, f"{table}.{column} was never filled by this test"
                    author = "pdn1:" if (table, column) == ("support_sessions", "notes") else ""
                    assert all(
                        v.startswith(PREFIX) or (author and v.startswith(author)) for v in values
                    ), (table, column)
        seal_free_text(store)
        p = participants.get_participant(store, coord, made["participant"])
        assert (p.name, p.contact) == (NAME, CONTACT)
        assert episodes.get_episode(store, coord, made["episode"]).reason == REASON
        ref = referrals.get_referral(store, coord, made["referral"])
        assert ref.reason == REF_REASON
        assert [h.note for h in ref.history] == ["", REF_NOTE]
        (res,) = resources.list_resources(store, coord, search="zz counsel")
        assert (res.phone, res.email, res.address, res.hours, res.notes) == (
            PHONE,
            EMAIL,
            ADDRESS,
            HOURS,
            RES_NOTES,
        )
        with store.session() as s:
            entry = s.get(SupervisionEntry, made["supervision"])
            assert (entry.supervisor, entry.notes) == (SUPERVISOR, SUP_NOTES)
        export_all(store, coord, tmp_path / "out", include_names=True)
    exported = {
        f.stem: list(csv.DictReader(f.open(encoding="utf-8-sig")))
        for f in (tmp_path / "out").glob("*.csv")
    }
    people = {r["id"]: r for r in exported["participants"]}
    assert (people[made["participant"]]["name"], people[made["participant"]]["contact"]) == (
        NAME,
        CONTACT,
    )
    withdrawn = [r["withdrawn_reason"] for r in exported["sessions"] if r["withdrawn_reason"]]
    assert withdrawn == [WITHDRAW]
    assert [r["reason"] for r in exported["referrals"]] == [REF_REASON]
    assert {r["note"] for r in exported["referral_status_changes"]} == {"", REF_NOTE}
    assert [r["supervisor"] for r in exported["supervision_entries"]] == [SUPERVISOR]
    assert [r["reason"] for r in exported["episodes"]] == [REASON]
    assert exported["resources"][0]["hours"] == HOURS
    # The author still reads their own note (sealed per author, under the data-key layer).
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        seal_free_text(store)
        assert sessions.get_session(store, alice, made["session"]).notes == NOTE


def test_a_sealed_value_moved_to_another_record_or_column_is_refused(store_dir):
    made = _everything_typed(store_dir.data_dir)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        seal_free_text(store)
        with store.engine.begin() as c:
            c.execute(
                text(
                    "UPDATE participants SET name = (SELECT name FROM participants WHERE id = :a)"
                    " WHERE id = :b"
                ),
                {"a": made["participant"], "b": made["other"]},
            )
        with pytest.raises(DamagedStoreError) as exc:
            participants.get_participant(store, coord, made["other"])
        assert "participants.name" in str(exc.value)
        assert NAME not in str(exc.value) and "Somebody" not in str(exc.value)
        with pytest.raises(DamagedStoreError, match="participants.name"):
            participants.list_participants(store, coord, search="quentin")
        # The untouched record still opens; a name moved into the contact column does not.
        assert participants.get_participant(store, coord, made["participant"]).name == NAME
        with store.engine.begin() as c:
            c.execute(
                text("UPDATE participants SET contact = name WHERE id = :a"),
                {"a": made["participant"]},
            )
        with pytest.raises(DamagedStoreError, match="participants.contact"):
            participants.get_participant(store, coord, made["participant"])
        with store.engine.connect() as c:  # what `verify` would report
            assert unopenable(c, make_sealer(lambda: store.key)) == {
                "participants.name": 1,
                "participants.contact": 1,
            }
            assert "participants.name" in unopenable(c, make_sealer(os.urandom(32)))


def test_searches_match_sealed_text_the_same_as_plain(store_dir):
    made = _everything_typed(store_dir.data_dir)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        for sealed in (True, False):
            if sealed:
                seal_free_text(store)
            else:  # sealing off on a sealed store: the name is ciphertext, so no match
                store._sessions = make_session_factory(store.engine)
            found = [p.id for p in participants.list_participants(store, coord, search="ZABRISK")]
            assert found == ([made["participant"]] if sealed else [])
        seal_free_text(store)
        assert [p.id for p in participants.list_participants(store, coord, search="p-")] != []
        assert participants.list_participants(store, coord, search="no such person") == []
        hits = referrals.list_referrals(store, coord, search="GRIEF counselling")
        assert [r.id for r in hits] == [made["referral"]]
        assert referrals.count_referrals(store, coord, search="grief") == 1
        assert referrals.count_referrals(store, coord, search="zz counselling") == 1  # resource
        assert referrals.list_referrals(store, coord, search="nowhere") == []
        assert [r.id for r in resources.list_resources(store, coord, search="duty worker")] == [
            made["resource"]
        ]
    # A supporter's search never reaches participants outside their scope.
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        seal_free_text(store)
        assert [p.name for p in participants.list_participants(store, alice, search="else")] == [
            "Somebody Else"
        ]


def _demo_figures(demo, out):
    store, coord = open_store(demo.data_dir, "coordinator", "demo pass 1")
    with store:
        report = build_report(
            store, coord, Period.month("2026-10"), suppress=False, now=datetime(2026, 11, 25)
        )
        found = participants.list_participants(store, coord, search="demo person", limit=1000)
        export_all(store, coord, out, include_names=True)
        cells = _all_cells(store.engine)
    people = (out / "participants.csv").read_text(encoding="utf-8-sig")
    return (report.tables, sorted((p.code, p.name, p.contact) for p in found), people), cells


def test_a_sealed_demo_store_gives_the_same_report_search_and_export_as_a_plain_one(
    tmp_path, monkeypatch
):
    anchor = date(2026, 11, 25)
    plain = build_demo(tmp_path / "p", sessions=400, seed=5, password="demo pass 1", anchor=anchor)
    expected, cells = _demo_figures(plain, tmp_path / "p-out")
    assert any("Demo Person" in c for c in cells)
    assert len(expected[1]) >= 150 // 8
    assert all(c.startswith("demo-") and c.endswith("@example.invalid") for _, _, c in expected[1])

    from peerdesk.services.store import Store

    original = Store.__init__

    def sealed_init(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        original(self, *args, **kwargs)
        seal_free_text(self)

    monkeypatch.setattr(Store, "__init__", sealed_init)  # every store from here on: sealed
    sealed = build_demo(tmp_path / "s", sessions=400, seed=5, password="demo pass 1", anchor=anchor)
    got, cells = _demo_figures(sealed, tmp_path / "s-out")
    assert not any("Demo Person" in c or "example.invalid" in c for c in cells)
    assert got == expected


def test_a_store_moves_between_plain_and_sealed_and_back(store_dir, tmp_path, monkeypatch):
    """reseal: what `server import-store` and a restore into a local store need."""
    made = _everything_typed(store_dir.data_dir)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        sealer = make_sealer(lambda: store.key)
        with store.engine.begin() as c:
            assert reseal(c, sealer, NO_SEALING) >= len(PLAIN) - 6  # rows, not values
        cells = _all_cells(store.engine)
        assert all(any(plain in cell for cell in cells) for plain in PLAIN if plain != NOTE)
        assert not any(NOTE in cell for cell in cells)  # still sealed by its author
        assert participants.get_participant(store, coord, made["participant"]).name == NAME
        with store.engine.begin() as c:
            reseal(c, NO_SEALING, sealer)
            assert reseal(c, sealer, sealer) > 0  # sealed again under fresh nonces
        assert not any(plain in cell for cell in _all_cells(store.engine) for plain in PLAIN)
        seal_free_text(store)
        assert participants.get_participant(store, coord, made["participant"]).name == NAME
        with pytest.raises(DamagedStoreError, match="participants.name"):
            with store.engine.begin() as c:
                reseal(c, make_sealer(os.urandom(32)), NO_SEALING)  # the wrong key
        assert participants.get_participant(store, coord, made["participant"]).name == NAME


def test_resources_imported_with_sealing_on_are_sealed(store_dir, tmp_path):
    f = tmp_path / "res.csv"
    f.write_text(f'name,kind,hours,notes\nEAP,eap,{HOURS},"{RES_NOTES}"\n', encoding="utf-8")
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        seal_free_text(store)
        importer.import_resources(store, coord, f)
        assert not any(HOURS in c or RES_NOTES in c for c in _all_cells(store.engine))
        (res,) = resources.list_resources(store, coord, search="eap")
        assert (res.hours, res.notes) == (HOURS, RES_NOTES)


def test_the_services_keep_the_plain_text_limits_that_sealed_columns_cannot(store_dir):
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        seal_free_text(store)
        longest = "\U0001f600" * 200  # 200 characters, 800 bytes, far longer once sealed
        p = participants.create_participant(store, alice, "staff", name=longest)
        assert participants.get_participant(store, alice, p.id).name == longest
        with pytest.raises(ValidationError, match="the name is longer than 200 characters"):
            participants.create_participant(store, alice, "staff", name="x" * 201)
        with pytest.raises(ValidationError, match="longer than 100"):
            episodes.open_episode(store, alice, p.id, "y" * 101)
        ep = episodes.open_episode(store, alice, p.id, "z" * 100)
        with pytest.raises(ValidationError, match="longer than 300"):
            referrals.create_referral(store, alice, ep.id, "no-matter", reason="r" * 301)
        assert [x.id for x in participants.list_participants(store, alice)] == [p.id]


def test_a_deferred_sealed_column_opens_when_it_is_read_later(store_dir):
    made = _everything_typed(store_dir.data_dir)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        seal_free_text(store)
        with store.session() as s:
            withdrawn = s.scalars(
                select(SupportSession)
                .where(SupportSession.withdrawn_at.is_not(None))
                .options(defer(SupportSession.withdrawn_reason))
            ).one()
            assert "withdrawn_reason" not in withdrawn.__dict__
            assert withdrawn.withdrawn_reason == WITHDRAW  # loaded now: the refresh event
            p = s.get(Participant, made["participant"])
            s.expire(p, ["name"])
            assert p.name == NAME
            s.refresh(p)
            assert (p.name, p.contact) == (NAME, CONTACT)
            p.contact = "changed"
            s.flush()
            assert (p.name, p.contact) == (NAME, "changed")  # plain again after the write
        assert participants.get_participant(store, coord, p.id).contact == "changed"

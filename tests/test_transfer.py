"""services/storage/transfer.py without a server: rows copied in foreign-key order and in
batches between two real SQLCipher stores, sealed columns turned by a sealer on the way
(a fake one here: the real one is models/sealing.py), and the checks that prove a copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from peerdesk.models import Participant, Site, schema
from peerdesk.models.engine import make_engine
from peerdesk.services.storage import transfer
from peerdesk.services.storage.transfer import IDENTITY, Sealing

KEY = bytes(range(32))


class Reverser:
    """Seals by reversing the text behind the record id; opening checks the record id,
    so a value moved to another record does not open (as AES-GCM's associated data)."""

    def seal(self, table: str, column: str, record_id: str, text: str) -> str:
        return f"sealed:{table}.{column}.{record_id}:{text[::-1]}"

    def open(self, table: str, column: str, record_id: str, stored: str) -> str:
        prefix = f"sealed:{table}.{column}.{record_id}:"
        if not stored.startswith(prefix):
            raise ValueError("does not open for its record")
        return stored[len(prefix) :][::-1]


COLUMNS = {"participants": ("name", "contact")}


def _store(path: Path) -> Engine:
    engine = make_engine(path, KEY)
    with engine.connect() as conn:
        schema.upgrade(conn)
        conn.commit()
    return engine


@pytest.fixture
def source(tmp_path: Path) -> Engine:
    engine = _store(tmp_path / "source.db")
    with engine.begin() as conn:
        conn.execute(insert(Site).values(id="site-1", name="Main"))
        conn.execute(
            insert(Participant),
            [
                {
                    "id": f"p-{i:04d}",
                    "code": f"P{i:04d}",
                    "site_id": "site-1",
                    "kind": "staff",
                    "name": f"Person {i}" if i % 3 else "",
                    "contact": None if i % 5 == 0 else f"0400 {i:06d}",
                }
                for i in range(1, 1201)
            ],
        )
    yield engine
    engine.dispose()


def _names(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Participant.id, Participant.name)).all())


def test_copy_in_batches_seals_and_opens_back(source: Engine, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    sealed = _store(tmp_path / "sealed.db")
    onto = Sealing(write=Reverser(), columns=COLUMNS)
    with source.connect() as src, sealed.begin() as dst:
        counts = transfer.copy_all(
            src, dst, onto, batch_rows=500, progress=lambda *a: seen.append(a)
        )
        assert transfer.count_problems(src, dst) == []
        compared, problems = transfer.sealed_sample_problems(src, dst, onto, sample_rows=40)
    assert counts["participants"] == 1200 and counts["sites"] == 1
    assert ("participants", 500, 1200) in seen and ("participants", 1200, 1200) in seen
    assert problems == [] and compared == 80
    stored = _names(sealed)
    assert stored["p-0001"] == "sealed:participants.name.p-0001:1 nosreP"
    assert stored["p-0003"] == ""  # empty stays empty, as models/sealing.py keeps it
    with sealed.connect() as conn:
        assert conn.scalar(select(Participant.contact).where(Participant.id == "p-0005")) is None

    # And back: opened with the same sealer, the text is what the source held.
    plain = _store(tmp_path / "plain.db")
    back = Sealing(read=Reverser(), columns=COLUMNS)
    with sealed.connect() as src, plain.begin() as dst:
        transfer.copy_all(src, dst, back)
        assert transfer.sealed_sample_problems(src, dst, back)[1] == []
    assert _names(plain) == _names(source)
    for engine in (sealed, plain):
        engine.dispose()


def test_sample_check_finds_a_value_moved_or_changed(source: Engine, tmp_path: Path) -> None:
    sealed = _store(tmp_path / "sealed.db")
    onto = Sealing(write=Reverser(), columns=COLUMNS)
    with source.connect() as src, sealed.begin() as dst:
        transfer.copy_all(src, dst, onto)
        # Another record's sealed name put in place of this one's: it does not open here.
        other = dst.scalar(select(Participant.name).where(Participant.id == "p-0002"))
        dst.execute(update(Participant).values(name=other))
        compared, problems = transfer.sealed_sample_problems(src, dst, onto, sample_rows=1200)
    assert compared > 800
    assert problems and all("reads back differently" in p for p in problems)
    assert not any("Person" in p for p in problems)  # names the record, never the text
    sealed.dispose()


def test_counts_differ_is_reported(source: Engine, tmp_path: Path) -> None:
    target = _store(tmp_path / "target.db")
    with source.connect() as src, target.begin() as dst:
        transfer.copy_table(src, dst, Site.__table__)
        problems = transfer.count_problems(src, dst)
    assert problems == ["table participants has 0 rows after the copy, 1200 before"]
    target.dispose()


def test_author_sealed_values_travel_as_they_are(tmp_path: Path) -> None:
    onto = Sealing(
        write=Reverser(),
        columns={"support_sessions": ("notes",)},
        kept={("support_sessions", "notes"): "pdn1:"},
    )
    assert onto.convert("support_sessions", "notes", "s1", "pdn1:abc") == "pdn1:abc"
    assert onto.convert("support_sessions", "notes", "s1", "plain") == (
        "sealed:support_sessions.notes.s1:nialp"
    )
    assert Sealing(columns=COLUMNS).changes_nothing
    assert Sealing(read=IDENTITY, write=Reverser(), columns=COLUMNS).changes_nothing is False


def test_not_copied_tables_and_order() -> None:
    names = [t.name for t in transfer.copied_tables()]
    assert "key_documents" not in names and "report_months" not in names
    assert names.index("sites") < names.index("participants") < names.index("episodes")
    assert names.index("support_sessions") < names.index("session_attendance")

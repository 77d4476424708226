"""The key document in the server's `key_documents` table instead of keyslots.json.

Same slots (Argon2id + AES-256-GCM), same throttle counters; only where they are kept
differs. Several workstations read and write it at once, so:
- a read-count-write step (a failed sign-in, a queued event) runs under `SELECT ... FOR
  UPDATE` on the one row, from the row as it is now: guesses from two workstations are
  counted like guesses from one (the price: sign-ins wait for each other's key
  stretching, about a second each);
- any other save (a new account's slot, a changed password) is merged into the row as it
  is now: slots are compared by id and other entries by name with what this process read,
  and only what this process changed is written over the newer row.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from peerdesk.errors import DamagedStoreError
from peerdesk.models import KeyDocument
from peerdesk.services.keyslots import FORMAT, FORMAT_VERSION, KeyslotFile, check_document

ROW_ID = 1
# In the document while `server init` runs: a setup killed half-way is found and redone.
SETTING_UP = "setting_up"
WHERE = "the server's key table"


def _parse(text: str | None) -> dict[str, Any]:
    if text is None:
        raise DamagedStoreError(
            "the server database has no PeerDesk keys; set it up with 'peerdesk server init'"
        )
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise DamagedStoreError(f"{WHERE} is damaged: {exc}") from exc
    return check_document(doc, WHERE)


def _by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(slot.get("id")): slot for slot in doc.get("slots", [])}


def merge(base: dict[str, Any], mine: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """Three-way merge: what this process changed since `base`, over `fresh`."""
    out: dict[str, Any] = {}
    for key in dict.fromkeys([*fresh, *mine, *base]):
        if key == "slots":
            continue
        if mine.get(key, KeyError) != base.get(key, KeyError):
            if key in mine:
                out[key] = mine[key]
        elif key in fresh:
            out[key] = fresh[key]
    base_slots, my_slots, fresh_slots = _by_id(base), _by_id(mine), _by_id(fresh)
    slots = []
    for slot_id in dict.fromkeys([*fresh_slots, *my_slots]):
        if my_slots.get(slot_id) != base_slots.get(slot_id):
            if slot_id in my_slots:
                slots.append(my_slots[slot_id])
        elif slot_id in fresh_slots:
            slots.append(fresh_slots[slot_id])
    out["slots"] = slots
    return out


class KeyslotTable(KeyslotFile):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held: Connection | None = None
        self.path = WHERE  # type: ignore[assignment] - how messages name it
        with engine.connect() as conn:
            self.data = _parse(self._read(conn))
        self._base = copy.deepcopy(self.document())
        self.reset_on_success = True

    @classmethod
    def create_in(cls, engine: Engine, store_id: str) -> KeyslotTable:
        doc = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "store_id": store_id,
            "slots": [],
            SETTING_UP: True,
        }
        with engine.begin() as conn:
            conn.execute(insert(KeyDocument).values(id=ROW_ID, doc=json.dumps(doc)))
        return cls(engine)

    @staticmethod
    def _read(conn: Connection, for_update: bool = False) -> str | None:
        query = select(KeyDocument.doc).where(KeyDocument.id == ROW_ID)
        return conn.scalar(query.with_for_update() if for_update else query)

    def _take(self, doc: dict[str, Any]) -> None:
        """Make `doc` this object's data in place: slot dicts keep their identity (an
        Unlocked's replace_extras holds one) and the names learnt at sign-in."""
        mine = _by_id(self.data)
        slots = []
        for slot in doc["slots"]:
            kept = mine.get(str(slot.get("id")))
            if kept is None:
                slots.append(slot)
                continue
            name = kept.get("_name")
            kept.clear()
            kept.update(slot)
            if name is not None:
                kept["_name"] = name
            slots.append(kept)
        self.data.clear()
        self.data.update({k: v for k, v in doc.items() if k != "slots"}, slots=slots)
        self._base = copy.deepcopy(self.document())

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        if self._held is not None:  # already inside one
            yield
            return
        with self._engine.connect() as conn:
            transaction = conn.begin()
            try:
                self._take(_parse(self._read(conn, for_update=True)))
                self._held = conn
                try:
                    yield
                finally:
                    # Committed also when the step raised: a wrong password is counted.
                    self._held = None
                    if transaction.is_active:
                        transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise

    def save(self) -> None:
        mine = self.document()
        if self._held is not None:
            self._held.execute(
                update(KeyDocument).where(KeyDocument.id == ROW_ID).values(doc=json.dumps(mine))
            )
            self._base = copy.deepcopy(mine)
            return
        with self._engine.begin() as conn:
            merged = merge(self._base, mine, _parse(self._read(conn, for_update=True)))
            conn.execute(
                update(KeyDocument).where(KeyDocument.id == ROW_ID).values(doc=json.dumps(merged))
            )
        self._take(merged)

"""Private notes at run time: which notes keys the unlocked person holds, and using them.

See notes_crypto.py for the scheme. A Store carries one NoteKeys for the person who
unlocked it: a supporter's own keys, or (emergency access) the recovery private key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerdesk.errors import PeerDeskError
from peerdesk.models import NoteKey, Setting, SupportSession, utcnow
from peerdesk.services.auth import ADMIN, Actor
from peerdesk.services.notes_crypto import (
    PREFIX,
    escrow_aad,
    is_sealed,
    key_id_of,
    new_notes_key,
    new_recovery_keypair,
    open_note,
    public_of,
    seal_note,
    seal_to,
    unseal,
)

if TYPE_CHECKING:
    from peerdesk.services.keyslots import Unlocked
    from peerdesk.services.store import Store

RECOVERY_PUBLIC_SETTING = "notes_recovery_public_key"


@dataclass
class NoteKeys:
    own: dict[str, bytes] = field(default_factory=dict)
    current: str | None = None
    recovery_private: bytes | None = None
    # The recovery public key as the unlocked slot vouches for it (its sealed extras, or
    # derived from the private key). The copy in the database is never trusted alone:
    # any account holder can write the database.
    recovery_public: bytes | None = None
    store_id: str = ""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def extras_for(
    keys: dict[str, bytes], current: str | None, recovery_pub: bytes | None
) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if keys:
        extras["notes_keys"] = {k: _b64(v) for k, v in keys.items()}
        extras["current_notes_key"] = current
    if recovery_pub is not None:
        extras["recovery_public"] = _b64(recovery_pub)
    return extras


def keys_from(extras: dict[str, Any]) -> tuple[dict[str, bytes], str | None]:
    raw = extras.get("notes_keys") or {}
    keys = {str(k): _unb64(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    current = extras.get("current_notes_key")
    return keys, current if current in keys else None


def trusted_public(extras: dict[str, Any]) -> bytes | None:
    raw = extras.get("recovery_public")
    return _unb64(raw) if isinstance(raw, str) else None


def recovery_extras(private: bytes) -> dict[str, Any]:
    return {"recovery_private": _b64(private)}


def stored_public(session: Session) -> bytes | None:
    row = session.get(Setting, RECOVERY_PUBLIC_SETTING)
    return _unb64(row.value) if row else None


def set_recovery_public(session: Session, public: bytes) -> None:
    row = session.get(Setting, RECOVERY_PUBLIC_SETTING)
    if row is None:
        session.add(Setting(key=RECOVERY_PUBLIC_SETTING, value=_b64(public)))
    else:
        row.value = _b64(public)


def escrow(
    session: Session, store_id: str, public: bytes | None, user_id: str, keys: dict[str, bytes]
) -> None:
    """Seal notes keys to the (trusted) recovery public key, once each."""
    if public is None or not user_id:
        return
    for kid, key in keys.items():
        if session.get(NoteKey, kid) is None:
            box = seal_to(public, key, escrow_aad(store_id, user_id, kid))
            session.add(
                NoteKey(key_id=kid, user_id=user_id, created_at=utcnow(), sealed_for_recovery=box)
            )


def new_account_extras(
    session: Session, store_id: str, public: bytes | None, user_id: str, supporter: bool
) -> dict[str, Any]:
    """Slot extras for a new account: the trusted recovery public key and, for a
    supporter, a first notes key (escrowed). No notes key while nothing can escrow it."""
    if supporter and public is not None:
        kid, key = new_notes_key()
        escrow(session, store_id, public, user_id, {kid: key})
        return extras_for({kid: key}, kid, public)
    return extras_for({}, None, public)


def keys_held_in_escrow(
    session: Session, store_id: str, user_id: str, recovery_private: bytes
) -> dict[str, bytes]:
    """Emergency access: every notes key of a user, opened with the recovery private key."""
    out = {}
    for row in session.scalars(select(NoteKey).where(NoteKey.user_id == user_id)):
        aad = escrow_aad(store_id, user_id, row.key_id)
        key = unseal(recovery_private, row.sealed_for_recovery, aad)
        if key is not None:
            out[row.key_id] = key
    return out


def unescrowed_key_ids(session: Session, user_id: str) -> set[str]:
    """Key ids that seal this person's notes but have no escrow row: losing their slot
    would lose those notes for good."""
    used = {
        key_id_of(text)
        for text in session.scalars(
            select(SupportSession.notes).where(
                SupportSession.created_by == user_id, SupportSession.notes.like(f"{PREFIX}:%")
            )
        )
    }
    used.discard(None)
    held = set(session.scalars(select(NoteKey.key_id).where(NoteKey.key_id.in_(used))))
    return {k for k in used if k not in held}  # type: ignore[misc]


def setup_at_unlock(store: Store, session: Session, actor: Actor, unlocked: Unlocked) -> None:
    """Load the unlocked person's keys; create, escrow and upgrade what is missing."""
    store_id = store.keyslots.store_id
    extras = dict(unlocked.extras)
    db_public = stored_public(session)
    if actor.emergency:
        private_text = extras.get("recovery_private")
        if private_text is None:
            # Stores made before notes were sealed get their recovery key pair now.
            private, public = new_recovery_keypair()
            unlocked.replace_extras({**extras, **recovery_extras(private)})
        else:
            private = _unb64(private_text)
            public = public_of(private)
        if db_public != public:
            if db_public is not None:
                _mismatch(store, session, actor)
            set_recovery_public(session, public)
        store.note_keys = NoteKeys(
            recovery_private=private, recovery_public=public, store_id=store_id
        )
        return
    keys, current = keys_from(extras)
    public = trusted_public(extras)
    if public is None and db_public is not None:
        # A slot written before it carried the key adopts the store's, once.
        public = db_public
        extras = {**extras, **extras_for(keys, current, public)}
        unlocked.replace_extras(extras)
    elif public is not None and db_public != public:
        _mismatch(store, session, actor)
    if public is not None and actor.supporter_id is not None and current is None:
        kid, key = new_notes_key()  # first sign-in, or after an administrator's reset
        keys[kid] = key
        current = kid
        extras = {**extras, **extras_for(keys, current, public)}
        unlocked.replace_extras(extras)
    if public is None and actor.role == ADMIN:
        store.warnings.append(
            "private notes in this store are not sealed yet: sign in once with the recovery "
            "key to turn sealing on"
        )
    if actor.user_id:
        escrow(session, store_id, public, actor.user_id, keys)
    store.note_keys = NoteKeys(keys, current, None, public, store_id)
    if current is not None and actor.user_id:
        _seal_plain_notes(session, store_id, actor.user_id, current, keys[current])


def _mismatch(store: Store, session: Session, actor: Actor) -> None:
    store.warnings.append(
        "the store's recovery key record has been changed outside PeerDesk; notes keys are "
        "escrowed only to the key your account trusts. Tell your administrator."
    )
    store.audit(session, actor, "notes.recovery_key_mismatch", "store", store.keyslots.store_id)


def _seal_plain_notes(session: Session, store_id: str, user_id: str, kid: str, key: bytes) -> None:
    """Notes written before notes were sealed are sealed at their author's next sign-in."""
    for ss in session.scalars(
        select(SupportSession).where(
            SupportSession.created_by == user_id,
            SupportSession.notes != "",
            SupportSession.notes.not_like(f"{PREFIX}:%"),
        )
    ):
        ss.notes = seal_note(store_id, kid, key, ss.id, ss.notes)


def seal_for_author(store: Store, session_id: str, text: str) -> str:
    keys: NoteKeys = store.note_keys
    if not text:
        return ""
    if keys.current is None:
        if keys.recovery_public is None:
            return text  # a store from before sealing, until its recovery key pair exists
        raise PeerDeskError("your notes key is not available; sign out and in again")
    return seal_note(keys.store_id, keys.current, keys.own[keys.current], session_id, text)


def read(store: Store, session: Session, ss: SupportSession) -> str | None:
    """The note's text for whoever unlocked the store, or None if they cannot open it."""
    keys: NoteKeys = store.note_keys
    if not ss.notes:
        return ""
    if not is_sealed(ss.notes):
        return ss.notes  # not yet sealed (see _seal_plain_notes)
    if keys.recovery_private is not None:
        kid = key_id_of(ss.notes)
        row = session.get(NoteKey, kid) if kid else None
        if row is None or not ss.created_by:
            return None
        aad = escrow_aad(keys.store_id, ss.created_by, row.key_id)
        key = unseal(keys.recovery_private, row.sealed_for_recovery, aad)
        return open_note(keys.store_id, ss.notes, ss.id, {row.key_id: key}) if key else None
    return open_note(keys.store_id, ss.notes, ss.id, keys.own)


def unsealed_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SupportSession)
            .where(SupportSession.notes != "", SupportSession.notes.not_like(f"{PREFIX}:%"))
        )
        or 0
    )

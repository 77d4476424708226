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
from peerdesk.services.auth import Actor
from peerdesk.services.notes_crypto import (
    PREFIX,
    is_sealed,
    key_id_of,
    new_notes_key,
    new_recovery_keypair,
    open_note,
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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def extras_for(keys: dict[str, bytes], current: str | None) -> dict[str, Any]:
    return {"notes_keys": {k: _b64(v) for k, v in keys.items()}, "current_notes_key": current}


def keys_from(extras: dict[str, Any]) -> tuple[dict[str, bytes], str | None]:
    raw = extras.get("notes_keys") or {}
    keys = {str(k): _unb64(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    current = extras.get("current_notes_key")
    return keys, current if current in keys else None


def recovery_extras(private: bytes) -> dict[str, Any]:
    return {"recovery_private": _b64(private)}


def recovery_public(session: Session) -> bytes | None:
    row = session.get(Setting, RECOVERY_PUBLIC_SETTING)
    return _unb64(row.value) if row else None


def set_recovery_public(session: Session, public: bytes) -> None:
    row = session.get(Setting, RECOVERY_PUBLIC_SETTING)
    if row is None:
        session.add(Setting(key=RECOVERY_PUBLIC_SETTING, value=_b64(public)))
    else:
        row.value = _b64(public)


def escrow(session: Session, user_id: str, keys: dict[str, bytes]) -> None:
    """Seal notes keys to the recovery public key, once each (emergency access)."""
    public = recovery_public(session)
    if public is None or not user_id:
        return
    for kid, key in keys.items():
        if session.get(NoteKey, kid) is None:
            session.add(
                NoteKey(
                    key_id=kid,
                    user_id=user_id,
                    created_at=utcnow(),
                    sealed_for_recovery=seal_to(public, key, kid.encode()),
                )
            )


def new_supporter_keys(session: Session, user_id: str) -> dict[str, Any]:
    """A first notes key for a new supporter account, escrowed; returns the slot extras."""
    kid, key = new_notes_key()
    escrow(session, user_id, {kid: key})
    return extras_for({kid: key}, kid)


def keys_held_in_escrow(
    session: Session, user_id: str, recovery_private: bytes
) -> dict[str, bytes]:
    """Emergency access: every notes key of a user, opened with the recovery private key."""
    out = {}
    for row in session.scalars(select(NoteKey).where(NoteKey.user_id == user_id)):
        key = unseal(recovery_private, row.sealed_for_recovery, row.key_id.encode())
        if key is not None:
            out[row.key_id] = key
    return out


def setup_at_unlock(store: Store, session: Session, actor: Actor, unlocked: Unlocked) -> None:
    """Load the unlocked person's keys; create, escrow and upgrade what is missing."""
    extras = dict(unlocked.extras)
    if actor.emergency:
        private_text = extras.get("recovery_private")
        if private_text is None or recovery_public(session) is None:
            # Stores made before notes were sealed get their recovery key pair now.
            private, public = new_recovery_keypair()
            set_recovery_public(session, public)
            unlocked.replace_extras({**extras, **recovery_extras(private)})
        else:
            private = _unb64(private_text)
        store.note_keys = NoteKeys(recovery_private=private)
        return
    keys, current = keys_from(extras)
    if actor.supporter_id is not None and current is None:
        kid, key = new_notes_key()  # first sign-in, or after an administrator's reset
        keys[kid] = key
        current = kid
        unlocked.replace_extras({**extras, **extras_for(keys, current)})
    if actor.user_id:
        escrow(session, actor.user_id, keys)
    store.note_keys = NoteKeys(keys, current)
    if current is not None and actor.user_id:
        _seal_plain_notes(session, actor.user_id, current, keys[current])


def _seal_plain_notes(session: Session, user_id: str, kid: str, key: bytes) -> None:
    """Notes written before notes were sealed are sealed at their author's next sign-in."""
    for ss in session.scalars(
        select(SupportSession).where(
            SupportSession.created_by == user_id,
            SupportSession.notes != "",
            SupportSession.notes.not_like(f"{PREFIX}:%"),
        )
    ):
        ss.notes = seal_note(kid, key, ss.id, ss.notes)


def seal_for_author(store: Store, session_id: str, text: str) -> str:
    keys: NoteKeys = store.note_keys
    if not text:
        return ""
    if keys.current is None:
        raise PeerDeskError("your notes key is not available; sign out and in again")
    return seal_note(keys.current, keys.own[keys.current], session_id, text)


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
        if row is None:
            return None
        key = unseal(keys.recovery_private, row.sealed_for_recovery, row.key_id.encode())
        return open_note(ss.notes, ss.id, {row.key_id: key}) if key else None
    return open_note(ss.notes, ss.id, keys.own)


def unsealed_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SupportSession)
            .where(SupportSession.notes != "", SupportSession.notes.not_like(f"{PREFIX}:%"))
        )
        or 0
    )

"""Sealing unsaved form input while the window is locked.

The lock drops the data key and every widget, but what a person had typed must come back
when they unlock. The window keeps it only as ciphertext in memory: sealed with a key
derived from the person's own notes key (or, on a store from before notes keys, from the
data key), bound to the store and the account. Unlocking as the same person opens it; it is
never written to disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from peerdesk.services.auth import Actor
from peerdesk.services.store import Store

_INFO = b"peerdesk unsaved input v1"


@dataclass(frozen=True)
class SealedDrafts:
    user_id: str
    key_id: str  # which notes key ("" for the data key)
    nonce: bytes
    box: bytes


def _key(store: Store, key_id: str) -> bytes | None:
    keys = store.note_keys
    base = keys.own.get(key_id) if key_id else store.key
    if base is None:
        return None
    return HKDF(hashes.SHA256(), 32, salt=None, info=_INFO).derive(base)


def _aad(store: Store, actor: Actor) -> bytes:
    return f"{store.note_keys.store_id}|{actor.user_id}|drafts".encode()


def seal(store: Store, actor: Actor, payload: list[dict[str, Any]]) -> SealedDrafts:
    key_id = store.note_keys.current or ""
    key = _key(store, key_id)
    assert key is not None  # the current key is always held
    nonce = os.urandom(12)
    data = json.dumps(payload, ensure_ascii=False).encode()
    box = AESGCM(key).encrypt(nonce, data, _aad(store, actor))
    return SealedDrafts(actor.user_id or "", key_id, nonce, box)


def open_sealed(store: Store, actor: Actor, sealed: SealedDrafts) -> list[dict[str, Any]] | None:
    """The drafts, or None when this person cannot open them (another account, a key they
    no longer hold)."""
    if sealed.user_id != (actor.user_id or ""):
        return None
    key = _key(store, sealed.key_id)
    if key is None:
        return None
    try:
        data = AESGCM(key).decrypt(sealed.nonce, sealed.box, _aad(store, actor))
    except InvalidTag:
        return None
    loaded = json.loads(data)
    return loaded if isinstance(loaded, list) else None

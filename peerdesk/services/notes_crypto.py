"""Encryption of private session notes, apart from the store's own encryption.

Every account can unwrap the store's data key, so the database alone cannot keep one
supporter's notes from another. Notes are therefore sealed a second time, with a key
that belongs to their author:

- Each supporter has a notes key (32 random bytes) kept only inside their own keyslot
  (see keyslots.py "extras"), so only their password opens it.
- For emergency access, each notes key is also sealed to the store's recovery public key
  (X25519 + HKDF-SHA256 + AES-256-GCM) in the note_keys table; the recovery private key
  lives only inside the recovery keyslot.
- A note is stored as "pdn1:<key id>:<nonce>:<ciphertext>" (AES-256-GCM). The store id,
  key id and session id are associated data, so a note cannot be moved to another
  session or store; escrow boxes bind the store, the owner and the key id the same way.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "pdn1"
RAW = serialization.Encoding.Raw


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_notes_key() -> tuple[str, bytes]:
    return secrets.token_hex(8), os.urandom(32)


def is_sealed(text: str | None) -> bool:
    return bool(text) and str(text).startswith(PREFIX + ":")


def key_id_of(text: str) -> str | None:
    parts = text.split(":")
    return parts[1] if len(parts) == 4 and parts[0] == PREFIX else None


def _note_aad(store_id: str, key_id: str, session_id: str) -> bytes:
    return f"{PREFIX}\x1f{store_id}\x1f{key_id}\x1f{session_id}".encode()


def escrow_aad(store_id: str, user_id: str, key_id: str) -> bytes:
    return f"peerdesk escrow v1\x1f{store_id}\x1f{user_id}\x1f{key_id}".encode()


def seal_note(store_id: str, key_id: str, key: bytes, session_id: str, text: str) -> str:
    if not text:
        return ""
    nonce = os.urandom(12)
    aad = _note_aad(store_id, key_id, session_id)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), aad)
    return f"{PREFIX}:{key_id}:{_b64(nonce)}:{_b64(sealed)}"


def open_note(store_id: str, text: str, session_id: str, keys: Mapping[str, bytes]) -> str | None:
    """The plain note, or None when none of the keys opens it."""
    if not text:
        return ""
    kid = key_id_of(text)
    if kid is None or kid not in keys:
        return None
    _, _, nonce, sealed = text.split(":")
    try:
        plain = AESGCM(keys[kid]).decrypt(
            _unb64(nonce), _unb64(sealed), _note_aad(store_id, kid, session_id)
        )
    except (InvalidTag, ValueError):
        return None
    return plain.decode("utf-8")


# -- sealing to the recovery key --------------------------------------------------------


def public_of(private: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(private)
    return key.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)


def new_recovery_keypair() -> tuple[bytes, bytes]:
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
        private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw),
    )


def _box_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + recipient_public,
        info=b"peerdesk notes key escrow v1",
    ).derive(shared)


def seal_to(recipient_public: bytes, plaintext: bytes, aad: bytes) -> str:
    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    nonce = os.urandom(12)
    sealed = AESGCM(_box_key(shared, eph_public, recipient_public)).encrypt(nonce, plaintext, aad)
    return ":".join(_b64(x) for x in (eph_public, nonce, sealed))


def unseal(recipient_private: bytes, box: str, aad: bytes) -> bytes | None:
    try:
        eph_public, nonce, sealed = (_unb64(x) for x in box.split(":"))
        private = X25519PrivateKey.from_private_bytes(recipient_private)
        recipient_public = private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
        shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
        return AESGCM(_box_key(shared, eph_public, recipient_public)).decrypt(nonce, sealed, aad)
    except (InvalidTag, ValueError):
        return None

"""Rules that hold against key holders: the account list and the folder policy signed
with a key only administrators (and the recovery key) hold.

Every account's slot unwraps the same data key, so anything the data key protects (the
database, the audit chain's HMAC) can be rewritten by any account holder with SQL tools.
What they do not hold is the *integrity key*: 32 random bytes kept only in the sealed
extras of administrators' slots and, sealed to the recovery public key, in the key file
(`escrow`), so emergency access has it too. An Ed25519 key pair is derived from it; its
public half is pinned in every slot's sealed extras (which only that slot's password
opens, so another account holder cannot re-point it), in keyslots.json and in the store.

Signed: the account set (id, username, role, state) together with the audit chain's head
at that moment (a signed checkpoint of the chain), and the data folder's policy. A
sign-in trusts only the signed record: an account missing from it, or disabled in it,
is refused; its role is the signed one whatever the users table says. An administrator's
sign-in puts edited rows back to the signed state (audited). `verify` reports every
difference, a signature that does not check, and a checkpoint the chain no longer holds.

Stores from before this (no key anywhere) are protected from the first administrator
sign-in on, which creates the key and signs the state it finds (audited as
`integrity.create`); see docs/security.md for what this does not cover.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from peerdesk.errors import AuthenticationError, PermissionDeniedError, ValidationError
from peerdesk.models import Setting, User, utcnow
from peerdesk.services.auth import ADMIN, SYSTEM, Actor
from peerdesk.services.notes_crypto import seal_to, unseal
from peerdesk.services.policy import (
    Policy,
    PolicyLayers,
    at_least_as_strict,
    has_order,
    load_layers,
)

if TYPE_CHECKING:
    from peerdesk.services.keyslots import Unlocked
    from peerdesk.services.store import Store

KEY_EXTRA = "integrity_key"  # admins' slot extras: the integrity key itself
PINNED_EXTRA = "integrity_public"  # every slot's extras: the public key it trusts
PUBLIC_SETTING = "integrity_public_key"
ACCOUNTS_SETTING = "signed_accounts"
POLICY_SETTING = "signed_policy"
KEYFILE_ENTRY = "integrity"  # keyslots.json: {"public": ..., "escrow": ...}
KEPT_EXTRA = "signed_accounts"  # admins' slot extras: the last account list they signed
RAW = serialization.Encoding.Raw
log = logging.getLogger("peerdesk.it")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError:
        return None


def signer_for(integrity_key: bytes) -> Ed25519PrivateKey:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"peerdesk integrity signing v1"
    ).derive(integrity_key)
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_of(signer: Ed25519PrivateKey) -> bytes:
    return signer.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)


def _canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _escrow_aad(store_id: str) -> bytes:
    return f"peerdesk integrity key\x1f{store_id}".encode()


@dataclass
class IntegrityState:
    """What the person signed in holds: the public key their slot trusts and, for
    administrators and emergency access, the signing key."""

    public: bytes | None = None
    key: bytes | None = None  # the integrity key (to hand on to new administrators' slots)
    signer: Ed25519PrivateKey | None = None
    problems: list[str] = field(default_factory=list)
    # An administrator's opened slot: each signed account list is also kept in its sealed
    # extras, where no other account holder can replace it.
    slot: Unlocked | None = None

    @property
    def protected(self) -> bool:
        return self.public is not None


# -- reading and writing signed records -------------------------------------


def account_rows(session: Session) -> list[list[str]]:
    users = session.execute(
        select(User.id, User.username, User.role, User.state).order_by(User.id)
    ).all()
    return [[u.id, u.username, u.role, u.state] for u in users]


def audit_head(session: Session) -> str:
    from peerdesk.services.audit import HEAD_KEY

    row = session.get(Setting, HEAD_KEY)
    return row.value if row else ""


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _sign(session: Session, signer: Ed25519PrivateKey, key: str, doc: dict[str, Any]) -> str:
    sig = signer.sign(_canonical(doc))
    blob = json.dumps({"doc": doc, "sig": _b64(sig)}, sort_keys=True)
    _put(session, key, blob)
    return blob


def read_signed(
    session: Session, key: str, public: bytes, store_id: str
) -> tuple[dict[str, Any] | None, str]:
    """The signed document, or None and why not (in words)."""
    row = session.get(Setting, key)
    if row is None:
        return None, "is missing"
    return check_blob(row.value, public, store_id)


def check_blob(text: str, public: bytes, store_id: str) -> tuple[dict[str, Any] | None, str]:
    try:
        blob = json.loads(text)
        doc, sig = blob["doc"], _unb64(blob["sig"])
        if not isinstance(doc, dict) or sig is None:
            raise ValueError("layout")
        Ed25519PublicKey.from_public_bytes(public).verify(sig, _canonical(doc))
    except InvalidSignature:
        return None, "does not carry a valid administrator signature"
    except (ValueError, TypeError, KeyError):
        return None, "is damaged"
    if doc.get("store_id") != store_id:
        return None, "belongs to another store"
    return doc, ""


def sign_accounts(store: Store, session: Session) -> None:
    """Sign the users table as it is now, with the audit head (call after the action's
    audit event, in the same transaction)."""
    signer = store.integrity.signer
    if signer is None:
        return
    session.flush()
    doc = {
        "kind": "accounts",
        "store_id": store.keyslots.store_id,
        "accounts": account_rows(session),
        "audit_head": audit_head(session),
        "at": utcnow().isoformat(),
    }
    blob = _sign(session, signer, ACCOUNTS_SETTING, doc)
    slot = store.integrity.slot
    if slot is not None and store.exclusive:
        # Rewritten only when the accounts changed, so a sign-in leaves the slot alone.
        kept = slot.extras.get(KEPT_EXTRA)
        try:
            same = json.loads(kept)["doc"]["accounts"] == doc["accounts"]
        except (TypeError, ValueError, KeyError):
            same = False
        if not same:
            slot.replace_extras({**slot.extras, KEPT_EXTRA: blob})


def sign_policy(store: Store, session: Session, folder: dict[str, Any] | None = None) -> None:
    signer = store.integrity.signer
    if signer is None:
        return
    values = load_layers(store.data_dir).folder if folder is None else folder
    doc = {"kind": "policy", "store_id": store.keyslots.store_id, "folder": values}
    _sign(session, signer, POLICY_SETTING, doc)


def require_signer(store: Store, what: str) -> None:
    """Account and policy changes must be signed; refuse them before changing anything
    when this administrator's slot does not hold the integrity key yet."""
    if store.integrity.protected and store.integrity.signer is None:
        raise PermissionDeniedError(
            f"you cannot {what} yet: your account does not hold this store's integrity key; "
            "ask another administrator to reset your password, or use the recovery key"
        )


def extras_for_role(store: Store, role: str) -> dict[str, Any]:
    """Slot extras for an account's new slot: the pinned public key, and the integrity key
    itself for administrators."""
    st = store.integrity
    extras: dict[str, Any] = {}
    if st.public is not None:
        extras[PINNED_EXTRA] = _b64(st.public)
    if role == ADMIN and st.key is not None:
        extras[KEY_EXTRA] = _b64(st.key)
    return extras


# -- at sign-in ----------------------------------------------------------------


def _copies(store: Store, session: Session) -> tuple[bytes | None, bytes | None]:
    entry = store.keyslots.data.get(KEYFILE_ENTRY)
    in_file = _unb64(entry.get("public")) if isinstance(entry, dict) else None
    row = session.get(Setting, PUBLIC_SETTING)
    in_store = _unb64(row.value) if row else None
    return in_file, in_store


def _load(store: Store, session: Session, unlocked: Unlocked | None, emergency: bool) -> None:
    """Fill store.integrity from the slot that was opened (never from the files alone
    when the slot has something to say)."""
    st = store.integrity
    extras = unlocked.extras if unlocked is not None else {}
    key = _unb64(extras.get(KEY_EXTRA))
    if key is None and emergency and store.note_keys.recovery_private is not None:
        entry = store.keyslots.data.get(KEYFILE_ENTRY)
        box = entry.get("escrow") if isinstance(entry, dict) else None
        if isinstance(box, str):
            key = unseal(
                store.note_keys.recovery_private, box, _escrow_aad(store.keyslots.store_id)
            )
    if key is not None and len(key) == 32:
        st.key, st.signer = key, signer_for(key)
    pinned = _unb64(extras.get(PINNED_EXTRA))
    in_file, in_store = _copies(store, session)
    if st.signer is not None:
        st.public = public_of(st.signer)
        if pinned is not None and pinned != st.public:
            st.problems.append("this account's slot trusts another integrity key")
    elif pinned is not None:
        st.public = pinned
    elif in_file is not None or in_store is not None:
        # A slot written before it carried the key adopts the files' copy once (trust on
        # first use); two copies that differ are not trusted at all.
        if in_file is not None and in_store is not None and in_file != in_store:
            raise AuthenticationError(
                "the store's integrity key was changed outside PeerDesk; PeerDesk cannot "
                "confirm account roles. Ask an administrator to sign in and run verify"
            )
        st.public = in_file or in_store
    for name, copy in (("key file", in_file), ("store", in_store)):
        if st.public is not None and copy is not None and copy != st.public:
            st.problems.append(f"the {name}'s copy of the integrity public key was replaced")


def _refused(username: str, message: str) -> AuthenticationError:
    """The sign-in's transaction is rolled back, so the IT log is where this is kept."""
    log.warning("sign-in refused by the signed account list for %s: %s", username, message)
    return AuthenticationError(message)


def check_sign_in(
    store: Store, session: Session, unlocked: Unlocked | None, user: User, actor: Actor
) -> Actor:
    """The actor as the signed account list has it; refuse what it does not allow."""
    _load(store, session, unlocked, emergency=False)
    st = store.integrity
    if st.public is None:
        return actor  # a store from before signing: protected from the first admin sign-in
    doc, why = read_signed(session, ACCOUNTS_SETTING, st.public, store.keyslots.store_id)
    if doc is None:
        if st.signer is not None:  # an administrator can sign again (audited below)
            if not _first_signing_interrupted(store, session, unlocked):
                st.problems.append(f"the signed account list {why}")
            return actor
        raise _refused(
            user.username,
            f"PeerDesk cannot confirm this account's role: the signed account list {why}. "
            "An administrator must sign in first",
        )
    signed = {row[0]: row for row in doc.get("accounts", []) if isinstance(row, list)}
    row = signed.get(user.id)
    if row is None or len(row) != 4:
        raise AuthenticationError(
            "this account is not on the account list an administrator signed; ask an administrator"
        )
    _, name, role, state = row
    if state != "active":
        raise AuthenticationError("this account is disabled")
    if [user.username, user.role, user.state] != [name, role, state]:
        st.problems.append(
            f"account {name}'s record was changed outside PeerDesk; its signed role "
            f"({role}) applies"
        )
    if role != actor.role or name != actor.username:
        actor = Actor(actor.user_id, name, actor.display_name, role, actor.supporter_id)
    return actor


def _first_signing_interrupted(store: Store, session: Session, unlocked: Unlocked | None) -> bool:
    """The key reached this administrator's slot but the store never took the signed list
    or the public key (a first signing killed half-way): nothing was removed, so nothing
    to report; this sign-in finishes the job. A slot that ever kept a signed list, or a
    store holding the public key, never counts as this."""
    _, in_store = _copies(store, session)
    kept = unlocked.extras.get(KEPT_EXTRA) if unlocked is not None else None
    return in_store is None and kept is None and _just_created(session)


def _repair_accounts(store: Store, session: Session, actor: Actor, doc: dict[str, Any]) -> None:
    """An administrator's sign-in puts the users table back to the signed state; accounts
    that are not on the signed list are disabled and lose their slot."""
    signed = {r[0]: r for r in doc.get("accounts", []) if isinstance(r, list) and len(r) == 4}
    changed: list[str] = []
    dropped: list[str] = []
    for user in session.scalars(select(User)):
        row = signed.get(user.id)
        if row is None:
            store.integrity.problems.append(
                f"account {user.username} was added outside PeerDesk; it is now disabled"
            )
            if user.state != "disabled":
                user.state = "disabled"
                changed.append(user.username)
            dropped.append(user.username)
        elif [user.username, user.role, user.state] != row[1:]:
            store.integrity.problems.append(
                f"account {row[1]} was changed outside PeerDesk ({user.role}, {user.state}); "
                f"put back as signed ({row[2]}, {row[3]})"
            )
            user.username, user.role, user.state = row[1], row[2], row[3]
            changed.append(row[1])
    for name in dropped:
        for kind in {slot["kind"] for slot in store.keyslots.slots} - {"recovery", "backup"}:
            store.keyslots.remove_slot(kind, name)
    if changed:
        store.warnings.append(
            "accounts were changed outside PeerDesk and have been put back as an "
            f"administrator last signed them: {', '.join(sorted(changed))}"
        )
        store.audit(
            session,
            actor,
            "integrity.accounts_restored",
            "store",
            store.keyslots.store_id,
            {"accounts": len(changed), "not_signed": len(dropped)},
        )


def after_sign_in(store: Store, session: Session, actor: Actor, unlocked: Unlocked | None) -> None:
    """After the sign-in's own audit event: create the key on a store from before signing
    (first administrator or emergency sign-in), put edited accounts back, refresh the
    signed checkpoint, pin the key in this person's slot, and apply the signed policy."""
    if actor.emergency:
        _load(store, session, unlocked, emergency=True)
    st = store.integrity
    exclusive = store.exclusive
    is_admin = actor.role == ADMIN
    for problem in st.problems:
        store.warnings.append(
            f"{problem}; tell your administrator" if not is_admin else f"{problem}."
        )
    if st.problems:
        store.audit(
            session,
            actor,
            "integrity.mismatch",
            "store",
            store.keyslots.store_id,
            {"problems": len(st.problems)},
        )
    if exclusive and st.public is None and (is_admin or actor.emergency):
        _create(store, session, actor, unlocked)
    if exclusive and st.signer is not None:
        doc, why = read_signed(session, ACCOUNTS_SETTING, st.public or b"", store.keyslots.store_id)
        kept = unlocked.extras.get(KEPT_EXTRA) if unlocked is not None else None
        if doc is None and isinstance(kept, str):
            # The store's copy is gone or forged: the list this administrator last signed.
            doc, _ = check_blob(kept, st.public or b"", store.keyslots.store_id)
        if not actor.emergency:
            st.slot = unlocked
        _repair_copies(store, session)
        if doc is not None:
            _repair_accounts(store, session, actor, doc)
        elif why and not _just_created(session):
            store.warnings.append(
                f"the signed account list {why}; PeerDesk signed the accounts as they are now. "
                "Check them under Accounts and policy"
            )
            store.audit(session, actor, "integrity.resigned", "store", store.keyslots.store_id)
        sign_accounts(store, session)  # a fresh signed checkpoint of the audit chain
        if session.get(Setting, POLICY_SETTING) is None:
            sign_policy(store, session)
    _apply_signed_policy(store, session)
    if exclusive and unlocked is not None and st.public is not None and not actor.emergency:
        _pin(unlocked, st)


def _repair_copies(store: Store, session: Session) -> None:
    """An administrator's sign-in writes back the public key's copies (and the escrow
    copy for the recovery key) if someone replaced or removed them."""
    st = store.integrity
    if st.public is None or st.key is None:
        return
    in_file, in_store = _copies(store, session)
    if in_store != st.public:
        _put(session, PUBLIC_SETTING, _b64(st.public))
    entry = store.keyslots.data.get(KEYFILE_ENTRY)
    box = entry.get("escrow") if isinstance(entry, dict) else None
    recovery_public = store.note_keys.recovery_public
    if in_file != st.public or (recovery_public is not None and not isinstance(box, str)):
        fixed: dict[str, Any] = {"public": _b64(st.public)}
        if recovery_public is not None:
            fixed["escrow"] = seal_to(recovery_public, st.key, _escrow_aad(store.keyslots.store_id))
        store.keyslots.data[KEYFILE_ENTRY] = fixed
        store.keyslots.save()


def _just_created(session: Session) -> bool:
    return session.get(Setting, ACCOUNTS_SETTING) is None


def _pin(unlocked: Unlocked, st: IntegrityState) -> None:
    extras = dict(unlocked.extras)
    want = dict(extras)
    want[PINNED_EXTRA] = _b64(st.public or b"")
    if want != extras:
        unlocked.replace_extras(want)


def new_key() -> bytes:
    import os

    return os.urandom(32)


def admin_extras(key: bytes) -> dict[str, Any]:
    """What an administrator's slot carries: the integrity key and the key it pins."""
    return {KEY_EXTRA: _b64(key), PINNED_EXTRA: _b64(public_of(signer_for(key)))}


def install(
    store: Store, session: Session, actor: Actor, key: bytes, recovery_public: bytes | None
) -> None:
    """Make key the store's integrity key: public copies in the key file and the store,
    an escrow copy for the recovery key, audited. The caller signs the state after."""
    st = store.integrity
    st.key, st.signer = key, signer_for(key)
    st.public = public_of(st.signer)
    entry: dict[str, Any] = {"public": _b64(st.public)}
    if recovery_public is not None:
        entry["escrow"] = seal_to(recovery_public, key, _escrow_aad(store.keyslots.store_id))
    store.keyslots.data[KEYFILE_ENTRY] = entry
    store.keyslots.save()
    _put(session, PUBLIC_SETTING, _b64(st.public))
    store.audit(
        session,
        actor,
        "integrity.create",
        "store",
        store.keyslots.store_id,
        {"accounts": len(account_rows(session)), "escrowed": "escrow" in entry},
    )
    log.info("integrity key created for the store in %s", store.data_dir)


def _create(store: Store, session: Session, actor: Actor, unlocked: Unlocked | None) -> None:
    """First administrator (or emergency) sign-in on a store without an integrity key."""
    key = new_key()
    # This administrator's slot takes the key before the key file names it: a run killed
    # in between then leaves a slot that finishes the job at the next sign-in. The other
    # order left a key file naming a key no slot held, and every sign-in was refused.
    if unlocked is not None and not actor.emergency:
        unlocked.replace_extras({**unlocked.extras, **admin_extras(key)})
    install(store, session, actor, key, store.note_keys.recovery_public)


def policy_in_effect(
    signed: dict[str, Any], folder: dict[str, Any], shared: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """The folder values to use: the file's where they are at least as strict as what an
    administrator signed (tightening by hand, e.g. by IT, is harmless), the signed ones
    where the file loosens them; and the keys it loosened.

    shared: a store on a server, used from workstations that each have their own folder.
    The signed values are then the store's policy, and a key this workstation's file
    does not mention is not set here (not loosened to the default)."""
    defaults = asdict(Policy())
    merged: dict[str, Any] = {}
    loosened: list[str] = []
    for key in sorted(set(signed) | set(folder)):
        if key not in defaults:
            continue
        was = signed.get(key, defaults[key])
        if shared and key not in folder:
            if key in signed:
                merged[key] = was
            continue
        now = folder.get(key, defaults[key])
        # Keys with no stricter side (paper size, series length, backup folder) follow
        # the file: they loosen nothing.
        if now == was or not has_order(key) or at_least_as_strict(key, now, was):
            if key in folder:
                merged[key] = now
        else:
            loosened.append(key)
            if key in signed:
                merged[key] = was
    return merged, loosened


def signed_policy_values(store: Store, session: Session) -> dict[str, Any] | None:
    """The folder policy values an administrator last signed (None: none, or broken)."""
    return _signed_policy(store, session)


def _signed_policy(store: Store, session: Session) -> dict[str, Any] | None:
    if store.integrity.public is None:
        return None
    doc, _ = read_signed(session, POLICY_SETTING, store.integrity.public, store.keyslots.store_id)
    signed = doc.get("folder") if doc else None
    return signed if isinstance(signed, dict) else None


def _apply_signed_policy(store: Store, session: Session) -> None:
    signed = _signed_policy(store, session)
    if signed is None:
        return  # verify reports a missing or broken signature; nothing to fall back on
    layers = load_layers(store.data_dir)
    merged, loosened = policy_in_effect(signed, layers.folder, store.backend.shared)
    if store.backend.shared and not loosened:
        try:  # on a server the signed policy is the store's, on every workstation
            store.policy = PolicyLayers(
                layers.machine_path, layers.folder_path, layers.machine, merged
            ).effective
        except ValidationError:
            return
    if loosened:
        try:
            store.policy = PolicyLayers(
                layers.machine_path, layers.folder_path, layers.machine, merged
            ).effective
        except ValidationError:
            return
        store.warnings.append(
            "the data folder's policy.toml was changed outside PeerDesk and would loosen "
            f"{', '.join(loosened)}; the values an administrator last saved apply"
            + (
                " (to accept the file, save the policy under Accounts and policy or run "
                "'peerdesk policy accept')"
                if store.integrity.signer is not None
                else ""
            )
        )
    elif (
        merged != signed
        and store.integrity.signer is not None
        and store.exclusive
        and not store.backend.shared  # one workstation's file is not the store's policy
    ):
        sign_policy(store, session)  # only stricter by hand: adopted at an admin's sign-in


def create_for_new_store(
    store: Store, session: Session, key: bytes, recovery_public: bytes | None
) -> None:
    """init: the first administrator's slot already holds key; sign the first state."""
    install(store, session, SYSTEM, key, recovery_public)
    sign_accounts(store, session)
    sign_policy(store, session)


# -- verify ------------------------------------------------------------------


def verify_problems(store: Store, session: Session) -> list[str]:
    """What `verify` reports about the signed records (empty on an unprotected store
    only when no copy of the public key exists anywhere)."""
    from peerdesk.models import AuditEvent

    st = store.integrity
    in_file, in_store = _copies(store, session)
    public = st.public or in_file or in_store
    problems: list[str] = []
    if public is None:
        return problems
    for name, copy in (("key file", in_file), ("store", in_store)):
        if copy is None:
            problems.append(f"the {name}'s copy of the integrity public key is missing")
        elif copy != public:
            problems.append(f"the {name}'s copy of the integrity public key was replaced")
    store_id = store.keyslots.store_id
    doc, why = read_signed(session, ACCOUNTS_SETTING, public, store_id)
    if doc is None:
        problems.append(f"the signed account list {why}")
    else:
        signed = {r[0]: r for r in doc.get("accounts", []) if isinstance(r, list) and len(r) == 4}
        for user in session.scalars(select(User).order_by(User.username)):
            row = signed.pop(user.id, None)
            if row is None:
                problems.append(f"account {user.username} is not on the signed account list")
            elif [user.username, user.role, user.state] != row[1:]:
                problems.append(
                    f"account {row[1]} was changed outside PeerDesk: signed as {row[2]}, "
                    f"{row[3]}; the store says {user.username}, {user.role}, {user.state}"
                )
        for row in signed.values():
            problems.append(f"account {row[1]} on the signed account list was deleted")
        head = str(doc.get("audit_head", ""))
        seq_text, _, mac = head.partition(":")
        if seq_text.isdigit():
            found = session.scalar(select(AuditEvent.mac).where(AuditEvent.seq == int(seq_text)))
            if found != mac:
                problems.append(
                    f"audit event {seq_text}, certified by an administrator's signature, "
                    "was removed or rewritten"
                )
            newest = session.scalar(
                select(AuditEvent.seq)
                .where(AuditEvent.action.in_(ACCOUNT_ACTIONS))
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            )
            if newest is not None and newest > int(seq_text):
                problems.append(
                    "the signed account list is older than the newest account change in the "
                    "audit log (an older signed copy was put back)"
                )
    pdoc, pwhy = read_signed(session, POLICY_SETTING, public, store_id)
    if pdoc is None:
        problems.append(f"the signed policy {pwhy}")
    else:
        signed = pdoc.get("folder")
        _, loosened = policy_in_effect(
            signed if isinstance(signed, dict) else {},
            load_layers(store.data_dir).folder,
            store.backend.shared,
        )
        if loosened:
            problems.append(
                "the data folder's policy.toml loosens what an administrator saved: "
                + ", ".join(loosened)
            )
    return problems


# -- anchors outside the store ---------------------------------------------------

ANCHOR_LINE = re.compile(r"audit anchor: store (\S+) event (\d+) ([0-9a-f]{64})")
RESET_LINE = re.compile(r"audit anchors reset: store (\S+)")
MAX_BACKUPS_READ = 60


def it_log_anchors(data_dir: Path, store_id: str) -> dict[int, str]:
    """(seq -> mac) the IT log recorded for this store, since its last restore."""
    from peerdesk.services.it_log import LOG_FILE, log_folder

    folder = log_folder(data_dir)
    if folder is None:
        return {}
    files = sorted(folder.glob(f"{LOG_FILE}.*"), key=lambda p: p.name, reverse=True)
    found: dict[int, str] = {}
    for path in [*files, folder / LOG_FILE]:  # oldest first
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            reset = RESET_LINE.search(line)
            if reset and reset.group(1) == store_id:
                found.clear()
                continue
            m = ANCHOR_LINE.search(line)
            if m and m.group(1) == store_id:
                found[int(m.group(2))] = m.group(3)
    return found


def backup_anchors(store: Store, store_id: str) -> dict[int, str]:
    """(seq -> mac) from the manifests of the backups PeerDesk can find for this store."""
    from peerdesk.services.backup import read_manifest

    folders = [store.data_dir / "backups"]
    if store.policy.backup_dir:
        folders.append(Path(store.policy.backup_dir))
    paths: list[Path] = []
    for folder in folders:
        try:
            paths += folder.glob("*.pdbackup")
        except OSError:
            continue
    found: dict[int, str] = {}
    for path in sorted(paths, key=lambda p: p.name)[-MAX_BACKUPS_READ:]:
        try:
            manifest = read_manifest(path)
        except Exception:  # noqa: BLE001 - a damaged backup is not an anchor
            continue
        seq, _, mac = str(manifest.get("audit_head", "")).partition(":")
        if manifest.get("store_id") == store_id and seq.isdigit() and len(mac) == 64:
            found[int(seq)] = mac
    return found


def anchor_problems(store: Store, session: Session) -> list[str]:
    """Compare the chain with the heads recorded outside the store: the IT log (written
    at every close) and every backup's manifest. A chain rewritten, cut short or put back
    to an older copy no longer holds them. Events after the newest anchor are not covered."""
    from peerdesk.models import AuditEvent

    store_id = store.keyslots.store_id
    problems: list[str] = []
    newest = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    for where, anchors in (
        ("the IT log", it_log_anchors(store.data_dir, store_id)),
        ("a backup's manifest", backup_anchors(store, store_id)),
    ):
        if not anchors:
            continue
        top = max(anchors)
        if top > newest:
            problems.append(
                f"audit events up to {top}, recorded in {where}, are missing from the store "
                f"(it ends at {newest}): events were removed or an older copy was put back"
            )
        wrong = [
            seq
            for seq, mac in sorted(anchors.items())
            if seq <= newest
            and session.scalar(select(AuditEvent.mac).where(AuditEvent.seq == seq)) != mac
        ]
        if wrong:
            problems.append(
                f"audit event {wrong[0]} differs from the copy recorded in {where}"
                + (f" ({len(wrong) - 1} more)" if len(wrong) > 1 else "")
                + ": the log was rewritten"
            )
    return problems


# Account changes that must be followed by a newer signed account list.
ACCOUNT_ACTIONS = (
    "account.create",
    "account.disable",
    "account.enable",
    "account.role_change",
    "integrity.accounts_restored",
)

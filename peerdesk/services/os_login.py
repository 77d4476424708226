""" "Unlock with this computer's login": a keyslot per PeerDesk account and OS user whose
secret the OS keyring keeps, for a computer used by one person. Off unless the policy
sets allow_keyring_unlock = true (a machine policy that leaves it false cannot be
loosened by the folder's).

The slot is of kind "oslogin:<OS user>", so each OS account has its own and nobody
else's keyring opens it. It carries the same sealed notes keys as the person's password
slot, so their own notes open as after a password sign-in. It stops working when:
the policy no longer allows it (refused, not silently used), the person's password
changed or was reset after it was made (their notes keys may have changed; sign in with
the password once and accept the offer again), the account is disabled, or the person
or an admin removes it.
"""

from __future__ import annotations

import getpass
import logging
import secrets
from pathlib import Path

from peerdesk.errors import AuthenticationError, PeerDeskError, PermissionDeniedError
from peerdesk.services import secret_store
from peerdesk.services.auth import Actor
from peerdesk.services.notes import extras_for
from peerdesk.services.policy import load_policy
from peerdesk.services.store import Store, key_document, open_store

KIND_PREFIX = "oslogin:"
KEYRING_SERVICE = "PeerDesk sign-in"
DECLINED_KEY = "oslogin_declined"
log = logging.getLogger("peerdesk.it")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return ""


def _kind(user: str | None = None) -> str:
    return KIND_PREFIX + (user if user is not None else os_user())


def _account(store_id: str, username: str) -> str:
    return f"{store_id}/{os_user()}/{username}"


def _not_allowed() -> PermissionDeniedError:
    return PermissionDeniedError(
        "this computer's policy does not allow unlocking with the computer's login "
        "(allow_keyring_unlock); sign in with your password"
    )


def is_enabled(store: Store, username: str) -> bool:
    return store.keyslots.find(_kind(), username) is not None


def should_offer(store: Store, actor: Actor) -> bool:
    """After a password sign-in: allowed, possible here, not set up, not declined before."""
    if actor.emergency or actor.user_id is None or not store.exclusive:
        return False
    if not store.policy.allow_keyring_unlock or not os_user():
        return False
    if secret_store.usable_keyring() is None or is_enabled(store, actor.username):
        return False
    declined = store.keyslots.data.get(DECLINED_KEY, {})
    return not (isinstance(declined, dict) and actor.username in declined.get(os_user(), []))


def decline(store: Store, actor: Actor) -> None:
    """Do not offer again to this person under this OS account (they can still turn it on)."""
    declined = store.keyslots.data.get(DECLINED_KEY)
    if not isinstance(declined, dict):
        declined = store.keyslots.data[DECLINED_KEY] = {}
    names = declined.setdefault(os_user(), [])
    if actor.username not in names:
        names.append(actor.username)
        store.keyslots.save()


def enable(store: Store, actor: Actor) -> None:
    """Create this person's slot for this OS user; its secret goes to the OS keyring only."""
    if not store.policy.allow_keyring_unlock:
        raise _not_allowed()
    if actor.emergency or actor.user_id is None:
        raise PermissionDeniedError("emergency access cannot be tied to a computer's login")
    if not store.exclusive:
        raise PeerDeskError("the store must be open in this app")
    keys = store.note_keys
    extras = extras_for(keys.own, keys.current, keys.recovery_public)
    secret = secrets.token_urlsafe(32)
    store_id = store.keyslots.store_id
    secret_store.keyring_set(KEYRING_SERVICE, _account(store_id, actor.username), secret)
    try:
        store.keyslots.set_secret_slot(_kind(), actor.username, secret, store.key, extras)
        with store.session() as s:
            store.audit(s, actor, "oslogin.enable", "user", actor.user_id, {"os_user": os_user()})
    except BaseException:
        secret_store.keyring_delete(KEYRING_SERVICE, _account(store_id, actor.username))
        store.keyslots.remove_slot(_kind(), actor.username)
        raise
    log.info("unlock with the computer's login turned on for %s", actor.username)


def remove(store: Store, actor: Actor, username: str | None = None) -> int:
    """The person removes their own (this OS user's), or an admin removes every OS user's
    slot of an account. Returns how many slots were removed."""
    target = (username or actor.username).strip().lower()
    if target != actor.username:
        actor.require("accounts.write", "remove another person's computer-login unlock")
    before = list(store.keyslots.slots)
    if target == actor.username and username is None:
        kinds = {_kind()}
    else:
        kinds = {s["kind"] for s in before if str(s["kind"]).startswith(KIND_PREFIX)}
    removed = 0
    for kind in kinds:
        if store.keyslots.remove_slot(kind, target):
            removed += 1
    secret_store.keyring_delete(KEYRING_SERVICE, _account(store.keyslots.store_id, target))
    if removed:
        with store.session() as s:
            store.audit(s, actor, "oslogin.remove", "user", target, {"slots": removed})
        log.info("unlock with the computer's login removed for %s", target)
    return removed


def offered_username(data_dir: Path) -> str | None:
    """The PeerDesk account this OS user can unlock without a password, if any (read from
    the key file without unlocking; the policy is checked too)."""
    try:
        if not load_policy(data_dir).allow_keyring_unlock:
            return None
        slots = key_document(data_dir)
    except PeerDeskError:
        return None
    for slot in slots.slots:
        if slot["kind"] == _kind() and slot.get("username"):
            if secret_store.keyring_get(
                KEYRING_SERVICE, _account(slots.store_id, slot["username"])
            ):
                return str(slot["username"])
    return None


def sign_in(data_dir: Path, username: str) -> tuple[Store, Actor]:
    """Unlock with this OS user's keyring secret; refused where the policy forbids it."""
    if not load_policy(data_dir).allow_keyring_unlock:
        raise _not_allowed()
    slots = key_document(data_dir)
    slot = slots.find(_kind(), username)
    password_slot = slots.find("password", username)
    if slot is None or password_slot is None:
        raise AuthenticationError("no computer-login unlock for this account here")
    if int(password_slot.get("created_at", 0)) > int(slot.get("created_at", 0)):
        # The password changed since: the notes keys may have too. Drop the stale slot.
        slots.remove_slot(_kind(), username)
        raise AuthenticationError(
            "your password changed since the computer's login was set up; sign in with "
            "your password, then turn it on again"
        )
    secret = secret_store.keyring_get(KEYRING_SERVICE, _account(slots.store_id, username))
    if not secret:
        raise AuthenticationError("this computer's keyring no longer holds the unlock secret")
    return open_store(data_dir, username, secret, slot_kind=_kind())

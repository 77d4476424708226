"""User accounts: add, list, disable, enable, unlock, reset and change passwords."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerdesk.errors import (
    AuthenticationError,
    NotFoundError,
    PeerDeskError,
    PermissionDeniedError,
    ValidationError,
)
from peerdesk.models import NoteKey, Site, SupporterProfile, User
from peerdesk.services import integrity, record_versions
from peerdesk.services.auth import COORDINATOR, ROLES, SUPPORTER, Actor
from peerdesk.services.keyslots import RECOVERY_ALPHABET, Throttle, canonical_recovery_key
from peerdesk.services.notes import (
    extras_for,
    keys_from,
    keys_held_in_escrow,
    new_account_extras,
    recovery_extras,
    unescrowed_key_ids,
)
from peerdesk.services.notes_crypto import new_notes_key
from peerdesk.services.passwords import check_new_password, normalise, valid_username
from peerdesk.services.sites import find_site, site_names
from peerdesk.services.store import Store, note_failed_login, note_password_change
from peerdesk.services.text_rules import check_one_line


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    display_name: str
    role: str
    state: str
    last_login_at: datetime | None
    locked_out: bool
    first_password: bool = False  # still on the password an administrator set
    version: int = 1  # the record's version when read (services/record_versions.py)
    site: str = ""  # the site's name


def actor_for(session: Session, user: User) -> Actor:
    supporter_id = session.scalar(
        select(SupporterProfile.id).where(SupporterProfile.user_id == user.id)
    )
    return Actor(
        user.id, user.username, user.display_name, user.role, supporter_id, site_id=user.site_id
    )


def generate_password() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET.lower()) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _info(store: Store, user: User, sites: dict[str, str] | None = None) -> UserInfo:
    slot = store.keyslots.find("password", user.username)
    locked = bool(slot and Throttle.from_dict(slot.get("throttle")).locked)
    return UserInfo(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.state,
        user.last_login_at,
        locked,
        first_password=bool(slot and slot.get("must_change") is True),
        version=user.version,
        site=(sites or {}).get(user.site_id or "", ""),
    )


ENABLE_HINT = "enable it with Enable… under Accounts and policy, or 'peerdesk user enable {name}'"


def add_user(
    store: Store,
    actor: Actor,
    username: str,
    role: str,
    password: str,
    display_name: str = "",
    must_change: bool = False,
    site: str | None = None,
) -> UserInfo:
    """A new account. must_change: the password was chosen by the administrator, so its
    owner replaces it at first sign-in (the app and the CLI pass True). site: the site's
    name; needed for supporters and coordinators once the store has more than one site."""
    actor.require("accounts.write", "add accounts")
    name = valid_username(username)
    if role not in ROLES:
        raise ValidationError(f"role must be one of: {', '.join(ROLES)}")
    pw = check_new_password(password, store.policy.min_password_length, name)
    display_name = check_one_line(display_name, "the display name")
    integrity.require_signer(store, "add accounts")
    slots_before = list(store.keyslots.slots)
    try:
        user = _add_user_and_slot(store, actor, name, role, pw, display_name, must_change, site)
    except BaseException:
        # All or nothing: a slot saved before a failed commit is taken out again, and one
        # that could not be saved (a full disk) must not linger in memory to be saved later.
        if store.keyslots.slots != slots_before:
            store.keyslots.data["slots"] = slots_before
            with contextlib.suppress(PeerDeskError, OSError):
                store.keyslots.save()
        raise
    with store.session() as s:
        return _info(store, s.get(User, user.id) or user, site_names(s))


def _add_user_and_slot(
    store: Store,
    actor: Actor,
    name: str,
    role: str,
    pw: str,
    display_name: str,
    must_change: bool,
    site: str | None,
) -> User:
    with store.session() as s:
        state = s.scalar(select(User.state).where(User.username == name))
        if state == "disabled":
            # A name stays with its records (audit log, sessions); the person comes back
            # by re-enabling the account, never by a second account under the same name.
            raise ValidationError(
                f"{name} exists and is disabled; " + ENABLE_HINT.format(name=name)
            )
        if state is not None:
            raise ValidationError(f"an account named '{name}' already exists")
        site_id = _site_for_new_account(s, role, site)
        user = User(
            username=name,
            display_name=display_name.strip() or name,
            role=role,
            site_id=site_id,
            created_by=actor.user_id,
        )
        s.add(user)
        s.flush()
        if role == SUPPORTER:
            s.add(
                SupporterProfile(
                    user_id=user.id,
                    site_id=site_id,
                    display_name=user.display_name,
                    created_by=actor.user_id,
                )
            )
        store.audit(s, actor, "account.create", "user", user.id, {"role": role, "site": site_id})
        integrity.sign_accounts(store, s)
        # The slot carries the recovery public key this admin's own slot vouches for, and a
        # supporter's first notes key, made now while the password is at hand.
        keys = store.note_keys
        extras = new_account_extras(
            s, keys.store_id, keys.recovery_public, user.id, role == SUPPORTER
        )
        extras.update(integrity.extras_for_role(store, role))
        s.flush()
        # Saved inside the transaction: if the key file cannot be written the account is
        # rolled back with it; if the commit fails, add_user takes the slot out again.
        store.keyslots.set_secret_slot("password", name, pw, store.key, extras, must_change)
    return user


def _site_for_new_account(s: Session, role: str, site: str | None) -> str | None:
    """The named site, or on a store with one site that site. With several sites, the
    people who work with casework must be given theirs (no silent default)."""
    if site is not None and site.strip():
        return find_site(s, site).id
    ids = list(s.scalars(select(Site.id).order_by(Site.created_at, Site.id).limit(2)))
    if len(ids) > 1 and role in SITE_ROLES:
        raise ValidationError(
            "this store has several sites; say which site the account belongs to (--site NAME)"
        )
    return ids[0] if ids else None


# Roles whose work is limited to their own site (services/scope.py).
SITE_ROLES = (SUPPORTER, COORDINATOR)


def list_users(store: Store, actor: Actor) -> list[UserInfo]:
    actor.require("accounts.read", "list accounts")
    with store.session() as s:
        users = s.scalars(select(User).order_by(User.username)).all()
        names = site_names(s)
        return [_info(store, u, names) for u in users]


def set_user_site(store: Store, actor: Actor, username: str, site: str) -> None:
    """Move an account to another site (signed and audited like every account change).

    A supporter's profile moves with them; the episodes they hold stay with their
    participants' site, for that site's coordinator to reassign."""
    actor.require("accounts.write", "move accounts to another site")
    integrity.require_signer(store, "move accounts to another site")
    with store.session() as s:
        user = _get_user(s, username)
        target = find_site(s, site)
        if user.site_id == target.id:
            raise ValidationError(f"{user.username} already belongs to {target.name}")
        was = site_names(s).get(user.site_id or "", "")
        user.site_id = target.id
        user.updated_by = actor.user_id
        profile = s.scalar(select(SupporterProfile).where(SupporterProfile.user_id == user.id))
        if profile is not None:
            profile.site_id = target.id
            profile.updated_by = actor.user_id
        store.audit(
            s,
            actor,
            "account.site_change",
            "user",
            user.id,
            {"site": target.name, "was": was},
        )
        integrity.sign_accounts(store, s)


def _get_user(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFoundError(f"no account named '{username}'")
    return user


def disable_user(store: Store, actor: Actor, username: str, version: int | None = None) -> None:
    """Disable an account and delete its keyslot, so the password no longer opens the store.
    version: the account's version when the list showed it (UserInfo.version)."""
    actor.require("accounts.write", "disable accounts")
    integrity.require_signer(store, "disable accounts")
    with store.session() as s:
        user = _get_user(s, username)
        record_versions.check(s, user, version)
        if user.id == actor.user_id:
            raise ValidationError("you cannot disable your own account")
        _refuse_losing_notes(store, s, actor, user, "disable")
        user.state = "disabled"
        user.updated_by = actor.user_id
        store.audit(s, actor, "account.disable", "user", user.id)
        integrity.sign_accounts(store, s)
        name = user.username
    store.keyslots.remove_slot("password", name)


def _refuse_losing_notes(store: Store, s: Session, actor: Actor, user: User, what: str) -> None:
    """Dropping a slot loses its notes keys; only escrowed ones can come back."""
    if actor.emergency:
        return
    if unescrowed_key_ids(s, user.id):
        raise PermissionDeniedError(
            f"{user.username}'s notes are sealed with a key that has no emergency copy yet; "
            f"they must sign in once first, or {what} the account using the recovery key"
        )


def reset_password(
    store: Store, actor: Actor, username: str, new_password: str, must_change: bool = False
) -> None:
    """Admin reset: a fresh keyslot with the new password; clears a lock-out.

    An administrator cannot open the person's notes keys, so after an ordinary reset the
    notes they wrote before open only through emergency access; a reset made with the
    recovery key carries their notes keys over into the new slot. A disabled account is
    refused: enable_user brings it back (and says so in the audit log).
    """
    actor.require("accounts.write", "reset passwords")
    _new_slot(store, actor, username, new_password, must_change, "account.reset_password")


def enable_user(
    store: Store, actor: Actor, username: str, new_password: str, must_change: bool = False
) -> None:
    """Re-enable a disabled account. Disabling deleted its keyslot, so it comes back with
    a new password (like a reset): the person's earlier notes open again only through
    emergency access unless this is done with the recovery key."""
    actor.require("accounts.write", "enable accounts")
    _new_slot(store, actor, username, new_password, must_change, "account.enable")


def _new_slot(
    store: Store, actor: Actor, username: str, new_password: str, must_change: bool, action: str
) -> None:
    integrity.require_signer(store, "enable accounts or reset passwords")
    with store.session() as s:
        user = _get_user(s, username)
        enabling = action == "account.enable"
        if enabling and user.state != "disabled":
            raise ValidationError(f"{user.username} is not disabled")
        if not enabling and user.state == "disabled":
            raise ValidationError(
                f"{user.username} is disabled; " + ENABLE_HINT.format(name=user.username)
            )
        pw = check_new_password(new_password, store.policy.min_password_length, user.username)
        _refuse_losing_notes(store, s, actor, user, "reset")
        record_versions.check(s, user, None)  # an account edit: moves its version
        user.state = "active"
        user.updated_by = actor.user_id
        keys = store.note_keys
        held: dict[str, bytes] = {}
        newest = None
        if keys.recovery_private is not None:
            held = keys_held_in_escrow(s, keys.store_id, user.id, keys.recovery_private)
            newest = s.scalar(
                select(NoteKey.key_id)
                .where(NoteKey.user_id == user.id, NoteKey.key_id.in_(held))
                .order_by(NoteKey.created_at.desc())
                .limit(1)
            )
        extras = extras_for(held, newest, keys.recovery_public)
        extras.update(integrity.extras_for_role(store, user.role))
        store.audit(
            s,
            actor,
            "account.enable" if enabling else "account.reset_password",
            "user",
            user.id,
            {"notes_keys_kept": bool(held)},
        )
        integrity.sign_accounts(store, s)
        name = user.username
    store.keyslots.set_secret_slot("password", name, pw, store.key, extras, must_change)


def unlock_user(store: Store, actor: Actor, username: str) -> None:
    """Lift a lock-out after too many failed sign-ins; the password stays as it was."""
    actor.require("accounts.write", "unlock accounts")
    with store.session() as s:
        user = _get_user(s, username)
        slot = store.keyslots.find("password", user.username)
        if slot is None or not Throttle.from_dict(slot.get("throttle")).locked:
            raise ValidationError(f"{user.username} is not locked out")
        failed = Throttle.from_dict(slot.get("throttle")).failed
        store.audit(s, actor, "account.unlock", "user", user.id, {"failed_attempts": failed})
        name = user.username
    # After the commit: an unlock the audit log does not show never happens.
    store.keyslots.unlock_account("password", name)


def change_own_password(store: Store, actor: Actor, old_password: str, new_password: str) -> None:
    """Re-wrap the caller's own slot only; the database file is not touched.

    The audit event waits in the key file and joins the audit log at the next unlock.
    """
    if actor.user_id is None:
        raise ValidationError("emergency access has no own password to change")
    try:
        unlocked = store.keyslots.open_slot(
            "password", actor.username, old_password, store.policy.max_failed_attempts
        )
    except AuthenticationError as exc:
        note_failed_login(
            store.keyslots,
            actor.username,
            type(exc).__name__,
            bool(getattr(exc, "just_locked", False)),
        )
        raise
    pw = check_new_password(new_password, store.policy.min_password_length, actor.username)
    if normalise(pw) == normalise(old_password):
        raise ValidationError("choose a password different from the current one")
    _rewrap_own(store, actor, dict(unlocked.extras), pw)


def choose_first_password(store: Store, actor: Actor, new_password: str) -> None:
    """Replace a password an administrator set, right after signing in with it.

    The person has just proved it, so it is not asked again; the new one must differ.
    """
    unlocked = store.first_password
    if actor.user_id is None or unlocked is None:
        raise ValidationError("there is no first password to replace")
    pw = check_new_password(new_password, store.policy.min_password_length, actor.username)
    if store.keyslots.matches("password", actor.username, pw):
        raise ValidationError("choose a password different from the one you were given")
    _rewrap_own(store, actor, dict(unlocked.extras), pw)
    store.first_password = None


def _rewrap_own(store: Store, actor: Actor, extras: dict[str, Any], pw: str) -> None:
    keys, current = keys_from(extras)
    public = store.note_keys.recovery_public
    if actor.supporter_id is not None and public is not None:
        # Notes written from now on use a key that only the new password opens (whoever
        # knew the old one, such as the admin who set it, cannot follow). The new key is
        # escrowed at the next sign-in; the database is not touched now.
        kid, key = new_notes_key()
        keys[kid] = key
        current = kid
        extras.update(extras_for(keys, current, public))
        store.note_keys = replace(store.note_keys, own=keys, current=current)
    # The key this slot trusts (and an administrator's integrity key) go with it.
    extras.update(integrity.extras_for_role(store, actor.role))
    store.keyslots.set_secret_slot("password", actor.username, pw, store.key, extras)
    note_password_change(store, actor.username)


def replace_recovery_key(store: Store, actor: Actor, new_key: str) -> None:
    """Only under emergency access: the new slot must carry the recovery private key,
    which opens every supporter's escrowed notes key."""
    actor.require("accounts.write", "replace the recovery key")
    private = store.note_keys.recovery_private
    if not actor.emergency or private is None:
        raise PermissionDeniedError("sign in with the current recovery key to replace it")
    key = canonical_recovery_key(new_key)
    chars = key.replace("-", "")
    if len(chars) != 30 or not set(chars) <= set(RECOVERY_ALPHABET):
        raise ValidationError("a recovery key is 30 letters and digits, as PeerDesk makes them")
    store.keyslots.set_secret_slot("recovery", "", key, store.key, recovery_extras(private))
    with store.session() as s:
        store.audit(s, actor, "recovery_key.replace", "store", store.keyslots.store_id)

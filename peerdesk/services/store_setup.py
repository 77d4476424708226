"""What every new store starts with, on either engine: the first admin's slot and the
recovery slot (with the keys they carry), then the site, the admin account, the store's
settings and their audit events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peerdesk.models import Setting, Site, User, utcnow
from peerdesk.services import integrity
from peerdesk.services.auth import ADMIN, SYSTEM
from peerdesk.services.keyslots import KeyslotFile
from peerdesk.services.notes import extras_for, recovery_extras, set_recovery_public
from peerdesk.services.notes_crypto import new_recovery_keypair

if TYPE_CHECKING:
    from peerdesk.services.store import Store


@dataclass(frozen=True)
class FirstKeys:
    integrity_key: bytes
    recovery_public: bytes


def first_keys(
    slots: KeyslotFile, admin_username: str, password: str, key: bytes, recovery: str, demo: bool
) -> FirstKeys:
    if demo:
        # Readable without unlocking, so `demo --force` can tell a demo store from a real one.
        slots.data["demo"] = True
        slots.save()
    # The recovery slot also holds the private key that opens escrowed notes keys; the
    # admin's slot vouches for the public half (the database copy is not trusted).
    recovery_private, recovery_public = new_recovery_keypair()
    integrity_key = integrity.new_key()  # signs the account list and policy (admins only)
    slots.set_secret_slot(
        "password",
        admin_username,
        password,
        key,
        {**extras_for({}, None, recovery_public), **integrity.admin_extras(integrity_key)},
    )
    slots.set_secret_slot("recovery", "", recovery, key, recovery_extras(recovery_private))
    return FirstKeys(integrity_key, recovery_public)


def first_records(
    store: Store,
    first: FirstKeys,
    admin_username: str,
    admin_display_name: str,
    site_name: str,
    demo: bool,
    id_factory: Callable[[], str],
) -> None:
    store_id = store.keyslots.store_id
    with store.session() as s:
        site = Site(id=id_factory(), name=site_name)
        s.add(site)
        s.flush()
        admin = User(
            id=id_factory(),
            username=admin_username,
            display_name=admin_display_name or admin_username,
            role=ADMIN,
            site_id=site.id,
        )
        s.add(admin)
        s.add(Setting(key="store_id", value=store_id))
        s.add(Setting(key="created_at", value=utcnow().isoformat()))
        s.add(Setting(key="demo", value="true" if demo else "false"))
        s.flush()
        store.audit(s, SYSTEM, "store.create", "site", site.id, {"demo": demo})
        store.audit(s, SYSTEM, "account.create", "user", admin.id, {"role": ADMIN})
        set_recovery_public(s, first.recovery_public)
        store.audit(s, SYSTEM, "recovery_key.create", "store", store_id)
        integrity.create_for_new_store(store, s, first.integrity_key, first.recovery_public)

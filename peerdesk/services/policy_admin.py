"""Changing the data folder's policy.toml from the app (admins), audited.

Only the folder's file is written, and only with the keys it already set plus the ones
the admin changed. A change that would loosen what the machine policy sets is refused,
naming the machine policy file.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from peerdesk.errors import PermissionDeniedError, ValidationError
from peerdesk.services import integrity
from peerdesk.services.auth import Actor
from peerdesk.services.files import atomic_write_bytes
from peerdesk.services.policy import (
    MACHINE_ONLY,
    POLICY_FILE,
    Policy,
    PolicyRow,
    _show,
    at_least_as_strict,
    dump_values,
    has_order,
    load_layers,
)
from peerdesk.services.store import Store


def policy_fields() -> list[str]:
    return [f.name for f in fields(Policy)]


def policy_rows(store: Store, actor: Actor) -> list[PolicyRow]:
    """The policy in force and where each value came from (admins)."""
    actor.require("policy.write", "see the policy")
    return load_layers(store.data_dir).rows()


def accept_policy_file(store: Store, actor: Actor) -> Policy:
    """Sign the data folder's policy.toml as it is now (after IT edited it by hand), so
    values that loosen the last signed policy apply too; audited with what changed."""
    actor.require("policy.write", "accept the policy file")
    integrity.require_signer(store, "accept the policy file")
    layers = load_layers(store.data_dir)
    with store.session() as s:
        signed = integrity.signed_policy_values(store, s)
        before = signed if signed is not None else {}
        changed = sorted(
            k for k in set(before) | set(layers.folder) if before.get(k) != layers.folder.get(k)
        )
        store.audit(s, actor, "policy.update", "policy", POLICY_FILE, {"fields": changed})
        integrity.sign_policy(store, s)
    store.policy = layers.effective
    return store.policy


def save_policy(store: Store, actor: Actor, changes: dict[str, Any]) -> Policy:
    """Validate (Policy's own checks), write atomically, apply to the open store, audit."""
    actor.require("policy.write", "change the policy")
    integrity.require_signer(store, "change the policy")
    layers = load_layers(store.data_dir)
    current = layers.effective
    changed = {k: v for k, v in changes.items() if getattr(current, k, object()) != v}
    for key, value in changed.items():
        if key not in asdict(current):
            raise ValidationError(f"policy: unknown setting '{key}'")
        if key in MACHINE_ONLY:
            raise PermissionDeniedError(
                f"'{key}' is set only in the machine policy ({layers.machine_path})"
            )
        if key in layers.machine and not at_least_as_strict(key, value, layers.machine[key]):
            rule = "may only make it stricter" if has_order(key) else "cannot change it"
            raise ValidationError(
                f"the machine policy ({layers.machine_path}) sets {key} = "
                f"{_show(layers.machine[key])}; this data folder {rule}"
            )
    Policy(**{**asdict(current), **changed})  # each value's own checks
    folder = {**layers.folder, **changed}
    atomic_write_bytes(store.data_dir / POLICY_FILE, dump_values(folder).encode("utf-8"))
    new = load_layers(store.data_dir).effective
    store.policy = new
    with store.session() as s:
        store.audit(s, actor, "policy.update", "policy", POLICY_FILE, {"fields": sorted(changed)})
        integrity.sign_policy(store, s)
    return new

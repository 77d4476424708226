"""Changing the data folder's policy.toml from the app (admins), audited."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from peerdesk.services.auth import Actor
from peerdesk.services.files import atomic_write_bytes
from peerdesk.services.policy import POLICY_FILE, Policy, dump_policy
from peerdesk.services.store import Store


def policy_fields() -> list[str]:
    return [f.name for f in fields(Policy)]


def save_policy(store: Store, actor: Actor, changes: dict[str, Any]) -> Policy:
    """Validate (Policy's own checks), write atomically, apply to the open store, audit."""
    actor.require("policy.write", "change the policy")
    new = Policy(**{**asdict(store.policy), **changes})
    changed = sorted(k for k, v in asdict(new).items() if getattr(store.policy, k) != v)
    atomic_write_bytes(store.data_dir / POLICY_FILE, dump_policy(new).encode("utf-8"))
    store.policy = new
    with store.session() as s:
        store.audit(s, actor, "policy.update", "policy", POLICY_FILE, {"fields": changed})
    return new

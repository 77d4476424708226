"""The resource directory: EAP, crisis lines, mental health services, chaplaincy, community."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from peerdesk.errors import NotFoundError, ValidationError
from peerdesk.models import Resource
from peerdesk.services import record_versions
from peerdesk.services.auth import Actor
from peerdesk.services.store import Store
from peerdesk.services.text_rules import check_length

KINDS = ("eap", "crisis_line", "mental_health", "chaplaincy", "community")


@dataclass(frozen=True)
class ResourceInfo:
    id: str
    name: str
    kind: str
    phone: str
    email: str
    address: str
    hours: str
    notes: str
    active: bool
    version: int = 1  # the record's version when read (services/record_versions.py)


@dataclass(frozen=True)
class ResourceInput:
    name: str
    kind: str
    phone: str = ""
    email: str = ""
    address: str = ""
    hours: str = ""
    notes: str = ""
    active: bool = True


def validate_resource(data: ResourceInput) -> None:
    if not data.name.strip():
        raise ValidationError("a resource needs a name")
    if data.kind not in KINDS:
        raise ValidationError(f"kind must be one of: {', '.join(KINDS)}")
    if data.email and "@" not in data.email:
        raise ValidationError("the email address needs an '@'")
    for field, value, limit in (
        ("the name", data.name, 200),
        ("the phone number", data.phone, 50),
        ("the email address", data.email, 200),
        ("the address", data.address, 300),
        ("the hours", data.hours, 200),
    ):
        check_length(value, field, limit)


def to_info(r: Resource) -> ResourceInfo:
    return ResourceInfo(
        r.id, r.name, r.kind, r.phone, r.email, r.address, r.hours, r.notes, r.active, r.version
    )


def add_resource(store: Store, actor: Actor, data: ResourceInput) -> ResourceInfo:
    actor.require("resources.write", "edit the resource directory")
    validate_resource(data)
    with store.session() as s:
        if s.scalar(select(Resource.id).where(Resource.name == data.name.strip())):
            raise ValidationError(f"a resource named '{data.name.strip()}' already exists")
        r = Resource(
            **{**data.__dict__, "name": data.name.strip()},
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(r)
        s.flush()
        store.audit(s, actor, "resource.create", "resource", r.id)
        return to_info(r)


def update_resource(
    store: Store,
    actor: Actor,
    resource_id: str,
    data: ResourceInput,
    version: int | None = None,
) -> None:
    """version: the version the form loaded (ResourceInfo.version)."""
    actor.require("resources.write", "edit the resource directory")
    validate_resource(data)
    with store.session() as s:
        r = s.get(Resource, resource_id)
        if r is None:
            raise NotFoundError("no such resource")
        record_versions.check(s, r, version)
        for k, v in data.__dict__.items():
            setattr(r, k, v)
        r.updated_by = actor.user_id
        store.audit(s, actor, "resource.update", "resource", r.id)


def list_resources(
    store: Store, actor: Actor, search: str = "", include_inactive: bool = False
) -> list[ResourceInfo]:
    actor.require("resources.read", "see the resource directory")
    stmt = select(Resource)
    if not include_inactive:
        stmt = stmt.where(Resource.active)
    with store.session() as s:
        items = [to_info(r) for r in s.scalars(stmt.order_by(Resource.name))]
    term = search.strip().casefold()
    if not term:
        return items
    # Matched here, not in SQL: notes and hours may be sealed (models/sealing.py), and the
    # directory is small.
    return [
        r for r in items if any(term in f.casefold() for f in (r.name, r.kind, r.notes, r.hours))
    ]


# Where a referral points first when nobody has chosen yet. A safety flag calls for crisis
# care; a routine referral (the end of a series) for the employee assistance program or
# professional help, never the crisis line by accident of alphabetical order.
ROUTINE_ORDER = ("eap", "mental_health", "community", "chaplaincy")
URGENT_ORDER = ("crisis_line", "mental_health")


def suggested_resource(items: list[ResourceInfo], urgent: bool) -> ResourceInfo | None:
    """The resource a new referral starts on: by kind in the order above, active only."""
    active = [r for r in items if r.active]
    for kind in URGENT_ORDER if urgent else ROUTINE_ORDER:
        for r in active:
            if r.kind == kind:
                return r
    routine = [r for r in active if urgent or r.kind != "crisis_line"]
    return routine[0] if routine else (active[0] if active else None)

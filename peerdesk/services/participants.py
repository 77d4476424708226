"""Participants: pseudonymous codes always; names and contact only where recorded and allowed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerdesk.errors import NotFoundError, ValidationError
from peerdesk.models import Participant, new_id
from peerdesk.models.sealing import id_list, open_value, sealer_of
from peerdesk.services.auth import Actor
from peerdesk.services.record_ids import insert_once
from peerdesk.services.scope import home_site, participant_filter
from peerdesk.services.store import Store
from peerdesk.services.text_rules import check_length

KINDS = ("staff", "patient", "caregiver")
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
# Codes are typed, printed and read aloud: plain ASCII only (no emoji, no look-alike letters
# from other scripts that would make two codes look the same).
CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9-]{1,23}", re.ASCII)


@dataclass(frozen=True)
class ParticipantInfo:
    id: str
    code: str
    kind: str
    role: str
    department: str
    language: str
    name: str | None
    contact: str | None
    consent_given: bool
    consent_on: date | None
    version: int = 1  # the record's version when read (services/record_versions.py)


def new_code() -> str:
    return "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def to_info(p: Participant) -> ParticipantInfo:
    return ParticipantInfo(
        p.id,
        p.code,
        p.kind,
        p.role,
        p.department,
        p.language,
        p.name,
        p.contact,
        p.consent_given,
        p.consent_on,
        p.version,
    )


def create_participant(
    store: Store,
    actor: Actor,
    kind: str,
    role: str = "",
    department: str = "",
    language: str = "",
    name: str | None = None,
    contact: str | None = None,
    consent_given: bool = False,
    consent_on: date | None = None,
    code: str | None = None,
    record_id: str | None = None,
) -> ParticipantInfo:
    """A new participant. With record_id (made by the form, services/record_ids.py), a
    second call with the same id returns the participant the first call added."""
    actor.require_any(("casework.own", "casework.program"), "add participants")
    if kind not in KINDS:
        raise ValidationError(f"participant type must be one of: {', '.join(KINDS)}")
    check_length(name, "the name", 200)
    check_length(contact, "the contact details", 200)
    if consent_given and consent_on is None:
        consent_on = date.today()

    def earlier(pid: str) -> ParticipantInfo | None:
        with store.session() as s:
            p = s.get(Participant, pid)
            if p is None:
                return None
            if p.created_by != actor.user_id:
                raise ValidationError("this participant was added by someone else")
            return to_info(p)

    def insert() -> ParticipantInfo:
        return _insert_participant(
            store, actor, kind, role, department, language, name, contact,
            consent_given, consent_on, code, record_id,
        )  # fmt: skip

    return insert_once(record_id, earlier, insert)


def _insert_participant(
    store: Store,
    actor: Actor,
    kind: str,
    role: str,
    department: str,
    language: str,
    name: str | None,
    contact: str | None,
    consent_given: bool,
    consent_on: date | None,
    code: str | None,
    record_id: str | None,
) -> ParticipantInfo:
    with store.session() as s:
        chosen = (code or "").strip().upper() or new_code()
        if not CODE_PATTERN.fullmatch(chosen):
            raise ValidationError(
                "a participant code is 2 to 24 characters: letters A-Z, digits 0-9 and "
                "hyphens, starting with a letter or digit (e.g. P-7HK3QA)"
            )
        while s.scalar(select(Participant.id).where(Participant.code == chosen)):
            if code:
                raise ValidationError(f"the code {chosen} is already in use")
            chosen = new_code()
        p = Participant(
            id=record_id or new_id(),
            code=chosen,
            kind=kind,
            role=role.strip(),
            department=department.strip(),
            language=language.strip(),
            name=(name or "").strip() or None,
            contact=(contact or "").strip() or None,
            consent_given=consent_given,
            consent_on=consent_on,
            site_id=home_site(s, actor),
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(p)
        s.flush()
        store.audit(s, actor, "participant.create", "participant", p.id, {"kind": kind})
        return to_info(p)


SORTABLE = {
    "code": Participant.code,
    "kind": Participant.kind,
    "role": Participant.role,
    "department": Participant.department,
    "language": Participant.language,
    "created_at": Participant.created_at,
}


def list_participants(
    store: Store,
    actor: Actor,
    search: str = "",
    offset: int = 0,
    limit: int = 200,
    order_by: str = "code",
    descending: bool = False,
) -> list[ParticipantInfo]:
    stmt = select(Participant).where(participant_filter(actor))
    col = SORTABLE.get(order_by, Participant.code)
    stmt = (
        stmt.order_by(col.desc() if descending else col.asc(), Participant.code)
        .offset(offset)
        .limit(limit)
    )
    with store.session() as s:
        if search.strip():
            by_code = Participant.code.icontains(search.strip(), autoescape=True)
            by_name = ids_by_name(s, actor, search)
            stmt = stmt.where(
                by_code | Participant.id.in_(id_list(by_name)) if by_name else by_code
            )
        return [to_info(p) for p in s.scalars(stmt)]


def ids_by_name(s: Session, actor: Actor, search: str) -> list[str]:
    """Ids of the participants in the actor's scope whose name contains the term (any
    case).

    Names may be sealed (models/sealing.py), so SQL cannot compare them: the names in
    scope are read and matched here, sealed or not, so a search finds the same people
    either way. Codes are never sealed and are matched in SQL.
    """
    term = search.strip().casefold()
    sealer = sealer_of(s)
    rows = s.execute(
        select(Participant.id, Participant.name).where(
            participant_filter(actor), Participant.name.is_not(None), Participant.name != ""
        )
    )
    return [
        pid
        for pid, name in rows
        if term in open_value(sealer, "participants", "name", pid, name).casefold()
    ]


def get_participant(store: Store, actor: Actor, participant_id: str) -> ParticipantInfo:
    with store.session() as s:
        p = s.scalar(
            select(Participant).where(Participant.id == participant_id, participant_filter(actor))
        )
        if p is None:
            raise NotFoundError("no such participant, or it is not yours to see")
        return to_info(p)

"""Participants: pseudonymous codes always; names and contact only where recorded and allowed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from peerdesk.errors import NotFoundError, ValidationError
from peerdesk.models import Participant
from peerdesk.services.auth import Actor
from peerdesk.services.scope import home_site, participant_filter
from peerdesk.services.store import Store

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
) -> ParticipantInfo:
    actor.require_any(("casework.own", "casework.program"), "add participants")
    if kind not in KINDS:
        raise ValidationError(f"participant type must be one of: {', '.join(KINDS)}")
    if consent_given and consent_on is None:
        consent_on = date.today()
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
    if search.strip():
        like = f"%{search.strip()}%"
        stmt = stmt.where(or_(Participant.code.ilike(like), Participant.name.ilike(like)))
    col = SORTABLE.get(order_by, Participant.code)
    stmt = (
        stmt.order_by(col.desc() if descending else col.asc(), Participant.code)
        .offset(offset)
        .limit(limit)
    )
    with store.session() as s:
        return [to_info(p) for p in s.scalars(stmt)]


def get_participant(store: Store, actor: Actor, participant_id: str) -> ParticipantInfo:
    with store.session() as s:
        p = s.scalar(
            select(Participant).where(Participant.id == participant_id, participant_filter(actor))
        )
        if p is None:
            raise NotFoundError("no such participant, or it is not yours to see")
        return to_info(p)

"""Matching a participant with a supporter: ranked suggestions with their reasons.

Fit is scored from what programs look for: the same or a similar discipline (for staff),
language, lived experience the participant asked for, specialty that fits the concern,
experience, and capacity left; by policy a supporter from another department is preferred
or required. Supporters on leave, at capacity or with lapsed required training are never
suggested; `excluded` says why each one is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select

from peerdesk.errors import NotFoundError, PermissionDeniedError
from peerdesk.models import Episode, Participant, SupporterProfile
from peerdesk.services.auth import Actor
from peerdesk.services.scope import one_site, participant_filter
from peerdesk.services.store import Store
from peerdesk.services.training import LAPSED, MISSING, compute_overview

# Disciplines close enough that a colleague would feel understood.
SIMILAR = [
    {"nursing", "midwifery", "respiratory therapy", "allied health"},
    {"medicine", "physician", "resident", "surgery"},
    {"social work", "chaplaincy", "psychology", "peer specialist"},
    {"pharmacy", "laboratory", "allied health"},
    {"administration", "support staff", "front desk"},
]
ROLE_TO_DISCIPLINE = {"nurse": "nursing", "physician": "medicine", "resident": "medicine"}
BAND_ORDER = {"0-2": 0, "3-5": 1, "6-10": 2, "10+": 3}
WEIGHTS = {
    "discipline": 30,
    "similar": 15,
    "language": 25,
    "lived": 20,
    "specialty": 10,
    "experience": 5,
    "department": 15,
    "capacity": 10,
}


@dataclass(frozen=True)
class MatchRequest:
    participant_id: str
    concern: str = ""
    language: str | None = None  # defaults to the participant's language
    lived_experience: tuple[str, ...] = ()  # areas the participant asked for


@dataclass(frozen=True)
class Suggestion:
    supporter_id: str
    supporter_name: str
    score: int
    reasons: tuple[str, ...]
    capacity_left: int


@dataclass(frozen=True)
class Exclusion:
    supporter_id: str
    supporter_name: str
    reason: str


@dataclass
class MatchResult:
    suggestions: list[Suggestion] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)


def _split(text: str) -> set[str]:
    return {t.strip().lower() for t in text.split(",") if t.strip()}


def _discipline_of(participant: Participant) -> str:
    role = participant.role.strip().lower()
    return ROLE_TO_DISCIPLINE.get(role, role)


def _similar(a: str, b: str) -> bool:
    return any(a in group and b in group for group in SIMILAR)


def suggest_supporters(
    store: Store, actor: Actor, request: MatchRequest, today: date | None = None
) -> MatchResult:
    """Rank supporters for a participant (coordinators, or supporters where policy allows)."""
    if not actor.can("supporters.read"):
        if not (store.policy.supporters_may_assign and actor.can("casework.own")):
            raise PermissionDeniedError("only a coordinator can match supporters")
    today = today or date.today()
    rule = store.policy.matching_department
    with store.session() as s:
        participant = s.scalar(
            select(Participant).where(
                Participant.id == request.participant_id, participant_filter(actor)
            )
        )
        if participant is None:
            raise NotFoundError("no such participant, or it is not yours to see")
        profiles = list(
            s.scalars(
                select(SupporterProfile)
                .where(or_(one_site(), SupporterProfile.site_id == participant.site_id))
                .order_by(SupporterProfile.display_name)
            )
        )
        load = dict(
            s.execute(
                select(Episode.supporter_id, func.count())
                .where(Episode.closed_on.is_(None))
                .group_by(Episode.supporter_id)
            ).all()
        )
    training = {t.supporter_id: t for t in compute_overview(store, today, [p.id for p in profiles])}
    language = (request.language or participant.language or "").strip().lower()
    wanted_lived = {w.strip().lower() for w in request.lived_experience if w.strip()}
    concern = request.concern.strip().lower()
    p_disc = _discipline_of(participant)
    p_dept = participant.department.strip().lower()
    result = MatchResult()
    for sup in profiles:
        left = sup.capacity - int(load.get(sup.id, 0))
        t = training.get(sup.id)
        if sup.status != "active":
            why = "on leave" if sup.status == "on_leave" else "not active"
            result.excluded.append(Exclusion(sup.id, sup.display_name, why))
            continue
        if left <= 0:
            result.excluded.append(
                Exclusion(sup.id, sup.display_name, f"at capacity ({sup.capacity} open episodes)")
            )
            continue
        if t is not None and t.overall in (LAPSED, MISSING):
            gaps = [c.course_name for c in t.courses if c.required and c.state in (LAPSED, MISSING)]
            result.excluded.append(
                Exclusion(
                    sup.id, sup.display_name, "required training not current: " + ", ".join(gaps)
                )
            )
            continue
        s_dept = sup.department.strip().lower()
        same_dept = bool(p_dept) and s_dept == p_dept
        if same_dept and rule == "require_different":
            result.excluded.append(
                Exclusion(sup.id, sup.display_name, "same department as the participant (policy)")
            )
            continue
        score, reasons = 0, []
        s_disc = sup.discipline.strip().lower()
        if participant.kind == "staff" and p_disc:
            if s_disc == p_disc:
                score += WEIGHTS["discipline"]
                reasons.append(f"same discipline ({sup.discipline})")
            elif _similar(s_disc, p_disc):
                score += WEIGHTS["similar"]
                reasons.append(f"similar discipline ({sup.discipline})")
        if language and language in _split(sup.languages):
            score += WEIGHTS["language"]
            reasons.append(f"speaks {language}")
        shared = sorted(wanted_lived & _split(sup.lived_experience))
        if shared:
            score += WEIGHTS["lived"] * len(shared)
            reasons.append("lived experience: " + ", ".join(shared))
        if concern and (concern in sup.specialty.lower() or sup.specialty.lower() in concern):
            if sup.specialty:
                score += WEIGHTS["specialty"]
                reasons.append(f"specialty fits ({sup.specialty})")
        band = BAND_ORDER.get(sup.experience_band)
        if band is not None and band >= 2:
            score += WEIGHTS["experience"]
            reasons.append(f"{sup.experience_band} years' experience")
        if rule == "prefer_different" and p_dept and not same_dept:
            score += WEIGHTS["department"]
            reasons.append("from a different department")
        score += min(WEIGHTS["capacity"], left * 2)
        reasons.append(f"{left} place{'s' if left != 1 else ''} free")
        if t is not None and t.overall == "expiring":
            reasons.append("note: a required certificate expires soon")
        result.suggestions.append(Suggestion(sup.id, sup.display_name, score, tuple(reasons), left))
    result.suggestions.sort(key=lambda x: (-x.score, x.supporter_name))
    return result


def assign_supporter(
    store: Store, actor: Actor, episode_id: str, supporter_id: str, version: int | None = None
) -> None:
    """Assign after matching: coordinators, or supporters where policy allows (to themself).
    version: the episode's version when the matching dialog loaded it."""
    from peerdesk.services import record_versions
    from peerdesk.services.episodes import assign_episode

    if actor.can("casework.program"):
        assign_episode(store, actor, episode_id, supporter_id, version)
        return
    if not store.policy.supporters_may_assign or supporter_id != actor.supporter_id:
        raise PermissionDeniedError("only a coordinator can assign another supporter")
    with store.session() as s:
        ep = s.get(Episode, episode_id)
        if (
            ep is None
            or ep.created_by != actor.user_id
            or ep.supporter_id not in (None, actor.supporter_id)
        ):
            # A supporter may take on an episode they opened that nobody else holds.
            raise NotFoundError("no such episode, or it is not yours")
        record_versions.check(s, ep, version)
        ep.supporter_id = supporter_id
        ep.updated_by = actor.user_id
        store.audit(s, actor, "episode.assign", "episode", ep.id, {"supporter_id": supporter_id})

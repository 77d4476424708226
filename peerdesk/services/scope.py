"""Which casework rows an actor may see. Used by every casework service.

Two limits, both here so no service can forget one: the *site* (a coordinator sees the
program data of their own site only; emergency access sees every site) and, for
supporters, their *own* casework. Rows belong to a site through their participant
(episodes, sessions, referrals, check-ins) or their supporter profile (training,
supervision).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from peerdesk.models import Episode, Participant, Site, SupporterProfile, SupportSession
from peerdesk.services.auth import Actor


def require_casework(actor: Actor) -> None:
    actor.require_any(("casework.own", "casework.program"), "see participant records")


def is_program_wide(actor: Actor) -> bool:
    return actor.can("casework.program")


def all_sites(actor: Actor) -> bool:
    """Only emergency access works across sites with participant-level data."""
    return actor.emergency


def one_site() -> ColumnElement[bool]:
    """True on a store with one site, where every row is that site's: the database works
    it out once per statement and skips the per-row site test, so a one-site store reads
    exactly as before sites (and SQLite keeps walking the list's order index)."""
    return select(func.count()).select_from(Site).scalar_subquery() == 1


def participant_site(actor: Actor) -> ColumnElement[bool]:
    """Participants of the actor's own site."""
    if all_sites(actor):
        return true()
    return or_(one_site(), Participant.site_id == actor.site_id)


def supporter_site(actor: Actor) -> ColumnElement[bool]:
    """Supporter profiles of the actor's own site."""
    if all_sites(actor):
        return true()
    return or_(one_site(), SupporterProfile.site_id == actor.site_id)


def _site_of_episode(actor: Actor, episode_id: ColumnElement[str]) -> ColumnElement[bool]:
    """The episode's participant is at the actor's site: tested row by row (a correlated
    EXISTS on primary keys), so a paged list keeps its order index and reads one page."""
    ep, pa = aliased(Episode), aliased(Participant)
    at_site = (
        exists()
        .where(ep.id == episode_id, pa.id == ep.participant_id, pa.site_id == actor.site_id)
        .correlate_except(ep, pa)
    )
    return or_(one_site(), at_site)


def _site_episodes(actor: Actor) -> ColumnElement[bool]:
    if all_sites(actor):
        return true()
    return _site_of_episode(actor, Episode.id)


def episode_filter(actor: Actor) -> ColumnElement[bool]:
    require_casework(actor)
    if is_program_wide(actor):
        return _site_episodes(actor)
    if actor.supporter_id is None:
        return false()
    return Episode.supporter_id == actor.supporter_id


def participant_filter(actor: Actor) -> ColumnElement[bool]:
    require_casework(actor)
    if is_program_wide(actor):
        return participant_site(actor)
    own_episodes = select(Episode.participant_id).where(episode_filter(actor))
    # Whoever added a participant sees them until an episode exists; after that, only
    # the supporter the episode belongs to (a reassignment moves the participant too).
    any_episode = select(Episode.participant_id)
    return or_(
        Participant.id.in_(own_episodes),
        (Participant.created_by == actor.user_id) & Participant.id.not_in(any_episode),
    )


def session_filter(actor: Actor) -> ColumnElement[bool]:
    require_casework(actor)
    if is_program_wide(actor):
        if all_sites(actor):
            return true()
        return _site_of_episode(actor, SupportSession.episode_id)
    own_episodes = select(Episode.id).where(episode_filter(actor))
    if actor.supporter_id is None:
        return false()
    return or_(
        SupportSession.supporter_id == actor.supporter_id,
        SupportSession.episode_id.in_(own_episodes),
    )


def may_read_notes(actor: Actor, session_row: SupportSession) -> bool:
    """Private notes belong to their author alone (emergency access excepted)."""
    return actor.emergency or (
        actor.user_id is not None and session_row.created_by == actor.user_id
    )


def home_site(session: Session, actor: Actor) -> str | None:
    """The site a new participant or supporter profile belongs to: that of whoever makes
    it (emergency access and stores from before sites: the first site)."""
    if actor.site_id is not None:
        return actor.site_id
    return session.scalar(select(Site.id).order_by(Site.created_at, Site.id).limit(1))


# -- reports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteScope:
    """The sites one report covers, as predicates for its queries. site_ids None: every
    site (nothing to filter; a store with one site always reports this way, exactly as
    before sites could be added)."""

    site_ids: tuple[str, ...] | None = None

    @property
    def filtered(self) -> bool:
        return self.site_ids is not None

    def participants(self) -> ColumnElement[bool]:
        if self.site_ids is None:
            return true()
        return Participant.site_id.in_(self.site_ids)

    def episodes(self) -> ColumnElement[bool]:
        if self.site_ids is None:
            return true()
        return Episode.participant_id.in_(select(Participant.id).where(self.participants()))

    def of_episode(self, column: ColumnElement[str]) -> ColumnElement[bool]:
        """Rows that belong to an episode (sessions, referrals, check-ins, outcomes)."""
        if self.site_ids is None:
            return true()
        return column.in_(select(Episode.id).where(self.episodes()))

    def sessions(self) -> ColumnElement[bool]:
        return self.of_episode(SupportSession.episode_id)

    def supporters(self) -> ColumnElement[bool]:
        if self.site_ids is None:
            return true()
        return SupporterProfile.site_id.in_(self.site_ids)

    def of_supporter(self, column: ColumnElement[str]) -> ColumnElement[bool]:
        """Rows that belong to a supporter (training, supervision)."""
        if self.site_ids is None:
            return true()
        return column.in_(select(SupporterProfile.id).where(self.supporters()))


EVERY_SITE = SiteScope()


def report_scope(session: Session, site_ids: list[str]) -> SiteScope:
    """The scope of a report over these sites: no filter at all when they are every site
    of the store (so the trend's kept months apply, services/reports/cache.py)."""
    every = set(session.scalars(select(Site.id)))
    if every <= set(site_ids):
        return EVERY_SITE
    return SiteScope(tuple(sorted(site_ids)))

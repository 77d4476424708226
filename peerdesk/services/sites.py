"""Sites of one organisation: added and listed by administrators; every account,
participant and supporter profile belongs to one (services/scope.py limits coordinators
and supporters to their own; the organisation coordinator sees every site's reports).

A store made by `init` has one site, and everything in it belongs there, so a store with
one site works exactly as before sites could be added.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerdesk.errors import NotFoundError, ValidationError
from peerdesk.models import Participant, Site, User
from peerdesk.services.auth import Actor
from peerdesk.services.store import Store
from peerdesk.services.text_rules import check_one_line


@dataclass(frozen=True)
class SiteInfo:
    id: str
    name: str
    accounts: int  # active accounts of the site
    participants: int


def _name(value: str) -> str:
    name = check_one_line(value, "the site name")
    if not name:
        raise ValidationError("a site needs a name")
    return name


def find_site(s: Session, name: str) -> Site:
    """The site of that name (case and surrounding spaces ignored)."""
    wanted = name.strip().casefold()
    for site in s.scalars(select(Site).order_by(Site.created_at, Site.id)):
        if site.name.strip().casefold() == wanted:
            return site
    known = ", ".join(s.scalars(select(Site.name).order_by(Site.name))) or "none"
    raise NotFoundError(f"no site named '{name.strip()}' (sites: {known})")


def site_names(s: Session) -> dict[str, str]:
    return dict(s.execute(select(Site.id, Site.name)).all())


def list_sites(store: Store, actor: Actor) -> list[SiteInfo]:
    """Every site with how many active accounts and participants it has (counts only)."""
    actor.require_any(("sites.read", "accounts.read"), "list sites")
    with store.session() as s:
        accounts = dict(
            s.execute(
                select(User.site_id, func.count())
                .where(User.state == "active")
                .group_by(User.site_id)
            ).all()
        )
        people = dict(
            s.execute(select(Participant.site_id, func.count()).group_by(Participant.site_id)).all()
        )
        sites = s.scalars(select(Site).order_by(Site.created_at, Site.id)).all()
        return [SiteInfo(x.id, x.name, accounts.get(x.id, 0), people.get(x.id, 0)) for x in sites]


def add_site(store: Store, actor: Actor, name: str) -> SiteInfo:
    actor.require("sites.write", "add sites")
    clean = _name(name)
    with store.session() as s:
        try:
            find_site(s, clean)
        except NotFoundError:
            pass
        else:
            raise ValidationError(f"a site named '{clean}' already exists")
        site = Site(name=clean, created_by=actor.user_id, updated_by=actor.user_id)
        s.add(site)
        s.flush()
        store.audit(s, actor, "site.create", "site", site.id, {"name": clean})
        return SiteInfo(site.id, site.name, 0, 0)


def count_sites(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Site)) or 0)

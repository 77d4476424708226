"""`peerdesk site add|list`: the organisation's sites (admins add; coordinators list)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def register(subparsers: Any, store_options: Callable[[argparse.ArgumentParser], None]) -> None:
    site = subparsers.add_parser("site", help="the organisation's sites (admin adds)")
    ssub = site.add_subparsers(dest="site_command", required=True, parser_class=type(site))
    p = ssub.add_parser("add", help="add a site (admin; audited)")
    p.add_argument("name", help="the site's name, e.g. 'North clinic'")
    store_options(p)
    p.set_defaults(func=site_add)
    p = ssub.add_parser("list", help="list sites with their accounts and participants (counts)")
    store_options(p)
    p.set_defaults(func=site_list)


def site_add(args: argparse.Namespace) -> int:
    from peerdesk.cli import open_for_command
    from peerdesk.services import sites

    store, actor = open_for_command(args)
    with store:
        info = sites.add_site(store, actor, args.name)
    print(f"Added site '{info.name}'. Give it accounts with 'peerdesk user add NAME --site ...'.")
    return 0


def site_list(args: argparse.Namespace) -> int:
    from peerdesk.cli import open_for_command
    from peerdesk.services import sites
    from peerdesk.services.text_rules import shown

    store, actor = open_for_command(args)
    with store:
        found = sites.list_sites(store, actor)
    print(f"{'ACCOUNTS':>8} {'PARTICIPANTS':>12}  SITE")
    for x in found:
        print(f"{x.accounts:>8} {x.participants:>12}  {shown(x.name)}")
    return 0

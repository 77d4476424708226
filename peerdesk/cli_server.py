"""`peerdesk server ...`: setting up, upgrading and checking a store on the clinic's
PostgreSQL server (the machine policy's [store] url; docs/server-mode.md)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from peerdesk.errors import UsageError


def register(subparsers: Any, store_options: Callable[[argparse.ArgumentParser], None]) -> None:
    server = subparsers.add_parser(
        "server", help="set up, upgrade or check the clinic server the machine policy names"
    )
    ssub = server.add_subparsers(dest="server_command", required=True, parser_class=type(server))
    p = ssub.add_parser(
        "init", help="set up an empty server database (first admin); prints the recovery key"
    )
    p.add_argument("--admin", required=True, help="username of the first admin account")
    p.add_argument("--display-name", default="")
    p.add_argument("--site", default="Main site", help="site name")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=init)

    p = ssub.add_parser("upgrade", help="bring the server's schema to this release (admin)")
    store_options(p)
    p.set_defaults(func=upgrade)

    p = ssub.add_parser(
        "import-store",
        help="move a local store (its admin signs in) onto the empty server database, "
        "and prove the copy",
    )
    p.add_argument("dir", help="the local store's data folder")
    store_options(p)
    p.set_defaults(func=import_store)

    p = ssub.add_parser("status", help="which server, and whether its schema fits this release")
    p.set_defaults(func=status)

    p = ssub.add_parser(
        "password",
        help="keep the database login's password in this computer's OS keyring (IT)",
    )
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=keep_password)


def _data_dir(args: argparse.Namespace):  # noqa: ANN202 - Path
    from peerdesk.services.store import resolve_data_dir

    return resolve_data_dir(args.data_dir)


def init(args: argparse.Namespace) -> int:
    from peerdesk.cli import print_recovery_key, read_first_admin_password
    from peerdesk.services.server_store import create_server_store, server_backend

    data_dir = _data_dir(args)
    label = server_backend(data_dir).label
    password = read_first_admin_password(args)
    recovery = create_server_store(data_dir, args.admin, password, args.display_name, args.site)
    print(f"Set up PeerDesk on {label}")
    print_recovery_key(recovery)
    return 0


def upgrade(args: argparse.Namespace) -> int:
    import os

    from peerdesk.cli import read_secret
    from peerdesk.services.server_store import upgrade_server

    username = args.user or os.environ.get("PEERDESK_USER")
    if not username:
        raise UsageError("name the administrator with --user (or PEERDESK_USER)")
    before, after = upgrade_server(_data_dir(args), username, read_secret(args))
    if before == after:
        print(f"The server's schema is already {after}; nothing to do.")
    else:
        print(f"Upgraded the server's schema from {before} to {after}.")
    return 0


def import_store(args: argparse.Namespace) -> int:
    from pathlib import Path

    from peerdesk.cli import read_credentials
    from peerdesk.services.server_store import server_backend
    from peerdesk.services.server_transfer import import_store as move

    data_dir = _data_dir(args)
    label = server_backend(data_dir).label
    who = read_credentials(args)

    def progress(table: str, done: int, total: int) -> None:
        if done == total:
            print(f"  {table}: {done} rows", flush=True)

    print(f"Copying {args.dir} to {label} ...", flush=True)
    report = move(data_dir, Path(args.dir), who.username, who.password, who.recovery_key, progress)
    print(
        f"Moved the store to {label}: {sum(report.tables.values())} rows in "
        f"{len(report.tables)} tables, the same counts on both sides; audit chain verified "
        f"({report.audit_events} events); {report.sealed_checked} sealed values read back equal."
    )
    print(
        f"The store in {args.dir} was left as it was: keep it locked away until the server "
        "has been checked, then delete it."
    )
    return 0


def status(args: argparse.Namespace) -> int:
    from peerdesk.models import schema
    from peerdesk.services.server_store import server_backend

    backend = server_backend(_data_dir(args))
    current, finished = backend.schema_state()
    head = schema.head_revision()
    print(f"Server:   {backend.label} (TLS, verify-full, CA {backend.config.ca_file})")
    print(f"Set up:   {'yes' if finished else 'no'}")
    print(f"Schema:   {current or '-'} (this release: {head})")
    if not finished:
        print("An administrator sets it up with 'peerdesk server init --admin NAME'.")
        return 3
    if current != head:
        print("An administrator runs 'peerdesk server upgrade' (or installs the newer release).")
        return 17
    return 0


def keep_password(args: argparse.Namespace) -> int:
    from peerdesk.cli import read_secret
    from peerdesk.services.secret_store import keyring_set
    from peerdesk.services.server_store import server_backend
    from peerdesk.services.storage.config import KEYRING_SERVICE

    config = server_backend(_data_dir(args)).config
    secret = read_secret(args, f"Password of the database login {config.url.username}: ")
    keyring_set(KEYRING_SERVICE, config.keyring_account, secret)
    print(f"Kept the password of {config.keyring_account} in this computer's OS keyring.")
    return 0

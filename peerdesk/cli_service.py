"""`peerdesk service` (unattended backups) and `peerdesk policy show` for IT."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from peerdesk.errors import UsageError


def register(subparsers: Any, store_options: Callable[[argparse.ArgumentParser], None]) -> None:
    svc = subparsers.add_parser("service", help="unattended backups (admin)")
    ssub = svc.add_subparsers(dest="service_command", required=True, parser_class=type(svc))
    p = ssub.add_parser(
        "enable-backup",
        help="add a backup-only keyslot whose secret the OS keeps (keyring or systemd-creds)",
    )
    p.add_argument(
        "--secret-store",
        default="auto",
        choices=["auto", "keyring", "systemd"],
        help="auto: the OS keyring if there is one, else a systemd encrypted credential",
    )
    store_options(p)
    p.set_defaults(func=enable_backup)
    p = ssub.add_parser("disable-backup", help="remove the backup-only keyslot and its secret")
    store_options(p)
    p.set_defaults(func=disable_backup)
    p = ssub.add_parser("status", help="is an unattended backup set up (no password needed)")
    p.set_defaults(func=service_status)
    p = ssub.add_parser(
        "remove-os-login",
        help="remove an account's 'unlock with this computer's login' for every OS user (admin)",
    )
    p.add_argument("username")
    store_options(p)
    p.set_defaults(func=remove_os_login)

    pol = subparsers.add_parser("policy", help="the policy in force and where each value is from")
    psub = pol.add_subparsers(dest="policy_command", required=True, parser_class=type(pol))
    p = psub.add_parser("show", help="every setting, its value and its source")
    p.set_defaults(func=policy_show)
    p = psub.add_parser(
        "accept", help="sign the data folder's policy.toml as it is (admin, after a hand edit)"
    )
    store_options(p)
    p.set_defaults(func=policy_accept)


def _data_dir(args: argparse.Namespace):  # noqa: ANN202 - Path
    from peerdesk.services.store import resolve_data_dir

    return resolve_data_dir(args.data_dir)


def enable_backup(args: argparse.Namespace) -> int:
    from peerdesk.cli import open_for_command
    from peerdesk.services.backup_service import enable_backup as enable

    store, actor = open_for_command(args)
    with store:
        info = enable(store, actor, args.secret_store)
    if info.method == "systemd":
        print(f"Unattended backups enabled; the secret is in {info.where} (systemd-creds).")
        print(
            "The unit reads it with "
            f"LoadCredentialEncrypted=peerdesk-backup:{info.where}; "
            "run 'peerdesk backup --unattended' from it."
        )
    else:
        print(
            f"Unattended backups enabled; the secret is in this OS account's keyring "
            f"('{info.where}'). Run 'peerdesk backup --unattended' as this same account."
        )
    return 0


def disable_backup(args: argparse.Namespace) -> int:
    from peerdesk.cli import open_for_command
    from peerdesk.services.backup_service import disable_backup as disable

    store, actor = open_for_command(args)
    with store:
        removed = disable(store, actor)
    print(
        "Unattended backups turned off; the backup keyslot and its secret are removed."
        if removed
        else "Unattended backups were not set up; nothing to remove."
    )
    return 0


def remove_os_login(args: argparse.Namespace) -> int:
    from peerdesk.cli import open_for_command
    from peerdesk.services import os_login

    store, actor = open_for_command(args)
    with store:
        removed = os_login.remove(store, actor, args.username)
    print(f"Removed {removed} computer-login unlock(s) of '{args.username.strip().lower()}'.")
    return 0


def service_status(args: argparse.Namespace) -> int:
    from peerdesk.errors import StoreNotFoundError
    from peerdesk.services.backup_service import backup_folder, status
    from peerdesk.services.store import store_exists

    data_dir = _data_dir(args)
    if not store_exists(data_dir):
        raise StoreNotFoundError(f"no PeerDesk store in {data_dir}")
    info = status(data_dir)
    if not info.enabled:
        print("Unattended backups: not set up")
    else:
        print(f"Unattended backups: set up; secret kept by {info.method} ({info.where})")
    print(f"Backup folder: {backup_folder(data_dir)}")
    return 0


def policy_accept(args: argparse.Namespace) -> int:
    from peerdesk.cli import open_for_command
    from peerdesk.services.policy_admin import accept_policy_file

    store, actor = open_for_command(args)
    with store:
        accept_policy_file(store, actor)
    print("The data folder's policy.toml is now the signed policy.")
    return 0


def policy_show(args: argparse.Namespace) -> int:
    from peerdesk.services.policy import machine_policy_path, policy_in_force

    if getattr(args, "policy_command", None) != "show":
        raise UsageError("use 'peerdesk policy show' or 'peerdesk policy accept'")
    data_dir = _data_dir(args)
    print(f"Machine policy: {machine_policy_path()}")
    print(f"Data folder:    {data_dir}")
    print(f"{'SETTING':<28} {'VALUE':<22} SOURCE")
    for row in policy_in_force(data_dir):
        value = str(row.value).lower() if isinstance(row.value, bool) else str(row.value)
        source = f"{row.source} ({row.path})" if row.path else row.source
        print(f"{row.key:<28} {value or '-':<22} {source}")
        if row.note:
            print(f"{'':<28} {'':<22} note: {row.note}")
    return 0

"""Handlers for the `peerdesk` subcommands. They call services and print plain results."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peerdesk import cli_report, cli_server, cli_service, cli_sites
from peerdesk.cli import (
    open_for_command,
    print_recovery_key,
    read_credentials,
    read_first_admin_password,
    read_new_password,
    read_own_new_password,
    read_secret,
    tell_rollback,
)
from peerdesk.errors import IntegrityProblem, PeerDeskError, StoreExistsError, UsageError

# Commands that live in their own modules register here: fn(subparsers, store_options).
EXTRA_COMMANDS: list[Callable[[Any, Callable[[argparse.ArgumentParser], None]], None]] = [
    cli_report.register,
    cli_service.register,
    cli_server.register,
    cli_sites.register,
]


def _data_dir(args: argparse.Namespace) -> Path:
    from peerdesk.services.store import resolve_data_dir

    return resolve_data_dir(args.data_dir)


def gui(args: argparse.Namespace) -> int:
    try:
        from peerdesk.ui.app import run
    except ImportError as exc:
        raise PeerDeskError(f"the desktop app cannot start: {exc}") from exc
    # The app resolves the folder itself, so a bad machine policy is shown in a window.
    return run(Path(args.data_dir) if args.data_dir else None, demo=args.demo)


def version_text() -> str:
    """`peerdesk --version`: this app, then SQLCipher, SQLite, Qt and Python, for IT."""
    import platform

    from peerdesk import __version__

    parts = []
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        try:
            cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
        finally:
            conn.close()
        parts += [f"SQLCipher {cipher}", f"SQLite {sqlcipher3.sqlite_version}"]
    except Exception as exc:  # noqa: BLE001 - a version line never fails
        parts.append(f"SQLCipher not loadable ({type(exc).__name__})")
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        parts.append(f"Qt {qVersion()} (PySide6 {PySide6.__version__})")
    except Exception as exc:  # noqa: BLE001
        parts.append(f"Qt not loadable ({type(exc).__name__})")
    frozen = " (bundle)" if getattr(sys, "frozen", False) else ""
    parts.append(f"Python {platform.python_version()}{frozen}")
    return f"peerdesk {__version__}\n" + ", ".join(parts)


def self_test(args: argparse.Namespace) -> int:
    import tempfile

    from peerdesk.services.selftest import Check, run_checks, store_round_trip

    results = run_checks()
    if args.gui:
        from peerdesk.ui.selftest_gui import run_gui_checks

        with tempfile.TemporaryDirectory(prefix="peerdesk-selftest-") as tmp:
            trip = store_round_trip(Path(tmp) / "store")
            results += trip.checks
            results += run_gui_checks(Path(tmp) / "store", trip.report_pdf)
    try:
        import PySide6
        from PySide6.QtGui import QGuiApplication

        platform = os.environ.get("QT_QPA_PLATFORM", "default")
        results.append(
            Check(
                "Qt",
                True,
                f"PySide6 {PySide6.__version__} ({platform} platform;"
                f" {QGuiApplication.__name__} available)",
            )
        )
    except ImportError as exc:
        results.append(Check("Qt", False, f"PySide6 cannot be loaded: {exc}"))
    for check in results:
        print(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    failed = [c.name for c in results if not c.ok]
    if failed:
        raise PeerDeskError(f"self-test failed: {', '.join(failed)}")
    return 0


def init(args: argparse.Namespace) -> int:
    from peerdesk.services.server_store import on_server
    from peerdesk.services.store import create_store

    data_dir = _data_dir(args)
    if on_server(data_dir):
        raise UsageError(
            "the machine policy names a clinic server; set it up with 'peerdesk server init'"
        )
    password = read_first_admin_password(args)
    recovery = create_store(data_dir, args.admin, password, args.display_name, args.site)
    print(f"Created a PeerDesk store in {data_dir}")
    print_recovery_key(recovery)
    return 0


def demo(args: argparse.Namespace) -> int:
    from peerdesk.services.server_store import on_server
    from peerdesk.services.store import default_demo_dir, store_exists
    from peerdesk.services.store_build import build_demo_store, clean_stale

    data_dir = Path(args.data_dir) if args.data_dir else default_demo_dir()
    if on_server(data_dir):
        return _server_demo(args, data_dir)
    clean_stale(data_dir)  # a demo killed half-way left only a hidden build folder
    if store_exists(data_dir) or (data_dir / "keyslots.json").exists():
        if not args.force:
            raise StoreExistsError(
                f"a store already exists in {data_dir}; use --force to replace a demo store"
            )
        _require_demo(data_dir)
    password = _demo_password(args)
    # Built beside the folder and moved in at the end (services/store_build.py): a killed
    # or failed run leaves the old demo store, or nothing, never half a store.
    result = build_demo_store(
        data_dir,
        replace=args.force,
        sessions=args.sessions,
        seed=args.seed,
        password=password,
        years=args.years,
        sites=args.sites,
    )
    _print_demo(result)
    return 0


def _demo_password(args: argparse.Namespace) -> str | None:
    """The demo accounts' password if one is given, else None (one is made and printed)."""
    if args.password_stdin or os.environ.get("PEERDESK_PASSWORD") is not None:
        return read_secret(args)
    return None


def _print_demo(result: Any) -> None:
    from peerdesk.services.demo import demo_summary

    print(demo_summary(result))
    if result.recovery_key:
        print(f"Recovery key: {result.recovery_key}")


def _server_demo(args: argparse.Namespace, data_dir: Path) -> int:
    """On the server the machine policy names: a new demo store if it is not set up yet,
    or demo data in a store `server init` set up (its administrator signs in with --user)."""
    from peerdesk.services.demo import build_demo, fill_server_demo
    from peerdesk.services.store import open_store, store_exists

    if not store_exists(data_dir):
        result = build_demo(
            data_dir,
            sessions=args.sessions,
            seed=args.seed,
            password=_demo_password(args),
            years=args.years,
            sites=args.sites,
        )
        _print_demo(result)
        return 0
    if not args.user:
        raise StoreExistsError(
            "the server is already set up; to fill it with demo data, its administrator "
            "signs in with --user NAME (the demo accounts get a new password, printed)"
        )
    store, admin = open_store(data_dir, args.user, read_secret(args), refuse_first_password=True)
    with store:
        result = fill_server_demo(
            store, admin, sessions=args.sessions, seed=args.seed, years=args.years
        )
    _print_demo(result)
    return 0


def _require_demo(data_dir: Path) -> None:
    """--force may only replace a demo store: its key file says so without unlocking."""
    import json

    from peerdesk.services.keyslots import KEYSLOTS_FILE

    try:
        doc = json.loads((data_dir / KEYSLOTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PeerDeskError(
            f"{data_dir} holds a store that cannot be checked; not replaced"
        ) from exc
    if not doc.get("demo"):
        raise StoreExistsError(f"{data_dir} holds a real store; --force only replaces demo stores")


def user_add(args: argparse.Namespace) -> int:
    from peerdesk.services import accounts

    password, generated = read_new_password("new account")
    store, actor = open_for_command(args)
    with store:
        info = accounts.add_user(
            store,
            actor,
            args.username,
            args.role,
            password,
            args.display_name,
            must_change=True,
            site=args.site,
        )
    print(f"Added {info.role} account '{info.username}' at {info.site or 'no site'}.")
    if generated:
        print(f"Initial password: {password}")
    print("They choose their own password at first sign-in.")
    return 0


def user_list(args: argparse.Namespace) -> int:
    from peerdesk.services import accounts
    from peerdesk.services.text_rules import shown

    store, actor = open_for_command(args)
    with store:
        users = accounts.list_users(store, actor)
    wide = max([4, *(len(shown(u.site)) for u in users)])
    head = f"{'USERNAME':<20} {'ROLE':<15} {'STATE':<10} {'SITE':<{wide}} {'LAST LOGIN':<20}"
    print(f"{head} NAME")
    for u in users:
        state = "locked" if u.locked_out else u.state
        if state == "active" and u.first_password:
            state = "first-pw"  # they have not chosen their own password yet
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"
        # Names stored before control characters were refused are shown escaped.
        name = shown(u.display_name)
        site = shown(u.site)
        print(f"{shown(u.username):<20} {u.role:<15} {state:<10} {site:<{wide}} {last:<20} {name}")
    return 0


def user_set_site(args: argparse.Namespace) -> int:
    from peerdesk.services import accounts

    store, actor = open_for_command(args)
    with store:
        accounts.set_user_site(store, actor, args.username, args.site)
    print(f"Moved '{args.username}' to {args.site.strip()}.")
    return 0


def user_disable(args: argparse.Namespace) -> int:
    from peerdesk.services import accounts

    store, actor = open_for_command(args)
    with store:
        accounts.disable_user(store, actor, args.username)
    print(f"Disabled '{args.username}'; their password no longer opens the store.")
    return 0


def user_reset_password(args: argparse.Namespace) -> int:
    from peerdesk.services import accounts

    password, generated = read_new_password(args.username)
    store, actor = open_for_command(args)
    with store:
        accounts.reset_password(store, actor, args.username, password, must_change=True)
    print(f"New password set for '{args.username}'; they choose their own at next sign-in.")
    if generated:
        print(f"Password: {password}")
    return 0


def user_enable(args: argparse.Namespace) -> int:
    from peerdesk.services import accounts

    password, generated = read_new_password(args.username)
    store, actor = open_for_command(args)
    with store:
        accounts.enable_user(store, actor, args.username, password, must_change=True)
    print(f"Enabled '{args.username}'; they choose their own password at next sign-in.")
    if generated:
        print(f"Password: {password}")
    return 0


def user_unlock(args: argparse.Namespace) -> int:
    from peerdesk.services import accounts

    store, actor = open_for_command(args)
    with store:
        accounts.unlock_user(store, actor, args.username)
    print(f"Unlocked '{args.username}'; their password is unchanged.")
    return 0


def user_password(args: argparse.Namespace) -> int:
    """Change one's own password (also the way past a first password from the admin)."""
    from peerdesk.errors import ValidationError
    from peerdesk.services import accounts

    who = read_credentials(args)
    if who.password is None:
        raise ValidationError("emergency access has no own password to change")
    new = read_own_new_password()
    store, actor = open_for_command(args, who, first_password_ok=True)
    with store:
        accounts.change_own_password(store, actor, who.password, new)
    print(f"Password changed for '{actor.username}'. Use the new one from now on.")
    return 0


def import_csv(args: argparse.Namespace) -> int:
    from peerdesk.services import importer

    store, actor = open_for_command(args)
    with store:
        if args.kind == "supporters":
            result = importer.import_supporters(store, actor, args.file)
        else:
            result = importer.import_resources(store, actor, args.file)
    print(f"Imported {result.rows} {result.kind}.")
    return 0


def export(args: argparse.Namespace) -> int:
    from peerdesk.services.exporter import export_all

    store, actor = open_for_command(args)
    with store:
        result = export_all(store, actor, args.out, include_names=args.include_names)
    total = sum(result.files.values())
    print(f"Wrote {len(result.files)} CSV files ({total} rows) to {result.folder}")
    return 0


def backup(args: argparse.Namespace) -> int:
    from peerdesk.services.backup import backup_store
    from peerdesk.services.store import open_store

    if args.unattended:
        from peerdesk.services.backup_service import run_unattended_backup

        if args.user or args.password_stdin or args.recovery_key_stdin:
            raise UsageError("--unattended takes no account or password; it uses the OS's secret")
        result = run_unattended_backup(_data_dir(args), args.out)
        if result.rollback_open:
            from peerdesk.services.rollback import WARNING

            print(f"peerdesk: warning: {WARNING}", file=sys.stderr)
        info = result.info
        print(
            f"Backup written and verified: {info.path} ({info.size} bytes, "
            f"{sum(info.tables.values())} rows); {len(result.removed)} older removed"
        )
        return 0
    if args.out is None:
        raise UsageError("say where with --out FILE, or use --unattended")
    who = read_credentials(args)
    # Beside a running app: a backup only reads a snapshot, so it need not wait for it.
    store, actor = open_store(
        _data_dir(args), who.username, who.password, who.recovery_key, exclusive=False
    )
    tell_rollback(store)
    with store:
        info = backup_store(store, actor, args.out)
    print(
        f"Backup written and verified: {info.path} ({info.size} bytes, "
        f"{sum(info.tables.values())} rows)"
    )
    return 0


def restore(args: argparse.Namespace) -> int:
    from peerdesk.services.backup import restore_backup

    data_dir = _data_dir(args)
    who = read_credentials(args)
    manifest = restore_backup(args.file, data_dir, who.username, who.password, who.recovery_key)
    if "onto" in manifest:  # server mode: onto the empty server the machine policy names
        print(
            f"Restored the backup of {manifest.get('created_at', '?')} onto "
            f"{manifest['onto']} ({manifest['rows']} rows; counts, audit chain and sealed "
            "values checked)"
        )
        return 0
    print(f"Restored the backup of {manifest.get('created_at', '?')} into {data_dir}")
    policy = {
        "restored": "Its policy.toml was put back.",
        "kept": "The data folder's own policy.toml was kept (the backup's was not used).",
        "invalid": "The backup's policy.toml was not valid and was not restored.",
    }.get(str(manifest.get("policy_restored")))
    if policy:
        print(policy)
    return 0


def verify(args: argparse.Namespace) -> int:
    from peerdesk.services import rollback
    from peerdesk.services.verify import verify_store

    store, actor = open_for_command(args)
    with store:
        if args.acknowledge_rollback:
            if rollback.acknowledge(store, actor):
                print("The older copy of the store is acknowledged (recorded in the audit log).")
            else:
                print("No older copy of the store is waiting to be acknowledged.")
        report = verify_store(store, actor)
    for change in report.admin_changes:
        print(f"admin change: {change.at:%Y-%m-%d %H:%M} UTC {change.by} {change.text}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for problem in report.problems:
        print(f"problem: {problem}")
    if not report.ok:
        raise IntegrityProblem(f"verify found {len(report.problems)} problem(s); see above")
    print(
        f"Store verified: integrity ok, foreign keys ok, {report.audit_events} audit events "
        "chained correctly."
    )
    return 0

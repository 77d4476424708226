"""The `peerdesk` command line: the GUI by default, and commands for IT, managers and scripts.

Every failure ends in one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from peerdesk import __version__
from peerdesk.errors import PeerDeskError, UsageError


class _VersionAction(argparse.Action):
    """`--version`: the app and the versions of what it is built on (worked out only when
    asked, since it loads SQLCipher and Qt)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the versions and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from peerdesk.cli_commands import version_text

        print(version_text())
        parser.exit()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


MAX_DEMO_SESSIONS = 2_000_000  # every row is built in memory first; more would exhaust it
MAX_DEMO_YEARS = 50  # services.demo.MAX_YEARS (not imported: the parser stays light)
MAX_DEMO_SITES = 4  # len(services.demo.SITE_NAMES)


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from low to high, else a one-line usage error (exit 2)
    before any work starts (a huge --sessions once allocated until the kernel killed it)."""

    def parse(text: str) -> int:
        value = text.strip()
        if not (value.lstrip("+-").isdigit() and len(value) <= 30):
            raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, not {text[:40]}")
        return number

    parse.__name__ = "whole number"
    return parse


def read_secret(args: argparse.Namespace, prompt: str = "Password: ") -> str:
    """The acting user's password: PEERDESK_PASSWORD, --password-stdin, or a terminal prompt."""
    if getattr(args, "password_stdin", False):
        try:
            line = sys.stdin.readline()
        except UnicodeDecodeError as exc:
            raise UsageError("the password on standard input is not valid UTF-8 text") from exc
        if not line:
            raise UsageError("--password-stdin was given but standard input is empty")
        return line.rstrip("\r\n")
    env = os.environ.get("PEERDESK_PASSWORD")
    if env is not None:
        return env
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise UsageError(
        "no password: set PEERDESK_PASSWORD, use --password-stdin, or run in a terminal"
    )


def read_first_admin_password(args: argparse.Namespace) -> str:
    """`init` and `server init`: the first administrator's password, typed twice at a
    terminal (or given once by --password-stdin or PEERDESK_PASSWORD)."""
    password = read_secret(args, "Password for the new admin account: ")
    if sys.stdin.isatty() and not args.password_stdin:
        if getpass.getpass("Repeat the password: ") != password:
            raise UsageError("the two passwords differ")
    return password


def print_recovery_key(recovery: str) -> None:
    print()
    print("RECOVERY KEY (shown only this once):")
    print(f"    {recovery}")
    print()
    print("Print it and lock it away. It opens the store if every password is lost;")
    print("each use is recorded in the audit log.")


def read_own_new_password() -> str:
    """One's own new password: PEERDESK_NEW_PASSWORD, or typed twice on a terminal."""
    env = os.environ.get("PEERDESK_NEW_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise UsageError("no new password: set PEERDESK_NEW_PASSWORD or run in a terminal")
    new = getpass.getpass("New password: ")
    if getpass.getpass("Repeat the new password: ") != new:
        raise UsageError("the two new passwords differ")
    return new


def read_new_password(label: str) -> tuple[str, bool]:
    """A new password for an account: PEERDESK_NEW_PASSWORD, or one generated and printed."""
    env = os.environ.get("PEERDESK_NEW_PASSWORD")
    if env is not None:
        return env, False
    from peerdesk.services.accounts import generate_password

    return generate_password(), True


@dataclass(frozen=True)
class Credentials:
    username: str | None = None
    password: str | None = None
    recovery_key: str | None = None


def read_credentials(args: argparse.Namespace) -> Credentials:
    """Who is acting: the recovery key (stdin or PEERDESK_RECOVERY_KEY, audited), or
    --user/PEERDESK_USER with the password from PEERDESK_PASSWORD, stdin or a prompt."""
    recovery = os.environ.get("PEERDESK_RECOVERY_KEY")
    if getattr(args, "recovery_key_stdin", False):
        recovery = sys.stdin.readline().strip()
    if recovery:
        return Credentials(recovery_key=recovery)
    user = args.user or os.environ.get("PEERDESK_USER")
    if not user:
        raise UsageError("say who you are with --user NAME or PEERDESK_USER")
    return Credentials(user, read_secret(args))


def open_for_command(  # noqa: ANN201 - (Store, Actor)
    args: argparse.Namespace, who: Credentials | None = None, first_password_ok: bool = False
):
    """Unlock the store for a command with --user/--password-stdin or the recovery key.

    An account still on the password an administrator gave it is refused (one line that
    points to 'peerdesk user password'), except by that command itself.
    """
    from peerdesk.services.store import open_store, resolve_data_dir

    who = who or read_credentials(args)
    store, actor = open_store(
        resolve_data_dir(args.data_dir),
        who.username,
        who.password,
        who.recovery_key,
        refuse_first_password=not first_password_ok,
    )
    tell_rollback(store)
    return store, actor


def tell_rollback(store: object) -> None:
    """An unacknowledged older copy of the store: said once per command, on stderr."""
    from peerdesk.services.rollback import WARNING

    if getattr(store, "rollback", None) is not None:
        print(f"peerdesk: warning: {WARNING}", file=sys.stderr)


def _store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="account name (or PEERDESK_USER)")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    p.add_argument(
        "--recovery-key-stdin",
        action="store_true",
        help="emergency access: read the recovery key from standard input (audited)",
    )


def build_parser() -> argparse.ArgumentParser:
    from peerdesk import cli_commands as cmd

    parser = _Parser(prog="peerdesk", description="PeerDesk: peer support records, offline.")
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--data-dir", help="data folder (or PEERDESK_DATA_DIR)")
    parser.add_argument(
        "--demo", action="store_true", help="open the app on a demo store with sample data"
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("self-test", help="check SQLCipher 4, keyring, Qt and PDF rendering")
    p.add_argument(
        "--gui",
        action="store_true",
        help="also write and read back a store, open the window (offscreen without a "
        "display) and draw a report page",
    )
    p.set_defaults(func=cmd.self_test)

    p = sub.add_parser("init", help="create a store; prints the recovery key once")
    p.add_argument("--admin", required=True, help="username of the first admin account")
    p.add_argument("--display-name", default="")
    p.add_argument("--site", default="Main site", help="site name")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=cmd.init)

    p = sub.add_parser("demo", help="create a demo store with realistic sample data")
    p.add_argument("--sessions", type=bounded_int(0, MAX_DEMO_SESSIONS), default=3000, metavar="N")
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=1, metavar="S")
    p.add_argument(
        "--years",
        type=bounded_int(1, MAX_DEMO_YEARS),
        default=1,
        metavar="N",
        help=f"spread the sessions over years ending today (1-{MAX_DEMO_YEARS}, default 1)",
    )
    p.add_argument(
        "--sites",
        type=bounded_int(1, MAX_DEMO_SITES),
        default=1,
        metavar="N",
        help=f"share the program out over N sites (1-{MAX_DEMO_SITES}, default 1), with a "
        "coordinator per site and an organisation coordinator (orgcoord)",
    )
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--force", action="store_true", help="replace an existing demo store")
    p.add_argument(
        "--user",
        help="server mode: the administrator of a server set up with 'server init' (fills it)",
    )
    p.set_defaults(func=cmd.demo)

    user = sub.add_parser("user", help="manage accounts (admin)")
    usub = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    p = usub.add_parser(
        "add",
        help="add an account; the new password comes from "
        "PEERDESK_NEW_PASSWORD or is generated and printed",
    )
    p.add_argument("username")
    p.add_argument(
        "--role", required=True, choices=["supporter", "coordinator", "admin", "org_coordinator"]
    )
    p.add_argument("--display-name", default="")
    p.add_argument(
        "--site",
        help="the site the account belongs to (needed for supporters and coordinators once "
        "the store has several sites; see 'peerdesk site list')",
    )
    _store_options(p)
    p.set_defaults(func=cmd.user_add)
    p = usub.add_parser("set-site", help="move an account to another site (admin; audited)")
    p.add_argument("username")
    p.add_argument("--site", required=True, help="the site's name")
    _store_options(p)
    p.set_defaults(func=cmd.user_set_site)
    p = usub.add_parser("list", help="list accounts")
    _store_options(p)
    p.set_defaults(func=cmd.user_list)
    p = usub.add_parser("disable", help="disable an account")
    p.add_argument("username")
    _store_options(p)
    p.set_defaults(func=cmd.user_disable)
    p = usub.add_parser(
        "reset-password",
        help="set a new password (PEERDESK_NEW_PASSWORD or generated) and lift a lock-out",
    )
    p.add_argument("username")
    _store_options(p)
    p.set_defaults(func=cmd.user_reset_password)
    p = usub.add_parser(
        "enable",
        help="re-enable a disabled account with a new password "
        "(PEERDESK_NEW_PASSWORD or generated)",
    )
    p.add_argument("username")
    _store_options(p)
    p.set_defaults(func=cmd.user_enable)
    p = usub.add_parser("unlock", help="lift a lock-out after too many failed sign-ins")
    p.add_argument("username")
    _store_options(p)
    p.set_defaults(func=cmd.user_unlock)
    p = usub.add_parser(
        "password",
        help="change your own password (--user NAME; the new one from "
        "PEERDESK_NEW_PASSWORD or typed twice)",
    )
    _store_options(p)
    p.set_defaults(func=cmd.user_password)

    imp = sub.add_parser("import", help="import supporters or resources from CSV (all or nothing)")
    isub = imp.add_subparsers(dest="import_kind", required=True, parser_class=_Parser)
    for kind in ("supporters", "resources"):
        p = isub.add_parser(kind)
        p.add_argument("file", type=Path)
        _store_options(p)
        p.set_defaults(func=cmd.import_csv, kind=kind)

    p = sub.add_parser("export", help="all data as CSV, one file per kind (coordinator; audited)")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--include-names",
        action="store_true",
        help="also export participant names and contact details",
    )
    _store_options(p)
    p.set_defaults(func=cmd.export)

    p = sub.add_parser(
        "backup",
        help="write an encrypted, verified backup (admin; works while the app is open)",
    )
    p.add_argument("--out", type=Path, help="backup file (.pdbackup is added if missing)")
    p.add_argument(
        "--unattended",
        action="store_true",
        help="no password: the backup-only secret kept by the OS (see 'service "
        "enable-backup'); writes into the policy's backup_dir unless --out is given",
    )
    _store_options(p)
    p.set_defaults(func=cmd.backup)

    p = sub.add_parser("restore", help="restore a backup into an empty data folder")
    p.add_argument("file", type=Path)
    _store_options(p)
    p.set_defaults(func=cmd.restore)

    p = sub.add_parser("verify", help="check integrity, foreign keys and the audit chain")
    p.add_argument(
        "--acknowledge-rollback",
        action="store_true",
        help="admin: record that an older copy of the store put back was checked (audited)",
    )
    _store_options(p)
    p.set_defaults(func=cmd.verify)

    for register in cmd.EXTRA_COMMANDS:
        register(sub, _store_options)
    return parser


it_log = logging.getLogger("peerdesk.it")


def _command_name(args: argparse.Namespace) -> str:
    if args.command is None:
        return "the desktop app (demo)" if args.demo else "the desktop app"
    parts = (
        "user_command",
        "import_kind",
        "service_command",
        "policy_command",
        "server_command",
        "site_command",
    )
    sub = [getattr(args, a, None) for a in parts]
    return " ".join(str(p) for p in (args.command, *sub) if p)


def _start_it_log(args: argparse.Namespace, command: str) -> None:
    """Attach the IT log (see services/it_log.py) and note the start."""
    from peerdesk.services.it_log import setup_it_log
    from peerdesk.services.locations import resolve_data_dir

    try:
        data_dir: Path | None = resolve_data_dir(args.data_dir)
    except PeerDeskError:
        data_dir = None  # a bad machine policy: the command itself reports it
    if args.command == "demo" or args.demo:
        data_dir = None if not args.data_dir else data_dir
    setup_it_log(data_dir)
    it_log.info("start: peerdesk %s, %s", __version__, command)


# Names and secrets must be text; file paths may hold any bytes the OS allows.
TEXT_ARGUMENTS = ("user", "username", "admin", "display_name", "site", "month")
TEXT_ENVIRONMENT = ("PEERDESK_USER", "PEERDESK_PASSWORD", "PEERDESK_NEW_PASSWORD")


def _undecodable(text: str) -> bool:
    """Python keeps bytes that are not UTF-8 as lone surrogates (surrogateescape)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _refuse_undecodable(args: argparse.Namespace) -> None:
    for name in TEXT_ARGUMENTS:
        value = getattr(args, name, None)
        if isinstance(value, str) and _undecodable(value):
            option = name if name == "username" else "--" + name.replace("_", "-")
            raise UsageError(f"{option} is not valid text: use UTF-8 characters only")
    for name in TEXT_ENVIRONMENT:
        value = os.environ.get(name)
        if value is not None and _undecodable(value):
            raise UsageError(f"{name} is not valid text: use UTF-8 characters only")


def _known_fault(exc: BaseException, argv: Sequence[str] | None) -> PeerDeskError | None:
    """The last resort: an OS or database error no command caught, named by faults.py."""
    from peerdesk.faults import connection_lost, fault

    lost = connection_lost(exc, "")  # server mode: which server is not known down here
    if lost is not None:
        return lost

    path: object = getattr(exc, "filename", None)
    store_path = None
    try:
        from peerdesk.services.locations import resolve_data_dir

        args = build_parser().parse_known_args(argv)[0]
        store_path = resolve_data_dir(args.data_dir) / "peerdesk.db"
    except (PeerDeskError, SystemExit, OSError, ValueError):
        pass
    where = path if isinstance(path, str | os.PathLike) else store_path or "the data folder"
    return fault(exc, Path(where), store_path)


def main(argv: Sequence[str] | None = None) -> int:
    command = "?"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        _refuse_undecodable(args)
        command = _command_name(args)
        _start_it_log(args, command)
        if args.command is None:
            from peerdesk import cli_commands as cmd

            return cmd.gui(args)
        return int(args.func(args))
    except PeerDeskError as exc:
        # One line even if a message quotes text with a line break (a file name, a cell).
        print(f"peerdesk: error: {' '.join(str(exc).splitlines())}", file=sys.stderr)
        # The class only: a message may quote a CSV cell or a typed name.
        it_log.error("%s ended with %s (exit %d)", command, type(exc).__name__, exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        print("peerdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        known = _known_fault(exc, argv)
        if known is not None:  # damage, a full disk, permissions: the table in faults.py
            print(f"peerdesk: error: {' '.join(str(known).splitlines())}", file=sys.stderr)
            it_log.error(
                "%s ended with %s (exit %d)", command, type(known).__name__, known.exit_code
            )
            return known.exit_code
        it_log.error("%s failed unexpectedly: %s", command, type(exc).__name__)
        if os.environ.get("PEERDESK_DEBUG") == "1":
            raise
        print(
            f"peerdesk: unexpected error ({type(exc).__name__}); "
            "run with PEERDESK_DEBUG=1 for details",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    raise SystemExit(main())

"""`peerdesk report`: the summary PDF, with the same figures as CSV and JSON (coordinators)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peerdesk.errors import PeerDeskError, StorageFullError, UsageError

PDF_PASSWORD_ENV = "PEERDESK_PDF_PASSWORD"


def register(subparsers: Any, store_options: Callable[[argparse.ArgumentParser], None]) -> None:
    p = subparsers.add_parser(
        "report",
        help="monthly summary PDF, with the same figures as CSV and JSON (coordinator; audited)",
        description="Write the de-identified summary report for a calendar month, or an "
        "internal report (--no-suppression) for any date range.",
    )
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-03")
    when.add_argument(
        "--from",
        dest="date_from",
        metavar="DATE",
        help="first day, YYYY-MM-DD (other ranges than a month need --no-suppression)",
    )
    p.add_argument(
        "--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD (with --from)"
    )
    p.add_argument("--out", type=Path, metavar="FILE.pdf", help="where to write the PDF")
    p.add_argument(
        "--page-size",
        metavar="A4|Letter",
        help="paper of the PDF (default: the policy's report_page_size, normally A4)",
    )
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the figures as CSV")
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--org",
        action="store_true",
        help="the organisation report: every site's counts added up, then small counts "
        "hidden (organisation coordinator)",
    )
    where.add_argument(
        "--site",
        metavar="NAME",
        help="one site's report (a coordinator's own site is the default; an organisation "
        "coordinator may name any site)",
    )
    p.add_argument(
        "--no-suppression",
        action="store_true",
        help="show small counts too (internal use only; every page and file says so)",
    )
    p.add_argument(
        "--pdf-password-stdin",
        action="store_true",
        help="protect the PDF with AES-256; the password is read from standard input, on the "
        f"line after the account password if that comes from stdin too (or {PDF_PASSWORD_ENV})",
    )
    store_options(p)
    p.set_defaults(func=run)


def _period(args: argparse.Namespace):  # noqa: ANN202 - Period
    from peerdesk.services.reports.period import Period

    if args.month:
        if args.date_to:
            raise UsageError("use --to with --from, not with --month")
        return Period.month(args.month)
    if not args.date_to:
        raise UsageError("--from needs --to")
    return Period.parse_range(args.date_from, args.date_to)


def _pdf_password(args: argparse.Namespace) -> str | None:
    """From the line after the account password when both come through standard input."""
    if args.pdf_password_stdin:
        line = sys.stdin.readline()
        if not line.rstrip("\r\n"):
            raise UsageError("--pdf-password-stdin was given but no password was read")
        return line.rstrip("\r\n")
    return os.environ.get(PDF_PASSWORD_ENV) or None


def _write_stdout(text: str) -> None:
    """The JSON on standard output as UTF-8, whatever the console's encoding."""
    stream = sys.stdout
    if stream is None:
        raise PeerDeskError("standard output is closed; write files with --out or --csv instead")
    try:
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            buffer.write(text.encode("utf-8"))
            buffer.flush()
        else:
            stream.write(text)
            stream.flush()
    except BrokenPipeError as exc:
        # The reader went away (e.g. `| head`); keep the exit-time flush from failing again.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        raise PeerDeskError("standard output was closed before all the JSON was written") from exc
    except OSError as exc:
        error = StorageFullError if exc.errno == errno.ENOSPC else PeerDeskError
        raise error(f"could not write the JSON to standard output: {exc.strerror or exc}") from exc


def run(args: argparse.Namespace) -> int:
    from peerdesk.cli import open_for_command
    from peerdesk.services.output_paths import check_output_path
    from peerdesk.services.reports.files import save_report
    from peerdesk.services.reports.output import to_json
    from peerdesk.services.reports.pdf import page_size, render_pdf
    from peerdesk.services.reports.run import ReportFor, build_report

    period = _period(args)
    if args.out is None and args.csv is None and not args.json:
        raise UsageError("say what to produce: --out FILE.pdf, --csv FILE and/or --json")
    if args.out is not None and args.out.suffix.lower() != ".pdf":
        raise UsageError("--out must name a .pdf file")
    if args.pdf_password_stdin and args.out is None:
        raise UsageError("a PDF password needs --out FILE.pdf")
    if args.page_size is not None:
        if args.out is None:
            raise UsageError("--page-size needs --out FILE.pdf")
        try:
            page_size(args.page_size)
        except PeerDeskError as exc:
            raise UsageError(str(exc)) from exc
    for target in (args.out, args.csv):
        if target is not None:  # before unlocking: refused at once, nothing is rendered
            check_output_path(target)
    store, actor = open_for_command(args)
    try:
        password = _pdf_password(args) if args.out is not None else None
        which = ReportFor(site=args.site, organisation=args.org)
        report = build_report(store, actor, period, suppress=not args.no_suppression, which=which)
        pdf = None
        if args.out is not None:
            paper = args.page_size or store.policy.report_page_size
            pdf = render_pdf(report, author=actor.display_name, paper=paper)
        # The files and the audit event together: a failure leaves neither.
        save_report(
            store,
            actor,
            report,
            pdf,
            args.out,
            args.csv,
            password,
            also=("json",) if args.json else (),
        )
        if args.json:
            _write_stdout(to_json(report))
        else:
            written = ", ".join(str(p) for p in (args.out, args.csv) if p is not None)
            merged = report.figures.sites_merged
            what = f"organisation report ({', '.join(merged)})" if merged else report.figures.site
            print(f"report for {period.label}, {what}, written: {written}")
    finally:
        store.close()
    return 0

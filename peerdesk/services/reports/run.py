"""Running a summary report: permission, figures, suppression, files, audit.

The CLI and the Reports screen both go through here, so both get the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerdesk.errors import PermissionDeniedError, UsageError
from peerdesk.models import Site, utcnow
from peerdesk.services.auth import Actor
from peerdesk.services.files import atomic_path
from peerdesk.services.output_paths import check_output_path
from peerdesk.services.reports.data import ReportSites, collect_figures
from peerdesk.services.reports.pdf import Progress, protect_pdf, render_pdf
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.suppression import ShownReport, Suppression, apply
from peerdesk.services.reports.tables import build_tables
from peerdesk.services.scope import EVERY_SITE, report_scope
from peerdesk.services.sites import find_site
from peerdesk.services.store import Store


@dataclass(frozen=True)
class ReportFor:
    """Which report: the person's own site (None, None), a named site, or the
    organisation report that adds up every site's counts before hiding small ones."""

    site: str | None = None
    organisation: bool = False


def build_report(
    store: Store,
    actor: Actor,
    period: Period,
    suppress: bool = True,
    now: datetime | None = None,
    which: ReportFor | None = None,
) -> ShownReport:
    """Figures for the period, laid out and suppressed; nothing is audited, and the only
    write is the trend figures of months already over (report_months), kept exact.

    An organisation report counts every site's records together, so each cell is the sum
    of the sites' cells, and only then hides small counts: 3 at one site and 3 at another
    show as 6 (threshold 5), never as two hidden cells."""
    actor.require("reports.run", "run reports")
    if not suppress:
        actor.require("reports.internal", "make internal reports (suppression off)")
    check_period_rule(period, suppress)
    with store.session() as s:  # one read transaction: all figures from one snapshot
        sites = report_sites(s, actor, which or ReportFor())
        figures = collect_figures(s, period, now or utcnow(), sites)
    rule = Suppression(enabled=suppress, threshold=store.policy.suppression_threshold)
    return apply(build_tables(figures, rule.threshold if rule.active else None), rule)


def report_sites(s: Session, actor: Actor, which: ReportFor) -> ReportSites:
    """What the report covers, and whether this person may have it: a coordinator their
    own site; an organisation coordinator any site or the organisation; emergency access
    anything (by default the whole store, as before sites)."""
    all_sites = list(s.execute(select(Site.id, Site.name).order_by(Site.created_at, Site.id)))
    names = tuple(name for _, name in all_sites)
    if which.organisation:
        actor.require("reports.org", "make the organisation report")
        label = f"Organisation · {len(names)} site" + ("" if len(names) == 1 else "s")
        return ReportSites(label, EVERY_SITE, names)
    wide = actor.emergency or actor.can("reports.org")
    if which.site is not None:
        site = find_site(s, which.site)
        if not wide and site.id != actor.site_id:
            raise PermissionDeniedError(
                f"your role ({actor.role}) may report on your own site only"
            )
        return ReportSites(site.name, report_scope(s, [site.id]))
    if actor.emergency or (actor.can("reports.org") and len(all_sites) > 1):
        if not actor.emergency:
            raise UsageError(
                "say which report: the organisation report (--org) or one site (--site NAME)"
            )
        first = names[0] if names else "PeerDesk"
        return ReportSites(first if len(names) == 1 else f"All {len(names)} sites", EVERY_SITE)
    own = [sid for sid, _ in all_sites if sid == actor.site_id] or (
        [all_sites[0][0]] if len(all_sites) == 1 else []
    )
    if not own:
        raise PermissionDeniedError("your account belongs to no site; ask an administrator")
    label = next(name for sid, name in all_sites if sid == own[0])
    return ReportSites(label, report_scope(s, own))


def check_period_rule(period: Period, suppress: bool) -> None:
    """De-identified reports cover whole calendar months only (docs/reports.md).

    Months are a fixed partition of time: no de-identified report can be subtracted from
    another to isolate a few days, or one month from a quarter. Any other range is an
    internal report with nothing hidden, marked as such on every page and file, audited.
    """
    if suppress and not period.is_month:
        raise UsageError(
            "de-identified reports cover whole calendar months only (so that two reports "
            "cannot be subtracted to reveal a few days); for other dates make an internal "
            "report with suppression off (--no-suppression)"
        )


@dataclass(frozen=True)
class RenderedReport:
    report: ShownReport
    pdf: bytes
    paper: str = "A4"  # "A4" or "Letter"


def render_report(
    store: Store,
    actor: Actor,
    period: Period,
    suppress: bool = True,
    progress: Progress | None = None,
    paper: str | None = None,
    which: ReportFor | None = None,
) -> RenderedReport:
    """Build and lay out a report in memory (for the preview); safe off the GUI thread.

    `paper` is "A4" or "Letter"; by default the policy's report_page_size.
    """
    if progress:
        progress(0.05, "Counting")
    report = build_report(store, actor, period, suppress, which=which)
    if progress:
        progress(0.4, "Laying out the PDF")

    def laid_out(fraction: float, text: str) -> None:
        if progress:
            progress(0.4 + 0.5 * fraction, text)

    paper = paper or store.policy.report_page_size
    pdf = render_pdf(report, author=actor.display_name, progress=laid_out, paper=paper)
    return RenderedReport(report, pdf, paper)


def write_pdf(target: Path, pdf: bytes, password: str | None = None) -> None:
    """Write atomically; with a password the file is encrypted with AES-256."""
    data = protect_pdf(pdf, password) if password else pdf
    with atomic_path(check_output_path(Path(target))) as tmp:
        tmp.write_bytes(data)


def audit_report(
    store: Store,
    actor: Actor,
    report: ShownReport,
    outputs: list[str],
    encrypted: bool = False,
) -> None:
    """One audit event per report produced: period, suppression and which outputs."""
    f = report.figures
    with store.session() as s:
        store.audit(
            s,
            actor,
            "report.create",
            "report",
            f.period.slug,
            {
                "from": f.period.start.isoformat(),
                "to": f.period.end.isoformat(),
                "suppression": report.rule.enabled,
                "threshold": report.rule.threshold,
                "outputs": sorted(outputs),
                "encrypted": encrypted,
                "site": f.site,
                **({"sites_merged": list(f.sites_merged)} if f.sites_merged else {}),
            },
        )

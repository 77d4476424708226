"""Saving a report's files and its audit event together (the CLI and the Reports screen).

The files are written to hidden temporary names beside their targets first; the audit
event is committed next; only then do the files take their names. A failure before that
point (a full disk while writing, a store that cannot record the event) leaves no file
behind and no event, so a report nobody can see in the audit log never appears.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from peerdesk.services.auth import Actor
from peerdesk.services.files import atomic_path
from peerdesk.services.output_paths import check_output_path
from peerdesk.services.reports.output import to_csv
from peerdesk.services.reports.pdf import protect_pdf
from peerdesk.services.reports.run import audit_report
from peerdesk.services.reports.suppression import ShownReport
from peerdesk.services.spreadsheet import BOM
from peerdesk.services.store import Store


def save_report(
    store: Store,
    actor: Actor,
    report: ShownReport,
    pdf: bytes | None = None,
    pdf_path: Path | None = None,
    csv_path: Path | None = None,
    password: str | None = None,
    also: tuple[str, ...] = (),
) -> list[str]:
    """Write the PDF and/or CSV and audit them as one step; returns the outputs audited.

    `also` names outputs produced elsewhere (e.g. "json" on standard output) that belong
    to the same audit event.
    """
    targets = [(p, d) for p, d in ((pdf_path, pdf), (csv_path, True)) if p is not None]
    for path, _ in targets:
        check_output_path(Path(path), store.data_dir)
    outputs: list[str] = []
    with contextlib.ExitStack() as stack:
        if pdf_path is not None:
            if pdf is None:
                raise ValueError("a PDF path needs the PDF")
            tmp = stack.enter_context(atomic_path(Path(pdf_path)))
            tmp.write_bytes(protect_pdf(pdf, password) if password else pdf)
            outputs.append("pdf")
        if csv_path is not None:
            tmp = stack.enter_context(atomic_path(Path(csv_path)))
            tmp.write_bytes((BOM + to_csv(report)).encode("utf-8"))
            outputs.append("csv")
        outputs += list(also)
        # Committed before the files take their names; on failure the temp files go.
        audit_report(store, actor, report, outputs, encrypted=bool(password and pdf_path))
    return outputs

"""CSV and JSON forms of a report, read from the same suppressed tables as the PDF."""

from __future__ import annotations

import json
from typing import Any

from peerdesk import __version__
from peerdesk.services.reports.suppression import ShownReport, ShownTable
from peerdesk.services.spreadsheet import csv_text

CSV_HEADER = ("table", "row", "column", "value")


def _table_dict(t: ShownTable) -> dict[str, Any]:
    return {
        "key": t.key,
        "title": t.title,
        "section": t.section,
        "columns": [{"key": k, "label": label} for k, label in t.columns],
        "rows": [
            {
                "key": r.key,
                "label": r.label,
                "total": r.total,
                "values": {c: cell.value for c, cell in r.cells.items()},
            }
            for r in t.rows
        ],
        "note": t.note,
    }


def to_dict(report: ShownReport) -> dict[str, Any]:
    f = report.figures
    return {
        "format": "peerdesk-summary-report",
        "version": 1,
        "generator": f"PeerDesk {__version__}",
        "site": f.site,
        # An organisation report: the sites whose counts were added up before suppression.
        "sites_merged": list(f.sites_merged),
        "period": {
            "label": f.period.label,
            "start": f.period.start.isoformat(),
            "end": f.period.end.isoformat(),
        },
        "previous_period": {
            "label": f.previous.label,
            "start": f.previous.start.isoformat(),
            "end": f.previous.end.isoformat(),
        },
        "generated_at": f.generated_at.isoformat(timespec="seconds"),
        "suppression": {
            "applied": report.rule.enabled,
            # not de-identified: any range other than a month, made by a coordinator, audited
            "internal": not report.rule.enabled,
            "threshold": report.rule.threshold,
            "marker": report.rule.marker,
            "explanation": report.rule.describe(),
        },
        "headline": _table_dict(report.headline),
        "tables": [_table_dict(t) for t in report.sections],
    }


def to_json(report: ShownReport) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_csv(report: ShownReport) -> str:
    """Long format, one number a line: table, row, column, value (same values as the JSON).

    Cells are written by services.spreadsheet (the file writer adds the BOM): whole
    numbers stay numbers, dates are real dates, labels and markers stay text.
    """
    f = report.figures
    rows: list[tuple[object, ...]] = [
        ("report", label, "", value)
        for label, value in (
            ("Site", f.site),
            *((("Sites merged", f.merged_text),) if f.sites_merged else ()),
            ("Period", f.period.label),
            ("From", f.period.start),
            ("To", f.period.end),
            ("Generated", f.generated_at),
            ("Suppression", report.rule.describe()),
        )
    ]
    for t in (report.headline, *report.sections):
        labels = dict(t.columns)
        for r in t.rows:
            for c, cell in r.cells.items():
                rows.append((t.title, r.label, labels.get(c, c), cell.value))
    return csv_text(CSV_HEADER, rows)

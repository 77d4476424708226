"""Render time of the summary report on a 200,000-session demo store.

    python benchmarks/bench_report.py [--sessions 200000] [--data-dir DIR] [--out-dir DIR]

Builds a demo store (unless --data-dir holds one made with --password), finds its
busiest month, and times: figures (SQL) and the PDF for that month, then for the
whole last year. With --out-dir the PDFs are kept for looking at (pdftoppm -r 60 -png).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("PEERDESK_INSECURE_FAST_KDF", "1")

from peerdesk.services.demo import build_demo  # noqa: E402
from peerdesk.services.report_pdf import render_pdf  # noqa: E402
from peerdesk.services.report_period import Period  # noqa: E402
from peerdesk.services.report_run import build_report  # noqa: E402
from peerdesk.services.store import open_store, store_exists  # noqa: E402

PASSWORD = "bench-report-passphrase"


def timed(label: str, store, actor, period: Period, out_dir: Path | None) -> None:  # noqa: ANN001
    t0 = time.perf_counter()
    report = build_report(store, actor, period)
    t1 = time.perf_counter()
    pdf = render_pdf(report)
    t2 = time.perf_counter()
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
    print(
        f"{label:<28} {period.label:<34} contacts {report.figures.current.contacts:>7,}  "
        f"figures {t1 - t0:6.2f} s  pdf {t2 - t1:5.2f} s  total {t2 - t0:6.2f} s  "
        f"({len(pdf) / 1024:.0f} KiB, ~{pages} pages)"
    )
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{period.slug}.pdf").write_bytes(pdf)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--password", default=PASSWORD)
    ap.add_argument("--out-dir", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "demo"
        if not store_exists(data_dir):
            t0 = time.perf_counter()
            build_demo(data_dir, sessions=args.sessions, seed=args.seed, password=args.password)
            print(
                f"demo store with {args.sessions:,} sessions built in "
                f"{time.perf_counter() - t0:.1f} s"
            )
        store, actor = open_store(data_dir, "coordinator", args.password)
        try:
            today = date.today()
            probe = build_report(store, actor, Period.of_month(today.year, today.month))
            busiest = max(probe.figures.trend, key=lambda p: p.contacts).month
            year = Period(probe.figures.trend[0].month.start, probe.figures.trend[-1].month.end)
            timed("busiest month", store, actor, busiest, args.out_dir)
            timed("whole year (12 months)", store, actor, year, args.out_dir)
        finally:
            store.close()


if __name__ == "__main__":
    main()

"""Does a month report cost the month or the store? The same month's report in a store
of one year and in a store ten times older with the same sessions a month.

    python benchmarks/bench_report_growth.py --base DIR --password PW [--years 10]
        [--month 2026-03] [--repeat 3]

--base is a one-year demo store (e.g. `peerdesk demo --sessions 20000`). Until `demo
--years N` exists, the older store is made here: a copy of the base store whose
episodes, sessions (with concerns and attendance), referrals (with their history),
check-ins and outcome answers are repeated for each of the N-1 years before, dates moved
back a whole year at a time (same participants, supporters and resources). Each report
is timed from a fresh unlock (a cold page cache, as the CLI has), with the kept month
figures (report_months) as a report leaves them, and with them cleared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

from sqlalchemy import text  # noqa: E402

from peerdesk.services.reports.data import collect_figures  # noqa: E402
from peerdesk.services.reports.pdf import render_pdf  # noqa: E402
from peerdesk.services.reports.period import Period  # noqa: E402
from peerdesk.services.reports.suppression import Suppression, apply  # noqa: E402
from peerdesk.services.reports.tables import build_tables  # noqa: E402
from peerdesk.services.store import open_store  # noqa: E402

# Copied in this order (foreign keys); rows made here have ids starting with "Y".
TABLES = (
    "episodes",
    "support_sessions",
    "session_concerns",
    "session_attendance",
    "referrals",
    "referral_status_changes",
    "checkins",
    "outcome_answers",
)
ID_COLUMNS = {"id", "episode_id", "session_id", "referral_id"}


def _older_store(base: Path, target: Path, password: str, years: int) -> None:
    if target.exists():
        return
    shutil.copytree(base, target)
    store, _ = open_store(target, "admin", password)
    try:
        with store.session() as s:
            for table in TABLES:
                info = s.execute(text(f'PRAGMA table_info("{table}")')).all()
                cols = [(r[1], (r[2] or "").upper()) for r in info]
                key = "id" if any(c == "id" for c, _ in cols) else "session_id"
                for k in range(1, years):
                    exprs = []
                    for name, kind in cols:
                        if name in ID_COLUMNS:
                            exprs.append(
                                f"CASE WHEN {name} IS NULL THEN NULL ELSE "
                                f"'Y' || printf('%02d', {k}) || substr({name}, 4) END"
                            )
                        elif kind in ("DATE", "DATETIME"):
                            # Text dates: move the year back (no 29 February in the base).
                            exprs.append(
                                f"CASE WHEN {name} IS NULL THEN NULL ELSE printf('%04d', "
                                f"CAST(substr({name}, 1, 4) AS INTEGER) - {k}) || "
                                f"substr({name}, 5) END"
                            )
                        else:
                            exprs.append(name)
                    names = ", ".join(f'"{c}"' for c, _ in cols)
                    s.execute(
                        text(
                            f'INSERT INTO "{table}" ({names}) SELECT {", ".join(exprs)} '
                            f"FROM \"{table}\" WHERE {key} NOT LIKE 'Y%'"
                        )
                    )
            s.execute(text("DELETE FROM report_months"))
    finally:
        store.close()


def _time_month(
    data_dir: Path, password: str, month: Period, clear: bool
) -> tuple[float, float, float]:
    """(figures, figures + suppression + PDF, CPU of both) seconds, from a fresh unlock."""
    store, _ = open_store(data_dir, "coordinator", password)
    try:
        if clear:
            with store.session() as s:
                s.execute(text("DELETE FROM report_months"))
            store.close()
            store, _ = open_store(data_dir, "coordinator", password)
        from datetime import datetime

        t0, c0 = time.perf_counter(), time.process_time()
        with store.session() as s:
            figures = collect_figures(s, month, datetime.now())
        t1 = time.perf_counter()
        rule = Suppression(True, store.policy.suppression_threshold)
        render_pdf(apply(build_tables(figures, rule.threshold), rule))
        t2, c2 = time.perf_counter(), time.process_time()
        return t1 - t0, t2 - t0, c2 - c0
    finally:
        store.close()


def _sessions(data_dir: Path, password: str) -> int:
    store, _ = open_store(data_dir, "admin", password)
    try:
        with store.session() as s:
            return int(s.execute(text("SELECT count(*) FROM support_sessions")).scalar())
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--month", default="2026-03")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    older = args.base.with_name(f"{args.base.name}-x{args.years}y")
    t0 = time.perf_counter()
    _older_store(args.base, older, args.password, args.years)
    print(f"older store ready in {time.perf_counter() - t0:.0f} s; load {os.getloadavg()}")
    month = Period.month(args.month)
    results = {}
    for label, d in (("1 year", args.base), (f"{args.years} years", older)):
        n = _sessions(d, args.password)
        for clear in (False, True):
            _time_month(d, args.password, month, clear=False)  # leaves the months kept
            runs = [_time_month(d, args.password, month, clear) for _ in range(args.repeat)]
            fig = statistics.median(r[0] for r in runs)
            tot = statistics.median(r[1] for r in runs)
            cpu = statistics.median(r[2] for r in runs)
            kept = "cleared" if clear else "kept"
            results[(label, kept)] = (fig, tot, cpu)
            print(
                f"{label:>9} ({n:>7,} sessions), month figures {kept:<7}: "
                f"figures {fig:5.2f} s  with PDF {tot:5.2f} s  "
                f"(CPU {cpu:5.2f} s; median of {args.repeat})"
            )
    for kept in ("kept", "cleared"):
        a = results[("1 year", kept)]
        b = results[(f"{args.years} years", kept)]
        print(
            f"growth, month figures {kept}: figures x{b[0] / a[0]:.2f}, with PDF x{b[1] / a[1]:.2f}"
        )
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()

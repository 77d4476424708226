"""Where a month report spends its time: every SQL statement timed, the Python profile,
and the query plans of the slowest statements.

    python benchmarks/profile_report.py --data-dir DIR --password PW [--month 2026-03]
        [--repeat 3] [--cprofile] [--plans 5] [--year]

Without --month the busiest month of the last twelve is used. Prints the statements by
total time (SQLAlchemy cursor-execute event hooks), the phases (figures, tables,
suppression, PDF), peak memory, and with --plans N the EXPLAIN QUERY PLAN of the N
slowest statements.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from sqlalchemy import event, func, select  # noqa: E402

from peerdesk.models import SupportSession  # noqa: E402
from peerdesk.services.reports.data import collect_figures  # noqa: E402
from peerdesk.services.reports.pdf import render_pdf  # noqa: E402
from peerdesk.services.reports.period import Period  # noqa: E402
from peerdesk.services.reports.suppression import Suppression, apply  # noqa: E402
from peerdesk.services.reports.tables import build_tables  # noqa: E402
from peerdesk.services.store import open_store  # noqa: E402


def busiest_month(store) -> Period:  # noqa: ANN001
    today = date.today()
    months = Period.of_month(today.year, today.month).trend_months()
    best, most = months[-1], -1
    with store.session() as s:
        for m in months:
            lo, hi = m.bounds()
            n = s.scalar(
                select(func.count()).where(
                    SupportSession.started_at >= lo, SupportSession.started_at < hi
                )
            )
            if n > most:
                best, most = m, n
    return best


class StatementTimer:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.times: dict[str, list[float]] = defaultdict(list)
        self.params: dict[str, object] = {}
        self._t0: list[float] = []
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self._t0.append(time.perf_counter())

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        # Rows are fetched after this hook; sqlite computes most of a GROUP BY on the first
        # step, so this is close, and the phase totals below include the fetch anyway.
        self.times[statement].append(time.perf_counter() - self._t0.pop())
        self.params[statement] = parameters

    def report(self, top: int = 15) -> list[tuple[str, float]]:
        rows = sorted(((sum(v), len(v), k) for k, v in self.times.items()), reverse=True)
        total = sum(r[0] for r in rows)
        count = sum(r[1] for r in rows)
        print(f"SQL: {count} statements, {total:.2f} s")
        for t, n, k in rows[:top]:
            one = " ".join(k.split())[:150]
            print(f"  {t:6.3f} s  x{n:<3} {one}")
        return [(k, t) for t, _, k in rows]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--user", default="coordinator")
    ap.add_argument("--month")
    ap.add_argument("--year", action="store_true", help="the whole last twelve months")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--plans", type=int, default=0)
    args = ap.parse_args()
    t_open = time.perf_counter()
    store, actor = open_store(args.data_dir, args.user, args.password)
    print(f"unlock {time.perf_counter() - t_open:.2f} s; load {os.getloadavg()}")
    try:
        period = Period.month(args.month) if args.month else busiest_month(store)
        if args.year:  # the last twelve months, as benchmarks/bench_report.py does
            today = date.today()
            months = Period.of_month(today.year, today.month).trend_months()
            period = Period(months[0].start, months[-1].end)
        rule = Suppression(True, store.policy.suppression_threshold)
        for run in range(args.repeat):
            timer = StatementTimer(store.engine)
            prof = cProfile.Profile() if args.cprofile and run == args.repeat - 1 else None
            if prof:
                prof.enable()
            t0, c0 = time.perf_counter(), time.process_time()
            with store.session() as s:
                figures = collect_figures(s, period, __import__("datetime").datetime.now())
            t1 = time.perf_counter()
            tables = build_tables(figures, rule.threshold)
            t2 = time.perf_counter()
            shown = apply(tables, Suppression(enabled=not args.year, threshold=rule.threshold))
            t3 = time.perf_counter()
            pdf = render_pdf(shown)
            t4, c4 = time.perf_counter(), time.process_time()
            if prof:
                prof.disable()
            print(
                f"run {run + 1}: {period.label}: contacts {figures.current.contacts:,}  "
                f"figures {t1 - t0:.2f} s  tables {t2 - t1:.3f} s  suppression {t3 - t2:.3f} s  "
                f"pdf {t4 - t3:.2f} s  total {t4 - t0:.2f} s (cpu {c4 - c0:.2f} s)  "
                f"({len(pdf) // 1024} KiB)"
            )
            event.remove(store.engine, "before_cursor_execute", timer.before)
            event.remove(store.engine, "after_cursor_execute", timer.after)
        slow = timer.report()
        if prof:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
        for statement, _ in slow[: args.plans]:
            with store.engine.connect() as conn:
                plan = conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, timer.params[statement]
                ).all()
            print("\n" + " ".join(statement.split())[:300])
            for row in plan:
                print("   ", row[-1])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MB")
    finally:
        store.close()


if __name__ == "__main__":
    main()

"""Time of the suppression plan for a sparse referral table (30 destinations by 4
statuses, most cells from 1 to 10), the slow case docs/reports.md describes.

    python benchmarks/bench_suppression.py [--seeds 1 2 3] [--destinations 30]

Prints the plan's time and a digest of the hidden cells per seed, so a change to the
search can be checked to hide exactly the same cells.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from datetime import datetime

from peerdesk.services.reports.data import REFERRAL_GROUPS, Counts, ReportFigures
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.suppression import Suppression, apply, plan
from peerdesk.services.reports.tables import build_tables


def figures(seed: int, destinations: int) -> ReportFigures:
    rng = random.Random(seed)
    referrals = {}
    for d in range(destinations):
        for g in REFERRAL_GROUPS:
            n = rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12))
            if n:
                referrals[(f"Destination {d:02d}", g)] = n
    made = sum(referrals.values())
    open_ = sum(n for (_, g), n in referrals.items() if g == "open")
    attended = sum(n for (_, g), n in referrals.items() if g == "attended")
    month = Period.month("2026-03")
    current = Counts(
        contacts=900,
        people=400,
        referrals=made,
        referrals_closed_loop=made - open_,
        referrals_attended=attended,
    )
    return ReportFigures(
        site="Bench",
        period=month,
        previous=month.previous(),
        generated_at=datetime(2026, 4, 1),
        current=current,
        prior=Counts(),
        referrals=referrals,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    ap.add_argument("--destinations", type=int, default=30)
    args = ap.parse_args()
    rule = Suppression()
    for seed in args.seeds:
        tables = build_tables(figures(seed, args.destinations), rule.threshold)
        every = [tables.headline, *tables.tables, *([tables.implied] if tables.implied else [])]
        t0, c0 = time.perf_counter(), time.process_time()
        hidden = plan(every, tables.links, rule)
        t1, c1 = time.perf_counter(), time.process_time()
        apply(tables, rule)
        digest = hashlib.sha256(repr(sorted(hidden.items())).encode()).hexdigest()[:12]
        print(
            f"seed {seed}: plan {t1 - t0:6.2f} s (cpu {c1 - c0:5.2f} s)  "
            f"hidden {len(hidden):3d}  digest {digest}"
        )


if __name__ == "__main__":
    main()

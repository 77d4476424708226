"""Where the time goes: a profile of one everyday action on a cached benchmark store.

    python benchmarks/profile_action.py report      # the busiest month's figures
    python benchmarks/profile_action.py lists       # the list queries of run.py
    python benchmarks/profile_action.py unlock      # open_store as the coordinator
    python benchmarks/profile_action.py save        # 50 saves, in a scratch copy of the store

Uses pyinstrument when installed (`pip install pyinstrument`; not a dependency of
PeerDesk), otherwise cProfile sorted by cumulative time. The store is the one run.py
built for --sessions/--years/--seed (run that first).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402


def profiled(fn: Callable[[], object], out: Path | None) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        prof = cProfile.Profile()
        prof.runcall(fn)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
        return
    profiler = Profiler(interval=0.002)
    profiler.start()
    fn()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if out:
        out.write_text(profiler.output_html(), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("report", "lists", "unlock", "save"))
    ap.add_argument("--sessions", type=int, default=200_000)
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache-dir", type=Path, default=bench.DEFAULT_CACHE)
    ap.add_argument("--html", type=Path, help="also write pyinstrument's HTML here")
    args = ap.parse_args()
    data_dir, _ = bench.ensure_store(args.cache_dir, args.sessions, args.years, args.seed)
    if args.what == "unlock":

        def unlock() -> None:
            with bench.opened(data_dir, "coordinator"):
                pass

        profiled(unlock, args.html)
        return 0
    if args.what == "save":
        work = Path(tempfile.mkdtemp(prefix="peerdesk-profile-"))
        try:
            shutil.copytree(data_dir, work / "copy")
            profiled(lambda: bench.measure_saves(work / "copy", {}, 50), args.html)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    from peerdesk.services.reports.period import Period
    from peerdesk.services.reports.run import build_report

    with bench.opened(data_dir, "coordinator") as (store, actor):
        if args.what == "report":
            y, m, _ = bench.busiest_month(store)
            month = Period.of_month(y, m)
            profiled(lambda: build_report(store, actor, month), args.html)
        else:
            queries = bench.list_queries(store, actor, bench.supporter_actor(store))
            profiled(lambda: [fn() for fn in queries.values()], args.html)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Random (uuid4) against time-ordered (UUIDv7) record ids, measured interleaved.

    python benchmarks/ab_ids.py [--sessions 200000] [--rounds 4] [--saves 60]

Builds (or reuses, in run.py's cache) the demo store twice, once with uuid4 ids and once
with v7 ids stamped from each record's creation time, then alternates between the two:
the list queries of run.py on each store, and blocks of saves into a scratch copy of the
uuid4 store with new rows given uuid4 or v7 ids. Interleaving keeps a burst of load on a
shared machine from landing on one side only. Prints medians and the v7/v4 ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--saves", type=int, default=60, help="saves per block")
    ap.add_argument("--cache-dir", type=Path, default=bench.DEFAULT_CACHE)
    args = ap.parse_args()
    v4_dir, _ = bench.ensure_store(args.cache_dir, args.sessions, 1, args.seed)
    v7_dir, _ = bench.ensure_store(args.cache_dir, args.sessions, 1, args.seed, v7=True)

    lists: dict[str, dict[str, list[float]]] = {"v4": {}, "v7": {}}
    with ExitStack() as stack:
        queries = {}
        for name, folder in (("v4", v4_dir), ("v7", v7_dir)):
            store, actor = stack.enter_context(bench.opened(folder, "coordinator"))
            q = bench.list_queries(store, actor, bench.supporter_actor(store))
            q.pop("list_last_page_ms")  # seconds per call; not what ids change
            queries[name] = q
        for rnd in range(args.rounds + 1):  # the first round only warms the caches
            for key in queries["v4"]:
                for name in ("v4", "v7") if rnd % 2 else ("v7", "v4"):
                    t = time.perf_counter()
                    queries[name][key]()
                    if rnd:
                        lists[name].setdefault(key, []).append((time.perf_counter() - t) * 1000)

    import peerdesk.models.base as base

    v7 = base.uuid7
    saves: dict[str, list[float]] = {"v4": [], "v7": []}
    work = Path(tempfile.mkdtemp(prefix="peerdesk-ab-", dir=args.cache_dir))
    try:
        shutil.copytree(v4_dir, work / "copy")
        for rnd in range(args.rounds):
            for name in ("v4", "v7") if rnd % 2 == 0 else ("v7", "v4"):
                base.uuid7 = uuid.uuid4 if name == "v4" else v7  # type: ignore[assignment]
                out: dict[str, float] = {}
                bench.measure_saves(work / "copy", out, args.saves)
                saves[name].append(out["save_session_ms"])
    finally:
        base.uuid7 = v7  # type: ignore[assignment]
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nload average now {bench.load_average():.1f}")
    print(f"{'figure':<28}{'uuid4':>10}{'v7':>10}{'v7/v4':>8}")
    rows = {
        k: (statistics.median(lists["v4"][k]), statistics.median(lists["v7"][k]))
        for k in lists["v4"]
    }
    rows["save_session_ms"] = (statistics.median(saves["v4"]), statistics.median(saves["v7"]))
    for key, (a, b) in rows.items():
        print(f"{key:<28}{a:10.1f}{b:10.1f}{b / a:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Session list, Today and saving, measured in-process (no window), with query plans.

    python benchmarks/bench_lists.py --data-dir /tmp/peerdesk-bench-200k --password PW \
        [--user coordinator --user zoe.m] [--plans] [--save] [--repeat 5]

Each figure is the median of --repeat runs (after one warm-up run), in milliseconds,
with the number of SQL statements and the slowest one. --plans prints EXPLAIN QUERY
PLAN for every statement a figure ran. --save records 200 sessions in a copy of the
store (the original is never written) and prints the median and 95th percentile.
Scrolling to the end walks every page of the newest-first list the way the window does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from peerdesk.services import sessions, today
from peerdesk.services.demo import DEFAULT_DEMO_PASSWORD
from peerdesk.services.sessions import SessionInput, SessionQuery
from peerdesk.services.store import Store, open_store


class Recorder:
    """Every statement the engine runs while on, with its parameters and time."""

    def __init__(self, store: Store) -> None:
        self.on = False
        self.statements: list[tuple[str, Any, float]] = []
        engine = store.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            conn.info["t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            if self.on:
                self.statements.append(
                    (statement, parameters, time.perf_counter() - conn.info["t0"])
                )


def measure(
    store: Store, rec: Recorder, name: str, fn: Callable[[], Any], repeat: int, plans: bool
) -> float:
    fn()  # warm the page cache: the window's figures are for a store in use
    times = []
    for _ in range(repeat):
        rec.statements.clear()
        rec.on = True
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        rec.on = False
    med = statistics.median(times) * 1000
    slowest = max(rec.statements, key=lambda s: s[2], default=("", (), 0.0))
    print(
        f"{name:<44} {med:8.1f} ms  (min {min(times) * 1000:.1f}, "
        f"{len(rec.statements)} statements, slowest {slowest[2] * 1000:.1f} ms)"
    )
    if plans:
        with store.engine.connect() as conn:
            for sql, params, took in rec.statements:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
                print(f"    -- {took * 1000:.1f} ms: {' '.join(sql.split())[:160]}")
                for r in rows:
                    print(f"       {r[-1]}")
    return med


def walk_to_end(store: Store, actor: Any, q: SessionQuery) -> tuple[int, float]:
    """Every page, as scrolling does (keyset); returns rows seen and the slowest page (ms)."""
    seen, worst, last = 0, 0.0, None
    while True:
        t = time.perf_counter()
        page = sessions.list_sessions(store, actor, q, limit=200, after=last)
        worst = max(worst, time.perf_counter() - t)
        seen += len(page)
        if len(page) < 200:
            return seen, worst * 1000
        last = page[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--password", default=os.environ.get("PEERDESK_BENCH_PASSWORD"))
    ap.add_argument("--user", action="append")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--plans", action="store_true")
    ap.add_argument("--save", action="store_true")
    ap.add_argument("--scroll", action="store_true", help="walk every page to the end")
    args = ap.parse_args(argv)
    password = args.password or DEFAULT_DEMO_PASSWORD
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    for user in args.user or ["coordinator", "zoe.m"]:
        print(f"-- {user}")
        t = time.perf_counter()
        store, actor = open_store(args.data_dir, user, password)
        took = (time.perf_counter() - t) * 1000
        print(f"{'unlock (Argon2id + open + login audit)':<44} {took:8.1f} ms")
        with store:
            run_user(store, actor, args)
        if args.save and actor.supporter_id is not None:
            bench_save(args.data_dir, user, password)
    return 0


def run_user(store: Store, actor: Any, args: argparse.Namespace) -> None:
    rec = Recorder(store)
    with store.session() as s:
        sup = s.execute(text("SELECT supporter_id FROM support_sessions LIMIT 1")).scalar_one()
    cases: list[tuple[str, SessionQuery]] = [("first page (newest first)", SessionQuery())]
    for key in sessions.SORTABLE:
        for desc in (False, True):
            cases.append(
                (
                    f"sort {key} {'desc' if desc else 'asc'}",
                    SessionQuery(order_by=key, descending=desc),
                )
            )
    for term in ("burn", "D-K", "grief", "zzz-no-match"):
        cases.append((f"search {term!r}", SessionQuery(search=term)))
    fields = getattr(SessionQuery, "__dataclass_fields__", {})
    if "supporter_id" in fields:
        cases.append(("filter by supporter", SessionQuery(supporter_id=sup)))  # type: ignore[call-arg]
    if "concern" in fields:
        cases.append(("filter by concern 'grief'", SessionQuery(concern="grief")))  # type: ignore[call-arg]
    for name, q in cases:
        measure(
            store,
            rec,
            name,
            lambda q=q: sessions.list_sessions(store, actor, q, 0, 200),
            args.repeat,
            args.plans,
        )
    measure(
        store,
        rec,
        "count (all)",
        lambda: sessions.count_sessions(store, actor, SessionQuery()),
        args.repeat,
        args.plans,
    )
    measure(
        store,
        rec,
        "last page by OFFSET",
        lambda: sessions.list_sessions(
            store,
            actor,
            SessionQuery(),
            max(0, sessions.count_sessions(store, actor) - 200),
            200,
        ),
        1,
        args.plans,
    )
    measure(
        store,
        rec,
        "Today summary",
        lambda: today.today_summary(store, actor),
        args.repeat,
        args.plans,
    )
    if args.scroll:
        t = time.perf_counter()
        n, worst = walk_to_end(store, actor, SessionQuery())
        print(
            f"{'scroll to end (' + str(n) + ' rows)':<44} "
            f"{(time.perf_counter() - t) * 1000:8.0f} ms total, slowest page {worst:.1f} ms"
        )


def bench_save(data_dir: Path, user: str, password: str) -> None:
    """Record 200 sessions in a throwaway copy of the store: median and p95 per save."""
    tmp = Path(tempfile.mkdtemp(prefix="peerdesk-save-", dir=data_dir.parent))
    try:
        shutil.copytree(data_dir, tmp / "store")
        store, actor = open_store(tmp / "store", user, password)
        with store:
            from peerdesk.services import episodes

            open_eps = [
                e.id for e in episodes.list_episodes(store, actor, open_only=True, limit=50)
            ]
            assert open_eps, "the supporter has no open episode"
            times = []
            for i in range(200):
                data = SessionInput(
                    episode_id=open_eps[i % len(open_eps)],
                    minutes=30,
                    mode="phone",
                    concerns=("burnout",),
                    notes="benchmark note",
                )
                t = time.perf_counter()
                sessions.record_session(store, actor, data)
                times.append(time.perf_counter() - t)
            times.sort()
            print(
                f"{'save a session (200 saves)':<44} {statistics.median(times) * 1000:8.1f} ms"
                f"  (p95 {times[189] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

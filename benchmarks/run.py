"""PeerDesk's benchmark: every everyday action on a large store, measured in one run.

    python benchmarks/run.py                        # 200,000 sessions in one dense year
    python benchmarks/run.py --sessions 20000       # or 1000000; --years 10 spreads them
    python benchmarks/run.py --json out.json --doc docs/performance.md --column after
    python benchmarks/run.py --growth               # 20k/1y, 200k/10y (--growth-big: 1M/50y)
    python benchmarks/run.py --engine postgresql    # lists, report, saves: local and server

Demo stores are built once with the demo generator and kept in --cache-dir, one folder
per sessions/years/seed (building 200,000 sessions takes about a minute). Every figure is
one JSON key {"value": ..., "unit": ...}. Timings are medians of a few repeats after one
warm-up; the machine's load average is recorded at the start and end, as figures on a
shared machine are noisy. Unlock uses the store's own key stretching: full strength,
unless the test suite's tests/fast_kdf is on PYTHONPATH (its smoke run; the JSON says so).

The run never writes to the cached store except the audit entries of its own sign-ins
and the CLI report: saving sessions happens in a restored copy of the backup it times.
With --engine postgresql the same demo is also built on a throwaway TLS-only cluster
(tests/pg_server.py) kept in CACHE_DIR/pg with its loopback login in cluster.json (mode
0600); saves there go into the server's database.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "peerdesk-benchmark-passphrase"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "peerdesk-bench"

# Every figure the full run writes: key -> (unit, what it is). The smoke test checks them.
FIGURES: dict[str, tuple[str, str]] = {
    "store_sessions": ("sessions", "sessions in the store"),
    "store_size_mb": ("MB", "store file size"),
    "load_average_start": ("load", "1-minute load average when the run started"),
    "load_average_end": ("load", "1-minute load average when the run ended"),
    "import_version_ms": ("ms", "`python -m peerdesk --version`, process start to exit"),
    "unlock_kdf_ms": ("ms", "unlock: key derivation (Argon2id) alone"),
    "unlock_rest_ms": ("ms", "unlock: the rest of opening (unwrap, open, checks, audit)"),
    "startup_to_signin_screen_ms": ("ms", "process start to the sign-in screen (offscreen)"),
    "signin_to_window_ms": ("ms", "sign-in click to the window (incl. key derivation)"),
    "signin_to_today_ms": ("ms", "sign-in click to Today filled in (incl. key derivation)"),
    "signin_to_today_beyond_kdf_ms": ("ms", "sign-in to Today filled, minus key derivation"),
    "signin_to_today_stall_ms": ("ms", "longest GUI stall from sign-in to Today filled"),
    "list_first_page_ms": ("ms", "session list, first page of 200 (service)"),
    "list_count_ms": ("ms", "session list, count of all (service)"),
    "list_search_ms": ("ms", "text search 'D-K' (participant code), first page (service)"),
    "list_search_count_ms": ("ms", "text search 'D-K', count (service)"),
    "list_filter_supporter_ms": ("ms", "one supporter's sessions, first page (service)"),
    "list_filter_concern_ms": ("ms", "concern 'burnout', first page (service)"),
    "list_sort_ms": ("ms", "sorted by supporter name, first page (service)"),
    "list_last_page_ms": ("ms", "last page of the whole list (service)"),
    "gui_first_page_ms": ("ms", "Sessions page opened to first rows shown (GUI)"),
    "gui_first_page_stall_ms": ("ms", "longest GUI stall, first page"),
    "gui_count_ms": ("ms", "count shown after the first page (GUI, background)"),
    "gui_search_ms": ("ms", "search 'D-K' typed to rows shown (GUI)"),
    "gui_search_stall_ms": ("ms", "longest GUI stall, search"),
    "gui_filter_concern_ms": ("ms", "search 'burnout' (a concern) to rows shown (GUI)"),
    "gui_filter_concern_stall_ms": ("ms", "longest GUI stall, concern filter"),
    "gui_no_match_ms": ("ms", "search with no match to empty list (GUI)"),
    "gui_no_match_stall_ms": ("ms", "longest GUI stall, no-match search"),
    "gui_sort_ms": ("ms", "slowest of 4 column sorts to rows shown (GUI)"),
    "gui_sort_stall_ms": ("ms", "longest GUI stall over the sorts"),
    "gui_scroll_end_ms": ("ms", "scroll to the end of the session list (GUI; capped)"),
    "gui_scroll_rows": ("rows", "rows loaded when the scroll ended"),
    "gui_scroll_complete": ("bool", "1 if the scroll reached the end within the budget"),
    "gui_scroll_page_max_ms": ("ms", "slowest single page while scrolling (GUI)"),
    "gui_scroll_stall_ms": ("ms", "longest GUI stall while scrolling"),
    "save_session_ms": ("ms", "saving one session, median of the saves"),
    "save_session_p90_ms": ("ms", "saving one session, 90th percentile"),
    "report_month_contacts": ("contacts", "contacts in the busiest month"),
    "report_month_figures_ms": ("ms", "busiest month: figures (SQL) in-process"),
    "report_month_inprocess_ms": ("ms", "busiest month: figures + PDF in-process"),
    "report_month_cli_ms": ("ms", "busiest month: `peerdesk report` end to end (CLI)"),
    "report_year_inprocess_ms": ("ms", "12 months (internal report): figures + PDF"),
    "backup_ms": ("ms", "backup: export, package and verify"),
    "restore_ms": ("ms", "restore into an empty folder, opened and checked"),
    "peak_memory_mb": ("MB", "peak RSS of the GUI process, store open and list scrolled"),
    "plain_report_month_figures_ms": ("ms", "unencrypted copy: busiest month figures"),
    "plain_list_ms": ("ms", "unencrypted copy: the list queries above but the last page, summed"),
    "encrypted_list_ms": ("ms", "encrypted store: the same list queries, summed"),
    "encryption_ratio_report": ("x", "encrypted / unencrypted, busiest month figures"),
    "encryption_ratio_lists": ("x", "encrypted / unencrypted, list queries"),
}
GROWTH_KEYS = (  # month-sized work: the issue asks it to grow < 1.5x with the store's age
    "list_first_page_ms",
    "list_count_ms",
    "list_search_ms",
    "list_filter_supporter_ms",
    "list_filter_concern_ms",
    "list_sort_ms",
)


def say(text: str) -> None:
    print(text, flush=True)


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return -1.0


def _fast_kdf() -> bool:
    """True in the test suite's smoke run (tests/fast_kdf replaced the key stretching)."""
    from peerdesk.services import keyslots

    return keyslots.kdf_params() == dict(keyslots.FAST_KDF)


def child_env(cache: Path) -> dict[str, str]:
    """Environment for CLI and GUI processes: never this machine's policy or log folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env["PEERDESK_POLICY"] = str(cache / "no-machine-policy.toml")
    env["PEERDESK_LOG_DIR"] = str(cache / "logs")
    env["QT_QPA_PLATFORM"] = "offscreen"
    # The checkout this script sits in, even if another one is installed in the venv.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


QUICK = False  # --quick: one call each, no warm-up (the test suite's smoke run)


def timed(fn: Callable[[], Any], repeat: int = 5, warm: bool = True) -> float:
    """Median ms of `repeat` calls, after one unmeasured warm-up call."""
    if QUICK:
        repeat, warm = 1, False
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


# -- stores ---------------------------------------------------------------------------


def ensure_store(
    cache: Path, sessions: int, years: int, seed: int, v7: bool = False
) -> tuple[Path, float]:
    """The cached demo store for these settings, built if missing; (folder, build seconds)."""
    from peerdesk.services.demo import build_demo
    from peerdesk.services.store import store_exists

    target = cache / f"s{sessions}-y{years}-seed{seed}{'-v7ids' if v7 else ''}"
    if store_exists(target):
        return target, 0.0
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    say(f"building demo store: {sessions:,} sessions over {years} year(s), seed {seed} ...")
    t = time.perf_counter()
    kw = {"time_ordered_ids": True} if v7 else {}  # older code has no such argument
    build_demo(building, sessions=sessions, seed=seed, password=PASSWORD, years=years, **kw)
    took = time.perf_counter() - t
    building.rename(target)  # only a finished store is ever reused
    say(f"  built in {took:.1f} s")
    return target, took


def plain_copy(data_dir: Path, key: bytes, cache: Path) -> Path:
    """An unencrypted copy of the store made with sqlcipher_export (cached beside it)."""
    from peerdesk.models import schema
    from peerdesk.models.engine import connect_raw

    # Keyed by schema revision too: a store migrated since (new indexes) needs a new copy.
    target = cache / f"{data_dir.name}-{schema.head_revision()}-plain.db"
    if target.exists():
        return target
    for old in cache.glob(f"{data_dir.name}-*plain.db"):
        if "-" not in old.name[len(data_dir.name) + 1 : -len("-plain.db")]:
            old.unlink()  # this store's copy at an older schema: 300 MB not worth keeping
    tmp = target.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = connect_raw(data_dir / "peerdesk.db", key)
    try:
        conn.execute(f"ATTACH DATABASE '{tmp}' AS plain KEY ''")
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    tmp.rename(target)
    return target


def plain_store(store: Any, path: Path) -> Any:
    """A shallow copy of an open store that reads the unencrypted copy instead.

    Same SQLite build (sqlcipher3 without a key), same pragmas and page cache as
    models/engine.py, so the only difference left is the encryption.
    """
    import sqlcipher3
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import QueuePool

    from peerdesk.models.engine import CACHE_KIB, make_session_factory

    def connect() -> Any:
        conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
        for pragma in (
            "temp_store = MEMORY",
            "foreign_keys = ON",
            "journal_mode = WAL",
            "synchronous = FULL",
            f"cache_size = -{CACHE_KIB}",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    engine = create_engine(
        "sqlite://", module=sqlcipher3.dbapi2, creator=connect, poolclass=QueuePool, pool_size=2
    )

    @event.listens_for(engine, "connect")
    def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    plain = copy.copy(store)
    plain.engine = engine
    plain._sessions = make_session_factory(engine)
    return plain


@contextlib.contextmanager
def opened(data_dir: Path, user: str) -> Iterator[tuple[Any, Any]]:
    from peerdesk.services.store import open_store

    store, actor = open_store(data_dir, user, PASSWORD)
    try:
        yield store, actor
    finally:
        store.close()


# -- measurements ---------------------------------------------------------------------


def busiest_month(store: Any) -> tuple[int, int, int]:
    """(year, month, sessions) of the store's busiest complete month."""
    from sqlalchemy import text

    this_month = date.today().strftime("%Y-%m")
    with store.session() as s:
        month = (
            "to_char(started_at, 'YYYY-MM')"
            if s.bind.dialect.name == "postgresql"
            else "strftime('%Y-%m', started_at)"
        )
        rows = s.execute(
            text(f"SELECT {month} AS m, count(*) FROM support_sessions GROUP BY m ORDER BY 2 DESC")
        ).all()
    for m, n in rows:
        if m != this_month:
            return int(m[:4]), int(m[5:]), int(n)
    today = date.today()
    return today.year, today.month, 0


def measure_unlock(data_dir: Path, out: dict[str, float]) -> None:
    """Sign-ins as the coordinator, split into the key derivation and everything else.

    The derivation is timed inside each sign-in (a wrapper around keyslots._derive), so
    the rest is measured in the same call, not as a difference of two noisy medians.
    """
    from peerdesk.services import keyslots

    real = keyslots._derive
    spent: list[float] = []

    def derive(secret: str, kdf: dict[str, Any]) -> bytes:
        t = time.perf_counter()
        try:
            return real(secret, kdf)
        finally:
            spent.append((time.perf_counter() - t) * 1000)

    kdfs, rests = [], []
    keyslots._derive = derive  # type: ignore[assignment]
    try:
        for i in range(1 if QUICK else 4):
            spent.clear()
            t = time.perf_counter()
            with opened(data_dir, "coordinator"):
                total = (time.perf_counter() - t) * 1000
            if i or QUICK:  # the first warms the caches
                kdfs.append(sum(spent))
                rests.append(total - sum(spent))
    finally:
        keyslots._derive = real  # type: ignore[assignment]
    out["unlock_kdf_ms"] = statistics.median(kdfs)
    out["unlock_rest_ms"] = statistics.median(rests)
    kdf, rest = out["unlock_kdf_ms"], out["unlock_rest_ms"]
    say(f"unlock: key derivation {kdf:.0f} ms, the rest {rest:.0f} ms")


def list_queries(store: Any, actor: Any, supporter: Any) -> dict[str, Callable[[], Any]]:
    """The list queries every helper measures, as the service layer runs them."""
    import dataclasses

    from peerdesk.services import sessions
    from peerdesk.services.sessions import SessionQuery

    fields = {f.name for f in dataclasses.fields(SessionQuery)}
    if "supporter_id" in fields:  # a coordinator's filter by supporter, where it exists
        by_sup_actor, by_sup = actor, SessionQuery(supporter_id=supporter.supporter_id)  # type: ignore[call-arg]
    else:  # otherwise the supporter's own list, "mine only"
        by_sup_actor, by_sup = supporter, SessionQuery(mine_only=True)
    total = sessions.count_sessions(store, actor, SessionQuery())
    return {
        "list_first_page_ms": lambda: sessions.list_sessions(store, actor, SessionQuery()),
        "list_count_ms": lambda: sessions.count_sessions(store, actor, SessionQuery()),
        "list_search_ms": lambda: sessions.list_sessions(store, actor, SessionQuery(search="D-K")),
        "list_search_count_ms": lambda: sessions.count_sessions(
            store, actor, SessionQuery(search="D-K")
        ),
        "list_filter_supporter_ms": lambda: sessions.list_sessions(store, by_sup_actor, by_sup),
        "list_filter_concern_ms": lambda: sessions.list_sessions(
            store, actor, SessionQuery(search="burnout")
        ),
        "list_sort_ms": lambda: sessions.list_sessions(
            store, actor, SessionQuery(order_by="supporter", descending=False)
        ),
        "list_last_page_ms": lambda: sessions.list_sessions(
            store, actor, SessionQuery(), offset=max(0, total - 200)
        ),
    }


def supporter_actor(store: Any) -> Any:
    """The busiest supporter, as an Actor (no sign-in: lists need no notes key)."""
    from sqlalchemy import func, select

    from peerdesk.models import SupporterProfile, SupportSession, User
    from peerdesk.services.accounts import actor_for

    with store.session() as s:
        sup_id = s.scalar(
            select(SupportSession.supporter_id)
            .group_by(SupportSession.supporter_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        user = s.scalar(
            select(User)
            .join(SupporterProfile, SupporterProfile.user_id == User.id)
            .where(SupporterProfile.id == sup_id)
        )
        return actor_for(s, user)


def measure_lists(store: Any, actor: Any, out: dict[str, float], repeat: int = 5) -> None:
    supporter = supporter_actor(store)
    for key, fn in list_queries(store, actor, supporter).items():
        # The last page can take seconds with offset paging: once after a warm-up.
        out[key] = timed(fn, repeat=1 if key == "list_last_page_ms" else repeat)
        say(f"{key:<28} {out[key]:8.1f} ms")


def measure_reports(store: Any, actor: Any, out: dict[str, float], year: bool = True) -> None:
    from peerdesk.services.reports.period import Period, add_months
    from peerdesk.services.reports.run import build_report, render_report

    y, m, _ = busiest_month(store)
    month = Period.of_month(y, m)
    report = build_report(store, actor, month)
    out["report_month_contacts"] = float(report.figures.current.contacts)
    out["report_month_figures_ms"] = timed(lambda: build_report(store, actor, month), repeat=3)
    out["report_month_inprocess_ms"] = timed(
        lambda: render_report(store, actor, month), repeat=3, warm=False
    )
    say(
        f"report {month.label} ({report.figures.current.contacts:,} contacts): figures "
        f"{out['report_month_figures_ms']:.0f} ms, "
        f"with PDF {out['report_month_inprocess_ms']:.0f} ms"
    )
    if year:
        today = date.today()
        last = add_months(date(today.year, today.month, 1), -1)
        first = add_months(last, -11)
        period = Period(first, add_months(last, 1) - timedelta(days=1))
        out["report_year_inprocess_ms"] = timed(
            lambda: render_report(store, actor, period, suppress=False), repeat=1, warm=False
        )
        say(f"report 12 months {period.label}: {out['report_year_inprocess_ms']:.0f} ms")


def measure_report_cli(
    data_dir: Path, cache: Path, store_month: tuple[int, int], out: dict
) -> None:
    y, m = store_month
    pdf = cache / "bench-report.pdf"
    env = child_env(cache) | {"PEERDESK_PASSWORD": PASSWORD}
    cmd = [
        sys.executable, "-m", "peerdesk", "--data-dir", str(data_dir),
        "report", "--month", f"{y}-{m:02d}", "--out", str(pdf), "--user", "coordinator",
    ]  # fmt: skip
    times = []
    for _ in range(1 if QUICK else 2):
        pdf.unlink(missing_ok=True)
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        times.append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            raise RuntimeError(f"peerdesk report failed: {r.stderr.strip()}")
    pdf.unlink(missing_ok=True)
    out["report_month_cli_ms"] = min(times)
    say(f"report CLI end to end: {out['report_month_cli_ms']:.0f} ms (best of 2)")


def measure_import(cache: Path, out: dict[str, float]) -> None:
    cmd = [sys.executable, "-m", "peerdesk", "--version"]
    times = []
    for _ in range(2 if QUICK else 4):
        t = time.perf_counter()
        subprocess.run(cmd, env=child_env(cache), capture_output=True, check=True, timeout=120)
        times.append((time.perf_counter() - t) * 1000)
    out["import_version_ms"] = statistics.median(times[1:])  # the first warms the disk cache
    say(f"python -m peerdesk --version: {out['import_version_ms']:.0f} ms")


def measure_gui(data_dir: Path, cache: Path, scroll_budget: float, out: dict[str, float]) -> None:
    cmd = [
        sys.executable, str(HERE / "bench_gui.py"), "--data-dir", str(data_dir), "--json",
        "--scroll-budget", str(scroll_budget), "--started",
    ]  # fmt: skip
    env = child_env(cache) | {"PEERDESK_BENCH_PASSWORD": PASSWORD}
    started = time.time()
    r = subprocess.run([*cmd, repr(started)], env=env, capture_output=True, text=True, timeout=3600)
    try:
        figures = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(
            f"GUI benchmark failed (exit {r.returncode}):\n{r.stderr[-3000:]}"
        ) from None
    if r.returncode != 0:  # measured, then failed on the way out: say so, keep the figures
        say(f"warning: the GUI benchmark process exited with {r.returncode} after measuring")
    out.update(figures)
    out["signin_to_today_beyond_kdf_ms"] = max(
        0.0, out["signin_to_today_ms"] - out.get("unlock_kdf_ms", 0.0)
    )
    for key in sorted(figures):
        say(f"{key:<28} {figures[key]:8.1f}")


def measure_backup_restore(data_dir: Path, work: Path, out: dict[str, float]) -> Path:
    """Time a backup and its restore; returns the restored folder (a scratch copy)."""
    from peerdesk.services.backup import backup_store, restore_backup

    target = work / "bench.pdbackup"
    with opened(data_dir, "admin") as (store, admin):
        t = time.perf_counter()
        backup_store(store, admin, target)
        out["backup_ms"] = (time.perf_counter() - t) * 1000
    restored = work / "restored"
    t = time.perf_counter()
    restore_backup(target, restored, username="admin", password=PASSWORD)
    out["restore_ms"] = (time.perf_counter() - t) * 1000
    target.unlink()
    say(f"backup {out['backup_ms']:.0f} ms, restore {out['restore_ms']:.0f} ms")
    return restored


def measure_saves(
    data_dir: Path, out: dict[str, float], count: int, times: list[float] | None = None
) -> None:
    """Record `count` sessions one by one as the busiest supporter, each its own save."""
    from sqlalchemy import func, select

    from peerdesk.models import Episode, SupportSession
    from peerdesk.services import sessions
    from peerdesk.services.sessions import SessionInput

    with opened(data_dir, "coordinator") as (store, coord):
        username = supporter_actor(store).username
    with opened(data_dir, username) as (store, actor):
        with store.session() as s:
            episode = s.scalar(
                select(Episode.id)
                .join(SupportSession, SupportSession.episode_id == Episode.id)
                .where(Episode.supporter_id == actor.supporter_id, Episode.closed_on.is_(None))
                .group_by(Episode.id)
                .order_by(func.count().desc())
                .limit(1)
            )
        times = [] if times is None else times
        when = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(hours=1)
        for i in range(count):
            data = SessionInput(
                episode_id=episode,
                minutes=30,
                mode="phone",
                started_at=when - timedelta(minutes=i),
                concerns=("burnout",),
                notes="Benchmark note: synthetic.",
            )
            t = time.perf_counter()
            sessions.record_session(store, actor, data)
            times.append((time.perf_counter() - t) * 1000)
    out["save_session_ms"] = statistics.median(times)
    out["save_session_p90_ms"] = sorted(times)[int(0.9 * (len(times) - 1))]
    say(f"save one session: median {out['save_session_ms']:.1f} ms of {count}")


def measure_plain(data_dir: Path, cache: Path, out: dict[str, float]) -> None:
    """The same report and list queries on an unencrypted copy: encryption's cost."""
    from peerdesk.services.reports.period import Period
    from peerdesk.services.reports.run import build_report

    with opened(data_dir, "coordinator") as (store, actor):
        path = plain_copy(data_dir, store.key, cache)
        plain = plain_store(store, path)
        supporter = supporter_actor(store)
        y, m, _ = busiest_month(store)
        month = Period.of_month(y, m)
        enc_lists = plain_lists = 0.0
        enc_q = list_queries(store, actor, supporter)
        plain_q = list_queries(plain, actor, supporter)
        for key in enc_q:
            if key == "list_last_page_ms":
                continue  # seconds per call with offset paging; the others tell the ratio
            # Interleaved, so a burst of load from elsewhere hits both sides alike.
            enc_lists += timed(enc_q[key], repeat=3)
            plain_lists += timed(plain_q[key], repeat=3)
        reps: dict[str, list[float]] = {"enc": [], "plain": []}
        for rnd in range(2 if QUICK else 4):  # interleaved too; round 0 warms the caches
            for side in ("enc", "plain") if rnd % 2 else ("plain", "enc"):
                t = time.perf_counter()
                build_report(store if side == "enc" else plain, actor, month)
                if rnd or QUICK:
                    reps[side].append((time.perf_counter() - t) * 1000)
        enc_rep, plain_rep = statistics.median(reps["enc"]), statistics.median(reps["plain"])
        plain.engine.dispose()
    out["encrypted_list_ms"] = enc_lists
    out["plain_list_ms"] = plain_lists
    out["plain_report_month_figures_ms"] = plain_rep
    out["encryption_ratio_lists"] = enc_lists / plain_lists if plain_lists else 0.0
    out["encryption_ratio_report"] = enc_rep / plain_rep if plain_rep else 0.0
    say(
        f"encrypted / plain: lists {enc_lists:.0f} / {plain_lists:.0f} ms "
        f"({out['encryption_ratio_lists']:.2f}x), month report {enc_rep:.0f} / "
        f"{plain_rep:.0f} ms ({out['encryption_ratio_report']:.2f}x)"
    )


# -- one run --------------------------------------------------------------------------


def run_once(args: argparse.Namespace, sessions: int, years: int, light: bool = False) -> dict:
    """Everything for one store; light=True is the subset the growth curve needs."""
    cache: Path = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "logs").mkdir(exist_ok=True)
    # The benchmark never reads this machine's policy nor writes /var/log/peerdesk.
    os.environ.update({k: v for k, v in child_env(cache).items() if k.startswith("PEERDESK_")})
    out: dict[str, float] = {"load_average_start": load_average()}
    data_dir, built = ensure_store(cache, sessions, years, args.seed, args.ids == "v7")
    if args.new_ids == "v4":
        # The counterfactual for the ids experiment: new rows get random ids, as before.
        import uuid

        import peerdesk.models.base as base

        base.uuid7 = uuid.uuid4  # type: ignore[assignment]
    out["store_sessions"] = float(sessions)
    out["store_size_mb"] = (data_dir / "peerdesk.db").stat().st_size / 1e6
    work = Path(tempfile.mkdtemp(prefix="peerdesk-bench-", dir=cache))
    try:
        if not light:
            measure_import(cache, out)
            measure_unlock(data_dir, out)
        with opened(data_dir, "coordinator") as (store, actor):
            measure_lists(store, actor, out, repeat=3 if light else 5)
            measure_reports(store, actor, out, year=not light)
            month = busiest_month(store)[:2]
        if light:
            scratch = work / "copy"
            shutil.copytree(data_dir, scratch)
            measure_saves(scratch, out, args.saves)
        else:
            measure_report_cli(data_dir, cache, month, out)
            measure_plain(data_dir, cache, out)
            measure_gui(data_dir, cache, args.scroll_budget, out)
            restored = measure_backup_restore(data_dir, work, out)
            measure_saves(restored, out, args.saves)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["load_average_end"] = load_average()
    return {
        "config": {
            "sessions": sessions,
            "years": years,
            "seed": args.seed,
            "store": str(data_dir),
            "store_ids": args.ids,
            "new_ids": args.new_ids,
            "light": light,
            "store_built_s": round(built, 1),
            "kdf": "fast (tests/fast_kdf, the test suite only)" if _fast_kdf() else "full strength",
        },
        "figures": {
            k: {"value": round(v, 3), "unit": FIGURES[k][0]} for k, v in out.items() if k in FIGURES
        },
    }


# -- the same store on PostgreSQL (issue 13) ------------------------------------------

ENGINE_KEYS = (  # what --engine postgresql measures on both stores
    "list_first_page_ms",
    "list_count_ms",
    "list_search_ms",
    "list_search_count_ms",
    "list_filter_supporter_ms",
    "list_filter_concern_ms",
    "list_sort_ms",
    "report_month_figures_ms",
    "report_month_inprocess_ms",
)


@contextlib.contextmanager
def machine_policy(policy: Path, password: str | None = None) -> Iterator[None]:
    """PEERDESK_POLICY (and the database password) for what runs inside: the machine
    policy decides which engine a data folder opens on."""
    saved = {k: os.environ.get(k) for k in ("PEERDESK_POLICY", "PEERDESK_DB_PASSWORD")}
    os.environ["PEERDESK_POLICY"] = str(policy)
    if password is not None:
        os.environ["PEERDESK_DB_PASSWORD"] = password
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def bench_cluster(folder: Path) -> Any:
    """A throwaway TLS-only cluster from tests/pg_server.py, kept in `folder` between runs
    (its port and login in cluster.json) so the 200,000-session database is built once.

    Unlike the test suite's cluster it flushes to disk (fsync on), as a clinic's server
    does, so a save's commit costs here what it costs there.
    """
    sys.path.insert(0, str(ROOT))
    from tests.pg_server import PgCluster, create_cluster, server_bin_dir

    bin_dir = server_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
    state = folder / "cluster.json"
    if state.exists():
        saved = json.loads(state.read_text(encoding="utf-8"))
        cluster = PgCluster(
            folder / "cluster", bin_dir, saved["port"], folder / "cluster" / "clinic-ca.pem",
            saved["password"],
        )  # fmt: skip
        if not cluster.running():
            cluster.start()
        return cluster
    shutil.rmtree(folder / "cluster", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # searchable by the account the server runs as (root: nobody)
    cluster = create_cluster(folder / "cluster")
    with (cluster.data_dir / "postgresql.conf").open("a") as fh:
        fh.write("# benchmarks/run.py: flush commits as a production server does\n")
        fh.write("fsync = on\nfull_page_writes = on\n")
    cluster.stop("fast")
    cluster.start()
    state.write_text(json.dumps({"port": cluster.port, "password": cluster.password}))
    state.chmod(0o600)
    return cluster


def ensure_server_store(
    args: argparse.Namespace, cluster: Any, folder: Path
) -> tuple[Path, Path, float]:
    """The demo store of these settings in its own database on the cluster, built (as
    `peerdesk demo` builds one in server mode) if missing; (workstation folder, machine
    policy, build seconds)."""
    import psycopg

    from peerdesk.services.demo import build_demo

    name = f"bench_s{args.sessions}_y{args.years}_seed{args.seed}_{args.ids}"
    policy = folder / f"policy-{name}.toml"
    policy.write_text(
        "[store]\n"
        f'url = "postgresql://peerdesk_dba@{cluster.host}:{cluster.port}/{name}"\n'
        f'ca_file = "{cluster.ca_file}"\n',
        encoding="utf-8",
    )
    workstation = folder / f"ws-{name}"
    built = folder / f"{name}.built"
    if built.exists():
        return workstation, policy, 0.0
    with psycopg.connect(cluster.dsn(), password=cluster.password, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    shutil.rmtree(workstation, ignore_errors=True)
    workstation.mkdir()
    say(
        f"building demo store on PostgreSQL: {args.sessions:,} sessions over {args.years} "
        f"year(s), seed {args.seed} ..."
    )
    t = time.perf_counter()
    with machine_policy(policy, cluster.password):
        kw = {"time_ordered_ids": True} if args.ids == "v7" else {}
        build_demo(
            workstation, sessions=args.sessions, seed=args.seed, password=PASSWORD,
            years=args.years, **kw,
        )  # fmt: skip
    took = time.perf_counter() - t
    built.write_text(f"{took:.1f}\n")  # only a finished store is ever reused
    say(f"  built in {took:.1f} s")
    return workstation, policy, took


def server_size_mb(store: Any) -> float:
    from sqlalchemy import text

    with store.session() as s:
        return float(s.scalar(text("SELECT pg_database_size(current_database())"))) / 1e6


def compare_engines(args: argparse.Namespace) -> dict:
    """The list, month-report and save figures on the local store and on the same demo
    store on PostgreSQL over loopback (TLS, verify-full), taken in turn round by round as
    --growth does, so load from elsewhere falls on both alike."""
    from peerdesk.services.reports.period import Period
    from peerdesk.services.reports.run import build_report, render_report

    cache: Path = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "logs").mkdir(exist_ok=True)
    os.environ.update({k: v for k, v in child_env(cache).items() if k.startswith("PEERDESK_")})
    no_policy = Path(os.environ["PEERDESK_POLICY"])
    pg_dir: Path = args.pg_dir or cache / "pg"
    load_start = load_average()
    local_dir, local_built = ensure_store(
        cache, args.sessions, args.years, args.seed, args.ids == "v7"
    )
    cluster = bench_cluster(pg_dir)
    server_dir, policy, server_built = ensure_server_store(args, cluster, pg_dir)
    sides = {"local": (local_dir, no_policy), "postgresql": (server_dir, policy)}
    rounds = 1 if QUICK else 3
    times: dict[str, dict[str, list[float]]] = {side: {} for side in sides}
    out: dict[str, dict[str, float]] = {side: {} for side in sides}
    with contextlib.ExitStack() as stack:
        work: dict[str, dict[str, Callable[[], Any]]] = {}
        for side, (folder, pol) in sides.items():
            with machine_policy(pol, cluster.password):
                store, actor = stack.enter_context(opened(folder, "coordinator"))
                q = list_queries(store, actor, supporter_actor(store))
                y, m, n = busiest_month(store)
                month = Period.of_month(y, m)
                out[side]["report_month_contacts"] = float(n)
                out[side]["store_size_mb"] = (
                    server_size_mb(store)
                    if side == "postgresql"
                    else (folder / "peerdesk.db").stat().st_size / 1e6
                )
            work[side] = {k: q[k] for k in ENGINE_KEYS if k in q}
            work[side]["report_month_figures_ms"] = partial(build_report, store, actor, month)
            work[side]["report_month_inprocess_ms"] = partial(render_report, store, actor, month)
        for rnd in range(rounds + 1):  # round 0 only warms the caches
            order = list(sides) if rnd % 2 else list(sides)[::-1]
            for key in ENGINE_KEYS:
                for side in order:
                    with machine_policy(sides[side][1]):
                        t = time.perf_counter()
                        work[side][key]()
                    if rnd:
                        times[side].setdefault(key, []).append((time.perf_counter() - t) * 1000)
    scratch = Path(tempfile.mkdtemp(prefix="peerdesk-engines-", dir=cache))
    try:
        local_copy = scratch / "local"
        shutil.copytree(local_dir, local_copy)
        saves: dict[str, list[float]] = {side: [] for side in sides}
        for rnd in range(rounds):
            for side in list(sides) if rnd % 2 == 0 else list(sides)[::-1]:
                folder, pol = sides[side]
                one: dict[str, float] = {}
                with machine_policy(pol, cluster.password):
                    # Saves on the server go into its database (a few hundred rows more
                    # per run); locally into a copy, as the single-engine run does.
                    target = local_copy if side == "local" else folder
                    measure_saves(target, one, max(1, args.saves // rounds), times=saves[side])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_server:
            cluster.stop("fast")
    for side in sides:
        for key, values in times[side].items():
            out[side][key] = statistics.median(values)
        out[side]["save_session_ms"] = statistics.median(saves[side])
        out[side]["save_session_p90_ms"] = sorted(saves[side])[int(0.9 * (len(saves[side]) - 1))]
        out[side]["store_sessions"] = float(args.sessions)
        out[side]["load_average_start"] = load_start
        out[side]["load_average_end"] = load_average()
    say("")
    say(f"{'figure (median)':<28}{'local':>12}{'postgresql':>12}   pg / local")
    for key in [*ENGINE_KEYS, "save_session_ms", "save_session_p90_ms", "store_size_mb"]:
        a, b = out["local"][key], out["postgresql"][key]
        say(f"{key:<28}{a:12.1f}{b:12.1f}   {b / a if a else 0.0:.2f}x")
    say(f"load average {load_start:.1f} at the start, {load_average():.1f} at the end")
    config = {
        "sessions": args.sessions,
        "years": args.years,
        "seed": args.seed,
        "store_ids": args.ids,
        "kdf": "fast (tests/fast_kdf, the test suite only)" if _fast_kdf() else "full strength",
        "store_built_s": {"local": round(local_built, 1), "postgresql": round(server_built, 1)},
        "server": f"PostgreSQL over loopback, TLS verify-full, {cluster.bin_dir}",
    }
    return {
        "config": config,
        "engines": {
            side: {
                k: {"value": round(v, 3), "unit": FIGURES[k][0]}
                for k, v in out[side].items()
                if k in FIGURES
            }
            for side in sides
        },
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    osname = platform.platform()
    with contextlib.suppress(OSError):
        rel = Path("/etc/os-release").read_text()
        found = re.search(r'^PRETTY_NAME="?([^"\n]*)', rel, re.M)
        osname = found.group(1) if found else osname
    commit = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram, 1),
        "os": osname,
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
    }


# -- docs/performance.md --------------------------------------------------------------

BEGIN, END = "<!-- run.py table: begin -->", "<!-- run.py table: end -->"


def _fmt(value: float, unit: str) -> str:
    if unit in ("x",):
        return f"{value:.2f}×"
    if unit == "bool":
        return "yes" if value else "no"
    if unit == "load":
        return f"{value:.1f}"
    if unit in ("sessions", "rows", "contacts"):
        return f"{value:,.0f}"
    if unit == "ms" and value >= 1000:
        return f"{value / 1000:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"
    return f"{value:.0f} {unit}"


def update_doc(doc: Path, column: str, result: dict) -> None:
    """Write (or replace) one column of the table between the markers in the doc."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    block, tail = rest.split(END, 1)
    columns: list[str] = []
    cells: dict[str, dict[str, str]] = {}
    notes: dict[str, str] = {}
    for line in block.splitlines():
        if line.startswith("| figure |"):
            columns = [c.strip() for c in line.strip("|").split("|")][2:]
        elif line.startswith("| `"):
            parts = [c.strip() for c in line.strip("|").split("|")]
            key = parts[0].strip("`")
            for col, cell in zip(columns, parts[2:], strict=False):
                cells.setdefault(key, {})[col] = cell
        elif line.startswith("- **"):
            found = re.match(r"- \*\*(.+?)\*\*", line)
            if found:
                notes[found.group(1)] = line
    if column not in columns:
        columns.append(column)
    for key in FIGURES:
        cells.setdefault(key, {})
        fig = result["figures"].get(key)
        cells[key][column] = _fmt(fig["value"], fig["unit"]) if fig else ""
    m, c = result["machine"], result["config"]
    notes[column] = (
        f"- **{column}**: {m['date']}, commit {m['commit'] or '?'}; {c['sessions']:,} sessions "
        f"over {c['years']} year(s), seed {c['seed']}, key stretching {c['kdf']}; "
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}, Python {m['python']}; "
        f"load average {result['figures']['load_average_start']['value']:.1f} at the start, "
        f"{result['figures']['load_average_end']['value']:.1f} at the end"
    )
    lines = ["", f"| figure | what | {' | '.join(columns)} |", "|---|---|" + "---|" * len(columns)]
    for key, (_unit, what) in FIGURES.items():
        row = [cells[key].get(col, "") for col in columns]
        lines.append(f"| `{key}` | {what} | {' | '.join(row)} |")
    lines += ["", *[notes[col] for col in columns if col in notes], ""]
    doc.write_text(head + BEGIN + "\n".join(lines) + END + tail, encoding="utf-8")


# -- growth ---------------------------------------------------------------------------


def growth(args: argparse.Namespace) -> dict:
    """The same month-sized work on stores of growing age, measured interleaved.

    Every store is open at once and each figure is taken on one store after the other,
    round after round (the order reversed every round), so load from elsewhere on a
    shared machine falls on all of them alike; the ratios are what to read.
    """
    from peerdesk.services.reports.period import Period
    from peerdesk.services.reports.run import build_report

    configs = [(20_000, 1), (200_000, 10)]
    if args.growth_big:
        configs.append((1_000_000, 50))
    if args.growth_sizes:
        configs = [
            (int(a), int(b)) for a, b in (part.split("x") for part in args.growth_sizes.split(","))
        ]
    cache: Path = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "logs").mkdir(exist_ok=True)
    os.environ.update({k: v for k, v in child_env(cache).items() if k.startswith("PEERDESK_")})
    names = [f"{s // 1000}k/{y}y" if s >= 1000 else f"{s}/{y}y" for s, y in configs]
    folders = {
        n: ensure_store(cache, s, y, args.seed)[0] for n, (s, y) in zip(names, configs, strict=True)
    }
    load_start = load_average()
    rounds = 1 if QUICK else 3
    times: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    with contextlib.ExitStack() as stack:
        work: dict[str, dict[str, Callable[[], Any]]] = {}
        for n in names:
            store, actor = stack.enter_context(opened(folders[n], "coordinator"))
            q = list_queries(store, actor, supporter_actor(store))
            y, m, _ = busiest_month(store)
            month = Period.of_month(y, m)
            work[n] = {k: q[k] for k in GROWTH_KEYS if k in q}
            work[n]["report_month_figures_ms"] = partial(build_report, store, actor, month)
        for rnd in range(rounds + 1):  # round 0 only warms the caches
            order = names if rnd % 2 else names[::-1]
            for key in work[names[0]]:
                for n in order:
                    t = time.perf_counter()
                    work[n][key]()
                    if rnd:
                        times[n].setdefault(key, []).append((time.perf_counter() - t) * 1000)
    scratch = Path(tempfile.mkdtemp(prefix="peerdesk-growth-", dir=cache))
    try:
        for n in names:
            shutil.copytree(folders[n], scratch / n.replace("/", "-"))
        for rnd in range(rounds):
            for n in names if rnd % 2 == 0 else names[::-1]:
                out: dict[str, float] = {}
                measure_saves(scratch / n.replace("/", "-"), out, max(1, args.saves // rounds))
                times[n].setdefault("save_session_ms", []).append(out["save_session_ms"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    med = {n: {k: statistics.median(v) for k, v in times[n].items()} for n in names}
    say("")
    say(f"{'figure (median ms)':<28}" + "".join(f"{n:>12}" for n in names) + "   last / first")
    for key in med[names[0]]:
        vals = [med[n][key] for n in names]
        ratio = vals[-1] / vals[0] if vals[0] else 0.0
        say(f"{key:<28}" + "".join(f"{v:12.1f}" for v in vals) + f"   {ratio:.2f}x")
    say(f"load average {load_start:.1f} at the start, {load_average():.1f} at the end")
    return {
        "machine": machine(),
        "growth": {
            n: {k: {"value": round(v, 3), "unit": "ms"} for k, v in med[n].items()} for n in names
        },
        "load_average": {"start": load_start, "end": load_average()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=200_000)
    ap.add_argument("--years", type=int, default=1, help="spread the sessions over N years")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--doc", type=Path, help="update the table in this Markdown file")
    ap.add_argument("--column", default="latest", help="the table column to write")
    ap.add_argument("--saves", type=int, default=200, help="sessions saved for the median")
    ap.add_argument(
        "--scroll-budget", type=float, default=60.0, help="seconds of scrolling at most"
    )
    ap.add_argument("--quick", action="store_true", help="one call per figure (smoke runs)")
    ap.add_argument(
        "--light", action="store_true", help="lists, month report and saves only (as --growth)"
    )
    ap.add_argument(
        "--ids", choices=("v4", "v7"), default="v4", help="demo store built with these ids"
    )
    ap.add_argument(
        "--new-ids",
        choices=("v4", "v7"),
        default="v7",
        help="ids of rows saved during the run (v4: as before time-ordered ids)",
    )
    ap.add_argument("--growth", action="store_true", help="20k/1y and 200k/10y, as a curve")
    ap.add_argument("--growth-big", action="store_true", help="with --growth: also 1M/50y")
    ap.add_argument(
        "--growth-sizes",
        help="with --growth: other stores, e.g. 20000x1,200000x10 (sessions x years)",
    )
    ap.add_argument(
        "--engine",
        choices=("sqlcipher", "postgresql"),
        default="sqlcipher",
        help="postgresql: the list, month-report and save figures on the local store and on "
        "the same demo store on a throwaway PostgreSQL server, side by side",
    )
    ap.add_argument(
        "--pg-dir", type=Path, help="with --engine postgresql: the cluster's folder "
        "(default CACHE_DIR/pg; kept between runs)",
    )  # fmt: skip
    ap.add_argument(
        "--keep-server", action="store_true", help="leave the benchmark's cluster running"
    )
    args = ap.parse_args(argv)
    if not 1 <= args.years <= 50 or args.sessions < 1:
        ap.error("--sessions must be at least 1 and --years 1 to 50")
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing, too
    global QUICK
    QUICK = args.quick
    t0 = time.perf_counter()
    if args.growth:
        result = growth(args)
    elif args.engine == "postgresql":
        result = {"machine": machine(), **compare_engines(args)}
        if args.doc:
            for side, label in (("local", "local"), ("postgresql", "PostgreSQL")):
                update_doc(
                    args.doc,
                    f"{args.column} {label}",
                    {**result, "figures": result["engines"][side]},
                )
    else:
        result = {
            "machine": machine(),
            **run_once(args, args.sessions, args.years, light=args.light),
        }
        if args.doc:
            update_doc(args.doc, args.column, result)
    result["run_seconds"] = round(time.perf_counter() - t0, 1)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say(f"done in {result['run_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Store figures: demo generation at scale, unlock time, backup time, list queries.

Usage: python benchmarks/bench_store.py [--sessions 200000] [--keep DIR]
Prints one figure per line. Uses full-strength Argon2id (unset PEERDESK_INSECURE_FAST_KDF).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.pop("PEERDESK_INSECURE_FAST_KDF", None)

from peerdesk.services import sessions  # noqa: E402
from peerdesk.services.backup import backup_store  # noqa: E402
from peerdesk.services.demo import build_demo  # noqa: E402
from peerdesk.services.sessions import SessionQuery  # noqa: E402
from peerdesk.services.store import open_store  # noqa: E402

PW = "benchmark passphrase"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=200000)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="peerdesk-bench-"))
    data = args.keep or base / "store"
    try:
        t = time.perf_counter()
        build_demo(data, sessions=args.sessions, seed=1, password=PW)
        print(f"demo --sessions {args.sessions}: {time.perf_counter() - t:.1f} s")
        print(f"store size: {(data / 'peerdesk.db').stat().st_size / 1e6:.0f} MB")
        t = time.perf_counter()
        store, coord = open_store(data, "coordinator", PW)
        print(f"unlock (Argon2id + open + login audit): {time.perf_counter() - t:.2f} s")
        with store:
            for label, q in (
                ("newest 200 sessions", SessionQuery()),
                ("search 'grief'", SessionQuery(search="grief")),
                ("sorted by supporter", SessionQuery(order_by="supporter")),
            ):
                t = time.perf_counter()
                sessions.list_sessions(store, coord, q, limit=200)
                n = sessions.count_sessions(store, coord, q)
                print(f"list+count {label} ({n} rows): {(time.perf_counter() - t) * 1000:.0f} ms")
        store, admin = open_store(data, "admin", PW)
        with store:
            t = time.perf_counter()
            info = backup_store(store, admin, base / "bench.pdbackup")
            print(f"backup ({info.size / 1e6:.0f} MB, verified): {time.perf_counter() - t:.1f} s")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

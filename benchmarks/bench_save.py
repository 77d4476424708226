"""Time of saving one session (record_session, median), to see what the report's
indexes and triggers cost a save. Works on a copy of the store it is given.

    python benchmarks/bench_save.py --data-dir DIR --password PW [--saves 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select  # noqa: E402

from peerdesk.models import Episode, utcnow  # noqa: E402
from peerdesk.services.sessions import SessionInput, record_session  # noqa: E402
from peerdesk.services.store import open_store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--saves", type=int, default=100)
    ap.add_argument("--user", default="zoe.m", help="a supporter")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store"
        shutil.copytree(args.data_dir, copy)
        store, actor = open_store(copy, args.user, args.password)
        try:
            with store.session() as s:
                episodes = list(
                    s.scalars(
                        select(Episode.id)
                        .where(
                            Episode.supporter_id == actor.supporter_id,
                            Episode.closed_on.is_(None),
                        )
                        .limit(args.saves)
                    )
                )
            times = []
            for i, eid in enumerate(episodes):
                data = SessionInput(
                    episode_id=eid,
                    minutes=30,
                    mode="phone",
                    started_at=utcnow() - timedelta(days=40, minutes=i),
                    concerns=("burnout",),
                )
                t0 = time.perf_counter()
                record_session(store, actor, data)
                times.append(time.perf_counter() - t0)
            print(
                f"save: median {statistics.median(times) * 1000:.1f} ms, "
                f"p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.1f} ms "
                f"({len(times)} saves; load {os.getloadavg()[0]:.1f})"
            )
        finally:
            store.close()


if __name__ == "__main__":
    main()

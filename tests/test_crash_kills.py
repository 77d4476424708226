"""SIGKILL a real writer process again and again; no confirmed write may be lost.

The harness lives in tests/attack_kills.py (scripts/kill_harness.py runs it for longer).
Each CI run lands at least 50 kills: during unlock, between writes, inside commits and
during the close. A second, slower test kills the real command line during imports,
which are all or nothing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from attack_kills import run_kills
from conftest import ADMIN_PW, COORD_PW, fast_kdf_env
from sqlalchemy import select

from peerdesk.models import Resource
from peerdesk.services.store import open_store
from peerdesk.services.verify import verify_store

CI_KILLS = 50
ROUNDS = 5  # kills of the real `peerdesk import`


def test_fifty_sigkills_of_a_session_writer_lose_no_confirmed_write(tmp_path):
    seed = int(os.environ.get("KILL_SEED", "0"))
    figures = run_kills(tmp_path / "store", CI_KILLS, seed=seed, min_confirmed=CI_KILLS)
    print("\n".join(figures.lines()))
    assert figures.kills >= CI_KILLS
    # The kills really landed among the writes, not only before the first one.
    assert figures.kill_phases.get("writing", 0) >= CI_KILLS // 3
    assert figures.confirmed_sessions >= CI_KILLS


def test_killed_cli_imports_are_all_or_nothing(store_dir, tmp_path):
    """The real `peerdesk import` killed at random moments: each file's rows are all in
    the store (when it said so, always) or none of them; the store still verifies."""
    rng = random.Random(11)
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    env |= {
        "PEERDESK_POLICY": os.environ["PEERDESK_POLICY"],
        "PEERDESK_DATA_DIR": str(store_dir.data_dir),
        "PEERDESK_LOG_DIR": str(tmp_path / "logs"),
        "PEERDESK_PASSWORD": COORD_PW,
    }
    confirmed: set[int] = set()
    kills = 0
    for n in range(ROUNDS + 1):  # the last one runs to the end, on what the kills left
        f = tmp_path / f"r{n}.csv"
        f.write_text("name,kind,notes\n" + "".join(f"F{n}-{i},eap,x\n" for i in range(300)))
        proc = subprocess.Popen(
            [sys.executable, "-m", "peerdesk", "import", "resources", str(f), "--user", "coord"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.8, 2.4))  # start-up takes most of it; then the import
        if n < ROUNDS and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        out, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            assert out.startswith("Imported 300 resources"), out
            confirmed.add(n)
        else:
            assert proc.returncode == -signal.SIGKILL, err
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        with store.session() as s:
            names = set(s.scalars(select(Resource.name)))
    assert ROUNDS in confirmed
    for n in range(ROUNDS + 1):
        mine = {name for name in names if name.startswith(f"F{n}-")}
        assert len(mine) in (0, 300), (n, len(mine))
        if n in confirmed:
            assert len(mine) == 300
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        assert verify_store(store, admin).ok
    print(f"CLI import kills: {kills}, confirmed imports: {len(confirmed)}")

"""Moving a big store onto a server and back, timed through the real command line.

    python benchmarks/bench_transfer.py --store DIR --password PW

DIR is a local store made with `peerdesk demo --sessions 200000` (admin account "admin").
A throwaway TLS-only PostgreSQL cluster is made in a temporary folder (tests/pg_server.py:
Debian's server binaries; fsync off, so the figures leave out the server's disk flushes),
and three commands are timed: `server import-store DIR`, `backup` in server mode, and
`restore` of that backup onto a second empty database. Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg_server import SUPERUSER, create_cluster  # noqa: E402


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


SERVER: list[Path] = []  # the cluster's data folder, once made


def _server_cpu() -> float:
    """CPU of the PostgreSQL server: the postmaster's own and that of its ended children
    (a connection's backend process ends with the command that opened it)."""
    if not SERVER:
        return 0.0
    pid = (SERVER[0] / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _run(env: dict[str, str], password: str, *args: str) -> float:
    start, cpu, server_cpu = time.perf_counter(), _cpu(), _server_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "peerdesk", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env,
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args[:2]} failed: {done.stderr.strip()}")
    lines = done.stdout.strip().splitlines()
    print(lines[-2] if "import-store" in args else lines[-1])
    print(
        f"  ({took:.1f} s elapsed, {_cpu() - cpu:.1f} s CPU in PeerDesk's process, "
        f"{_server_cpu() - server_cpu:.1f} s CPU in the server)"
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="peerdesk-bench-pg-"))
    folder.chmod(0o755)
    cluster = create_cluster(folder / "cluster")
    SERVER.append(cluster.data_dir)
    try:
        import psycopg

        with psycopg.connect(cluster.dsn(), password=cluster.password, autocommit=True) as c:
            c.execute("CREATE DATABASE bench_one")
            c.execute("CREATE DATABASE bench_two")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
        env["PEERDESK_DB_PASSWORD"] = cluster.password
        env["PEERDESK_LOG_DIR"] = str(folder / "logs")
        for name in ("one", "two"):
            (folder / f"policy-{name}.toml").write_text(
                "[store]\n"
                f'url = "postgresql://{SUPERUSER}@{cluster.host}:{cluster.port}/bench_{name}"\n'
                f'ca_file = "{cluster.ca_file}"\n'
            )
            (folder / f"ws-{name}").mkdir()
        one = {**env, "PEERDESK_POLICY": str(folder / "policy-one.toml")}
        two = {**env, "PEERDESK_POLICY": str(folder / "policy-two.toml")}
        ws1, ws2 = str(folder / "ws-one"), str(folder / "ws-two")
        login = ["--user", "admin", "--password-stdin"]
        moved = _run(one, args.password, "--data-dir", ws1, "server", "import-store",
                     str(args.store), *login)  # fmt: skip
        backup = folder / "server.pdbackup"
        backed = _run(one, args.password, "--data-dir", ws1, "backup", "--out", str(backup),
                      *login)  # fmt: skip
        restored = _run(two, args.password, "--data-dir", ws2, "restore", str(backup), *login)
        print(f"import-store: {moved:.1f} s")
        print(f"backup (server mode): {backed:.1f} s ({backup.stat().st_size // 2**20} MB)")
        print(f"restore onto an empty server: {restored:.1f} s")
    finally:
        cluster.stop("fast")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

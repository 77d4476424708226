"""The long SIGKILL run on demand: `python scripts/kill_harness.py --kills 500`.

Runs the harness of tests/attack_kills.py (the suite runs 50 kills of it in every CI
run) in a fresh store in a temporary folder and prints the figures. Exit 0 when every
confirmed write was found and `verify` passed, 1 with the findings otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=500, help="SIGKILLs to land (500)")
    parser.add_argument("--seed", type=int, default=0, help="seed for delays and writes")
    parser.add_argument(
        "--max-delay", type=float, default=0.25, help="latest kill after the unlock, seconds"
    )
    parser.add_argument("--keep", action="store_true", help="keep the store folder")
    args = parser.parse_args()
    if args.kills < 1 or args.kills > 100_000:
        parser.error("--kills must be between 1 and 100000")
    # The store is made with the quick key stretching of the test suite (its slots record
    # that; the harness's server loads tests/fast_kdf) and never reads this machine's policy.
    os.environ["PEERDESK_POLICY"] = str(Path(tempfile.gettempdir()) / "peerdesk-no-policy.toml")
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from attack_kills import run_kills

    folder = Path(tempfile.mkdtemp(prefix="peerdesk-kills-"))
    try:
        figures = run_kills(folder / "store", args.kills, args.seed, args.max_delay)
    except AssertionError as exc:
        print(f"FAILED: {exc}")
        print(f"store kept in {folder}")
        return 1
    print("\n".join(figures.lines()))
    if args.keep:
        print(f"store kept in {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

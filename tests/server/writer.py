"""A workstation recording sessions on the clinic server, as its own OS process.

    python -m tests.server.writer DATA_DIR USERNAME COUNT [--pause SECONDS]
    (the account's password on the first line of stdin; PEERDESK_POLICY and
    PEERDESK_DB_PASSWORD in the environment, as on a workstation in server mode)

It signs in with open_store and records COUNT sessions through services/sessions.py the
way the session form does: the record id is made on the workstation before the first
attempt (services/record_ids.py), and when the server cannot be reached the SAME input,
with the same id, is sent again until it is saved. Lines on stdout (flushed at once):

    ready                     signed in (with --wait-go: then waits for "go" on stdin)
    saved ID                  record_session returned: the server confirmed this session
    retry ID MESSAGE          the attempt failed with ServerUnavailableError; trying again
    done N                    N sessions confirmed

Any other error ends the process with a traceback on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from peerdesk.errors import ServerUnavailableError
from peerdesk.models import Episode
from peerdesk.services import sessions
from peerdesk.services.record_ids import new_record_id
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store

RETRY_FOR = 90.0  # seconds a save keeps being retried before the writer gives up


def say(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("username")
    ap.add_argument("count", type=int)
    ap.add_argument("--pause", type=float, default=0.0, help="seconds between saves")
    ap.add_argument("--wait-go", action="store_true", help="after 'ready', wait for 'go'")
    args = ap.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n")
    store, actor = open_store(args.data_dir, args.username, password)
    with store:
        with store.session() as s:
            episodes = list(
                s.scalars(
                    select(Episode.id)
                    .where(Episode.supporter_id == actor.supporter_id, Episode.closed_on.is_(None))
                    .order_by(Episode.id)
                )
            )
        if not episodes:
            raise SystemExit(f"{args.username} has no open episode")
        say("ready")
        if args.wait_go and sys.stdin.readline().strip() != "go":
            raise SystemExit("no 'go' line")
        start = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(hours=2)
        for n in range(args.count):
            data = SessionInput(
                episode_id=episodes[n % len(episodes)],
                minutes=15 + n % 40,
                mode=sessions.MODES[n % len(sessions.MODES)],
                started_at=start + timedelta(seconds=n),
                concerns=("stress",),
                notes=f"Synthetic note {n} by {args.username}.",
                id=new_record_id(),  # made here, once: every retry sends the same id
            )
            give_up = time.monotonic() + RETRY_FOR
            while True:
                try:
                    saved = sessions.record_session(store, actor, data)
                    break
                except ServerUnavailableError as exc:
                    if time.monotonic() > give_up:
                        raise
                    say(f"retry {data.id} {exc}")
                    time.sleep(0.3)
            assert saved.id == data.id
            say(f"saved {saved.id}")
            if args.pause:
                time.sleep(args.pause)
        say(f"done {args.count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

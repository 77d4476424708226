"""Many writers on one server (issue 13, part 4), with separate OS processes.

Each writer is tests/server/writer.py: a workstation signing in with open_store and
recording sessions through services/sessions.py as the session form does (the record id
made on the workstation; the same input retried after ServerUnavailableError). A session
counts as confirmed only once the writer printed "saved ID", i.e. after record_session
returned, which is what the person at the form sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from peerdesk.errors import ServerUnavailableError
from peerdesk.models import AuditEvent, Episode, SupporterProfile, SupportSession, User
from peerdesk.services import sessions
from peerdesk.services.demo import build_demo
from peerdesk.services.record_ids import new_record_id
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import Store, open_store
from tests.conftest import fast_kdf_env, run_cli
from tests.line_server import read_line
from tests.server.conftest import ServerSetup

ROOT = Path(__file__).resolve().parents[2]
PW = "many writers demo passphrase"


def _demo(server: ServerSetup) -> list[str]:
    """A small demo on the server; the usernames of two supporters with open episodes."""
    build_demo(server.data_dir, sessions=120, seed=5, password=PW)
    store, _ = open_store(server.data_dir, "admin", PW)
    with store, store.session() as s:
        names = s.scalars(
            select(User.username)
            .join(SupporterProfile, SupporterProfile.user_id == User.id)
            .join(Episode, Episode.supporter_id == SupporterProfile.id)
            .where(Episode.closed_on.is_(None), User.state == "active")
            .group_by(User.username)
            .order_by(User.username)
        ).all()
    assert len(names) >= 2
    return list(names[:2])


def _writer(
    server: ServerSetup,
    folder: Path,
    username: str,
    count: int,
    pause: float = 0.0,
    wait_go: bool = False,
):
    env = fast_kdf_env(
        {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")} | server.env
    )
    env["PEERDESK_LOG_DIR"] = str(folder.parent / "it-logs")
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(ROOT)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.server.writer", str(folder), username, str(count),
         "--pause", str(pause), *(["--wait-go"] if wait_go else [])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(PW + "\n")
    proc.stdin.flush()
    if not wait_go:
        proc.stdin.close()
    return proc


class Lines:
    """Everything a writer printed, read line by line with a deadline."""

    def __init__(self, proc: subprocess.Popen[str], who: str) -> None:
        self.proc, self.who = proc, who
        self.saved: list[str] = []
        self.retries: list[str] = []
        self.events: list[tuple[str, str]] = []  # (word, id) in the order printed
        self.finished = False

    def next(self, timeout: float = 120.0) -> str:
        try:
            line = read_line(self.proc, timeout, self.who)
        except (TimeoutError, RuntimeError) as exc:
            self.proc.kill()
            raise AssertionError(f"{exc}; stderr:\n{self.proc.stderr.read()[-3000:]}") from exc
        word, _, rest = line.partition(" ")
        self.events.append((word, rest.split(" ", 1)[0]))
        if word == "saved":
            self.saved.append(rest)
        elif word == "retry":
            self.retries.append(rest)
        elif word == "done":
            self.finished = True
            assert int(rest) == len(self.saved)
        return word

    def until_done(self) -> None:
        while not self.finished:
            self.next()
        assert self.proc.wait(timeout=60) == 0, self.proc.stderr.read()[-3000:]


def _counts(store: Store) -> tuple[int, Counter[str]]:
    """(sessions on the server, session.create audit events per session id)."""
    with store.session() as s:
        total = s.scalar(select(func.count()).select_from(SupportSession)) or 0
        created = Counter(
            s.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "session.create"))
        )
    return int(total), created


def _verify_as_admin(server: ServerSetup) -> None:
    done = run_cli(
        "verify", "--user", "admin", "--password-stdin",
        stdin=PW + "\n", env=server.env, data_dir=server.data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _check_every_confirmed_once(server: ServerSetup, confirmed: list[str], before: int) -> None:
    store, _ = open_store(server.data_dir, "admin", PW)
    with store:
        total, created = _counts(store)
        with store.session() as s:
            found = Counter(
                s.scalars(select(SupportSession.id).where(SupportSession.id.in_(confirmed)))
            )
    assert len(set(confirmed)) == len(confirmed)  # no id was confirmed twice
    assert found == Counter(confirmed)  # every confirmed session is there, once
    assert total == before + len(confirmed)  # and nothing unconfirmed was added
    assert all(created[sid] == 1 for sid in confirmed)  # audited once each, not per attempt


def test_two_processes_record_sessions_at_once(server: ServerSetup) -> None:
    users = _demo(server)
    store, _ = open_store(server.data_dir, "admin", PW)
    with store:
        before, _ = _counts(store)
    count = 25
    writers = [
        Lines(_writer(server, server.workstation(f"floor-{i}"), user, count, wait_go=True), user)
        for i, user in enumerate(users)
    ]
    # Both signed in, then both told to start at once: the saves overlap in time.
    for w in writers:
        assert w.next() == "ready"
    for w in writers:
        assert w.proc.stdin is not None
        w.proc.stdin.write("go\n")
        w.proc.stdin.close()
    for w in writers:
        w.until_done()
    assert [len(w.saved) for w in writers] == [count, count]
    assert not any(w.retries for w in writers)
    _check_every_confirmed_once(server, writers[0].saved + writers[1].saved, before)
    # Each writer's sessions are its own supporter's, under its own account.
    store, _ = open_store(server.data_dir, "admin", PW)
    with store, store.session() as s:
        for w, user in zip(writers, users, strict=True):
            authors = set(
                s.scalars(
                    select(User.username)
                    .join(SupportSession, SupportSession.created_by == User.id)
                    .where(SupportSession.id.in_(w.saved))
                )
            )
            assert authors == {user}
        # The two workstations' saves interleave in the one chain: they were concurrent.
        order = s.scalars(
            select(AuditEvent.actor_name)
            .where(AuditEvent.action == "session.create", AuditEvent.actor_name.in_(users))
            .order_by(AuditEvent.seq)
        ).all()
    switches = sum(1 for a, b in zip(order, order[1:], strict=False) if a != b)
    assert len(order) == 2 * count and switches >= 2, order
    _verify_as_admin(server)


def test_server_stopped_and_started_mid_write(server: ServerSetup) -> None:
    users = _demo(server)
    store, _ = open_store(server.data_dir, "admin", PW)
    with store:
        before, _ = _counts(store)
    count = 60
    w = Lines(_writer(server, server.workstation("floor-1"), users[0], count, 0.05), users[0])
    assert w.next() == "ready"
    while len(w.saved) < 8:
        w.next()
    server.cluster.stop("immediate")  # a crash: no shutdown checkpoint
    # The writer meets the outage: it says so, and keeps trying the same record.
    while not w.retries:
        assert w.next() in ("saved", "retry")
    before_outage = len(w.saved)
    time.sleep(1.0)
    server.cluster.start()
    w.until_done()
    assert len(w.saved) == count
    assert before_outage < count  # it went on saving after the server came back
    # The message is the one sentence the person sees, naming the server, not a trace.
    first = w.retries[0].split(" ", 1)[1]
    assert first.startswith("the clinic server ") and "cannot be reached" in first
    # After a retry, the next session confirmed is the one retried (the same record
    # with the same id, made on the workstation), never a new one in its place.
    for i, (word, sid) in enumerate(w.events):
        if word == "retry":
            following = next(e for e in w.events[i + 1 :] if e[0] == "saved")
            assert following[1] == sid
    _check_every_confirmed_once(server, w.saved, before)
    _verify_as_admin(server)


def test_retry_after_a_lost_reply_finds_the_committed_record(
    server: ServerSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit reached the server but its answer did not come back: the retry with the
    same id finds the record and answers as if it had just saved it."""
    users = _demo(server)
    store, actor = open_store(server.workstation("floor-1"), users[0], PW)
    with store:
        with store.session() as s:
            episode = s.scalar(
                select(Episode.id).where(
                    Episode.supporter_id == actor.supporter_id, Episode.closed_on.is_(None)
                )
            )
        before, _ = _counts(store)
        data = SessionInput(
            episode_id=episode, minutes=30, mode="phone", notes="Synthetic.", id=new_record_id()
        )
        real = Store.session
        lost = {"left": 1}

        def session_losing_one_reply(self: Store):  # noqa: ANN202
            # The first transaction commits, then the connection "drops" before the reply.
            cm = real(self)

            class Lose:
                def __enter__(self_inner):  # noqa: ANN202, N805
                    return cm.__enter__()

                def __exit__(self_inner, *exc):  # noqa: ANN002, ANN202, N805
                    result = cm.__exit__(*exc)
                    if exc[0] is None and lost["left"]:
                        lost["left"] -= 1
                        raise ServerUnavailableError("the clinic server cannot be reached")
                    return result

            return Lose()

        # Only the insert's transaction loses its reply (the lookup before it is first).
        calls = {"n": 0}

        def counted(self: Store):  # noqa: ANN202
            calls["n"] += 1
            return session_losing_one_reply(self) if calls["n"] == 2 else real(self)

        monkeypatch.setattr(Store, "session", counted)
        with pytest.raises(ServerUnavailableError):
            sessions.record_session(store, actor, data)
        monkeypatch.setattr(Store, "session", real)
        assert _counts(store)[0] == before + 1  # the failed attempt did commit
        saved = sessions.record_session(store, actor, data)
        assert saved.id == data.id and saved.minutes == 30
        total, created = _counts(store)
        assert total == before + 1 and created[data.id] == 1
        # Changed in the form before the retry: the retry corrects the saved record.
        again = sessions.record_session(store, actor, replace(data, minutes=45))
        assert again.id == data.id and again.minutes == 45
        assert _counts(store)[0] == before + 1


def test_many_writers_keep_one_chain_seen_by_the_database_administrator(
    server: ServerSetup,
) -> None:
    """The chain's sequence numbers, as the server stores them, have no gap and no repeat
    after two processes wrote at once."""
    users = _demo(server)
    writers = [
        Lines(_writer(server, server.workstation(f"ws-{i}"), u, 10), u) for i, u in enumerate(users)
    ]
    for w in writers:
        w.until_done()
    with psycopg.connect(
        server.cluster.dsn(server.database), password=server.cluster.password
    ) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM audit_events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))

"""A SIGKILL harness: a real writer process is killed at random moments, again and again.

Used by tests/test_crash_kills.py (a short run in every CI run) and by
scripts/kill_harness.py (the long run on demand, with figures).

How it works. A *server* process (this file run with `serve`) imports PeerDesk once and
then forks one *writer* per round, so a round costs a fork instead of a Python start-up.
Each writer is an ordinary process that unlocks the store through the services, as a
supporter, and records sessions (sometimes a new participant and episode first). It
prints one line per write only after the service call returned, i.e. after the commit:
those are the *confirmed* writes. The harness kills the writer with SIGKILL after a
random delay (during unlock, a write, a commit, the close, or between writes), the server
reaps it (so the stale instance lock points at a dead process), and the next round starts
on whatever the kill left behind. At the end every confirmed write must be in the store
with what was written (minutes, mode, the sealed note read back by its author), at most
one unconfirmed write per kill may have slipped in, and `verify` must pass.

Lines are shorter than PIPE_BUF, so a write to the shared pipe is all or nothing even
when the writer dies during it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from line_server import read_line

WRITER_USER = "alice"


@dataclass
class Confirmed:
    sessions: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # id -> written
    participants: set[str] = field(default_factory=set)


@dataclass
class KillFigures:
    rounds: int = 0
    kills: int = 0
    finished: int = 0  # writers that closed the store and exited before the kill came
    confirmed_sessions: int = 0
    confirmed_participants: int = 0
    unconfirmed_found: int = 0  # committed but killed before the line was printed
    seconds: float = 0.0
    kill_phases: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        phases = ", ".join(f"{k} {v}" for k, v in sorted(self.kill_phases.items()))
        return [
            f"rounds: {self.rounds}",
            f"SIGKILLs: {self.kills} (writers that finished first: {self.finished})",
            f"kills by last thing the writer reported: {phases}",
            f"confirmed writes checked: {self.confirmed_sessions} sessions, "
            f"{self.confirmed_participants} participants (all found, contents equal)",
            f"committed but unconfirmed writes found: {self.unconfirmed_found}",
            f"time: {self.seconds:.1f} s",
        ]


# -- the server and its writers (run in the child process) -----------------------------


def _say(text: str) -> None:
    """One line in one write(2), never through a buffer a fork could copy."""
    os.write(1, (text + "\n").encode())


def _writer(data_dir: str, password: str, episode_id: str, seed: int) -> None:
    """One writer: unlock, write until killed (or until `writes` are done), close."""
    from peerdesk.services import episodes, participants, sessions
    from peerdesk.services.store import open_store

    rng = random.Random(seed)
    _say(f"u {seed}")  # about to unlock
    store, actor = open_store(Path(data_dir), WRITER_USER, password)
    _say(f"o {seed}")  # unlocked
    with store:
        for n in range(rng.randint(1, 40)):
            if rng.random() < 0.1:
                p = participants.create_participant(store, actor, "staff")
                _say(f"p {p.id}")
                ep = episodes.open_episode(store, actor, p.id, "harness")
                episode_id = ep.id
            minutes = rng.randint(1, 600)
            mode = rng.choice(sessions.MODES)
            token = f"n{seed}-{n}-"
            note = token + "x" * rng.randint(0, 3000)
            info = sessions.record_session(
                store,
                actor,
                sessions.SessionInput(episode_id, minutes, mode, notes=note, concerns=("work",)),
            )
            _say(f"s {info.id} {minutes} {mode} {token}")
        _say(f"x {seed}")  # closing
    _say(f"c {seed}")  # closed


def serve(data_dir: str, password: str, episode_id: str) -> None:
    """Read `run SEED` lines; fork a writer for each, report its pid and its end."""
    import peerdesk.services.episodes  # noqa: F401 - imported once, before any fork
    import peerdesk.services.participants  # noqa: F401
    import peerdesk.services.sessions  # noqa: F401
    import peerdesk.services.store  # noqa: F401

    _say("ready")
    for line in sys.stdin:
        seed = int(line.split()[1])
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _writer(data_dir, password, episode_id, seed)
            except BaseException as exc:  # noqa: BLE001 - reported to the harness, then exit
                _say(f"E {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
                code = 1
            os._exit(code)
        _say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"end {pid} {status}")


# -- the harness (run in the test or script process) -----------------------------------


class KillHarness:
    def __init__(self, data_dir: Path, password: str, episode_id: str, seed: int = 0) -> None:
        self.data_dir = Path(data_dir)
        self.password = password
        self.episode_id = episode_id
        self.rng = random.Random(seed)
        self.confirmed = Confirmed()
        self.figures = KillFigures()
        self.errors: list[str] = []
        env = dict(os.environ)
        # tests/fast_kdf first: the suite's quick key stretching in the server and its forks.
        here = Path(__file__).parent
        env["PYTHONPATH"] = os.pathsep.join([str(here / "fast_kdf"), str(here), *sys.path])
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve", str(data_dir), password, episode_id],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
        )
        assert self._line(60) == "ready"

    def _line(self, timeout: float) -> str:
        return read_line(self.proc, timeout, "writer server")

    def _take(self, line: str, last: list[str]) -> None:
        kind, _, rest = line.partition(" ")
        if kind == "s":
            sid, minutes, mode, token = rest.split(" ")
            self.confirmed.sessions[sid] = (int(minutes), mode, token)
        elif kind == "p":
            self.confirmed.participants.add(rest)
        elif kind == "E":
            self.errors.append(rest)
        phase = {"u": "unlocking", "o": "writing", "s": "writing", "p": "writing"}
        phase |= {"x": "closing", "c": "exiting"}
        last[0] = phase.get(kind, last[0])

    def round(self, max_delay: float) -> None:
        """One writer, killed after a random delay (unless it finished first)."""
        assert self.proc.stdin is not None
        self.figures.rounds += 1
        self.proc.stdin.write(f"run {self.rng.randrange(2**31)}\n")
        self.proc.stdin.flush()
        last = ["starting"]
        line = self._line(30)
        while not line.startswith("pid "):  # the writer may speak before the server does
            self._take(line, last)
            line = self._line(30)
        pid = int(line.split()[1])
        # A third of the kills land at any moment from the fork (mostly in the unlock);
        # the rest at a random moment after the unlock, among the writes and commits, or
        # in the close when the writer got that far.
        after_open = self.rng.random() >= 1 / 3
        delay = self.rng.random() * max_delay
        deadline = None if after_open else time.monotonic() + delay
        while True:
            if deadline is None:
                left = 30.0
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
            try:
                line = self._line(left)
            except TimeoutError:
                if deadline is None:
                    raise
                break
            if line.startswith("end "):
                self.figures.finished += 1
                return
            self._take(line, last)
            if deadline is None and line.startswith("o "):
                deadline = time.monotonic() + delay
        os.kill(pid, signal.SIGKILL)
        while True:
            line = self._line(30)
            if line.startswith("end "):
                break
            self._take(line, last)
        status = int(line.split()[2])
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            self.figures.kills += 1
            self.figures.kill_phases[last[0]] = self.figures.kill_phases.get(last[0], 0) + 1
        else:
            self.figures.finished += 1

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def check(self, verifier: str, verifier_password: str) -> list[str]:
        """Every confirmed write present and equal; verify passes. Returns the problems."""
        from sqlalchemy import func, select

        from peerdesk.models import Participant, SupportSession
        from peerdesk.services import sessions
        from peerdesk.services.store import open_store
        from peerdesk.services.verify import verify_store

        problems = list(self.errors)
        store, actor = open_store(self.data_dir, WRITER_USER, self.password)
        with store:
            with store.session() as s:
                all_sessions = s.scalar(select(func.count()).select_from(SupportSession)) or 0
                present = set(s.scalars(select(Participant.id)))
            for sid, (minutes, mode, token) in self.confirmed.sessions.items():
                try:
                    info = sessions.get_session(store, actor, sid)
                except Exception as exc:  # noqa: BLE001 - a lost write is the finding
                    problems.append(f"confirmed session {sid} lost: {exc}")
                    continue
                if (info.minutes, info.mode) != (minutes, mode) or not (
                    info.notes or ""
                ).startswith(token):
                    problems.append(f"confirmed session {sid} changed")
            lost = self.confirmed.participants - present
            problems += [f"confirmed participant {p} lost" for p in sorted(lost)]
        # The store started with one session per harness (none); anything beyond the
        # confirmed ones was committed by a writer killed before it could say so.
        extra = all_sessions - len(self.confirmed.sessions)
        if extra < 0 or extra > self.figures.kills:
            problems.append(f"{extra} unconfirmed sessions for {self.figures.kills} kills")
        self.figures.unconfirmed_found = max(extra, 0)
        self.figures.confirmed_sessions = len(self.confirmed.sessions)
        self.figures.confirmed_participants = len(self.confirmed.participants)
        store, actor = open_store(self.data_dir, verifier, verifier_password)
        with store:
            report = verify_store(store, actor)
        problems += [f"verify: {p}" for p in report.problems]
        return problems


def prepare_store(data_dir: Path) -> tuple[str, str, str]:
    """A fresh store with an admin and the writing supporter; returns (admin password,
    writer password, an episode of the writer's)."""
    from peerdesk.services import accounts, episodes, participants
    from peerdesk.services.store import create_store, open_store

    admin_pw, writer_pw = "harness admin passphrase", "harness writer passphrase"
    create_store(data_dir, "admin", admin_pw, "Admin", "Harness Clinic")
    store, admin = open_store(data_dir, "admin", admin_pw)
    with store:
        accounts.add_user(store, admin, WRITER_USER, "supporter", writer_pw, "Writer")
    store, alice = open_store(data_dir, WRITER_USER, writer_pw)
    with store:
        p = participants.create_participant(store, alice, "staff")
        ep = episodes.open_episode(store, alice, p.id, "harness")
    return admin_pw, writer_pw, ep.id


def run_kills(
    data_dir: Path,
    kills: int,
    seed: int = 0,
    max_delay: float = 0.25,
    min_confirmed: int = 0,
) -> KillFigures:
    """Kill writers until `kills` SIGKILLs have landed and at least `min_confirmed` writes
    were confirmed (a loaded machine writes fewer per round; up to 4x the rounds); raise
    AssertionError on a finding."""
    started = time.monotonic()
    admin_pw, writer_pw, episode_id = prepare_store(data_dir)
    harness = KillHarness(data_dir, writer_pw, episode_id, seed)
    try:
        while harness.figures.kills < kills or (
            len(harness.confirmed.sessions) < min_confirmed and harness.figures.rounds < 4 * kills
        ):
            harness.round(max_delay)
            if harness.errors:
                break
    finally:
        harness.close()
    problems = harness.check("admin", admin_pw)
    harness.figures.seconds = time.monotonic() - started
    if problems:
        raise AssertionError("; ".join(problems[:20]))
    return harness.figures


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "serve":
    serve(sys.argv[2], sys.argv[3], sys.argv[4])

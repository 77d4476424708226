"""Kill a real `peerdesk` command at each of its file operations, one run per point.

A *server* process (this file run with `serve`) imports the command line once and forks
one child per run. The child runs `peerdesk.cli.main(argv)` (the real command line, its
output sent to files) with a Python audit hook that counts the file operations under
the folders being watched (opening a file for writing, creating or removing a file or a
folder, renaming, changing a mode; optionally every SQL statement and commit) and sends
itself SIGKILL at operation number k. A run without k counts the operations, so a test
can sweep all of them, or a spread of them.
SQLite's own writes happen between these points and are reached by the timed kills of
tests/attack_kills.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from line_server import read_line

WATCHED_EVENTS = {
    "open",
    "os.rename",
    "os.remove",
    "os.mkdir",
    "os.rmdir",
    "os.chmod",
    "os.truncate",
    "shutil.rmtree",
    "shutil.move",
    "shutil.copyfile",
    "tempfile.mkstemp",
    "tempfile.mkdtemp",
}


@dataclass
class Run:
    killed: bool
    exit_code: int | None
    events: int  # operations seen (all of them when not killed)
    stdout: str
    stderr: str


def _child(job: dict, out_dir: str) -> None:
    roots = [os.path.realpath(r) for r in job["watch"]]
    kill_at = job.get("kill_at")
    count = [0]
    counter_file = os.path.join(out_dir, "events")

    def under(arg: object) -> bool:
        if isinstance(arg, bytes):
            arg = os.fsdecode(arg)
        if not isinstance(arg, str | os.PathLike):
            return False
        path = os.path.realpath(os.path.abspath(os.fspath(arg)))
        return any(path == r or path.startswith(r + os.sep) for r in roots)

    def hook(event: str, args: tuple) -> None:
        if event not in WATCHED_EVENTS or not args:
            return
        if event == "open":
            mode = args[1] if len(args) > 1 else "r"
            flags = args[2] if len(args) > 2 else 0
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            )
            if not writes:
                return
        if not any(under(a) for a in args[:2]):
            return
        count[0] += 1
        if kill_at is not None and count[0] >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    os.environ.update(job.get("env", {}))
    fd_in = os.open(os.devnull if job.get("stdin") is None else job["stdin"], os.O_RDONLY)
    os.dup2(fd_in, 0)
    # Output goes to pipes the server drains, so a file-size limit never hides it.
    os.dup2(job["_out"], 1)
    os.dup2(job["_err"], 2)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the child's own descriptors
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    from peerdesk.cli import main

    if job.get("fsize") is not None:
        # A file-size limit stands in for a full disk where no tmpfs can be mounted:
        # writes past it fail with EFBIG (SIGXFSZ ignored, or it would kill the child).
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (job["fsize"], job["fsize"]))
    sys.addaudithook(hook)
    if job.get("sql"):
        # Every SQL statement and every commit is a point too: kills inside transactions,
        # between the steps of a migration, before and after each commit.
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def point(*_args: object, **_kw: object) -> None:
            count[0] += 1
            if kill_at is not None and count[0] >= kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        event.listen(Engine, "before_cursor_execute", point)
        event.listen(Engine, "commit", point)
    code = save_session(job["argv"][1:]) if job["argv"][0] == "__session__" else main(job["argv"])
    sys.stdout.flush()
    sys.stderr.flush()
    if job.get("fsize") is None:
        with open(counter_file, "w") as fh:
            fh.write(str(count[0]))
    os._exit(code)


def save_session(argv: list[str]) -> int:
    """`__session__ DATA_DIR USER EPISODE`: one session saved through the services, the way
    the app saves one (password from PEERDESK_PASSWORD); errors end like the CLI's."""
    from peerdesk.errors import PeerDeskError
    from peerdesk.services import sessions
    from peerdesk.services.store import open_store

    data_dir, user, episode_id = argv
    try:
        store, actor = open_store(Path(data_dir), user, os.environ["PEERDESK_PASSWORD"])
        with store:
            info = sessions.record_session(
                store,
                actor,
                sessions.SessionInput(episode_id, 45, "phone", notes="x" * 20000),
            )
    except PeerDeskError as exc:
        print(f"peerdesk: error: {' '.join(str(exc).splitlines())}", file=sys.stderr)
        return exc.exit_code
    print(info.id)
    return 0


def _drain(fd: int, path: str) -> None:
    with open(fd, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())


def serve() -> None:
    import peerdesk.cli  # noqa: F401 - imported once, before any fork
    import peerdesk.cli_commands  # noqa: F401
    import peerdesk.services.backup  # noqa: F401
    import peerdesk.services.demo  # noqa: F401
    import peerdesk.services.sessions  # noqa: F401
    import peerdesk.services.store  # noqa: F401

    os.write(1, b"ready\n")
    for line in sys.stdin:
        job = json.loads(line)
        out_dir = job["out_dir"]
        out_r, job["_out"] = os.pipe()
        err_r, job["_err"] = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(out_r)
                os.close(err_r)
                _child(job, out_dir)
            except BaseException:  # noqa: BLE001 - escaped the command: show it, exit 99
                import traceback

                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(99)
        os.close(job["_out"])
        os.close(job["_err"])
        drains = [
            threading.Thread(target=_drain, args=(fd, os.path.join(out_dir, name)))
            for fd, name in ((out_r, "stdout"), (err_r, "stderr"))
        ]
        for t in drains:
            t.start()
        _, status = os.waitpid(pid, 0)
        for t in drains:
            t.join()
        os.write(1, (json.dumps({"status": status}) + "\n").encode())


class CrashPoints:
    """Talks to one server; `run` forks one command and kills it at point k (or not)."""

    def __init__(self, work: Path) -> None:
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.runs = 0
        self.kills = 0
        # tests/fast_kdf on the path: the suite's quick key stretching in the server and its forks.
        fast_kdf = str(Path(__file__).parent / "fast_kdf")
        path = os.pathsep.join(filter(None, [fast_kdf, os.environ.get("PYTHONPATH", "")]))
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONPATH": path},
        )
        assert self._line(60) == "ready"

    def _line(self, timeout: float) -> str:
        return read_line(self.proc, timeout, "command server")

    def run(
        self,
        argv: list[str],
        env: dict[str, str],
        watch: list[Path] | tuple[()] = (),
        kill_at: int | None = None,
        stdin: str | None = None,
        sql: bool = False,
        fsize: int | None = None,
    ) -> Run:
        assert self.proc.stdin is not None
        self.runs += 1
        out_dir = self.work / f"run{self.runs}"
        out_dir.mkdir()
        stdin_file = None
        if stdin is not None:
            stdin_file = out_dir / "stdin"
            stdin_file.write_text(stdin)
        job = {
            "argv": argv,
            "env": env,
            "watch": [str(w) for w in watch],
            "kill_at": kill_at,
            "sql": sql,
            "fsize": fsize,
            "out_dir": str(out_dir),
            "stdin": str(stdin_file) if stdin_file else None,
        }
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        status = json.loads(self._line(300))["status"]
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        self.kills += killed
        events_file = out_dir / "events"
        return Run(
            killed,
            None if killed else os.WEXITSTATUS(status),
            int(events_file.read_text()) if events_file.exists() else -1,
            (out_dir / "stdout").read_text(),
            (out_dir / "stderr").read_text(),
        )

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


def spread(total: int, budget: int) -> list[int]:
    """Up to `budget` kill points spread over 1..total (all of them when they fit)."""
    if total <= budget:
        return list(range(1, total + 1))
    step = total / budget
    return sorted({max(1, min(total, round(1 + i * step))) for i in range(budget)})


if __name__ == "__main__" and sys.argv[1:] == ["serve"]:
    serve()


def judge(findings: dict[str, list[str]], known: dict[str, str]) -> None:
    """Pass, fail or xfail one sweep, strictly per kind of finding.

    known maps a kind of finding to the defect (and the issue item that owns it) expected
    to produce it. A finding of any other kind fails the test; a known kind that no longer
    shows fails it too (the fix landed: drop the entry), so a sweep run once per test
    still flips exactly when a fix lands, like xfail(strict=True) on separate tests.
    """
    import pytest

    unexpected = {k: v for k, v in findings.items() if v and k not in known}
    if unexpected:
        pytest.fail(json.dumps(unexpected, indent=1)[:4000])
    gone = [k for k in known if not findings.get(k)]
    if gone:
        pytest.fail(
            "no longer found (fixed? remove the entry): "
            + "; ".join(f"{k}: {known[k]}" for k in gone)
        )
    if known:
        pytest.xfail("; ".join(f"{k}: {known[k]}" for k in known))

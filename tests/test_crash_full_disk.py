"""A full disk for every writing command, at several amounts of room left.

Two ways to fill the disk: a small tmpfs (where `mount` is permitted) holding the store
and the outputs, filled to leave 0 B … 1 MiB free; and, everywhere, a file-size limit
(RLIMIT_FSIZE in the child, SIGXFSZ ignored so writes fail with EFBIG) at the same sizes.
The commands run as the real command line in a forked child (tests/attack_crashpoints.py);
saving a session goes through the services, as the app does.

Each run must either succeed, or end with one line on stderr and exit 11 (disk full);
then, with room again: nothing half-written (an output is absent or whole, an import all
or nothing, an account signs in or does not exist), no audit event for an output that is
not there, no stray temp files after the next start, and the store verifies.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from attack_crashpoints import CrashPoints, judge
from conftest import ADMIN_PW, COORD_PW, SUP_A_PW
from sqlalchemy import func, select
from test_crash_commands import looks_like_store, opens_and_verifies, stray_files

from peerdesk.errors import PeerDeskError
from peerdesk.models import AuditEvent, Resource, SupportSession
from peerdesk.services import accounts, episodes, participants, sessions
from peerdesk.services.backup import read_manifest
from peerdesk.services.store import create_store, open_store

# Probes per sweep: room 0, then a binary search over 0 .. SEARCH_TOP down to 4 KiB (the
# page size of tmpfs): the last probes fail at a command's last writes.
SEARCH_TOP = 1 << 20
SEARCH_STEPS = int(os.environ.get("FULL_DISK_STEPS", "8"))
NEW_PW = "a new account passphrase"


# -- the two kinds of full disk ----------------------------------------------------------


def _can_mount() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    probe = Path(f"/tmp/peerdesk-tmpfs-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
            capture_output=True,
            timeout=10,
        )
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], capture_output=True, timeout=10)
        return True
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


CAN_MOUNT = _can_mount()


class Disk:
    """Where a sweep writes, and how it runs out of room."""

    def __init__(self, root: Path, kind: str) -> None:
        self.root, self.kind = root, kind
        self.fsize: int | None = None

    def squeeze(self, free: int) -> None:
        if self.kind == "rlimit":
            self.fsize = free
            return
        filler = self.root / "filler"
        st = os.statvfs(self.root)
        size = max(0, st.f_bavail * st.f_frsize - free)
        with open(filler, "wb") as fh:
            chunk = b"\0" * (1 << 20)
            while size > 0:
                try:
                    size -= fh.write(chunk[: min(size, len(chunk))])
                except OSError:
                    break

    def release(self) -> None:
        self.fsize = None
        (self.root / "filler").unlink(missing_ok=True)


@contextlib.contextmanager
def disk(tmp: Path, kind: str) -> Iterator[Disk]:
    root = tmp / "disk"
    root.mkdir()
    if kind == "rlimit":
        yield Disk(root, kind)
        return
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(root)],
        check=True,
        capture_output=True,
        timeout=10,
    )
    try:
        yield Disk(root, kind)
    finally:
        subprocess.run(["umount", "-l", str(root)], capture_output=True, timeout=30)


# -- what each command is given and what must hold afterwards ----------------------------


@dataclass
class Ctx:
    disk: Disk
    cp: CrashPoints
    logs: Path
    inputs: Path  # input files and a good backup, off the full disk
    store: Path | None = None
    episode: str = ""
    backup: Path | None = None
    findings: dict[str, list[str]] = field(default_factory=dict)
    full: int = 0  # runs that ran out of room
    probes: int = 0
    reports: int = 0  # report.create events seen so far
    sessions: int = 5  # sessions in the store (_make_store records five)

    def note(self, kind: str, text: str) -> None:
        self.findings.setdefault(kind, []).append(text)

    def env(self, password: str, data_dir: Path | None = None) -> dict[str, str]:
        env = {"PEERDESK_LOG_DIR": str(self.logs), "PEERDESK_PASSWORD": password}
        if data_dir is not None or self.store is not None:
            env["PEERDESK_DATA_DIR"] = str(data_dir or self.store)
        return env


def _make_store(ctx: Ctx) -> None:
    ctx.store = ctx.disk.root / "store"
    create_store(ctx.store, "admin", ADMIN_PW, "Admin", "Full Disk Clinic")
    store, admin = open_store(ctx.store, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "coord", "coordinator", COORD_PW)
        accounts.add_user(store, admin, "alice", "supporter", SUP_A_PW)
    store, alice = open_store(ctx.store, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff")
        ctx.episode = episodes.open_episode(store, alice, p.id, "full disk").id
        for _ in range(5):
            sessions.record_session(
                store, alice, sessions.SessionInput(ctx.episode, 30, "phone", notes="n")
            )


def _events(ctx: Ctx, action: str, target: str | None = None) -> int:
    assert ctx.store is not None
    store, _ = open_store(ctx.store, "admin", ADMIN_PW)
    with store, store.session() as s:
        q = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        if target is not None:
            q = q.where(AuditEvent.target_id == target)
        return int(s.scalar(q) or 0)


# Each command: (prepare the shared state once, run level i -> (argv, env), check level i)
Runner = Callable[[Ctx, int], tuple[list[str], dict[str, str]]]
Checker = Callable[[Ctx, int, bool], None]


def _init_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    folder = ctx.disk.root / f"init{i}"
    return ["init", "--admin", "admin"], ctx.env(ADMIN_PW, folder)


def _init_check(ctx: Ctx, i: int, ok: bool) -> None:
    folder = ctx.disk.root / f"init{i}"
    if looks_like_store(folder) and (problem := opens_and_verifies(folder, "admin", ADMIN_PW)):
        ctx.note("state", f"init at level {i} left a half-built store: {problem}")
    if not ok:
        again = ctx.cp.run(*_init_run(ctx, i))
        if again.exit_code != 0:
            ctx.note("state", f"init again after level {i}: {again.stderr.strip()}")
    if stray_files(folder):
        ctx.note("stray", f"init level {i} left {stray_files(folder)}")


def _demo_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    folder = ctx.disk.root / f"demo{i}"
    return ["--data-dir", str(folder), "demo", "--sessions", "20"], ctx.env(ADMIN_PW)


def _demo_check(ctx: Ctx, i: int, ok: bool) -> None:
    folder = ctx.disk.root / f"demo{i}"
    if looks_like_store(folder):
        problem = opens_and_verifies(folder, "admin", ADMIN_PW)
        if problem is None and not ok:
            problem = "the failed demo left a store that opens"
        if problem:
            ctx.note("state", f"demo at level {i} left a half-built store: {problem}")
    if not ok:
        argv, env = _demo_run(ctx, i)
        again = ctx.cp.run([*argv, "--force"], env, [])  # the next start
        if again.exit_code != 0:
            ctx.note("state", f"demo --force after level {i}: {again.stderr.strip()}")
    if stray_files(folder):
        ctx.note("stray", f"demo level {i} left {stray_files(folder)}")


def _user_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    env = ctx.env(ADMIN_PW) | {"PEERDESK_NEW_PASSWORD": NEW_PW}
    return ["user", "add", f"user{i}", "--role", "supporter", "--user", "admin"], env


def _user_check(ctx: Ctx, i: int, ok: bool) -> None:
    assert ctx.store is not None
    store, admin = open_store(ctx.store, "admin", ADMIN_PW)
    with store:
        names = {u.username for u in accounts.list_users(store, admin)}
    if f"user{i}" in names:
        try:
            open_store(ctx.store, f"user{i}", NEW_PW, refuse_first_password=False)[0].close()
        except PeerDeskError as exc:
            ctx.note("state", f"user add at level {i}: the account exists but {exc}")
    elif ok:
        ctx.note("state", f"user add at level {i} said done but the account is missing")


def _import_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    f = ctx.inputs / f"res{i}.csv"
    body = "".join(f"L{i}-{n},eap,{'x' * 400}\n" for n in range(300))
    f.write_text("name,kind,notes\n" + body)
    return ["import", "resources", str(f), "--user", "coord"], ctx.env(COORD_PW)


def _import_check(ctx: Ctx, i: int, ok: bool) -> None:
    assert ctx.store is not None
    store, _ = open_store(ctx.store, "coord", COORD_PW)
    with store, store.session() as s:
        n = int(
            s.scalar(
                select(func.count()).select_from(Resource).where(Resource.name.like(f"L{i}-%"))
            )
            or 0
        )
    if n not in (0, 300) or (ok and n != 300) or (not ok and n):
        ctx.note("state", f"import at level {i}: {n} of 300 rows (exit ok: {ok})")


def _export_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    out = ctx.disk.root / f"export{i}"
    return ["export", "--out", str(out), "--user", "coord"], ctx.env(COORD_PW)


def _export_check(ctx: Ctx, i: int, ok: bool) -> None:
    out = ctx.disk.root / f"export{i}"
    files = sorted(p.name for p in out.iterdir()) if out.exists() else []
    if ok and not files:
        ctx.note("state", f"export at level {i} said done but wrote nothing")
    if not ok and files:
        ctx.note("state", f"export at level {i} failed but left {files}")
    if not ok and _events(ctx, "export.csv", out.name):
        ctx.note("audit", f"export at level {i} failed but its audit event was committed")
    if stray_files(ctx.disk.root):
        ctx.note("stray", f"export level {i} left {stray_files(ctx.disk.root)}")


def _report_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    from datetime import date

    pdf, csv = ctx.disk.root / f"report{i}.pdf", ctx.disk.root / f"report{i}.csv"
    month = date.today().strftime("%Y-%m")
    argv = ["report", "--month", month, "--out", str(pdf), "--csv", str(csv), "--user", "coord"]
    return argv, ctx.env(COORD_PW)


def _report_check(ctx: Ctx, i: int, ok: bool) -> None:
    from pypdf import PdfReader

    pdf, csv = ctx.disk.root / f"report{i}.pdf", ctx.disk.root / f"report{i}.csv"
    if pdf.exists():
        try:
            PdfReader(pdf).pages[0].extract_text()
        except Exception as exc:  # noqa: BLE001
            ctx.note("state", f"report at level {i} left a broken PDF: {exc}")
    if ok != (pdf.exists() and csv.exists()) and (pdf.exists() or csv.exists() or ok):
        ctx.note("state", f"report at level {i}: pdf {pdf.exists()}, csv {csv.exists()}, ok {ok}")
    events = _events(ctx, "report.create")
    if (pdf.exists() or csv.exists()) and events < ctx.reports + 1:
        ctx.note("audit", f"report at level {i} wrote its files but no audit event")
    ctx.reports = events
    if stray_files(ctx.disk.root):
        ctx.note("stray", f"report level {i} left {stray_files(ctx.disk.root)}")


def _backup_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    out = ctx.disk.root / f"b{i}.pdbackup"
    return ["backup", "--out", str(out), "--user", "admin"], ctx.env(ADMIN_PW)


def _backup_check(ctx: Ctx, i: int, ok: bool) -> None:
    out = ctx.disk.root / f"b{i}.pdbackup"
    if out.exists():
        try:
            read_manifest(out, check_hash=True)
        except Exception as exc:  # noqa: BLE001
            ctx.note("state", f"backup at level {i} left a broken file: {exc}")
    if ok != out.exists():
        ctx.note("state", f"backup at level {i}: file {out.exists()}, exit ok {ok}")
    if not out.exists() and _events(ctx, "backup.create", out.name):
        ctx.note("audit", f"backup at level {i} failed but its audit event was committed")
    if stray_files(ctx.disk.root):
        ctx.note("stray", f"backup level {i} left {stray_files(ctx.disk.root)}")


def _restore_prepare(ctx: Ctx) -> None:
    ctx.backup = ctx.inputs / "good.pdbackup"
    made = ctx.cp.run(["backup", "--out", str(ctx.backup), "--user", "admin"], ctx.env(ADMIN_PW))
    assert made.exit_code == 0, made.stderr


def _restore_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    target = ctx.disk.root / f"restored{i}"
    return ["restore", str(ctx.backup), "--user", "admin"], ctx.env(ADMIN_PW, target)


def _restore_check(ctx: Ctx, i: int, ok: bool) -> None:
    target = ctx.disk.root / f"restored{i}"
    if looks_like_store(target) and (problem := opens_and_verifies(target, "admin", ADMIN_PW)):
        ctx.note("state", f"restore at level {i} left a half-built store: {problem}")
    if not ok:
        again = ctx.cp.run(*_restore_run(ctx, i))
        if again.exit_code != 0:
            ctx.note("state", f"restore again after level {i}: {again.stderr.strip()}")
    if stray_files(target):
        ctx.note("stray", f"restore level {i} left {stray_files(target)}")


def _session_run(ctx: Ctx, i: int) -> tuple[list[str], dict[str, str]]:
    return ["__session__", str(ctx.store), "alice", ctx.episode], ctx.env(SUP_A_PW)


def _session_check(ctx: Ctx, i: int, ok: bool) -> None:
    assert ctx.store is not None
    store, _ = open_store(ctx.store, "alice", SUP_A_PW)
    with store, store.session() as s:
        n = int(s.scalar(select(func.count()).select_from(SupportSession)) or 0)
    want = ctx.sessions + (1 if ok else 0)
    if n != want:
        ctx.note("state", f"session save at level {i}: {n} sessions, expected {want}")
    ctx.sessions = n


COMMANDS: dict[str, tuple[bool, Runner, Checker]] = {
    # name: (needs the shared store, run, check)
    "init": (False, _init_run, _init_check),
    "demo": (False, _demo_run, _demo_check),
    "user add": (True, _user_run, _user_check),
    "import": (True, _import_run, _import_check),
    "export": (True, _export_run, _export_check),
    "report": (True, _report_run, _report_check),
    "backup": (True, _backup_run, _backup_check),
    "restore": (True, _restore_run, _restore_check),
    "session save": (True, _session_run, _session_check),
}


def _probe(ctx: Ctx, command: str, free: int) -> bool:
    """Run the command once with `free` bytes of room; True when it succeeded."""
    _, run_fn, check_fn = COMMANDS[command]
    i = ctx.probes
    ctx.probes += 1
    argv, env = run_fn(ctx, i)
    ctx.disk.squeeze(free)
    run = ctx.cp.run(argv, env, [], fsize=ctx.disk.fsize)
    ctx.disk.release()
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    if run.exit_code != 0:
        ctx.full += 1
        good = (
            run.exit_code == 11
            and len(lines) == 1
            and lines[0].startswith("peerdesk: error: ")
            and "disk is full" in lines[0]
        )
        if not good:
            tail = " | ".join(lines[-2:])[:300]
            ctx.note("message", f"{free} B free (probe {i}): exit {run.exit_code}: {tail}")
    check_fn(ctx, i, run.exit_code == 0)
    if ctx.store is not None:
        # The next start of the store; then no temp files may be left in it.
        try:
            open_store(ctx.store, "admin", ADMIN_PW)[0].close()
        except PeerDeskError as exc:
            ctx.note("store", f"after {free} B free: the store does not open: {exc}")
        if stray_files(ctx.store):
            ctx.note("stray", f"after {free} B free: in the store {stray_files(ctx.store)}")
    return run.exit_code == 0


def sweep(command: str, kind: str, tmp: Path) -> Ctx:
    """No room at all, then a binary search for the least room the command needs: the
    probes just below it fail at the command's last writes, where half-done work hides."""
    needs_store = COMMANDS[command][0]
    cp = CrashPoints(tmp / "cp")
    try:
        with disk(tmp, kind) as d:
            ctx = Ctx(d, cp, tmp / "logs", tmp)
            if needs_store:
                _make_store(ctx)
            if command == "restore":
                _restore_prepare(ctx)
            _probe(ctx, command, 0)
            low, high = 0, SEARCH_TOP
            for _ in range(SEARCH_STEPS):
                mid = (low + high) // 2 // 4096 * 4096
                if mid <= low:
                    break
                if _probe(ctx, command, mid):
                    high = mid
                else:
                    low = mid
            if ctx.store is not None and (
                problem := opens_and_verifies(ctx.store, "admin", ADMIN_PW)
            ):
                ctx.note("store", f"at the end: {problem}")
            return ctx
    finally:
        cp.close()


KINDS = ["tmpfs", "rlimit"]

# Defects these sweeps still find, by kind of finding (issue 11 item 6). The size-limit
# sweeps run where no tmpfs can be mounted (or with FULL_DISK_ALL=1).
KNOWN: dict[tuple[str, str], dict[str, str]] = {}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_full_disk(command, kind, tmp_path):
    """One line and exit 11 (message); nothing half-written, no audit event without its
    output, the store verifies (state); no temp files left (stray)."""
    if kind == "tmpfs" and not CAN_MOUNT:
        pytest.skip("mounting a tmpfs is not permitted here; the file-size limit runs instead")
    if kind == "rlimit" and CAN_MOUNT and os.environ.get("FULL_DISK_ALL") != "1":
        pytest.skip("a real full disk (tmpfs) runs here; FULL_DISK_ALL=1 adds the size limit")
    ctx = sweep(command, kind, tmp_path)
    print(f"{command} / {kind}: {ctx.probes} probes, {ctx.full} ran out of room")
    assert ctx.full >= 1, "no probe ran out of room; the sweep tests nothing"
    findings = {
        "message": ctx.findings.get("message", []),
        "state": [f for k in ("state", "audit", "store") for f in ctx.findings.get(k, [])],
        "stray": ctx.findings.get("stray", []),
    }
    judge(findings, KNOWN.get((command, kind), {}))
